//! The portable implementation: `std::fs` only. A [`Dir`] is a path, so each
//! lookup resolves it again: a folder swapped for a symlink between the check and
//! the use is not caught as the descriptor-relative Unix implementation catches
//! it, paths are limited to what the system resolves at once (`PATH_MAX` on Unix;
//! Windows' long-path prefix is added by std), and a file's owner, group and link
//! count are not known (see the README's platform notes).

use std::ffi::{OsStr, OsString};
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::{Kind, Stat};

/// Which implementation this build uses.
pub const IMPLEMENTATION: &str = "portable";

/// Path bytes as a path. The bytes come from [`OsStr::as_encoded_bytes`] (joined
/// and split at `/`) or from git, which writes UTF-8 on Windows; anything else
/// (a non-UTF-8 name from git on Windows) reads as `U+FFFD`, a name that is no
/// file here — never as an empty path, which would name the folder itself.
pub fn os_str(bytes: &[u8]) -> &OsStr {
    os_str_where(bytes, cfg!(unix))
}

/// [`os_str`] on a system where `any_bytes` are a name (Unix) or not (Windows).
fn os_str_where(bytes: &[u8], any_bytes: bool) -> &OsStr {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return OsStr::new(text);
    }
    if any_bytes || is_wtf8(bytes) {
        // SAFETY: on Unix every byte string is an `OsStr`'s encoding; elsewhere the
        // bytes were checked to be WTF-8, the encoding `as_encoded_bytes` gives.
        return unsafe { OsStr::from_encoded_bytes_unchecked(bytes) };
    }
    OsStr::new("\u{FFFD}")
}

/// Owned [`os_str`]; bytes that are no name here read lossily (`U+FFFD` for each
/// bad sequence), keeping the path's folders.
pub fn os_string(bytes: Vec<u8>) -> OsString {
    os_string_where(bytes, cfg!(unix))
}

/// [`os_string`] on a system where `any_bytes` are a name (Unix) or not (Windows).
fn os_string_where(bytes: Vec<u8>, any_bytes: bool) -> OsString {
    match String::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(err) if any_bytes || is_wtf8(err.as_bytes()) => {
            os_str_where(err.as_bytes(), any_bytes).to_owned()
        }
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned().into(),
    }
}

/// Generalized UTF-8 that may also encode surrogates (`ED A0..BF xx`): what
/// Windows file names are in `OsStr`'s encoding.
fn is_wtf8(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let Some(&first) = rest.first() {
        let len = match first {
            0x00..=0x7F => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return false,
        };
        if rest.len() < len || !rest[1..len].iter().all(|b| b & 0xC0 == 0x80) {
            return false;
        }
        let second = rest.get(1).copied().unwrap_or(0x80);
        let bad_second = match first {
            0xE0 => second < 0xA0,
            0xF0 => second < 0x90,
            0xF4 => second > 0x8F,
            _ => false,
        };
        if bad_second {
            return false;
        }
        rest = &rest[len..];
    }
    true
}

/// An open folder: its path.
#[derive(Debug)]
pub struct Dir(PathBuf);

fn symlink_error() -> io::Error {
    io::Error::other("it is a symlink")
}

impl Dir {
    /// Open a folder by its path, following a symlink (the root a user named).
    pub fn open(path: &Path) -> io::Result<Dir> {
        if std::fs::metadata(path)?.is_dir() {
            Ok(Dir(path.to_owned()))
        } else {
            Err(io::ErrorKind::NotADirectory.into())
        }
    }

    /// Open a folder by its path; a symlink in its last component is refused.
    pub fn open_nofollow(path: &Path) -> io::Result<Dir> {
        let meta = std::fs::symlink_metadata(path)?;
        if meta.file_type().is_symlink() {
            Err(symlink_error())
        } else if meta.is_dir() {
            Ok(Dir(path.to_owned()))
        } else {
            Err(io::ErrorKind::NotADirectory.into())
        }
    }

    fn join(&self, relative: &[u8]) -> PathBuf {
        self.0.join(os_str(relative))
    }

    /// Open the folder at `relative` (`/`-separated) below this one; a symlink in
    /// its last component is refused.
    pub fn open_at(&self, relative: &[u8]) -> io::Result<Dir> {
        Dir::open_nofollow(&self.join(relative))
    }

    /// A second handle on the same folder.
    pub fn try_clone(&self) -> io::Result<Dir> {
        Ok(Dir(self.0.clone()))
    }

    /// Up to `buf.len()` first bytes of the regular file at `relative`, never
    /// through a symlink in its last component.
    pub fn read_head(&self, relative: &[u8], buf: &mut [u8]) -> io::Result<usize> {
        let path = self.join(relative);
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() {
            return Err(symlink_error());
        }
        if !meta.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        let mut file = File::open(&path)?;
        let mut len = 0;
        while len < buf.len() {
            match file.read(&mut buf[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(len)
    }

    /// Stat `relative`, following symlinks as CPython's `os.stat` of a source does.
    pub fn stat(&self, relative: &[u8]) -> io::Result<Stat> {
        let meta = std::fs::metadata(self.join(relative))?;
        // Whole seconds truncated toward zero, before 1970 too.
        let mtime = match meta.modified()?.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        };
        Ok(Stat {
            kind: kind_of_type(meta.file_type()),
            mtime,
            size: meta.len(),
        })
    }

    /// The kind of `name`, not following a symlink.
    pub fn kind_of(&self, name: &[u8]) -> io::Result<Kind> {
        Ok(kind_of_type(
            std::fs::symlink_metadata(self.join(name))?.file_type(),
        ))
    }

    /// Remove the file (or symlink) `name` in this folder.
    pub fn remove_file(&self, name: &[u8]) -> io::Result<()> {
        std::fs::remove_file(self.join(name))
    }

    /// Remove the empty folder `name` in this folder (never content).
    pub fn remove_dir(&self, name: &[u8]) -> io::Result<()> {
        std::fs::remove_dir(self.join(name))
    }

    /// Create the folder `name` in this folder (tests build deep trees with it).
    pub fn create_dir(&self, name: &[u8]) -> io::Result<()> {
        std::fs::create_dir(self.join(name))
    }

    /// Create (or truncate) the empty file `name` in this folder.
    pub fn create_file(&self, name: &[u8]) -> io::Result<()> {
        File::create(self.join(name)).map(drop)
    }
}

fn kind_of_type(file_type: std::fs::FileType) -> Kind {
    if file_type.is_symlink() {
        Kind::Symlink
    } else if file_type.is_dir() {
        Kind::Dir
    } else if file_type.is_file() {
        Kind::File
    } else {
        Kind::Other
    }
}

/// Reads folders' entries (nothing to reuse between folders here).
#[derive(Default)]
pub struct Lister(());

impl Lister {
    /// Call `entry` with the name and kind of every entry of `dir`.
    pub fn list(&mut self, dir: &Dir, mut entry: impl FnMut(&[u8], Kind)) -> io::Result<()> {
        for item in std::fs::read_dir(&dir.0)? {
            let item = item?;
            // `DirEntry::file_type` never follows a symlink.
            let kind = item.file_type().map_or(Kind::Other, kind_of_type);
            entry(item.file_name().as_encoded_bytes(), kind);
        }
        Ok(())
    }
}

/// A [`Dir`] holds no descriptor: a walk may hold as many as it likes.
pub fn open_file_limit() -> usize {
    usize::MAX
}

/// Open `path` with `options`, refusing a symlink in its last component (checked
/// just before the open).
pub fn open_nofollow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(symlink_error()),
        _ => options.open(path),
    }
}

/// Not known portably: every file counts as having one name.
pub fn link_count(_meta: &Metadata) -> u64 {
    1
}

/// Not known portably: a new file keeps the creating user as its owner (on
/// Windows, it inherits the folder's permissions).
pub fn keep_owner(_file: &File, _of: &Metadata) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wtf8_is_utf8_plus_surrogates() {
        assert!(is_wtf8("aé€😀".as_bytes()));
        assert!(is_wtf8(b"\xED\xA0\x80")); // a lone surrogate
                                           // The first valid second byte after E0, F0 and F4, and the first invalid one.
        for good in [
            &b"\xE0\xA0\x80"[..],
            b"\xF0\x90\x80\x80",
            b"\xF4\x8F\xBF\xBF",
        ] {
            assert!(is_wtf8(good), "{good:?}");
        }
        for overlong in [&b"\xE0\x9F\xBF"[..], b"\xF0\x8F\xBF\xBF"] {
            assert!(!is_wtf8(overlong), "{overlong:?}");
        }
        for bad in [
            &b"\xFF"[..],
            b"\xC0\x80",
            b"\xE0\x80\x80",
            b"\xF4\x90\x80\x80",
            b"\xE2\x82",
        ] {
            assert!(!is_wtf8(bad), "{bad:?}");
        }
    }

    /// Off Unix, bytes that are no name become `U+FFFD`, never the empty path
    /// (which would name the folder a lookup starts from).
    #[test]
    fn bytes_that_are_no_name_never_read_as_the_folder_itself() {
        assert_eq!(os_str_where(b"a/b.py", false), "a/b.py");
        assert_eq!(os_str_where(b"bad\xFF", false), "\u{FFFD}");
        let surrogate = b"x\xED\xA0\x80";
        assert_eq!(os_str_where(surrogate, false).as_encoded_bytes(), surrogate);
        #[cfg(unix)]
        assert_eq!(
            os_str_where(b"bad\xFF", true).as_encoded_bytes(),
            b"bad\xFF"
        );
        // Owned, the path keeps its folders: only the bad bytes are replaced.
        assert_eq!(
            os_string_where(b"a/bad\xFF.py".to_vec(), false),
            "a/bad\u{FFFD}.py"
        );
        assert_eq!(os_string_where(b"a/b.py".to_vec(), false), "a/b.py");
    }
}
