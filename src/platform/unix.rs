//! The fast implementation: `openat`/`getdents64`/`statat` through rustix. Every
//! lookup is one component relative to a held folder descriptor, so nothing can be
//! swapped in between and paths beyond `PATH_MAX` work.

use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use super::{Kind, Stat};

/// Which implementation this build uses.
pub const IMPLEMENTATION: &str = "unix";

/// A folder's path bytes as a path: on Unix any bytes are a path.
pub fn os_str(bytes: &[u8]) -> &OsStr {
    OsStr::from_bytes(bytes)
}

/// Owned [`os_str`].
pub fn os_string(bytes: Vec<u8>) -> OsString {
    OsString::from_vec(bytes)
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);

/// An open folder.
#[derive(Debug)]
pub struct Dir(OwnedFd);

impl Dir {
    /// Open a folder by its path, following a symlink (the root a user named).
    pub fn open(path: &Path) -> io::Result<Dir> {
        Ok(Dir(rustix::fs::open(path, DIR_FLAGS, Mode::empty())?))
    }

    /// Open a folder by its path; a symlink in its last component is refused.
    pub fn open_nofollow(path: &Path) -> io::Result<Dir> {
        Ok(Dir(rustix::fs::open(
            path,
            DIR_FLAGS | OFlags::NOFOLLOW,
            Mode::empty(),
        )?))
    }

    /// Open the folder at `relative` (`/`-separated) below this one; a symlink in
    /// its last component is refused.
    pub fn open_at(&self, relative: &[u8]) -> io::Result<Dir> {
        let flags = DIR_FLAGS | OFlags::NOFOLLOW;
        Ok(Dir(rustix::fs::openat(
            &self.0,
            os_str(relative),
            flags,
            Mode::empty(),
        )?))
    }

    /// A second handle on the same folder.
    pub fn try_clone(&self) -> io::Result<Dir> {
        Ok(Dir(rustix::io::dup(&self.0)?))
    }

    /// Up to `buf.len()` first bytes of the file at `relative`, never through a
    /// symlink in its last component and never blocking (a named pipe put there
    /// since the listing cannot hang us).
    pub fn read_head(&self, relative: &[u8], buf: &mut [u8]) -> io::Result<usize> {
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NONBLOCK;
        let fd = rustix::fs::openat(&self.0, os_str(relative), flags, Mode::empty())?;
        let mut len = 0;
        // A regular file returns everything up to EOF in one read; loop for the odd short read.
        while len < buf.len() {
            match rustix::io::read(&fd, &mut buf[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(len)
    }

    /// Stat `relative`, following symlinks as CPython's `os.stat` of a source does.
    pub fn stat(&self, relative: &[u8]) -> io::Result<Stat> {
        let stat = rustix::fs::statat(&self.0, os_str(relative), AtFlags::empty())?;
        Ok(stat_of(&stat))
    }

    /// The kind of `name`, not following a symlink.
    pub fn kind_of(&self, name: &[u8]) -> io::Result<Kind> {
        let stat = rustix::fs::statat(&self.0, os_str(name), AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(kind_of_mode(stat.st_mode))
    }

    /// Remove the file (or symlink) `name` in this folder.
    pub fn remove_file(&self, name: &[u8]) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(
            &self.0,
            os_str(name),
            AtFlags::empty(),
        )?)
    }

    /// Remove the empty folder `name` in this folder (`rmdir`: never content).
    pub fn remove_dir(&self, name: &[u8]) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(
            &self.0,
            os_str(name),
            AtFlags::REMOVEDIR,
        )?)
    }

    /// Create the folder `name` in this folder (tests build deep trees with it).
    pub fn create_dir(&self, name: &[u8]) -> io::Result<()> {
        Ok(rustix::fs::mkdirat(
            &self.0,
            os_str(name),
            Mode::from_raw_mode(0o755),
        )?)
    }

    /// Create (or truncate) the empty file `name` in this folder.
    pub fn create_file(&self, name: &[u8]) -> io::Result<()> {
        let flags = OFlags::CREATE | OFlags::WRONLY | OFlags::TRUNC | OFlags::CLOEXEC;
        rustix::fs::openat(&self.0, os_str(name), flags, Mode::from_raw_mode(0o644))?;
        Ok(())
    }
}

fn kind_of_mode(mode: u32) -> Kind {
    match FileType::from_raw_mode(mode) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink,
        _ => Kind::Other,
    }
}

fn stat_of(stat: &rustix::fs::Stat) -> Stat {
    // `st_mtime` is the floor; CPython's `int()` truncates toward zero.
    let mtime = if stat.st_mtime < 0 && stat.st_mtime_nsec > 0 {
        stat.st_mtime + 1
    } else {
        stat.st_mtime
    };
    Stat {
        kind: kind_of_mode(stat.st_mode),
        mtime,
        size: stat.st_size as u64,
    }
}

/// Reads folders' entries; one per thread, its buffer reused.
pub struct Lister {
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    buffer: Vec<MaybeUninit<u8>>,
}

impl Default for Lister {
    fn default() -> Lister {
        Lister {
            buffer: vec![MaybeUninit::uninit(); 32 * 1024],
        }
    }
}

impl Lister {
    /// Call `entry` with the name and kind of every entry of `dir` but `.` and `..`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn list(&mut self, dir: &Dir, mut entry: impl FnMut(&[u8], Kind)) -> io::Result<()> {
        let mut raw = rustix::fs::RawDir::new(&dir.0, &mut self.buffer);
        while let Some(item) = raw.next() {
            let item = item?;
            add(
                dir,
                item.file_name().to_bytes(),
                item.file_type(),
                &mut entry,
            );
        }
        Ok(())
    }

    /// Call `entry` with the name and kind of every entry of `dir` but `.` and `..`.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub fn list(&mut self, dir: &Dir, mut entry: impl FnMut(&[u8], Kind)) -> io::Result<()> {
        let mut read = rustix::fs::Dir::read_from(&dir.0)?;
        while let Some(item) = read.read() {
            let item = item?;
            add(
                dir,
                item.file_name().to_bytes(),
                item.file_type(),
                &mut entry,
            );
        }
        Ok(())
    }
}

fn add(dir: &Dir, name: &[u8], file_type: FileType, entry: &mut impl FnMut(&[u8], Kind)) {
    if name == b"." || name == b".." {
        return;
    }
    let kind = match file_type {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink,
        FileType::Unknown => dir.kind_of(name).unwrap_or(Kind::Other),
        _ => Kind::Other,
    };
    entry(name, kind);
}

/// How many parent folders a walk may hold open: the soft limit on descriptors (a
/// conservative guess if it cannot be read).
pub fn open_file_limit() -> usize {
    rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .map_or(1024, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// Open `path` with `options`, refusing a symlink in its last component.
pub fn open_nofollow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    options
        .custom_flags(OFlags::NOFOLLOW.bits() as i32)
        .open(path)
}

/// How many names the file has: a hard-linked file must be written in place.
pub fn link_count(meta: &Metadata) -> u64 {
    meta.nlink()
}

/// Give `file` the owner and group `of` has, when they differ (an error when this
/// user may not).
pub fn keep_owner(file: &File, of: &Metadata) -> io::Result<()> {
    let mine = file.metadata()?;
    if (of.uid(), of.gid()) != (mine.uid(), mine.gid()) {
        std::os::unix::fs::fchown(file, Some(of.uid()), Some(of.gid()))?;
    }
    Ok(())
}
