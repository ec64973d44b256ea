//! Relative paths as bytes: `/`-separated, as git writes them and the walk builds
//! them. Byte views go through `OsStr::as_encoded_bytes` (portable); turning bytes
//! back into a path is the platform's business.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::platform;

/// The bytes of a path, in the platform's `OsStr` encoding.
pub fn bytes_of(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// Path bytes (from [`bytes_of`], joined or split at `/`, or from git) as a path.
pub fn path(bytes: &[u8]) -> &Path {
    Path::new(platform::os_str(bytes))
}

/// Owned [`path`].
pub fn path_buf(bytes: &[u8]) -> PathBuf {
    PathBuf::from(platform::os_string(bytes.to_vec()))
}

/// The name of an `OsStr` as bytes.
pub fn name_bytes(name: &OsStr) -> &[u8] {
    name.as_encoded_bytes()
}

/// `(folder, name)` of a relative `/`-separated path; the folder is empty at the top.
pub fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|b| *b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

/// Is the folder holding this path named `__pycache__`?
pub fn parent_is_pycache(path: &[u8]) -> bool {
    split_last(split_last(path).0).1 == b"__pycache__"
}

/// `dir/name`, or `name` at the top.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(dir.len() + 1 + name.len());
    path.extend_from_slice(dir);
    if !dir.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// Names worth a look outside `__pycache__`: legacy `.pyc`/`.pyo` (any case) and
/// Jython's `$py.class`.
pub fn is_bytecode_name(name: &[u8]) -> bool {
    let lower_ends = |suffix: &[u8]| {
        name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    lower_ends(b".pyc") || lower_ends(b".pyo") || name.ends_with(b"$py.class")
}

/// Relative paths in one byte buffer: a million index entries are two
/// allocations, not a million. Iterates as `&Path`, in the order pushed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathList {
    bytes: Vec<u8>,
    /// Where each path ends in `bytes`; it starts where the one before ends.
    ends: Vec<usize>,
}

impl PathList {
    pub fn push(&mut self, path: &[u8]) {
        self.bytes.extend_from_slice(path);
        self.ends.push(self.bytes.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of the `i`th path.
    pub fn bytes(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    pub fn last(&self) -> Option<&[u8]> {
        self.len().checked_sub(1).map(|i| self.bytes(i))
    }

    pub fn iter(&self) -> PathIter<'_> {
        PathIter {
            list: self,
            range: 0..self.len(),
        }
    }

    /// Is `wanted` in the list? The list must be sorted by bytes (git's index is).
    pub fn contains_sorted(&self, wanted: &[u8]) -> bool {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.bytes(middle).cmp(wanted) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

impl<'a> IntoIterator for &'a PathList {
    type Item = &'a Path;
    type IntoIter = PathIter<'a>;

    fn into_iter(self) -> PathIter<'a> {
        self.iter()
    }
}

/// The paths of a [`PathList`], in order.
pub struct PathIter<'a> {
    list: &'a PathList,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for PathIter<'a> {
    type Item = &'a Path;

    fn next(&mut self) -> Option<&'a Path> {
        self.range.next().map(|i| path(self.list.bytes(i)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for PathIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back().map(|i| path(self.list.bytes(i)))
    }
}

impl ExactSizeIterator for PathIter<'_> {}

/// Order relative paths as `Path` does (component by component), in one pass
/// over the bytes: a separator sorts before every other byte, so `a/b` comes
/// before `a-b` as the component `a` comes before `a-b`.
pub fn cmp_paths(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let key = |b: u8| {
        if b == b'/' || (cfg!(windows) && b == b'\\') {
            0
        } else {
            u16::from(b) + 1
        }
    };
    a.iter().map(|&b| key(b)).cmp(b.iter().map(|&b| key(b)))
}

/// Render a relative path for people and JSON: `/`-separated on every platform,
/// with bytes that are not UTF-8 written as `\xNN` so the exact name stays
/// recoverable; `.` for the root.
pub fn display_path(path: &Path) -> String {
    DisplayPath(path).to_string()
}

/// `text` with Windows' `\\` separators written as `/` (`windows`), else as is.
fn write_separated(f: &mut impl std::fmt::Write, text: &str, windows: bool) -> std::fmt::Result {
    if !windows {
        return f.write_str(text);
    }
    for (i, part) in text.split('\\').enumerate() {
        if i > 0 {
            f.write_str("/")?;
        }
        f.write_str(part)?;
    }
    Ok(())
}

/// [`display_path`] written straight into a formatter (a report of many paths
/// allocates none).
pub struct DisplayPath<'a>(pub &'a Path);

impl std::fmt::Display for DisplayPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = bytes_of(self.0);
        if bytes.is_empty() {
            return f.write_str(".");
        }
        for chunk in bytes.utf8_chunks() {
            write_separated(f, chunk.valid(), cfg!(windows))?;
            for b in chunk.invalid() {
                write!(f, "\\x{b:02X}")?;
            }
        }
        Ok(())
    }
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

    #[test]
    fn splits_at_the_last_slash() {
        assert_eq!(split_last(b"a/b/c"), (&b"a/b"[..], &b"c"[..]));
        assert_eq!(split_last(b"c"), (&b""[..], &b"c"[..]));
        assert!(parent_is_pycache(b"p/__pycache__/m.pyc"));
        assert!(parent_is_pycache(b"__pycache__/m.pyc"));
        assert!(!parent_is_pycache(b"__pycache__"));
        assert!(!parent_is_pycache(b"x__pycache__/m.pyc"));
        assert_eq!(join(b"", b"m"), b"m");
        assert_eq!(join(b"a", b"m"), b"a/m");
    }

    #[test]
    fn bytes_round_trip_through_paths() {
        for bytes in [&b"a/b.py"[..], b"caf\xC3\xA9", b""] {
            assert_eq!(bytes_of(path(bytes)), bytes);
            assert_eq!(bytes_of(&path_buf(bytes)), bytes);
        }
        #[cfg(unix)]
        assert_eq!(bytes_of(path(b"bad\xE9")), b"bad\xE9");
    }

    #[test]
    fn display_escapes_bytes_that_are_not_utf8() {
        assert_eq!(display_path(Path::new("")), ".");
        assert_eq!(display_path(Path::new("a/é.pyc")), "a/é.pyc");
        #[cfg(unix)]
        assert_eq!(display_path(path(b"bad\xE9.pyc")), "bad\\xE9.pyc");
    }

    proptest::proptest! {
        /// Byte order with separators first is `Path`'s component order, for the
        /// clean relative paths git and the walk produce (no `.` or `..`).
        #[test]
        fn byte_order_is_path_order(
            a in proptest::collection::vec("[a.-]{1,3}", 1..4),
            b in proptest::collection::vec("[a.-]{1,3}", 1..4),
        ) {
            let (a, b) = (a.join("/"), b.join("/"));
            proptest::prop_assume!(!a.split('/').chain(b.split('/')).any(|c| c == "." || c == ".."));
            proptest::prop_assert_eq!(
                cmp_paths(a.as_bytes(), b.as_bytes()),
                Path::new(&a).cmp(Path::new(&b)),
                "{} vs {}", a, b
            );
        }
    }

    #[test]
    fn windows_separators_are_shown_as_slashes() {
        let shown = |text: &str, windows: bool| {
            let mut out = String::new();
            write_separated(&mut out, text, windows).unwrap();
            out
        };
        assert_eq!(
            shown(r"pkg\__pycache__\m.pyc", true),
            "pkg/__pycache__/m.pyc"
        );
        assert_eq!(shown(r"\a\", true), "/a/");
        assert_eq!(shown(r"a\b", false), r"a\b");
    }

    /// Control bytes order as name bytes, after the separator; so does a
    /// backslash on Unix, where it is part of a name.
    #[test]
    fn name_bytes_order_after_the_separator() {
        let mut cases = vec![("a\x01", "a/b"), ("a/\x01", "a/b"), ("a\x01b", "a\x02")];
        if cfg!(unix) {
            cases.extend([("a\\b", "a-b"), ("a\\b", "a/b"), ("a", "a\\")]);
        }
        for (a, b) in cases {
            assert_eq!(
                cmp_paths(a.as_bytes(), b.as_bytes()),
                Path::new(a).cmp(Path::new(b)),
                "{a:?} vs {b:?}"
            );
        }
    }

    #[test]
    fn path_lists_keep_order_and_find_sorted_paths() {
        let mut list = PathList::default();
        assert!(list.is_empty() && list.last().is_none());
        for p in [&b"a"[..], b"a/b.pyc", b"", b"c d"] {
            list.push(p);
        }
        assert_eq!(list.len(), 4);
        assert!(!list.is_empty());
        let mut iter = list.iter();
        assert_eq!((iter.len(), iter.size_hint()), (4, (4, Some(4))));
        iter.next_back();
        assert_eq!(iter.len(), 3);
        assert_eq!(list.bytes(0), b"a");
        assert_eq!(list.bytes(1), b"a/b.pyc");
        assert_eq!(list.bytes(2), b"");
        assert_eq!(list.last(), Some(&b"c d"[..]));
        let back: Vec<&[u8]> = list.iter().rev().map(bytes_of).collect();
        assert_eq!(back, vec![&b"c d"[..], b"", b"a/b.pyc", b"a"]);
        let mut sorted = PathList::default();
        for p in ["a", "b/c", "b/d", "e", "f/g/h"] {
            sorted.push(p.as_bytes());
        }
        for p in ["a", "b/c", "b/d", "e", "f/g/h"] {
            assert!(sorted.contains_sorted(p.as_bytes()), "{p}");
        }
        for p in ["", "0", "b", "b/cc", "e/", "z"] {
            assert!(!sorted.contains_sorted(p.as_bytes()), "{p}");
        }
    }
}
