//! The ignore-rules set: the repository's `.gitignore` files evaluated as git does
//! (nesting, negation, anchoring, directory-only patterns, excluded parents).
//!
//! Matching per file comes from the `ignore` crate; what it does not do, this module
//! does the way git's `dir.c` does: a path inside an excluded folder is excluded
//! whatever later negations say, and lines are read with CR stripped and a BOM skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

use crate::paths::{bytes_of, path as path_from, split_last};
use crate::repo::root::Root;

/// The ignore-rules file set: what the team shares (`.gitignore` files in the git
/// index) and what protects only this clone (`.git/info/exclude`, `core.excludesFile`,
/// and `.gitignore` files that are not in the index).
#[derive(Debug, Default)]
pub struct IgnoreSet {
    pub committed: IgnoreRules,
    pub local: IgnoreRules,
    /// Every `.gitignore` on disk, committed or not; `None` when all are committed
    /// (then it would equal `committed`). Says when `git add` would be the fix.
    pub on_disk: Option<IgnoreRules>,
    /// The interpreter tag cache probes are named with (SPEC §3 PYH101).
    pub probe_tag: String,
    /// Files that could not be read, for notes.
    pub errors: Vec<String>,
}

impl IgnoreSet {
    /// `in_index` tells which of the `gitignores` found on disk are in the git
    /// index (outside git, all count). `global_excludes` is
    /// `git::global_excludes_file`, looked up by the caller (it runs git, so the
    /// engine does it while the walk runs).
    pub fn load(
        root: &Root,
        gitignores: &[PathBuf],
        in_index: impl Fn(&Path) -> bool,
        global_excludes: Option<PathBuf>,
        probe_tag: String,
    ) -> IgnoreSet {
        let (committed_files, uncommitted): (Vec<PathBuf>, Vec<PathBuf>) = gitignores
            .iter()
            .cloned()
            .partition(|g| !root.is_git || in_index(g));
        let (committed, mut errors) = IgnoreRules::load(&root.path, &committed_files);
        let on_disk = (!uncommitted.is_empty()).then(|| {
            let (all, more) = IgnoreRules::load(&root.path, gitignores);
            for error in more {
                if !errors.contains(&error) {
                    errors.push(error);
                }
            }
            all
        });
        let mut local = IgnoreRules::default();
        if root.is_git {
            let info = root.git.as_ref().map(|g| g.common_dir.join("info/exclude"));
            for file in info.into_iter().chain(global_excludes) {
                if let Ok(bytes) = std::fs::read(&file) {
                    local.push(PathBuf::new(), file, &bytes);
                }
            }
        }
        IgnoreSet {
            committed,
            local,
            on_disk,
            probe_tag,
            errors,
        }
    }
}

/// One ignore file, compiled, with its lines kept to report line numbers.
#[derive(Debug)]
struct IgnoreFile {
    /// The folder its patterns are relative to (relative to the root).
    base: PathBuf,
    /// Where it is, for messages: relative to the root for `.gitignore` files.
    file: PathBuf,
    matcher: Gitignore,
    /// `(line number, line text)` of each pattern line, CR stripped.
    lines: Vec<(usize, String)>,
}

/// The pattern that decided a path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decider {
    pub file: PathBuf,
    pub line: usize,
    pub pattern: String,
}

/// What the rules say of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Ignored by this pattern (possibly through an excluded parent folder).
    Ignored(Decider),
    /// A negation re-included it.
    Negated(Decider),
    /// No pattern matches.
    Unmatched,
}

impl Verdict {
    pub fn is_ignored(&self) -> bool {
        matches!(self, Verdict::Ignored(_))
    }
}

/// A stack of ignore files, shallowest first.
#[derive(Debug, Default)]
pub struct IgnoreRules {
    files: Vec<IgnoreFile>,
}

impl IgnoreRules {
    /// Compile `.gitignore` files (paths relative to `root`). Unreadable files are
    /// returned as errors for notes; the others still count.
    pub fn load(root: &Path, gitignores: &[PathBuf]) -> (IgnoreRules, Vec<String>) {
        let mut rules = IgnoreRules::default();
        let mut errors = Vec::new();
        for relative in gitignores {
            match std::fs::read(root.join(relative)) {
                Ok(bytes) => {
                    let base = relative.parent().unwrap_or(Path::new("")).to_owned();
                    rules.push(base, relative.clone(), &bytes);
                }
                Err(err) => errors.push(format!("{}: {err}", relative.display())),
            }
        }
        rules.files.sort_by_key(|f| f.base.components().count());
        (rules, errors)
    }

    /// Rules from one file's bytes; `base` is the folder its patterns are relative to.
    pub fn from_bytes(base: &Path, file: &Path, bytes: &[u8]) -> IgnoreRules {
        let mut rules = IgnoreRules::default();
        rules.push(base.to_owned(), file.to_owned(), bytes);
        rules
    }

    /// Add a file's patterns (deeper files must come later).
    pub fn push(&mut self, base: PathBuf, file: PathBuf, bytes: &[u8]) {
        // A leading UTF-8 BOM is skipped, as git does.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // The builder's root only anchors patterns; we match relative paths, so any
        // absolute-looking root works. Use the base itself relative to "/".
        let mut builder = GitignoreBuilder::new(Path::new("/").join(&base));
        let mut lines = Vec::new();
        for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let text = String::from_utf8_lossy(raw);
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            // A malformed pattern is skipped, as git skips patterns it cannot use.
            if builder.add_line(Some(file.clone()), &text).is_ok() {
                lines.push((index + 1, text.into_owned()));
            }
        }
        let matcher = builder.build().unwrap_or_else(|_| Gitignore::empty());
        self.files.push(IgnoreFile {
            base,
            file,
            matcher,
            lines,
        });
    }

    /// Append lines to the root file's patterns (the fixer's preview of its own edit).
    pub fn with_root_lines(&self, root_file: &Path, appended: &[String]) -> IgnoreRules {
        let mut rules = IgnoreRules::default();
        let mut found = false;
        for f in &self.files {
            let mut text: Vec<String> = f.lines.iter().map(|(_, l)| l.clone()).collect();
            if f.base.as_os_str().is_empty() && f.file == root_file {
                text.extend(appended.iter().cloned());
                found = true;
            }
            rules.push(f.base.clone(), f.file.clone(), text.join("\n").as_bytes());
        }
        if !found {
            rules.push(
                PathBuf::new(),
                root_file.to_owned(),
                appended.join("\n").as_bytes(),
            );
        }
        rules.files.sort_by_key(|f| f.base.components().count());
        rules
    }

    /// Is `path` (relative to the root) ignored? As git: each leading folder is
    /// checked first, and an excluded folder excludes everything below it.
    pub fn check(&self, path: &Path, is_dir: bool) -> Verdict {
        Checker::new(self).check(path, is_dir)
    }

    /// The deepest file with a matching pattern decides; within a file, the last match.
    fn check_one(&self, path: &Path, is_dir: bool) -> Verdict {
        for file in self.files.iter().rev() {
            let Ok(relative) = path.strip_prefix(&file.base) else {
                continue;
            };
            if relative.as_os_str().is_empty() {
                continue;
            }
            match file.matcher.matched(relative, is_dir) {
                Match::None => continue,
                Match::Ignore(glob) => return Verdict::Ignored(file.decider(glob.original())),
                Match::Whitelist(glob) => return Verdict::Negated(file.decider(glob.original())),
            }
        }
        Verdict::Unmatched
    }
}

/// Checks many paths against the same rules, remembering what the rules say of
/// each folder: probes in sibling folders share their leading folders.
pub struct Checker<'a> {
    rules: &'a IgnoreRules,
    /// Folder (relative path bytes) → excluded (by this pattern), re-included by
    /// the nearest negation, or unmatched.
    folders: HashMap<Vec<u8>, Verdict>,
}

impl<'a> Checker<'a> {
    pub fn new(rules: &'a IgnoreRules) -> Checker<'a> {
        Checker {
            rules,
            folders: HashMap::new(),
        }
    }

    /// An excluded folder excludes the path. Otherwise the path's own patterns
    /// decide; when none matches, a negation that re-included a folder above it
    /// is why it is not ignored (`!__pycache__/` in a nested `.gitignore`).
    pub fn check(&mut self, path: &Path, is_dir: bool) -> Verdict {
        let (parent, _) = split_last(bytes_of(path));
        match self.folder(parent) {
            Verdict::Ignored(decider) => Verdict::Ignored(decider),
            above => match self.rules.check_one(path, is_dir) {
                Verdict::Unmatched => above,
                own => own,
            },
        }
    }

    /// What the rules say of this folder, given the folders above it.
    fn folder(&mut self, folder: &[u8]) -> Verdict {
        if folder.is_empty() {
            return Verdict::Unmatched;
        }
        if let Some(known) = self.folders.get(folder) {
            return known.clone();
        }
        let above = self.folder(split_last(folder).0);
        let verdict = match above {
            Verdict::Ignored(_) => above,
            _ => match self.rules.check_one(path_from(folder), true) {
                Verdict::Unmatched => above,
                own => own,
            },
        };
        self.folders.insert(folder.to_vec(), verdict.clone());
        verdict
    }
}

impl IgnoreFile {
    /// Map a matched pattern back to its line: the last line with that text wins,
    /// as the last matching pattern does.
    fn decider(&self, original: &str) -> Decider {
        let line = self
            .lines
            .iter()
            .rev()
            .find(|(_, text)| {
                text.strip_prefix(original)
                    .is_some_and(|rest| rest.bytes().all(|b| b == b' '))
            })
            .map_or(0, |(n, _)| *n);
        Decider {
            file: self.file.clone(),
            line,
            pattern: original.to_owned(),
        }
    }
}

/// Does this single `.gitignore` line, at the root, ignore `path`?
pub fn entry_ignores(entry: &str, path: &Path) -> bool {
    IgnoreRules::from_bytes(Path::new(""), Path::new(".gitignore"), entry.as_bytes())
        .check(path, false)
        .is_ignored()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(files: &[(&str, &str)]) -> IgnoreRules {
        let mut rules = IgnoreRules::default();
        for (path, text) in files {
            let path = PathBuf::from(path);
            let base = path.parent().unwrap().to_owned();
            rules.push(base, path, text.as_bytes());
        }
        rules.files.sort_by_key(|f| f.base.components().count());
        rules
    }

    #[test]
    fn negation_names_file_and_line() {
        let r = rules(&[
            (".gitignore", "# c\n*.pyc\n"),
            ("sub/.gitignore", "\n!*.pyc\n"),
        ]);
        assert!(r.check(Path::new("a/m.pyc"), false).is_ignored());
        assert_eq!(
            r.check(Path::new("sub/x/m.pyc"), false),
            Verdict::Negated(Decider {
                file: "sub/.gitignore".into(),
                line: 2,
                pattern: "!*.pyc".into()
            })
        );
    }

    #[test]
    fn excluded_parent_cannot_be_reincluded() {
        let r = rules(&[(".gitignore", "build/\n!build/m.pyc\n")]);
        assert!(r.check(Path::new("build/m.pyc"), false).is_ignored());
        let r = rules(&[(".gitignore", "__pycache__/\n")]);
        assert!(r
            .check(Path::new("a/__pycache__/m.cpython-311.pyc"), false)
            .is_ignored());
        assert_eq!(r.check(Path::new("a/m.pyc"), false), Verdict::Unmatched);
    }

    #[test]
    fn crlf_and_bom() {
        let r = IgnoreRules::from_bytes(
            Path::new(""),
            Path::new(".gitignore"),
            b"\xEF\xBB\xBF*.pyc\r\n__pycache__/\r\n",
        );
        assert!(r.check(Path::new("m.pyc"), false).is_ignored());
        assert!(r
            .check(Path::new("__pycache__/m.x.pyc"), false)
            .is_ignored());
    }

    #[test]
    fn appended_lines_preview() {
        let r = rules(&[(".gitignore", "*.egg-info/\n!*.pyc\n")]);
        assert!(!r.check(Path::new("m.pyc"), false).is_ignored());
        let fixed = r.with_root_lines(Path::new(".gitignore"), &["*.py[cod]".into()]);
        assert!(fixed.check(Path::new("m.pyc"), false).is_ignored());
        let fresh = IgnoreRules::default()
            .with_root_lines(Path::new(".gitignore"), &["__pycache__/".into()]);
        assert!(fresh
            .check(Path::new("x/__pycache__/m.pyc"), false)
            .is_ignored());
    }
}
