//! The worktree file set: one parallel walk over the files on disk, ignored ones
//! included, keeping only what the worktree rules look at.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::hash::BuildHasherDefault;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

use crate::pyc;
use crate::repo::fxhash::FxHasher;
use crate::settings::Exclude;

/// Folder names that are never descended into (SPEC §2), besides virtualenvs.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "site-packages", "dist-packages"];

pub type SourceSet = HashSet<Vec<u8>, BuildHasherDefault<FxHasher>>;

/// What to collect beyond names: file contents are read only when a rule needs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Read the first bytes of each live cache and stat its source (PYH205).
    pub headers: bool,
}

/// Size and whole-second mtime of a source, as CPython compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceStat {
    pub mtime: i64,
    pub size: u64,
}

/// A file that is bytecode by name, or anything inside a `__pycache__` folder.
#[derive(Debug, Clone)]
pub struct CacheFile {
    pub path: PathBuf,
    pub is_symlink: bool,
    /// Up to the first 16 bytes, when headers were asked for; `Err` when unreadable.
    pub head: Option<Result<Vec<u8>, String>>,
    /// The existing source that owns it (CPython's naming), resolved after the walk.
    pub owner: Option<PathBuf>,
    /// What its name says (`None`: not bytecode by name), parsed once after the walk.
    pub kind: Option<pyc::CacheKind>,
    /// Its owner's mtime and size, read with the header.
    pub source_stat: Option<SourceStat>,
    /// For a checked-hash pyc whose source exists: the source's hash as CPython
    /// computes it with this file's magic (only when headers were asked for).
    pub source_hash: Option<[u8; 8]>,
}

#[derive(Debug, Default)]
pub struct Worktree {
    pub caches: Vec<CacheFile>,
    /// Python sources (`*.py`, `*.pyw`).
    /// Keyed by the relative path's bytes: hashing bytes is cheaper than a `Path`.
    /// One set per walker thread, built while walking; a lookup asks each (no merge).
    pub sources: Vec<SourceSet>,
    /// Folders named `__pycache__`, with the number of entries inside.
    pub pycache_dirs: Vec<(PathBuf, usize)>,
    /// Entries named `__pycache__` that are not folders.
    pub pycache_files: Vec<PathBuf>,
    /// Folders that hold at least one Python source, sorted by bytes (so a folder
    /// comes before the folders inside it).
    pub source_dirs: Vec<PathBuf>,
    /// `.gitignore` files, for the ignore-rules set.
    pub gitignores: Vec<PathBuf>,
    /// Entries that could not be read (permissions, races); reported as notes.
    pub errors: Vec<String>,
}

impl Worktree {
    pub fn has_source(&self, path: &Path) -> bool {
        self.contains_source(path.as_os_str().as_bytes())
    }

    fn contains_source(&self, path: &[u8]) -> bool {
        self.sources.iter().any(|set| set.contains(path))
    }

    /// Walk `root` in parallel, pruning skipped folders before descending.
    pub fn walk(root: &Path, exclude: Arc<Exclude>, options: WalkOptions) -> Worktree {
        let prune_root = root.to_owned();
        let nested: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(8);
        let walker = WalkBuilder::new(root)
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .threads(threads)
            .filter_entry({
                let nested = Arc::clone(&nested);
                move |entry| {
                    // A `.git` below the root marks another repository (a submodule or
                    // a clone inside this one): its files are not this repository's.
                    if entry.depth() > 1 && entry.file_name() == ".git" {
                        if let Some(parent) = entry.path().parent() {
                            nested
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(parent.to_owned());
                        }
                    }
                    keep(entry, &prune_root, &exclude)
                }
            })
            .build_parallel();
        let shared = Arc::new(Mutex::new(Vec::new()));
        let mut builder = CollectorBuilder {
            root: root.to_owned(),
            shared: Arc::clone(&shared),
        };
        walker.visit(&mut builder);
        drop(builder);
        let parts = std::mem::take(&mut *shared.lock().unwrap_or_else(|e| e.into_inner()));
        let mut tree = Worktree::merge(parts);
        let nested = std::mem::take(&mut *nested.lock().unwrap_or_else(|e| e.into_inner()));
        let nested: Vec<PathBuf> = nested
            .iter()
            .filter_map(|p| p.strip_prefix(root).ok().map(Path::to_owned))
            .collect();
        if !nested.is_empty() {
            tree.drop_under(&nested);
        }
        tree.resolve_owners();
        if options.headers {
            tree.read_headers(root);
            tree.hash_checked_sources(root);
        }
        tree
    }

    /// Forget everything inside other repositories nested in this one.
    fn drop_under(&mut self, repos: &[PathBuf]) {
        let outside = |path: &Path| !repos.iter().any(|r| path.starts_with(r));
        self.caches.retain(|c| outside(&c.path));
        for set in &mut self.sources {
            set.retain(|s| outside(path_from(s)));
        }
        self.pycache_dirs.retain(|(p, _)| outside(p));
        self.pycache_files.retain(|p| outside(p));
        self.source_dirs.retain(|p| outside(p));
        self.gitignores.retain(|p| outside(p));
    }

    /// Look up each cache's owning source once, for every rule.
    fn resolve_owners(&mut self) {
        let sources = &self.sources;
        let has = |path: &[u8]| sources.iter().any(|set| set.contains(path));
        let resolve = |caches: &mut [CacheFile]| {
            let mut candidate = Vec::new();
            for cache in caches {
                let (parent, name) = split_last(cache.path.as_os_str().as_bytes());
                let (grandparent, parent_name) = split_last(parent);
                let in_pycache = parent_name == b"__pycache__";
                let Some(parsed) = pyc::classify_bytes(name, in_pycache) else {
                    continue;
                };
                cache.kind = Some(parsed.kind());
                let dir = if in_pycache { grandparent } else { parent };
                for source in parsed.source_candidates() {
                    candidate.clear();
                    candidate.extend_from_slice(dir);
                    if !dir.is_empty() {
                        candidate.push(b'/');
                    }
                    candidate.extend_from_slice(&source);
                    if has(candidate.as_slice()) {
                        cache.owner = Some(path_of(&candidate));
                        break;
                    }
                }
            }
        };
        // Two halves on two threads: this is a hash lookup per cache.
        let middle = self.caches.len() / 2;
        let (first, second) = self.caches.split_at_mut(middle);
        std::thread::scope(|s| {
            s.spawn(|| resolve(first));
            resolve(second);
        });
    }

    fn merge(parts: Vec<Partial>) -> Worktree {
        let mut tree = Worktree::default();
        let mut pycache_dirs = Vec::new();
        let mut entries: HashMap<PathBuf, usize> = HashMap::new();
        let mut source_dirs: Vec<PathBuf> = Vec::new();
        for part in parts {
            tree.caches.extend(part.caches);
            tree.sources.push(part.sources);
            pycache_dirs.extend(part.pycache_dirs);
            for (dir, count) in part.pycache_counts {
                *entries.entry(dir).or_default() += count;
            }
            source_dirs.extend(part.source_dirs);
            tree.pycache_files.extend(part.pycache_files);
            tree.gitignores.extend(part.gitignores);
            tree.errors.extend(part.errors);
        }
        // Sorted by bytes: a folder comes before everything inside it.
        source_dirs.sort_unstable_by(|a, b| bytes_of(a).cmp(bytes_of(b)));
        source_dirs.dedup_by(|a, b| bytes_of(a) == bytes_of(b));
        tree.source_dirs = source_dirs;
        tree.pycache_dirs = pycache_dirs
            .into_iter()
            .map(|dir| {
                let count = entries.get(&dir).copied().unwrap_or(0);
                (dir, count)
            })
            .collect();
        tree.pycache_dirs
            .sort_unstable_by(|a, b| bytes_of(&a.0).cmp(bytes_of(&b.0)));
        tree.pycache_files
            .sort_unstable_by(|a, b| bytes_of(a).cmp(bytes_of(b)));
        tree.gitignores.sort();
        tree.errors.sort();
        tree
    }
}

/// A cache path's parsed name and the source paths that would own it, best first
/// (sources live beside `__pycache__`, or beside a legacy file).
pub fn parse_cache_path(cache: &Path) -> Option<(pyc::CacheName<'_, [u8]>, Vec<PathBuf>)> {
    let (parent, name) = split_last(cache.as_os_str().as_bytes());
    let (grandparent, parent_name) = split_last(parent);
    let in_pycache = parent_name == b"__pycache__";
    let name = pyc::classify_bytes(name, in_pycache)?;
    let source_dir = if in_pycache { grandparent } else { parent };
    let candidates = name
        .source_candidates()
        .into_iter()
        .map(|c| {
            let mut path = source_dir.to_vec();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(&c);
            PathBuf::from(std::ffi::OsString::from_vec(path))
        })
        .collect();
    Some((name, candidates))
}

/// `(folder, name)` of a relative `/`-separated path; the folder is empty at the top.
pub fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|b| *b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

/// Prune before descending: `.git`, virtualenvs, package folders and `exclude`.
fn keep(entry: &DirEntry, root: &Path, exclude: &Exclude) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let name = entry.file_name();
    if name == ".git" {
        return false;
    }
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    if is_dir {
        if SKIPPED_DIRS.iter().any(|skip| name == OsStr::new(skip)) {
            return false;
        }
        // One stat per folder; a `__pycache__` folder is never an environment.
        if name != "__pycache__" && entry.path().join("pyvenv.cfg").exists() {
            return false;
        }
    }
    if !exclude.is_empty() {
        if let Ok(relative) = entry.path().strip_prefix(root) {
            if exclude.matches(relative) {
                return false;
            }
        }
    }
    true
}

/// One thread's findings, merged when the walk ends.
#[derive(Default)]
struct Partial {
    caches: Vec<CacheFile>,
    sources: SourceSet,
    pycache_dirs: Vec<PathBuf>,
    /// Entries seen inside `__pycache__` folders, counted per run of one folder.
    pycache_counts: Vec<(PathBuf, usize)>,
    source_dirs: Vec<PathBuf>,
    pycache_files: Vec<PathBuf>,
    gitignores: Vec<PathBuf>,
    errors: Vec<String>,
}

impl Partial {
    /// Count an entry of a `__pycache__` folder; entries of one folder mostly come
    /// one after another, so this rarely allocates.
    fn count_pycache_entry(&mut self, dir: &[u8]) {
        match self.pycache_counts.last_mut() {
            Some((last, count)) if last.as_os_str().as_bytes() == dir => *count += 1,
            _ => self.pycache_counts.push((path_of(dir), 1)),
        }
    }
}

struct CollectorBuilder {
    root: PathBuf,
    shared: Arc<Mutex<Vec<Partial>>>,
}

impl<'s> ParallelVisitorBuilder<'s> for CollectorBuilder {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Collector {
            root_len: self.root.as_os_str().len() + 1,
            part: Partial::default(),
            shared: Arc::clone(&self.shared),
        })
    }
}

struct Collector {
    /// Length of the root path plus its `/`: what to cut off to get a relative path.
    root_len: usize,
    part: Partial,
    shared: Arc<Mutex<Vec<Partial>>>,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let part = std::mem::take(&mut self.part);
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(part);
    }
}

impl ParallelVisitor for Collector {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                self.part.errors.push(err.to_string());
                return WalkState::Continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            return WalkState::Continue;
        };
        // Byte slices, not `Path` methods: this runs once per file of the tree.
        let full = entry.path().as_os_str().as_bytes();
        if entry.depth() == 0 || full.len() <= self.root_len {
            return WalkState::Continue;
        }
        let relative = &full[self.root_len..];
        let name = entry.file_name().as_bytes();
        let parent = &relative[..relative.len().saturating_sub(name.len() + 1)];
        let parent_name = parent.rsplit(|b| *b == b'/').next().unwrap_or_default();
        let in_pycache = parent_name == b"__pycache__";
        if in_pycache {
            self.part.count_pycache_entry(parent);
        }
        if name == b"__pycache__" {
            if file_type.is_dir() {
                self.part.pycache_dirs.push(path_of(relative));
            } else if !file_type.is_symlink() {
                // A symlink named `__pycache__` is followed by CPython: not a blocker.
                self.part.pycache_files.push(path_of(relative));
            }
            if !in_pycache {
                return WalkState::Continue;
            }
        }
        if file_type.is_dir() {
            return WalkState::Continue;
        }
        if in_pycache || is_bytecode_name(name) {
            self.part.caches.push(CacheFile {
                path: path_of(relative),
                is_symlink: file_type.is_symlink(),
                head: None,
                source_stat: None,
                owner: None,
                kind: None,
                source_hash: None,
            });
        } else if name == b".gitignore" && file_type.is_file() {
            self.part.gitignores.push(path_of(relative));
        } else if (name.ends_with(b".py") || name.ends_with(b".pyw"))
            && (file_type.is_file()
                // A symlinked source is imported like any other (rare: one stat).
                || (file_type.is_symlink() && std::fs::metadata(path_from(full)).is_ok_and(|m| m.is_file())))
        {
            self.part.sources.insert(relative.to_vec());
            if self
                .part
                .source_dirs
                .last()
                .map(|d| d.as_os_str().as_bytes())
                != Some(parent)
            {
                self.part.source_dirs.push(path_of(parent));
            }
        }
        WalkState::Continue
    }
}

fn path_from(bytes: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(bytes))
}

fn bytes_of(path: &Path) -> &[u8] {
    path.as_os_str().as_bytes()
}

pub(crate) fn path_of(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(bytes))
}

/// Names worth a look outside `__pycache__`: legacy `.pyc`/`.pyo` (any case) and
/// Jython's `$py.class`.
pub fn is_bytecode_name(name: &[u8]) -> bool {
    let lower_ends = |suffix: &[u8]| {
        name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    lower_ends(b".pyc") || lower_ends(b".pyo") || name.ends_with(b"$py.class")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytecode_names() {
        for yes in ["m.pyc", "M.PYC", "m.pyo", "Foo$py.class", ".pyc"] {
            assert!(is_bytecode_name(yes.as_bytes()), "{yes}");
        }
        for no in ["notes.pyc.txt", "m.py", "pyc", "Foo.class", "m.pyc.1234"] {
            assert!(!is_bytecode_name(no.as_bytes()), "{no}");
        }
    }
}
