//! `pyhygiene rules`: every rule with its defaults, for people or as JSON.

use std::io::Write;

use crate::cli::RulesFormat;
use crate::commands::{reader_may_leave, Status};
use crate::error::Error;
use crate::registry::Rule;

pub fn run(format: RulesFormat) -> Result<Status, Error> {
    reader_may_leave(write(format))?;
    Ok(Status::Clean)
}

fn write(format: RulesFormat) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        RulesFormat::Human => {
            writeln!(
                out,
                "{:<7} {:<26} {:<8} {:<13} fix",
                "code", "name", "default", "file set"
            )?;
            for rule in Rule::ALL {
                let meta = rule.meta();
                let default = meta.default_level();
                let safety = meta.fix_safety.as_str();
                writeln!(
                    out,
                    "{:<7} {:<26} {:<8} {:<13} {} ({safety})",
                    meta.code,
                    meta.name,
                    default,
                    meta.file_set.as_str(),
                    meta.fix.as_str()
                )?;
            }
        }
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = Rule::ALL
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({
                        "code": meta.code,
                        "name": meta.name,
                        "summary": meta.summary,
                        "file_set": meta.file_set.as_str(),
                        "severity": meta.severity.as_str(),
                        "enabled": meta.enabled,
                        "fix": meta.fix.as_str(),
                        "fix_safety": meta.fix_safety.as_str(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rules).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}
