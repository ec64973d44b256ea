//! The worktree file set: one parallel walk over the files on disk, ignored ones
//! included, keeping only what the worktree rules look at.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::paths::{self, bytes_of, path as path_from, path_buf as path_of, split_last};
use crate::platform;
use crate::pyc;
use crate::repo::exclude::Exclude;
use crate::repo::fswalk::{self, Folder, Kind, Visitor};
use crate::repo::fxhash::FxHasher;

/// Folder names that are never descended into (SPEC §2), besides virtualenvs.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "site-packages", "dist-packages"];

pub type SourceSet = HashSet<Vec<u8>, BuildHasherDefault<FxHasher>>;

/// What to collect beyond names: file contents are read only when a rule needs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    /// Read the first bytes of each live cache and stat its source (PYH205).
    pub headers: bool,
    /// Read the magic number of each legacy `.pyc` without its source (PYH202
    /// says which Python wrote it, and so which imports it).
    pub sourceless_magic: bool,
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
    /// A regular file (not a symlink, folder, pipe or device): only these are read.
    pub is_file: bool,
    /// The existing source that owns it (CPython's naming), resolved after the walk.
    pub owner: Option<PathBuf>,
    /// What its name says (`None`: not bytecode by name), parsed once after the walk.
    pub kind: Option<pyc::CacheKind>,
    /// What was read beyond its name, when a rule asked: boxed, so the many caches
    /// of a run that reads nothing stay small.
    pub read: Option<Box<ReadFacts>>,
}

/// What the header readers learn of one cache (PYH202, PYH205).
#[derive(Debug, Clone, Default)]
pub struct ReadFacts {
    /// Up to the first 16 bytes; `Err` when unreadable.
    pub head: Option<Result<Vec<u8>, String>>,
    /// Its owner's mtime and size, read with the header.
    pub source_stat: Option<SourceStat>,
    /// For a checked-hash pyc whose source exists: the source's hash as CPython
    /// computes it with this file's magic.
    pub source_hash: Option<[u8; 8]>,
    /// Stat of the first source candidate found while walking (its index among the
    /// candidates), kept as `source_stat` if that candidate turns out to be the owner.
    pub(crate) probe: Option<(usize, SourceStat)>,
}

impl CacheFile {
    /// Its first bytes, when read.
    pub fn head(&self) -> Option<&Result<Vec<u8>, String>> {
        self.read.as_ref()?.head.as_ref()
    }

    pub fn source_stat(&self) -> Option<SourceStat> {
        self.read.as_ref()?.source_stat
    }

    pub fn source_hash(&self) -> Option<[u8; 8]> {
        self.read.as_ref()?.source_hash
    }

    /// The facts to fill in.
    pub(crate) fn facts(&mut self) -> &mut ReadFacts {
        self.read.get_or_insert_with(Box::default)
    }

    /// A cache no import can use: in `__pycache__` without a source to own it, an
    /// interrupted-write leftover, or a `.pyc` name CPython never writes there.
    pub fn is_orphan(&self) -> bool {
        match self.kind {
            Some(pyc::CacheKind::Pep3147 | pyc::CacheKind::Pytest) => self.owner.is_none(),
            Some(pyc::CacheKind::Leftover) => true,
            Some(pyc::CacheKind::UnknownInPycache) => {
                let name = split_last(bytes_of(&self.path)).1;
                name.len() >= 4 && {
                    let suffix = &name[name.len() - 4..];
                    suffix.eq_ignore_ascii_case(b".pyc") || suffix.eq_ignore_ascii_case(b".pyo")
                }
            }
            _ => false,
        }
    }
}

/// A folder holding nothing but orphaned caches and empty folders, recursively:
/// what `git rm -r pkg/sub` or a branch switch leaves (PYH207).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub path: PathBuf,
    /// The orphaned caches inside, at any depth.
    pub caches: Vec<PathBuf>,
    /// Every folder of the tree, itself included.
    pub folders: Vec<PathBuf>,
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
    /// Folders left by a deleted package: nothing in them but orphaned caches and
    /// empty folders (PYH207), top-most only, sorted.
    pub leftovers: Vec<Leftover>,
    /// Entries that could not be read (permissions, races); reported as notes.
    pub errors: Vec<String>,
}

impl Worktree {
    /// The deleted-package leftover at `path`, or the one holding it.
    pub fn leftover(&self, path: &Path) -> Option<&Leftover> {
        // Sorted by path: a folder's descendants follow it directly.
        let i = self.leftovers.partition_point(|l| l.path.as_path() <= path);
        let candidate = self.leftovers.get(i.checked_sub(1)?)?;
        path.starts_with(&candidate.path).then_some(candidate)
    }

    /// The newest interpreter tag among `__pycache__` caches on disk (CPython
    /// first, then by language version): the project's interpreter, as far as the
    /// disk can tell.
    pub fn newest_cache_tag(&self) -> Option<String> {
        self.caches
            .iter()
            .filter(|c| {
                matches!(
                    c.kind,
                    Some(pyc::CacheKind::Pep3147 | pyc::CacheKind::Pytest)
                )
            })
            .filter_map(|c| {
                let name = c.path.file_name()?.to_str()?;
                let tag = pyc::classify(name, true)?.tag()?;
                let rank = (
                    pyc::implementation_of_tag(tag) == "cpython",
                    pyc::version_from_tag(tag),
                );
                Some((rank, tag.to_owned()))
            })
            .max()
            .map(|(_, tag)| tag)
    }

    /// Walk `root` in parallel, pruning skipped folders before descending; read
    /// cache headers on the way when asked (the cache's folder is open then).
    pub fn walk(root: &Path, exclude: Arc<Exclude>, options: WalkOptions) -> Worktree {
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(8);
        let collectors = fswalk::walk(root, threads, || Collector {
            exclude: Arc::clone(&exclude),
            options,
            part: Partial::default(),
            relative: Vec::new(),
        });
        let mut parts = match collectors {
            Ok(collectors) => collectors.into_iter().map(|c| c.part).collect::<Vec<_>>(),
            Err(err) => vec![Partial {
                errors: vec![format!("{}: {err}", root.display())],
                ..Partial::default()
            }],
        };
        let bare: Vec<(PathBuf, usize)> = parts
            .iter_mut()
            .flat_map(|p| std::mem::take(&mut p.bare_dirs))
            .collect();
        let (mut tree, nested) = Worktree::merge(parts);
        if !nested.is_empty() {
            tree.drop_under(&nested);
        }
        tree.resolve_owners();
        tree.find_leftovers(&bare);
        if options.headers {
            tree.read_headers(root);
            tree.hash_checked_sources(root);
        }
        // After the headers: those keep only live caches' bytes.
        if options.sourceless_magic {
            tree.read_sourceless_magic(root);
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
                let (parent, name) = split_last(bytes_of(&cache.path));
                let (grandparent, parent_name) = split_last(parent);
                let in_pycache = parent_name == b"__pycache__";
                let Some(parsed) = pyc::classify_bytes(name, in_pycache) else {
                    continue;
                };
                cache.kind = Some(parsed.kind());
                let dir = if in_pycache { grandparent } else { parent };
                let probe = cache.read.as_mut().and_then(|r| r.probe.take());
                candidate.clear();
                candidate.extend_from_slice(dir);
                if !dir.is_empty() {
                    candidate.push(b'/');
                }
                let base = candidate.len();
                for (index, (stem, suffix)) in parsed.candidate_parts().enumerate() {
                    candidate.truncate(base);
                    candidate.extend_from_slice(stem);
                    candidate.extend_from_slice(suffix);
                    if has(candidate.as_slice()) {
                        cache.owner = Some(path_of(&candidate));
                        if let Some(read) = cache.read.as_mut() {
                            read.source_stat = probe.filter(|(i, _)| *i == index).map(|(_, s)| s);
                        }
                        break;
                    }
                }
            }
        };
        // Two halves on two threads: this is a hash lookup per cache, worth a
        // thread only when there are many.
        if self.caches.len() < 4096 {
            return resolve(&mut self.caches);
        }
        let middle = self.caches.len() / 2;
        let (first, second) = self.caches.split_at_mut(middle);
        std::thread::scope(|s| {
            s.spawn(|| resolve(first));
            resolve(second);
        });
    }

    /// Deleted-package leftovers, bottom-up: a `__pycache__` qualifies when every
    /// entry is an orphaned cache (a regular file); a bare folder (only walked
    /// sub-folders, no other entry) when each sub-folder qualifies. A bare folder
    /// has sub-folders, so every leftover holds a `__pycache__`: an empty `data/`
    /// is no package.
    fn find_leftovers(&mut self, bare: &[(PathBuf, usize)]) {
        use std::collections::HashMap;
        /// A qualifying folder, waiting for its parent to take it.
        struct Tree<'a> {
            path: &'a Path,
            is_pycache: bool,
            caches: Vec<&'a Path>,
            folders: Vec<&'a Path>,
        }
        let mut orphans: HashMap<&[u8], Vec<&Path>> = HashMap::new();
        for cache in &self.caches {
            if cache.is_orphan() && cache.is_file {
                let parent = split_last(bytes_of(&cache.path)).0;
                orphans.entry(parent).or_default().push(&cache.path);
            }
        }
        // Qualifying folders by their parent folder.
        let mut waiting: HashMap<&[u8], Vec<Tree<'_>>> = HashMap::new();
        for (dir, entries) in &self.pycache_dirs {
            let caches = orphans.remove(bytes_of(dir)).unwrap_or_default();
            if caches.len() == *entries {
                let tree = Tree {
                    path: dir,
                    is_pycache: true,
                    caches,
                    folders: vec![dir],
                };
                waiting
                    .entry(split_last(bytes_of(dir)).0)
                    .or_default()
                    .push(tree);
            }
        }
        // Longest first: a folder's path is longer than its parent's, so every
        // sub-folder is settled before the folder holding it.
        let mut bare: Vec<&(PathBuf, usize)> = bare.iter().collect();
        bare.sort_by_key(|(p, _)| std::cmp::Reverse(bytes_of(p).len()));
        let mut tops = Vec::new();
        for (dir, subdirs) in bare {
            let Some(kids) = waiting.remove(bytes_of(dir)) else {
                continue;
            };
            if kids.len() != *subdirs {
                // Something here is not a leftover: its qualifying sub-folders are.
                tops.extend(kids.into_iter().filter(|k| !k.is_pycache));
                continue;
            }
            let mut tree = Tree {
                path: dir,
                is_pycache: false,
                caches: Vec::new(),
                folders: vec![dir],
            };
            for kid in kids {
                tree.caches.extend(kid.caches);
                tree.folders.extend(kid.folders);
            }
            waiting
                .entry(split_last(bytes_of(dir)).0)
                .or_default()
                .push(tree);
        }
        // What no parent took is top-most.
        tops.extend(waiting.into_values().flatten().filter(|k| !k.is_pycache));
        let mut leftovers: Vec<Leftover> = tops
            .into_iter()
            .map(|tree| {
                let owned = |paths: Vec<&Path>| {
                    let mut paths: Vec<PathBuf> =
                        paths.into_iter().map(Path::to_path_buf).collect();
                    paths.sort();
                    paths
                };
                Leftover {
                    path: tree.path.to_path_buf(),
                    caches: owned(tree.caches),
                    folders: owned(tree.folders),
                }
            })
            .collect();
        leftovers.sort_by(|a, b| a.path.cmp(&b.path));
        self.leftovers = leftovers;
    }

    /// One tree from the threads' parts, plus the nested repositories found.
    fn merge(parts: Vec<Partial>) -> (Worktree, Vec<PathBuf>) {
        let mut tree = Worktree::default();
        let mut nested = Vec::new();
        let mut unreadable: Vec<PathBuf> = Vec::new();
        let mut pycache_dirs = Vec::new();
        let mut counts: Vec<(PathBuf, usize)> = Vec::new();
        let mut source_dirs: Vec<PathBuf> = Vec::new();
        for part in parts {
            tree.caches.extend(part.caches);
            tree.sources.push(part.sources);
            pycache_dirs.extend(part.pycache_dirs);
            counts.extend(part.pycache_counts);
            source_dirs.extend(part.source_dirs);
            tree.pycache_files.extend(part.pycache_files);
            tree.gitignores.extend(part.gitignores);
            tree.errors.extend(part.errors);
            nested.extend(part.nested);
            unreadable.extend(part.unreadable);
        }
        // Sorted by bytes: a folder comes before everything inside it.
        source_dirs.sort_unstable_by(|a, b| bytes_of(a).cmp(bytes_of(b)));
        source_dirs.dedup_by(|a, b| bytes_of(a) == bytes_of(b));
        tree.source_dirs = source_dirs;
        // Each folder was listed once, by one thread: join its count by path. A
        // `__pycache__` that could not be listed is not known to be empty: left out.
        counts.sort_unstable_by(|a, b| bytes_of(&a.0).cmp(bytes_of(&b.0)));
        unreadable.sort_unstable_by(|a, b| bytes_of(a).cmp(bytes_of(b)));
        let find = |dir: &Path| counts.binary_search_by(|(c, _)| bytes_of(c).cmp(bytes_of(dir)));
        tree.pycache_dirs = pycache_dirs
            .into_iter()
            .filter(|dir| {
                unreadable
                    .binary_search_by(|u| bytes_of(u).cmp(bytes_of(dir)))
                    .is_err()
            })
            .map(|dir| {
                let count = find(&dir).map_or(0, |i| counts[i].1);
                (dir, count)
            })
            .collect();
        tree.pycache_dirs
            .sort_unstable_by(|a, b| bytes_of(&a.0).cmp(bytes_of(&b.0)));
        tree.pycache_files
            .sort_unstable_by(|a, b| bytes_of(a).cmp(bytes_of(b)));
        tree.gitignores.sort();
        tree.errors.sort();
        (tree, nested)
    }
}

/// A cache path's parsed name and the source paths that would own it, best first
/// (sources live beside `__pycache__`, or beside a legacy file).
pub fn parse_cache_path(cache: &Path) -> Option<(pyc::CacheName<'_, [u8]>, Vec<PathBuf>)> {
    let (parent, name) = split_last(bytes_of(cache));
    let (grandparent, parent_name) = split_last(parent);
    let in_pycache = parent_name == b"__pycache__";
    let name = pyc::classify_bytes(name, in_pycache)?;
    let source_dir = if in_pycache { grandparent } else { parent };
    let candidates = name
        .source_candidates()
        .into_iter()
        .map(|c| path_of(&paths::join(source_dir, &c)))
        .collect();
    Some((name, candidates))
}

/// One thread's findings, merged when the walk ends.
#[derive(Default)]
struct Partial {
    caches: Vec<CacheFile>,
    sources: SourceSet,
    pycache_dirs: Vec<PathBuf>,
    /// Entries of each `__pycache__` folder this thread listed.
    pycache_counts: Vec<(PathBuf, usize)>,
    source_dirs: Vec<PathBuf>,
    pycache_files: Vec<PathBuf>,
    gitignores: Vec<PathBuf>,
    errors: Vec<String>,
    /// Folders holding a `.git`: other repositories, not descended into.
    nested: Vec<PathBuf>,
    /// Folders that could not be opened or listed.
    unreadable: Vec<PathBuf>,
    /// Folders (not the root, not `__pycache__`) whose every entry is a walked
    /// sub-folder, with how many: candidates for PYH207.
    bare_dirs: Vec<(PathBuf, usize)>,
}

/// One walker thread's visitor: sorts each folder's entries into a [`Partial`].
struct Collector {
    exclude: Arc<Exclude>,
    options: WalkOptions,
    part: Partial,
    /// Scratch space for an entry's relative path.
    relative: Vec<u8>,
}

impl Visitor for Collector {
    fn visit(&mut self, folder: &Folder<'_>, descend: &mut Vec<usize>) {
        let in_pycache = folder.name() == b"__pycache__";
        if folder.depth > 0 {
            // A `.git` below the root marks another repository (a submodule or a
            // clone inside this one): its files are not this repository's.
            if folder.listing.contains(b".git") {
                self.part.nested.push(path_of(folder.path));
                return;
            }
            // A virtualenv is never walked; a `__pycache__` folder is never one.
            if !in_pycache && is_virtualenv(folder) {
                return;
            }
        }
        // Every entry counts as content (SPEC PYH204): also one that `exclude` or
        // the skipped folder names leave out of the walk.
        let pycache_entries = if in_pycache { folder.listing.len() } else { 0 };
        // Bare: every entry a sub-folder that is walked (PYH207 candidates).
        let mut bare = folder.depth > 0 && !in_pycache;
        let mut subdirs = 0;
        for (i, (name, kind)) in folder.listing.iter().enumerate() {
            if name == b".git"
                || (kind == Kind::Dir && SKIPPED_DIRS.iter().any(|s| s.as_bytes() == name))
            {
                bare = false;
                continue;
            }
            self.relative.clear();
            self.relative.extend_from_slice(folder.path);
            if !folder.path.is_empty() {
                self.relative.push(b'/');
            }
            self.relative.extend_from_slice(name);
            if !self.exclude.is_empty() && self.exclude.matches(path_from(&self.relative)) {
                bare = false;
                continue;
            }
            if kind == Kind::Dir {
                descend.push(i);
                subdirs += 1;
            } else {
                bare = false;
            }
            self.sort_entry(folder, name, kind, in_pycache);
        }
        if bare && subdirs > 0 {
            self.part.bare_dirs.push((path_of(folder.path), subdirs));
        }
        if in_pycache {
            self.part
                .pycache_counts
                .push((path_of(folder.path), pycache_entries));
        }
    }

    fn error(&mut self, path: &[u8], error: io::Error) {
        self.part.unreadable.push(path_of(path));
        let path = if path.is_empty() { b"." } else { path };
        self.part
            .errors
            .push(format!("{}: {error}", path_from(path).display()));
    }
}

impl Collector {
    /// Record one entry (its relative path is in `self.relative`) in the set it belongs to.
    fn sort_entry(&mut self, folder: &Folder<'_>, name: &[u8], kind: Kind, in_pycache: bool) {
        let relative = self.relative.as_slice();
        if name == b"__pycache__" {
            if kind == Kind::Dir {
                self.part.pycache_dirs.push(path_of(relative));
            } else if kind != Kind::Symlink {
                // A symlink named `__pycache__` is followed by CPython: not a blocker.
                self.part.pycache_files.push(path_of(relative));
            }
            if !in_pycache {
                return;
            }
        }
        if kind == Kind::Dir {
            return;
        }
        if in_pycache || paths::is_bytecode_name(name) {
            let mut cache = CacheFile {
                path: path_of(relative),
                is_symlink: kind == Kind::Symlink,
                is_file: kind == Kind::File,
                owner: None,
                kind: None,
                read: None,
            };
            if self.options.headers && in_pycache && kind == Kind::File {
                read_while_walking(folder, name, &mut cache);
            }
            self.part.caches.push(cache);
        } else if name == b".gitignore" && kind == Kind::File {
            self.part.gitignores.push(path_of(relative));
        } else if (name.ends_with(b".py") || name.ends_with(b".pyw"))
            && (kind == Kind::File
                // A symlinked source is imported like any other (rare: one stat).
                || (kind == Kind::Symlink
                    && folder.dir.stat(name).is_ok_and(|s| s.kind == Kind::File)))
        {
            self.part.sources.insert(relative.to_vec());
            if self.part.source_dirs.last().map(|d| bytes_of(d)) != Some(folder.path) {
                self.part.source_dirs.push(path_of(folder.path));
            }
        }
    }
}

/// Does the folder hold a `pyvenv.cfg` (anything that exists under that name; a
/// dangling symlink does not count)?
fn is_virtualenv(folder: &Folder<'_>) -> bool {
    folder.listing.iter().any(|(name, kind)| {
        name == b"pyvenv.cfg" && (kind != Kind::Symlink || folder.dir.stat(name).is_ok())
    })
}

/// Read a `__pycache__` file's header through its open folder, and stat the first
/// source candidate that is a file in the folder above (the owner, unless the owner
/// resolution after the walk says otherwise; then it is stat'ed again).
fn read_while_walking(folder: &Folder<'_>, name: &[u8], cache: &mut CacheFile) {
    let Some(parsed) = pyc::classify_bytes(name, true) else {
        return;
    };
    let facts = cache.facts();
    facts.head = Some(read_head(folder.dir, name));
    // Sources sit beside `__pycache__`: `../name` from the folder we hold open.
    let mut up = b"../".to_vec();
    facts.probe = parsed
        .candidate_parts()
        .enumerate()
        .find_map(|(i, (stem, suffix))| {
            up.truncate(3);
            up.extend_from_slice(stem);
            up.extend_from_slice(suffix);
            file_stat(folder.dir, &up).map(|stat| (i, stat))
        });
}

/// The first 16 bytes of a file (every `.pyc` header generation fits), never
/// through a symlink; the error as the OS words it.
pub(crate) fn read_head(dir: &platform::Dir, relative: &[u8]) -> Result<Vec<u8>, String> {
    let mut head = [0u8; pyc::MAX_HEADER_LEN];
    match dir.read_head(relative, &mut head) {
        Ok(len) => Ok(head[..len].to_vec()),
        Err(err) => Err(err.to_string()),
    }
}

/// Mtime and size of `relative`, followed through symlinks as CPython's `os.stat`
/// of a source is.
pub(crate) fn stat(dir: &platform::Dir, relative: &[u8]) -> Option<SourceStat> {
    dir.stat(relative).ok().map(|s| SourceStat {
        mtime: s.mtime,
        size: s.size,
    })
}

/// [`stat`], for a regular file only (what can own a cache).
fn file_stat(dir: &platform::Dir, relative: &[u8]) -> Option<SourceStat> {
    match dir.stat(relative) {
        Ok(s) if s.kind == Kind::File => Some(SourceStat {
            mtime: s.mtime,
            size: s.size,
        }),
        _ => None,
    }
}
