//! Findings as data: what rules produce and what reporters and the fixer consume.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::paths::{bytes_of, DisplayPath};
use crate::registry::Rule;

/// How bad a finding is; decides the exit code together with `fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Whether `pyhygiene fix` applies a fix by default (ruff's applicability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    Safe,
    Unsafe,
}

impl Safety {
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
        }
    }
}

/// The kind of change a fix makes; the fixer orders them untrack → ignore → delete → rmdir.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    /// `git rm --cached` of one file.
    Untrack,
    /// `git rm -r --cached` of a whole folder, then ignore it.
    UntrackFolder,
    /// Append entries to the root `.gitignore`.
    AddIgnoreEntries,
    /// Delete one bytecode file.
    Delete,
    /// Remove an empty `__pycache__` folder.
    RemoveFolder,
    /// Delete a deleted package's orphaned caches and remove its emptied folders.
    RemoveTree,
}

impl FixKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FixKind::Untrack => "untrack",
            FixKind::UntrackFolder => "untrack-folder",
            FixKind::AddIgnoreEntries => "add-ignore-entries",
            FixKind::Delete => "delete",
            FixKind::RemoveFolder => "remove-folder",
            FixKind::RemoveTree => "remove-tree",
        }
    }

    /// One line for reports: what the fix does.
    pub fn describe(self) -> &'static str {
        match self {
            FixKind::Untrack => "remove from the git index (the file stays on disk)",
            FixKind::UntrackFolder => {
                "remove the folder from the git index (files stay on disk) and ignore it"
            }
            FixKind::AddIgnoreEntries => "append the missing entries to the root .gitignore",
            FixKind::Delete => "delete the file",
            FixKind::RemoveFolder => "remove the empty folder",
            FixKind::RemoveTree => "delete the orphaned caches and remove the emptied folders",
        }
    }
}

/// A fix a rule proposes; the fixer decides whether and how to apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub kind: FixKind,
    pub safety: Safety,
    /// The `.gitignore` line an `AddIgnoreEntries` fix appends.
    pub ignore_entry: Option<String>,
}

/// Where in an ignore file a finding comes from (PYH101's negations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreLocation {
    pub file: PathBuf,
    pub line: usize,
}

/// One finding: one rule, one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    /// Relative to the root.
    pub path: PathBuf,
    /// The path names a folder (PYH003, PYH204), shown with a trailing `/`.
    pub is_dir: bool,
    /// The path does not exist yet (the root `.gitignore` a fix would create).
    pub missing: bool,
    /// Static for the per-file findings there can be many of.
    pub message: Cow<'static, str>,
    pub fix: Option<Fix>,
    pub location: Option<IgnoreLocation>,
    /// More folders this one finding stands for (PYH101 groups folders by cause);
    /// PATHS in any of them keep it in the report.
    pub related: Vec<PathBuf>,
}

impl Diagnostic {
    /// A finding with the rule's default severity and fix; the engine applies the
    /// configured severity afterwards.
    pub fn new(
        rule: Rule,
        path: impl Into<PathBuf>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        let meta = rule.meta();
        Diagnostic {
            rule,
            severity: meta.severity,
            path: path.into(),
            is_dir: false,
            missing: false,
            message: message.into(),
            fix: Some(Fix {
                kind: meta.fix,
                safety: meta.fix_safety,
                ignore_entry: None,
            }),
            location: None,
            related: Vec::new(),
        }
    }

    pub fn dir(mut self) -> Self {
        self.is_dir = true;
        self
    }

    pub fn missing(mut self) -> Self {
        self.missing = true;
        self
    }

    /// The file an annotation (github, SARIF) points at, with its line: a file that
    /// exists. `None` for a folder or a file still to create: a repository-level
    /// annotation, since GitHub can place neither.
    pub fn annotated_file(&self) -> Option<(&Path, Option<usize>)> {
        if let Some(location) = &self.location {
            return Some((&location.file, (location.line > 0).then_some(location.line)));
        }
        (!self.is_dir && !self.missing).then_some((self.path.as_path(), None))
    }

    pub fn at(mut self, location: IgnoreLocation) -> Self {
        self.location = Some(location);
        self
    }

    /// The path as reports print it: `/`-separated, non-UTF-8 bytes escaped.
    pub fn display_path(&self) -> String {
        self.shown_path().to_string()
    }

    /// [`Diagnostic::display_path`], written into a formatter; a folder ends in `/`.
    pub fn shown_path(&self) -> impl std::fmt::Display + '_ {
        struct Shown<'a>(&'a Diagnostic);
        impl std::fmt::Display for Shown<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", DisplayPath(&self.0.path))?;
                if self.0.is_dir {
                    f.write_str("/")?;
                }
                Ok(())
            }
        }
        Shown(self)
    }

    /// The report's order, whatever the walk's: by rule, then path (as `Path`
    /// orders, compared byte by byte), then message.
    pub fn order(&self, other: &Diagnostic) -> Ordering {
        self.rule
            .cmp(&other.rule)
            .then_with(|| crate::paths::cmp_paths(bytes_of(&self.path), bytes_of(&other.path)))
            .then_with(|| self.message.cmp(&other.message))
    }

    /// The same finding twice (two rules' passes, or two reasons in one).
    pub fn same_as(&self, other: &Diagnostic) -> bool {
        self.rule == other.rule && self.path == other.path && self.message == other.message
    }
}

pub use crate::paths::display_path;

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports order by rule, then path as `Path` orders it, then message; a
    /// finding equal in all three is one finding.
    #[test]
    fn order_and_sameness() {
        let d = |rule, path: &str, message: &'static str| Diagnostic::new(rule, path, message);
        let a = d(Rule::PYH001, "a/b.pyc", "x");
        assert!(a.same_as(&a.clone()));
        assert!(!a.same_as(&d(Rule::PYH002, "a/b.pyc", "x")));
        assert!(!a.same_as(&d(Rule::PYH001, "a/c.pyc", "x")));
        assert!(!a.same_as(&d(Rule::PYH001, "a/b.pyc", "y")));
        assert_eq!(a.order(&a.clone()), Ordering::Equal);
        assert_eq!(a.order(&d(Rule::PYH002, "a", "x")), Ordering::Less);
        assert_eq!(a.order(&d(Rule::PYH001, "a-b.pyc", "x")), Ordering::Less);
        assert_eq!(a.order(&d(Rule::PYH001, "a/b.pyc", "w")), Ordering::Greater);
    }

    /// Annotations point at files that exist: a folder or a file still to create
    /// has none, an ignore file's line only when it is known.
    #[test]
    fn annotations_only_on_existing_files() {
        let file = Diagnostic::new(Rule::PYH001, "m.pyc", "x");
        assert_eq!(file.annotated_file(), Some((Path::new("m.pyc"), None)));
        assert_eq!(file.clone().dir().annotated_file(), None);
        assert_eq!(file.clone().missing().annotated_file(), None);
        let at = |line| {
            Diagnostic::new(Rule::PYH101, ".gitignore", "x")
                .missing()
                .at(IgnoreLocation {
                    file: PathBuf::from("sub/.gitignore"),
                    line,
                })
        };
        assert_eq!(
            at(3).annotated_file(),
            Some((Path::new("sub/.gitignore"), Some(3)))
        );
        assert_eq!(
            at(0).annotated_file(),
            Some((Path::new("sub/.gitignore"), None))
        );
    }
}
