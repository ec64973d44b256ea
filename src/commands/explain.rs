//! `pyhygiene explain CODE`: a rule's explanation.

use std::io::Write;

use crate::commands::{reader_may_leave, Status};
use crate::error::Error;
use crate::registry::Rule;

pub fn run(code: &str) -> Result<Status, Error> {
    let rule =
        Rule::from_code(code).or_else(|| Rule::ALL.iter().copied().find(|r| r.name() == code));
    let Some(rule) = rule else {
        return Err(Error::Usage {
            message: format!("unknown rule `{code}`"),
            help: Some(match Rule::suggest(code) {
                Some(s) => format!("did you mean `{s}`? `pyhygiene rules` lists every rule"),
                None => "`pyhygiene rules` lists every rule".into(),
            }),
        });
    };
    reader_may_leave(write(rule))?;
    Ok(Status::Clean)
}

fn write(rule: Rule) -> Result<(), Error> {
    let meta = rule.meta();
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {} ({})\n", meta.name, meta.code)?;
    writeln!(out, "{}\n", meta.summary)?;
    let default = meta.default_level();
    writeln!(
        out,
        "Default: {default}. File set: {}.\n",
        meta.file_set.as_str()
    )?;
    write!(out, "{}", meta.explanation.trim_start())?;
    out.flush()?;
    Ok(())
}
