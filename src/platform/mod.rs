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
