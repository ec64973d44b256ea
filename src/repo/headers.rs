//! Reading what PYH205 needs beyond names: the first bytes of each live cache and
//! its source's stat (mostly done by the walk, through the folders it holds open;
//! here the rest, folder by folder with `openat`/`statat`), and the hash of
//! sources whose cache is a checked-hash pyc. Only runs when a rule needs it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{AtFlags, Mode, OFlags};

use crate::pyc;
use crate::repo::walk::{split_last, SourceStat, Worktree};

impl Worktree {
    /// The first 4 bytes of each legacy `.pyc`/`.pyo` whose source is missing (a
    /// handful at most), kept as `head`; never through a symlink. Unreadable ones
    /// stay `None`: the message then does not name a version.
    pub(crate) fn read_sourceless_magic(&mut self, root: &Path) {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        for cache in &mut self.caches {
            if cache.kind != Some(pyc::CacheKind::Legacy) || cache.owner.is_some() || !cache.is_file
            {
                continue;
            }
            let mut head = Vec::with_capacity(4);
            let read = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                .open(root.join(&cache.path))
                .and_then(|file| file.take(4).read_to_end(&mut head));
            if read.is_ok() {
                cache.head = Some(Ok(head));
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
            let live = c.owner.is_some()
                && c.is_file
                && split_last(split_last(c.path.as_os_str().as_bytes()).0).1 == b"__pycache__";
            if !live {
                c.head = None;
                c.source_stat = None;
            } else if c.head.is_none() || c.source_stat.is_none() {
                wanted.push(i);
            }
        }
        if !wanted.is_empty() {
            self.read_wanted(root, wanted);
        }
        for cache in &self.caches {
            if let Some(Err(err)) = &cache.head {
                self.errors.push(format!("{}: {err}", cache.path.display()));
            }
        }
    }

    fn read_wanted(&mut self, root: &Path, mut wanted: Vec<usize>) {
        wanted.sort_unstable_by(|&a, &b| {
            self.caches[a]
                .path
                .as_os_str()
                .as_bytes()
                .cmp(self.caches[b].path.as_os_str().as_bytes())
        });
        let caches = &self.caches;
        let read_some = |indices: &[usize]| -> Vec<HeaderRead> {
            let mut out = Vec::with_capacity(indices.len());
            // The source folder, opened once; caches are read as `__pycache__/<name>` in it.
            let mut dir: Option<(Vec<u8>, io::Result<OwnedFd>)> = None;
            let mut name_buf = Vec::new();
            for &i in indices {
                let cache = caches[i].path.as_os_str().as_bytes();
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
                    Ok(fd) => read_head_at(fd.as_fd(), &name_buf),
                    Err(err) => Err(err.to_string()),
                };
                let owner = caches[i]
                    .owner
                    .as_ref()
                    .map(|o| split_last(o.as_os_str().as_bytes()).1);
                let stat = match (source_dir_fd, owner) {
                    (Ok(fd), Some(owner)) => stat_at(fd.as_fd(), owner),
                    _ => None,
                };
                out.push((i, head, stat));
            }
            out
        };
        // Split at a folder boundary near the middle, so each folder is opened once.
        let mut middle = wanted.len() / 2;
        while middle > 0 && middle < wanted.len() && {
            let parent = |i: usize| split_last(caches[wanted[i]].path.as_os_str().as_bytes()).0;
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
            self.caches[i].head = Some(head);
            self.caches[i].source_stat = stat;
        }
    }

    /// Checked-hash pycs are fresh iff their source hashes to the stored value: read
    /// those sources (only those) and hash them as CPython does.
    pub(crate) fn hash_checked_sources(&mut self, root: &Path) {
        for i in 0..self.caches.len() {
            let file = &self.caches[i];
            let Some(Ok(head)) = &file.head else { continue };
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
                self.caches[i].source_hash = Some(pyc::source_hash(header.magic, &source));
            }
        }
    }
}

/// What `read_headers` learns of one cache: its index, header bytes, source stat.
type HeaderRead = (usize, Result<Vec<u8>, String>, Option<SourceStat>);

fn open_dir(root: &Path, relative: &[u8]) -> io::Result<OwnedFd> {
    let mut path = root.as_os_str().as_bytes().to_vec();
    if !relative.is_empty() {
        path.push(b'/');
        path.extend_from_slice(relative);
    }
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    rustix::fs::open(path.as_slice(), flags, Mode::empty()).map_err(io::Error::from)
}

/// The first 16 bytes of a file in `dir` (every `.pyc` header generation fits);
/// never through a symlink.
pub(crate) fn read_head_at(dir: BorrowedFd<'_>, name: &[u8]) -> Result<Vec<u8>, String> {
    // Non-blocking: a file swapped for a named pipe since the listing cannot hang us.
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NONBLOCK;
    let error = |e: rustix::io::Errno| io::Error::from(e).to_string();
    let fd = rustix::fs::openat(dir, name, flags, Mode::empty()).map_err(error)?;
    let mut head = [0u8; pyc::MAX_HEADER_LEN];
    let mut len = 0;
    // A regular file returns everything up to EOF in one read; loop for the odd short read.
    while len < head.len() {
        match rustix::io::read(&fd, &mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(error(e)),
        }
    }
    Ok(head[..len].to_vec())
}

/// `statat` of `name` in `dir`, followed through symlinks as CPython's `os.stat`
/// of a source is.
fn stat_followed(dir: BorrowedFd<'_>, name: &[u8]) -> Option<rustix::fs::Stat> {
    rustix::fs::statat(dir, name, AtFlags::empty()).ok()
}

fn is_regular(stat: &rustix::fs::Stat) -> bool {
    rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile
}

/// CPython compares `int(st.st_mtime)`: whole seconds truncated toward zero, so a
/// pre-1970 `-1.5` is `-1`, where `st_mtime` (the floor) says `-2`.
fn source_stat(stat: &rustix::fs::Stat) -> SourceStat {
    let truncated = if stat.st_mtime < 0 && stat.st_mtime_nsec > 0 {
        stat.st_mtime + 1
    } else {
        stat.st_mtime
    };
    SourceStat {
        mtime: truncated,
        size: stat.st_size as u64,
    }
}

/// Mtime and size of `name` in `dir`.
pub(crate) fn stat_at(dir: BorrowedFd<'_>, name: &[u8]) -> Option<SourceStat> {
    stat_followed(dir, name).map(|stat| source_stat(&stat))
}

/// [`stat_at`], for a regular file only (what can own a cache).
pub(crate) fn file_stat_at(dir: BorrowedFd<'_>, name: &[u8]) -> Option<SourceStat> {
    stat_followed(dir, name)
        .filter(is_regular)
        .map(|stat| source_stat(&stat))
}

/// Does `name` exist in `dir`, followed through symlinks?
pub(crate) fn exists_at(dir: BorrowedFd<'_>, name: &[u8]) -> bool {
    stat_followed(dir, name).is_some()
}

/// Is `name` in `dir`, followed through symlinks, a regular file?
pub(crate) fn is_file_at(dir: BorrowedFd<'_>, name: &[u8]) -> bool {
    stat_followed(dir, name).is_some_and(|stat| is_regular(&stat))
}
