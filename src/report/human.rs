//! The human report: grouped by rule, then folder, with a summary line.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anstyle::{AnsiColor, Style};

use crate::diagnostic::{display_path, Diagnostic, Safety, Severity};
use crate::report::escape_controls;
use crate::report::Summary;

/// A folder group longer than this is collapsed unless `--verbose`.
const COLLAPSE_OVER: usize = 10;
/// Files still shown from a collapsed group.
const COLLAPSED_SHOWN: usize = 3;

#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    pub color: bool,
    pub verbose: bool,
    pub quiet: bool,
}

struct Palette {
    error: Style,
    warning: Style,
    bold: Style,
    path: Style,
    dim: Style,
}

impl Palette {
    fn new(color: bool) -> Palette {
        if !color {
            let plain = Style::new();
            return Palette {
                error: plain,
                warning: plain,
                bold: plain,
                path: plain,
                dim: plain,
            };
        }
        Palette {
            error: AnsiColor::Red.on_default().bold(),
            warning: AnsiColor::Yellow.on_default().bold(),
            bold: Style::new().bold(),
            path: AnsiColor::Cyan.on_default(),
            dim: Style::new().dimmed(),
        }
    }

    fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
        }
    }
}

/// Write the report. `diagnostics` must be sorted by rule, then path.
pub fn write(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    options: HumanOptions,
) -> std::io::Result<()> {
    let p = Palette::new(options.color);
    for rule_group in diagnostics.chunk_by(|a, b| a.rule == b.rule) {
        let first = &rule_group[0];
        let meta = first.rule.meta();
        let sev = p.severity(first.severity);
        let count = match rule_group.len() {
            1 => String::new(),
            n => format!(" ({n})"),
        };
        writeln!(
            out,
            "{sev}{}[{}]{sev:#} {b}{}{b:#}: {}{count}",
            first.severity.as_str(),
            first.rule.code(),
            meta.name,
            meta.summary,
            b = p.bold,
        )?;
        // Folders in order of first appearance; a map keeps this linear.
        let mut by_folder: Vec<(&Path, Vec<&Diagnostic>)> = Vec::new();
        let mut index: HashMap<&Path, usize> = HashMap::new();
        for d in rule_group {
            let folder = d.path.parent().unwrap_or(Path::new(""));
            let i = *index.entry(folder).or_insert_with(|| {
                by_folder.push((folder, Vec::new()));
                by_folder.len() - 1
            });
            by_folder[i].1.push(d);
        }
        for (folder, items) in by_folder {
            write_folder(out, &p, folder, &items, options.verbose)?;
        }
        if let Some(fix) = &first.fix {
            let safety = match fix.safety {
                Safety::Safe => "fix",
                Safety::Unsafe => "unsafe fix (--unsafe-fixes)",
            };
            writeln!(
                out,
                "  {d}= {safety}: {}{d:#}",
                fix.kind.describe(),
                d = p.dim
            )?;
        }
        writeln!(out)?;
    }
    if !options.quiet {
        writeln!(
            out,
            "{b}{}{b:#}",
            summary_line(&Summary::of(diagnostics)),
            b = p.bold
        )?;
    }
    Ok(())
}

fn write_folder(
    out: &mut dyn Write,
    p: &Palette,
    folder: &Path,
    items: &[&Diagnostic],
    verbose: bool,
) -> std::io::Result<()> {
    // Names and messages come from file names: no control character reaches the terminal.
    let folder_name = match display_path(folder).as_str() {
        "." => String::new(),
        name => format!("{}/", escape_controls(name)),
    };
    if let [only] = items {
        return writeln!(
            out,
            "  {c}{}{c:#}: {}",
            escape_controls(&only.display_path()),
            escape_controls(&only.message),
            c = p.path
        );
    }
    let label = if folder_name.is_empty() {
        "./"
    } else {
        &folder_name
    };
    let noun = if items
        .iter()
        .any(|d| d.is_dir || d.path.as_os_str() == ".gitignore")
    {
        "findings"
    } else {
        "files"
    };
    writeln!(
        out,
        "  {c}{label}{c:#} {d}({} {noun}){d:#}",
        items.len(),
        c = p.path,
        d = p.dim
    )?;
    let shown = if verbose || items.len() <= COLLAPSE_OVER {
        items.len()
    } else {
        COLLAPSED_SHOWN
    };
    for d in &items[..shown] {
        let name = escape_controls(&d.display_path()).into_owned();
        let name = name.strip_prefix(&folder_name).unwrap_or(&name);
        let message = escape_controls(&d.message);
        writeln!(out, "    {c}{name}{c:#}: {message}", c = p.path)?;
    }
    if shown < items.len() {
        writeln!(
            out,
            "    {d}… and {} more (--verbose lists them){d:#}",
            items.len() - shown,
            d = p.dim
        )?;
    }
    Ok(())
}

/// `12 problems (9 fixable with pyhygiene fix)`.
pub fn summary_line(s: &Summary) -> String {
    if s.problems == 0 {
        return "No problems found.".to_owned();
    }
    let noun = if s.problems == 1 {
        "problem"
    } else {
        "problems"
    };
    let mut line = format!(
        "{} {noun} ({} fixable with pyhygiene fix",
        s.problems, s.fixable
    );
    if s.unsafe_fixable > 0 {
        line.push_str(&format!(", {} more with --unsafe-fixes", s.unsafe_fixable));
    }
    line.push(')');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines() {
        let s = Summary {
            problems: 12,
            errors: 3,
            warnings: 9,
            fixable: 9,
            unsafe_fixable: 0,
        };
        assert_eq!(
            summary_line(&s),
            "12 problems (9 fixable with pyhygiene fix)"
        );
        let s = Summary {
            problems: 1,
            unsafe_fixable: 1,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&s),
            "1 problem (0 fixable with pyhygiene fix, 1 more with --unsafe-fixes)"
        );
        assert_eq!(summary_line(&Summary::default()), "No problems found.");
    }
}
