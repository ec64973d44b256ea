//! The stable JSON document (`--output-format json`).

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::diagnostic::{display_path, Diagnostic};
use crate::lint::Outcome;
use crate::paths::DisplayPath;
use crate::report::{Displayed, Summary};

/// Bumped on any incompatible change of the document's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    root: String,
    diagnostics: Diagnostics<'a>,
    summary: Summary,
    notes: &'a [String],
    /// What could not be read: when not empty, the run did not look everywhere.
    incomplete: &'a [String],
}

/// The findings, converted one at a time as they are written (no document in memory).
struct Diagnostics<'a>(&'a [Diagnostic]);

impl Serialize for Diagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(convert))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    path: Displayed<DisplayPath<'a>>,
    is_dir: bool,
    /// `false` for a file still to create (the root `.gitignore` a fix would add).
    exists: bool,
    message: &'a str,
    fix: Option<JsonFix<'a>>,
    ignore_file: Option<String>,
    ignore_line: Option<usize>,
    /// PYH101/PYH102: the source folders the finding exposes (`.` for the root).
    exposed_folders: Vec<String>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    kind: &'static str,
    ignore_entry: Option<&'a str>,
    safety: &'static str,
    description: &'static str,
}

pub fn write(out: &mut dyn Write, root: &Path, outcome: &Outcome) -> std::io::Result<()> {
    let diagnostics = &outcome.diagnostics;
    let document = Document {
        version: FORMAT_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        root: root.display().to_string(),
        diagnostics: Diagnostics(diagnostics),
        summary: Summary::of(diagnostics),
        notes: &outcome.notes,
        incomplete: &outcome.incomplete,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn convert(d: &Diagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        code: d.rule.code(),
        name: d.rule.name(),
        severity: d.severity.as_str(),
        path: Displayed(DisplayPath(&d.path)),
        is_dir: d.is_dir,
        exists: !d.missing,
        message: &d.message,
        fix: d.fix.as_ref().map(|f| JsonFix {
            kind: f.kind.as_str(),
            ignore_entry: f.ignore_entry.as_deref(),
            safety: f.safety.as_str(),
            description: f.kind.describe(),
        }),
        ignore_file: d.location.as_ref().map(|l| display_path(&l.file)),
        ignore_line: d.location.as_ref().map(|l| l.line),
        exposed_folders: d.related.iter().map(|p| display_path(p)).collect(),
    }
}
