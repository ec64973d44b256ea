//! GitHub Actions workflow commands (`--output-format github`): one annotation per
//! diagnostic, escaped as the Actions toolkit does.

use std::io::Write;

use crate::diagnostic::{display_path, Diagnostic, Severity};

pub fn write(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    incomplete: &[String],
) -> std::io::Result<()> {
    // What could not be read: a repository-level warning, so CI shows the gap.
    for message in incomplete {
        let message = format!("{message}; the check is incomplete");
        writeln!(out, "::warning title=pyhygiene::{}", escape_data(&message))?;
    }
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // Only a file that exists can hold an annotation: a folder or a
        // `.gitignore` still to create is a repository-level annotation.
        let mut properties = String::new();
        if let Some((file, line)) = d.annotated_file() {
            properties.push_str(&format!("file={},", escape_property(&display_path(file))));
            if let Some(line) = line {
                properties.push_str(&format!("line={line},"));
            }
        }
        properties.push_str(&format!("title={}", d.rule.code()));
        let message = format!("{}: {}", d.display_path(), d.message);
        writeln!(out, "::{command} {properties}::{}", escape_data(&message))?;
    }
    Ok(())
}

/// Message text: `%`, CR and LF are percent-encoded.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values: as data, plus `:` and `,`, which delimit properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
