//! Reporters: turn an outcome into text. They only write to the given stream.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::{Diagnostic, Safety, Severity};

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
