//! The ignore-rules set: the repository's `.gitignore` files evaluated as git does
//! (nesting, negation, anchoring, directory-only patterns, excluded parents).
//!
//! Matching per file comes from the `ignore` crate; what it does not do, this module
//! does the way git's `dir.c` does: a path inside an excluded folder is excluded
//! whatever later negations say, and lines are read with CR stripped and a BOM skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

/// One ignore file: its patterns, each compiled only when a path could match it.
#[derive(Debug)]
struct IgnoreFile {
    /// The folder its patterns are relative to (relative to the root).
    base: PathBuf,
    /// Where it is, for messages: relative to the root for `.gitignore` files.
    file: PathBuf,
    /// In file order: the last match wins.
    patterns: Vec<Pattern>,
}

/// One pattern line. A `.gitignore` of 40,000 lines must not cost 40,000 compiled
/// globs when a few hundred paths are asked about: as git does, a cheap literal
/// test of the path's last component comes first, and the glob is compiled the
/// first time that test passes.
#[derive(Debug)]
struct Pattern {
    /// Its 1-based line number.
    line: usize,
    /// The line, CR stripped.
    text: String,
    filter: Filter,
    /// The pattern alone, compiled on first use.
    matcher: OnceLock<Gitignore>,
}

/// What the last component of a matching path must look like, from the literal
/// start and end of the pattern's last segment (a matching path's last component
/// matches the last segment: `*` and `?` never match `/`).
#[derive(Debug, PartialEq, Eq)]
enum Filter {
    /// No wildcard: the component is this name.
    Exact(Vec<u8>),
    /// The component starts with `prefix` and ends with `suffix`, not overlapping.
    Affixes { prefix: Vec<u8>, suffix: Vec<u8> },
    /// Classes, alternations (`{a,b}`), escapes or `**`: no cheap test, always
    /// try the glob.
    Any,
}

impl Filter {
    fn of(line: &str) -> Filter {
        let text = line.strip_prefix('!').unwrap_or(line);
        if text.contains(['\\', '[', '{']) {
            return Filter::Any;
        }
        // Unescaped trailing spaces are not part of the pattern; `/` marks a folder.
        let text = text.trim_end_matches(' ');
        let text = text.strip_suffix('/').unwrap_or(text);
        let segment = text.rsplit('/').next().unwrap_or(text);
        if segment.is_empty() || segment.contains("**") {
            return Filter::Any;
        }
        match (segment.find(['*', '?']), segment.rfind(['*', '?'])) {
            (Some(first), Some(last)) => Filter::Affixes {
                prefix: segment.as_bytes()[..first].to_vec(),
                suffix: segment.as_bytes()[last + 1..].to_vec(),
            },
            _ => Filter::Exact(segment.as_bytes().to_vec()),
        }
    }

    fn may_match(&self, name: &[u8]) -> bool {
        match self {
            Filter::Exact(exact) => name == exact.as_slice(),
            Filter::Affixes { prefix, suffix } => {
                name.len() >= prefix.len() + suffix.len()
                    && name.starts_with(prefix)
                    && name.ends_with(suffix)
            }
            Filter::Any => true,
        }
    }
}

impl Pattern {
    fn matched(
        &self,
        base: &Path,
        relative: &Path,
        is_dir: bool,
    ) -> Match<&ignore::gitignore::Glob> {
        self.matcher
            .get_or_init(|| {
                let mut builder = GitignoreBuilder::new(Path::new("/").join(base));
                // A malformed pattern matches nothing, as git skips patterns it
                // cannot use.
                match builder.add_line(None, &self.text) {
                    Ok(_) => builder.build().unwrap_or_else(|_| Gitignore::empty()),
                    Err(_) => Gitignore::empty(),
                }
            })
            .matched(relative, is_dir)
    }
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
        let mut patterns = Vec::new();
        for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let text = String::from_utf8_lossy(raw);
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            patterns.push(Pattern {
                line: index + 1,
                filter: Filter::of(&text),
                text: text.into_owned(),
                matcher: OnceLock::new(),
            });
        }
        self.files.push(IgnoreFile {
            base,
            file,
            patterns,
        });
    }

    /// Append lines to the root file's patterns (the fixer's preview of its own edit).
    pub fn with_root_lines(&self, root_file: &Path, appended: &[String]) -> IgnoreRules {
        let mut rules = IgnoreRules::default();
        let mut found = false;
        for f in &self.files {
            let mut text: Vec<String> = f.patterns.iter().map(|p| p.text.clone()).collect();
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

    /// Does `decider`, having ignored a path at the root, ignore the same path in
    /// every folder? It does when it is a basename pattern (no `/` but a trailing
    /// one) of a root-level file and no file has a negation: the pattern matches
    /// the same component at any depth, and nothing can re-include it.
    pub fn ignores_everywhere(&self, decider: &Decider) -> bool {
        let pattern = decider
            .pattern
            .strip_suffix('/')
            .unwrap_or(&decider.pattern);
        !pattern.contains('/')
            && self
                .files
                .iter()
                .any(|f| f.file == decider.file && f.base.as_os_str().is_empty())
            && !self
                .files
                .iter()
                .flat_map(|f| &f.patterns)
                .any(|p| p.text.starts_with('!'))
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
            let name = split_last(bytes_of(relative)).1;
            for pattern in file.patterns.iter().rev() {
                if !pattern.filter.may_match(name) {
                    continue;
                }
                match pattern.matched(&file.base, relative, is_dir) {
                    Match::None => continue,
                    Match::Ignore(glob) => return Verdict::Ignored(file.decider(pattern, glob)),
                    Match::Whitelist(glob) => return Verdict::Negated(file.decider(pattern, glob)),
                }
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
    fn decider(&self, pattern: &Pattern, glob: &ignore::gitignore::Glob) -> Decider {
        Decider {
            file: self.file.clone(),
            line: pattern.line,
            pattern: glob.original().to_owned(),
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

    #[test]
    fn filters_take_the_literal_ends_of_the_last_segment() {
        let affixes = |prefix: &str, suffix: &str| Filter::Affixes {
            prefix: prefix.as_bytes().to_vec(),
            suffix: suffix.as_bytes().to_vec(),
        };
        assert_eq!(Filter::of("pat123_*.log"), affixes("pat123_", ".log"));
        assert_eq!(Filter::of("!/src/m?.py  "), affixes("m", ".py"));
        assert_eq!(Filter::of("build/"), Filter::Exact(b"build".to_vec()));
        assert_eq!(
            Filter::of("/a/b/__pycache__/"),
            Filter::Exact(b"__pycache__".to_vec())
        );
        for any in ["*.py[cod]", "*.{pyc,pyo}", "a/**", "\\#x", "/"] {
            assert_eq!(Filter::of(any), Filter::Any, "{any}");
        }
        let f = affixes("ab", "ba");
        assert!(f.may_match(b"abba") && f.may_match(b"ab-ba"));
        assert!(!f.may_match(b"aba"), "prefix and suffix may not overlap");
        assert!(!f.may_match(b"abbx") && !f.may_match(b"xbba"));
        assert!(Filter::Exact(b"m".to_vec()).may_match(b"m"));
        assert!(!Filter::Exact(b"m".to_vec()).may_match(b"mm"));
    }

    /// The filtered, lazily compiled patterns decide every path exactly as the
    /// whole file compiled at once does.
    #[test]
    fn filtered_matching_agrees_with_the_whole_file_matcher() {
        let text = "*.py[cod]\n!keep.pyc\npat1_*.log\n__pycache__/\n/root.pyc\nsub/*.pyo\n\
                    *.{so,pyd}\na?c\n!*.log\nx*y*z\nbuild\n**/deep/**\n\\!bang\nm.cpython-3*.pyc\n";
        let rules =
            IgnoreRules::from_bytes(Path::new(""), Path::new(".gitignore"), text.as_bytes());
        let mut whole = GitignoreBuilder::new("/");
        for line in text.lines() {
            whole.add_line(None, line).unwrap();
        }
        let whole = whole.build().unwrap();
        let names = [
            "m.pyc",
            "keep.pyc",
            "pat1_x.log",
            "pat1_.log",
            "pat1.log",
            "__pycache__",
            "root.pyc",
            "m.pyo",
            "e.so",
            "e.pyd",
            "abc",
            "ac",
            "xyz",
            "x1y2z",
            "xy",
            "build",
            "deep",
            "!bang",
            "m.cpython-311.pyc",
            "m.cpython-27.pyc",
            "other",
        ];
        for folder in ["", "sub/", "a/deep/", "build/x/"] {
            for name in names {
                for is_dir in [false, true] {
                    let path = format!("{folder}{name}");
                    let expected = match whole.matched(&path, is_dir) {
                        Match::None => None,
                        Match::Ignore(g) => Some((true, g.original().to_owned())),
                        Match::Whitelist(g) => Some((false, g.original().to_owned())),
                    };
                    let got = match rules.check_one(Path::new(&path), is_dir) {
                        Verdict::Unmatched => None,
                        Verdict::Ignored(d) => Some((true, d.pattern)),
                        Verdict::Negated(d) => Some((false, d.pattern)),
                    };
                    assert_eq!(got, expected, "{path} (dir: {is_dir})");
                }
            }
        }
    }

    /// A root basename pattern with no negation anywhere decides every folder
    /// alike; an anchored pattern, a nested file or any negation does not.
    #[test]
    fn only_root_basename_patterns_without_negations_ignore_everywhere() {
        let everywhere = |files: &[(&str, &str)], probe: &str| {
            let r = rules(files);
            match r.check(Path::new(probe), false) {
                Verdict::Ignored(decider) => r.ignores_everywhere(&decider),
                other => panic!("{probe}: {other:?}"),
            }
        };
        assert!(everywhere(&[(".gitignore", "*.pyc\n")], "m.pyc"));
        assert!(everywhere(
            &[(".gitignore", "__pycache__/\n")],
            "__pycache__/m.pyc"
        ));
        assert!(!everywhere(&[(".gitignore", "/m.pyc\n")], "m.pyc"));
        assert!(!everywhere(
            &[(".gitignore", "__pycache__/m.pyc\n")],
            "__pycache__/m.pyc"
        ));
        assert!(!everywhere(
            &[(".gitignore", "*.pyc\n!keep.pyc\n")],
            "m.pyc"
        ));
        assert!(!everywhere(
            &[(".gitignore", "*.pyc\n"), ("sub/.gitignore", "!*.pyc\n")],
            "m.pyc"
        ));
        assert!(!everywhere(&[("sub/.gitignore", "*.pyc\n")], "sub/m.pyc"));
    }

    /// A pattern git cannot use matches nothing; the lines after it keep their
    /// numbers.
    #[test]
    fn malformed_patterns_match_nothing() {
        assert!(GitignoreBuilder::new("/").add_line(None, "a{b").is_err());
        let r = rules(&[(".gitignore", "a{b\n*.pyc\n")]);
        assert_eq!(r.check(Path::new("a{b"), false), Verdict::Unmatched);
        assert_eq!(
            r.check(Path::new("m.pyc"), false),
            Verdict::Ignored(Decider {
                file: ".gitignore".into(),
                line: 2,
                pattern: "*.pyc".into()
            })
        );
    }
}
