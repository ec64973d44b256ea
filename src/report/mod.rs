//! Reporters: turn an outcome into text. They only write to the given stream.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::{Diagnostic, Safety, Severity};

/// A `Display` value serialized as a string: formatted straight into the
/// document, no `String` per value (JSON and SARIF write one per finding).
pub struct Displayed<T>(pub T);

impl<T: std::fmt::Display> serde::Serialize for Displayed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Counts for summary lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub problems: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Fixed by `pyhygiene fix`.
    pub fixable: usize,
    /// Fixed only with `--unsafe-fixes`.
    pub unsafe_fixable: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic]) -> Summary {
        let mut summary = Summary {
            problems: diagnostics.len(),
            ..Summary::default()
        };
        for d in diagnostics {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
            }
            match d.fix.as_ref().map(|f| f.safety) {
                Some(Safety::Safe) => summary.fixable += 1,
                Some(Safety::Unsafe) => summary.unsafe_fixable += 1,
                None => {}
            }
        }
        summary
    }
}

/// Text for a terminal: control characters (a newline or an ESC in a file name)
/// written as escapes, as `git` and `ls` do, so a name cannot forge report lines
/// or drive the terminal. Machine formats escape by their own rules.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x1b' => out.push_str("\\e"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain/π.pyc"), "plain/π.pyc");
        assert_eq!(
            escape_controls("a\nb\r\tc\x1b[31m\x07\u{9b}"),
            "a\\nb\\r\\tc\\e[31m\\x07\\x9B"
        );
    }
}
