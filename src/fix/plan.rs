//! From diagnostics to a plan: what to untrack, which ignore lines to add, what to
//! delete, which folders become empty. Pure: reads the file sets, touches nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, FixKind, Safety};
use crate::repo::ignores::entry_ignores;
use crate::repo::ignores::IgnoreRules;
use crate::repo::FileSets;
use crate::settings::{Settings, DEFAULT_IGNORE_ENTRIES};

/// Everything `fix` will do, in the order it does it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Files to remove from the index (`git rm --cached`).
    pub untrack: Vec<PathBuf>,
    /// Folders to remove from the index (`git rm -r --cached`).
    pub untrack_dirs: Vec<PathBuf>,
    /// Lines to append to the root `.gitignore`.
    pub ignore_entries: Vec<String>,
    /// Bytecode files to delete.
    pub delete: Vec<PathBuf>,
    /// `__pycache__` folders that are empty, or will be once `delete` is done.
    pub remove_dirs: Vec<PathBuf>,
    /// Other folders a deleted package left (PYH207): empty once `delete` and
    /// `remove_dirs` are done. Removed with `rmdir`, which never removes content.
    pub remove_folders: Vec<PathBuf>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.untrack.is_empty()
            && self.untrack_dirs.is_empty()
            && self.ignore_entries.is_empty()
            && self.delete.is_empty()
            && self.remove_dirs.is_empty()
            && self.remove_folders.is_empty()
    }

    /// Collect the fixes of `diagnostics` that `unsafe_fixes` allows.
    pub fn build(
        diagnostics: &[Diagnostic],
        sets: &FileSets,
        settings: &Settings,
        unsafe_fixes: bool,
    ) -> Plan {
        let mut plan = Plan::default();
        let mut remove_dirs = BTreeSet::new();
        for d in diagnostics {
            let Some(fix) = &d.fix else { continue };
            if fix.safety == Safety::Unsafe && !unsafe_fixes {
                continue;
            }
            match fix.kind {
                FixKind::Untrack => plan.untrack.push(d.path.clone()),
                FixKind::UntrackFolder => plan.untrack_dirs.push(d.path.clone()),
                FixKind::AddIgnoreEntries => plan.ignore_entries.extend(fix.ignore_entry.clone()),
                FixKind::Delete => plan.delete.push(d.path.clone()),
                FixKind::RemoveFolder => {
                    remove_dirs.insert(d.path.clone());
                }
                FixKind::RemoveTree => {
                    let leftover = sets.worktree.as_ref().and_then(|t| t.leftover(&d.path));
                    if let Some(tree) = leftover {
                        plan.delete.extend(tree.caches.iter().cloned());
                        for folder in &tree.folders {
                            if folder.file_name() == Some(OsStr::new("__pycache__")) {
                                remove_dirs.insert(folder.clone());
                            } else {
                                plan.remove_folders.push(folder.clone());
                            }
                        }
                    }
                }
            }
        }
        for list in [
            &mut plan.untrack,
            &mut plan.untrack_dirs,
            &mut plan.delete,
            &mut plan.remove_folders,
        ] {
            // An empty path would name the whole repository.
            list.retain(|p| !p.as_os_str().is_empty());
            list.sort();
            list.dedup();
        }
        let mut seen = BTreeSet::new();
        plan.ignore_entries.retain(|e| seen.insert(e.clone()));
        plan.keep_untracked_ignored(sets, settings);
        let emptied = plan.emptied_pycache_dirs(sets, &remove_dirs);
        remove_dirs.extend(emptied);
        plan.remove_dirs = remove_dirs.into_iter().collect();
        plan
    }

    /// Untracked files must come back as ignored, not untracked: add entries for
    /// the ones the ignore rules (with the planned entries) would not ignore.
    fn keep_untracked_ignored(&mut self, sets: &FileSets, settings: &Settings) {
        let committed = sets.ignores.as_ref().map(|i| &i.committed);
        let empty = IgnoreRules::default();
        let committed = committed.unwrap_or(&empty);
        let root_file = Path::new(".gitignore");
        // The configured (or template) entries first; the template as a fallback.
        let mut template = settings.required_entries(sets.tracked.as_ref());
        template.extend(DEFAULT_IGNORE_ENTRIES.iter().map(|e| (*e).to_owned()));
        let targets = self
            .untrack
            .iter()
            .map(|p| (p.clone(), false))
            .chain(self.untrack_dirs.iter().map(|p| (p.clone(), true)))
            .collect::<Vec<_>>();
        for (path, is_dir) in targets {
            let rules = committed.with_root_lines(root_file, &self.ignore_entries);
            if rules.check(&path, is_dir).is_ignored() {
                continue;
            }
            let literal =
                || escape_pattern(&path).map(|p| format!("/{p}{}", if is_dir { "/" } else { "" }));
            let candidates: Vec<String> = if is_dir {
                tool_cache_entry(&path, settings)
                    .into_iter()
                    .chain(literal())
                    .collect()
            } else {
                template
                    .iter()
                    .filter(|e| entry_ignores(e, &path))
                    .cloned()
                    .chain(path.parent().and_then(|p| tool_cache_entry(p, settings)))
                    .chain(literal())
                    .collect()
            };
            // Only an entry that really makes the path ignored (a nested negation can
            // override anything the root file says): otherwise every run would append it.
            let helps = |entry: &String| {
                let mut with = self.ignore_entries.clone();
                with.push(entry.clone());
                committed
                    .with_root_lines(root_file, &with)
                    .check(&path, is_dir)
                    .is_ignored()
            };
            if let Some(entry) = candidates.into_iter().find(|e| helps(e)) {
                if !self.ignore_entries.contains(&entry) {
                    self.ignore_entries.push(entry);
                }
            }
        }
    }

    /// `__pycache__` folders whose every entry is planned for deletion or removal
    /// (deepest first, so a nested `__pycache__/__pycache__` empties its parent too;
    /// `removed` holds the empty folders already planned for removal).
    fn emptied_pycache_dirs(&self, sets: &FileSets, removed: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
        let Some(tree) = &sets.worktree else {
            return Vec::new();
        };
        let mut removed_inside: BTreeMap<&Path, usize> = BTreeMap::new();
        for path in self.delete.iter().chain(removed) {
            if let Some(parent) = path.parent() {
                *removed_inside.entry(parent).or_default() += 1;
            }
        }
        let mut dirs: Vec<&(PathBuf, usize)> = tree.pycache_dirs.iter().collect();
        dirs.sort_by_key(|(p, _)| std::cmp::Reverse(p.components().count()));
        let mut emptied = Vec::new();
        for (dir, entries) in dirs {
            let removed = removed_inside.get(dir.as_path()).copied().unwrap_or(0);
            if *entries > 0 && removed >= *entries {
                emptied.push(dir.clone());
                if let Some(parent) = dir.parent() {
                    *removed_inside.entry(parent).or_default() += 1;
                }
            }
        }
        emptied
    }
}

/// `<name>/` for the outermost tool cache folder in `folder` (`.pytest_cache/`,
/// `*.egg-info/`), the folder itself included.
fn tool_cache_entry(folder: &Path, settings: &Settings) -> Option<String> {
    let name: &OsStr = folder
        .components()
        .map(|c| c.as_os_str())
        .find(|name| settings.tool_caches.is_match(name))?;
    if crate::paths::name_bytes(name).ends_with(b".egg-info") {
        Some("*.egg-info/".to_owned())
    } else {
        escape_pattern(Path::new(name)).map(|n| format!("{n}/"))
    }
}

/// A path as a literal `.gitignore` pattern: glob characters and a leading `#`/`!`
/// escaped, trailing spaces protected. `None` for names a `.gitignore` line cannot
/// hold exactly (line breaks, bytes that are not UTF-8): no entry beats a wrong one.
pub fn escape_pattern(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    if text.contains(['\n', '\r']) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') || (i == 0 && matches!(c, '#' | '!')) {
            out.push('\\');
        }
        out.push(c);
    }
    if out.ends_with(' ') {
        out.pop();
        out.push_str("\\ ");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_pattern(Path::new("env")).unwrap(), "env");
        assert_eq!(
            escape_pattern(Path::new("#a/b[1]*")).unwrap(),
            "\\#a/b\\[1\\]\\*"
        );
        assert_eq!(escape_pattern(Path::new("x ")).unwrap(), "x\\ ");
        assert_eq!(escape_pattern(Path::new("ve\nnv")), None);
        assert_eq!(escape_pattern(Path::new("a\r")), None);
        assert_eq!(escape_pattern(crate::paths::path(b"v\xe9nv")), None);
        for name in ["#a/b[1]*", "x ", "!neg", "we?rd"] {
            let pattern = format!("/{}", escape_pattern(Path::new(name)).unwrap());
            assert!(
                entry_ignores(&pattern, Path::new(name)),
                "{pattern} should ignore {name}"
            );
        }
    }
}
