//! Reading what PYH205 needs beyond names: the first bytes of each live cache and
//! its source's stat (mostly done by the walk, through the folders it holds open;
//! here the rest, folder by folder), and the hash of sources whose cache is a
//! checked-hash pyc. Only runs when a rule needs it.

use std::io;
use std::path::Path;

use crate::paths::{bytes_of, parent_is_pycache, split_last};
use crate::platform::Dir;
use crate::pyc;
use crate::repo::worktree::{read_head, stat, SourceStat, Worktree};

impl Worktree {
    /// The first 4 bytes of each legacy `.pyc`/`.pyo` whose source is missing (a
    /// handful at most), kept as `head`; never through a symlink. Unreadable ones
    /// stay `None`: the message then does not name a version.
    pub(crate) fn read_sourceless_magic(&mut self, root: &Path) {
        let mut root_dir = None;
        for cache in &mut self.caches {
            if cache.kind != Some(pyc::CacheKind::Legacy) || cache.owner.is_some() || !cache.is_file
            {
                continue;
            }
            let Ok(dir) = root_dir.get_or_insert_with(|| Dir::open(root)) else {
                return;
            };
            let mut magic = [0u8; 4];
            if let Ok(len) = dir.read_head(bytes_of(&cache.path), &mut magic) {
                cache.facts().head = Some(Ok(magic[..len].to_vec()));
            }
        }
    }

    /// Complete what the walk read: the header of every live cache in `__pycache__`
    /// and its source's stat, for the few it could not (the first source candidate
    /// was not the owner), folder by folder with `openat`/`statat` on two threads.
    /// Orphans and legacy files are not kept: no rule needs them. Headers that could
    /// not be read become notes.
    pub(crate) fn read_headers(&mut self, root: &Path) {
        let mut wanted = Vec::new();
        for (i, c) in self.caches.iter_mut().enumerate() {
            let live = c.owner.is_some() && c.is_file && parent_is_pycache(bytes_of(&c.path));
            if !live {
                c.read = None;
            } else if c.head().is_none() || c.source_stat().is_none() {
                wanted.push(i);
            }
        }
        if !wanted.is_empty() {
            self.read_wanted(root, wanted);
        }
        for cache in &self.caches {
            if let Some(Err(err)) = cache.head() {
                self.errors.push(format!("{}: {err}", cache.path.display()));
            }
        }
    }

    fn read_wanted(&mut self, root: &Path, mut wanted: Vec<usize>) {
        wanted.sort_unstable_by(|&a, &b| {
            bytes_of(&self.caches[a].path).cmp(bytes_of(&self.caches[b].path))
        });
        let caches = &self.caches;
        let read_some = |indices: &[usize]| -> Vec<HeaderRead> {
            let mut out = Vec::with_capacity(indices.len());
            // The source folder, opened once; caches are read as `__pycache__/<name>` in it.
            let mut dir: Option<(Vec<u8>, io::Result<Dir>)> = None;
            let mut name_buf = Vec::new();
            for &i in indices {
                let cache = bytes_of(&caches[i].path);
                let (pycache, name) = split_last(cache);
                let source_dir = split_last(pycache).0;
                if dir.as_ref().is_none_or(|(d, _)| d.as_slice() != source_dir) {
                    dir = Some((source_dir.to_vec(), open_dir(root, source_dir)));
                }
                let Some((_, source_dir_fd)) = &dir else {
                    continue;
                };
                name_buf.clear();
                name_buf.extend_from_slice(b"__pycache__/");
                name_buf.extend_from_slice(name);
                let head = match source_dir_fd {
                    Ok(dir) => read_head(dir, &name_buf),
                    Err(err) => Err(err.to_string()),
                };
                let owner = caches[i].owner.as_ref().map(|o| split_last(bytes_of(o)).1);
                let stat = match (source_dir_fd, owner) {
                    (Ok(dir), Some(owner)) => stat(dir, owner),
                    _ => None,
                };
                out.push((i, head, stat));
            }
            out
        };
        // Split at a folder boundary near the middle, so each folder is opened once.
        let mut middle = wanted.len() / 2;
        while middle > 0 && middle < wanted.len() && {
            let parent = |i: usize| split_last(bytes_of(&caches[wanted[i]].path)).0;
            parent(middle) == parent(middle - 1)
        } {
            middle += 1;
        }
        let (first, second) = wanted.split_at(middle.min(wanted.len()));
        let results = std::thread::scope(|s| {
            let other = s.spawn(|| read_some(first));
            let mut mine = read_some(second);
            mine.extend(other.join().unwrap_or_default());
            mine
        });
        for (i, head, stat) in results {
            let facts = self.caches[i].facts();
            facts.head = Some(head);
            facts.source_stat = stat;
        }
    }

    /// Checked-hash pycs are fresh iff their source hashes to the stored value: read
    /// those sources (only those) and hash them as CPython does.
    pub(crate) fn hash_checked_sources(&mut self, root: &Path) {
        for i in 0..self.caches.len() {
            let file = &self.caches[i];
            let Some(Ok(head)) = file.head() else {
                continue;
            };
            let Ok(header) = pyc::parse_header(head) else {
                continue;
            };
            if !matches!(
                header.validation,
                pyc::Validation::Hash { checked: true, .. }
            ) {
                continue;
            }
            let Some(owner) = &file.owner else {
                continue;
            };
            if let Ok(source) = std::fs::read(root.join(owner)) {
                self.caches[i].facts().source_hash = Some(pyc::source_hash(header.magic, &source));
            }
        }
    }
}

/// What `read_headers` learns of one cache: its index, header bytes, source stat.
type HeaderRead = (usize, Result<Vec<u8>, String>, Option<SourceStat>);

fn open_dir(root: &Path, relative: &[u8]) -> io::Result<Dir> {
    let root = Dir::open(root)?;
    if relative.is_empty() {
        Ok(root)
    } else {
        root.open_at(relative)
    }
}
