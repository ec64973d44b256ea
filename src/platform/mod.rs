//! The one seam between pyhygiene and the operating system. Everything that needs
//! `std::os::unix` or `rustix` lives in `unix.rs`, compiled only on Unix when the
//! `portable` feature is off; `portable.rs` does the same with `std::fs` alone and
//! is what Windows (and `cargo test --features portable`) runs.
//!
//! Both offer the same API: a [`Dir`] (an open folder, names looked up in it one
//! component at a time), a [`Lister`] that reads a folder's entries with their
//! kinds, and a few file helpers for the `.gitignore` writer.

#[cfg(all(unix, not(feature = "portable")))]
mod unix;
#[cfg(all(unix, not(feature = "portable")))]
pub use unix::*;

#[cfg(any(not(unix), feature = "portable"))]
mod portable;
#[cfg(any(not(unix), feature = "portable"))]
pub use portable::*;

/// The kind of a folder entry, never unknown (an unknown kind is resolved with
/// `lstat`); a symlink is never followed to find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// What a followed stat says of a file: its kind, its size, and its mtime in whole
/// seconds truncated toward zero (CPython compares `int(st.st_mtime)`, so a
/// pre-1970 `-1.5` is `-1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub kind: Kind,
    pub mtime: i64,
    pub size: u64,
}

/// Symlinks for tests, on the platforms that have them.
#[cfg(all(test, unix))]
pub mod test_support {
    pub use std::os::unix::fs::symlink;
}

/// The seam's contract, run against whichever implementation this build uses
/// (`cargo test` and `cargo test --features portable`).
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::ErrorKind;
    use std::path::Path;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("real/sub")).unwrap();
        std::fs::write(root.join("real/file.pyc"), b"0123456789abcdefXYZ").unwrap();
        test_support::symlink(root.join("real"), root.join("link")).unwrap();
        test_support::symlink(root.join("real/file.pyc"), root.join("real/linked.pyc")).unwrap();
        dir
    }

    #[test]
    fn opening_follows_only_where_asked() {
        let dir = tree();
        let root = dir.path();
        assert!(
            Dir::open(&root.join("link")).is_ok(),
            "the root a user named"
        );
        assert!(Dir::open_nofollow(&root.join("real")).is_ok());
        assert!(Dir::open_nofollow(&root.join("link")).is_err());
        assert!(Dir::open_nofollow(&root.join("real/file.pyc")).is_err());
        assert!(Dir::open(&root.join("real/file.pyc")).is_err());
        let top = Dir::open(root).unwrap();
        assert!(top.open_at(b"real/sub").is_ok());
        assert!(top.open_at(b"link").is_err());
        assert!(top.open_at(b"real/file.pyc").is_err());
        assert_eq!(
            top.open_at(b"missing").unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert!(top.try_clone().unwrap().open_at(b"real").is_ok());
    }

    #[test]
    fn files_open_for_append_only_when_not_a_symlink() {
        let dir = tree();
        let real = dir.path().join("real");
        let mut append = std::fs::OpenOptions::new();
        append.read(true).append(true);
        assert!(open_nofollow(&real.join("file.pyc"), &mut append).is_ok());
        assert!(open_nofollow(&real.join("linked.pyc"), &mut append).is_err());
        assert_eq!(
            std::fs::read(real.join("file.pyc")).unwrap(),
            b"0123456789abcdefXYZ"
        );
    }

    #[test]
    fn heads_are_read_never_through_a_symlink() {
        let dir = tree();
        let real = Dir::open(&dir.path().join("real")).unwrap();
        let mut head = [0u8; 16];
        assert_eq!(real.read_head(b"file.pyc", &mut head).unwrap(), 16);
        assert_eq!(&head, b"0123456789abcdef");
        let mut small = [0u8; 4];
        assert_eq!(real.read_head(b"file.pyc", &mut small).unwrap(), 4);
        assert_eq!(&small, b"0123");
        assert!(real.read_head(b"linked.pyc", &mut head).is_err());
        let top = Dir::open(dir.path()).unwrap();
        assert_eq!(top.read_head(b"real/file.pyc", &mut small).unwrap(), 4);
    }

    /// A named pipe where a cache was listed never hangs the reader.
    #[test]
    fn a_named_pipe_does_not_block() {
        let dir = tree();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join("real/pipe.pyc"))
            .status()
            .unwrap();
        assert!(status.success());
        let path = dir.path().join("real");
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let real = Dir::open(&path).unwrap();
            let mut head = [0u8; 16];
            let read = real.read_head(b"pipe.pyc", &mut head);
            done.send(read.map_or(0, |n| n)).unwrap();
        });
        let read = finished
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a named pipe blocked");
        assert_eq!(read, 0);
    }

    #[test]
    fn stat_follows_and_kind_does_not() {
        let dir = tree();
        let real = Dir::open(&dir.path().join("real")).unwrap();
        let file = real.stat(b"linked.pyc").unwrap();
        assert_eq!((file.kind, file.size), (Kind::File, 19));
        assert_eq!(real.kind_of(b"linked.pyc").unwrap(), Kind::Symlink);
        assert_eq!(real.kind_of(b"sub").unwrap(), Kind::Dir);
        assert_eq!(real.kind_of(b"file.pyc").unwrap(), Kind::File);
        assert_eq!(real.stat(b"../link").unwrap().kind, Kind::Dir);
        let mtime = std::fs::metadata(dir.path().join("real/file.pyc"))
            .unwrap()
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert_eq!(file.mtime, mtime);
    }

    #[test]
    fn listing_gives_every_entry_with_its_kind() {
        let dir = tree();
        let real = Dir::open(&dir.path().join("real")).unwrap();
        let mut seen = Vec::new();
        Lister::default()
            .list(&real, |name, kind| {
                seen.push((String::from_utf8_lossy(name).into_owned(), kind))
            })
            .unwrap();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        let expected = [
            ("file.pyc", Kind::File),
            ("linked.pyc", Kind::Symlink),
            ("sub", Kind::Dir),
        ];
        let expected: Vec<(String, Kind)> = expected
            .iter()
            .map(|(n, k)| ((*n).to_owned(), *k))
            .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn removal_takes_only_what_it_names() {
        let dir = tree();
        let real = Dir::open(&dir.path().join("real")).unwrap();
        real.create_file(b"sub/x").unwrap();
        assert_eq!(
            real.remove_dir(b"sub").unwrap_err().kind(),
            ErrorKind::DirectoryNotEmpty
        );
        real.remove_file(b"sub/x").unwrap();
        real.remove_dir(b"sub").unwrap();
        real.remove_file(b"linked.pyc").unwrap();
        assert!(Path::new(&dir.path().join("real/file.pyc")).exists());
        assert_eq!(
            real.remove_file(b"linked.pyc").unwrap_err().kind(),
            ErrorKind::NotFound
        );
        real.create_dir(b"new").unwrap();
        assert_eq!(real.kind_of(b"new").unwrap(), Kind::Dir);
        assert!(open_file_limit() >= 64);
    }
}
