//! Appending to `.gitignore`: keep every existing byte and the line-ending style,
//! show the change as a unified diff, write it atomically.

use std::io::Write;
use std::path::Path;

use crate::platform;

/// Comment line put above the appended entries.
pub const BLOCK_HEADER: &str = "# added by pyhygiene";

/// The new contents: `existing` untouched, a line ending added only when the last
/// line lacks one (SPEC §8), then the header and the entries, in the file's style.
pub fn append(existing: Option<&[u8]>, entries: &[String]) -> Vec<u8> {
    let existing = existing.unwrap_or_default();
    let eol: &[u8] = if existing.windows(2).any(|w| w == b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let mut out = existing.to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(BLOCK_HEADER.as_bytes());
    out.extend_from_slice(eol);
    for entry in entries {
        out.extend_from_slice(entry.as_bytes());
        out.extend_from_slice(eol);
    }
    out
}

/// A unified diff of an append-only change (`old` is a prefix of `new`, apart from a
/// line ending added to its last line).
pub fn unified_diff(name: &str, old: Option<&[u8]>, new: &[u8]) -> String {
    let old_bytes = old.unwrap_or_default();
    let old_lines = split_lines(old_bytes);
    let new_lines = split_lines(new);
    // Lines equal in both, terminators included: a last line without its newline
    // differs from the same line with the newline the append adds, so it counts as
    // changed.
    let common = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let context_start = common.saturating_sub(3);
    let old_count = old_lines.len() - context_start;
    let new_count = new_lines.len() - context_start;
    let mut out = String::new();
    match old {
        Some(_) => out.push_str(&format!("--- a/{name}\n+++ b/{name}\n")),
        None => out.push_str(&format!("--- /dev/null\n+++ b/{name}\n")),
    }
    out.push_str(&format!(
        "@@ -{} +{} @@\n",
        range(context_start, old_count),
        range(context_start, new_count)
    ));
    for line in &old_lines[context_start..common] {
        push_line(&mut out, ' ', line);
    }
    for line in &old_lines[common..] {
        push_line(&mut out, '-', line);
    }
    for line in &new_lines[common..] {
        push_line(&mut out, '+', line);
    }
    out
}

/// `start,count` in diff notation (1-based; an empty range names the line before).
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

/// Lines with their terminators kept, so a missing final newline is visible.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|b| *b == b'\n').collect()
}

fn push_line(out: &mut String, sign: char, line: &[u8]) {
    out.push(sign);
    let text = String::from_utf8_lossy(line);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    let body = body.strip_suffix('\r').unwrap_or(body);
    out.push_str(body);
    out.push('\n');
    if !line.ends_with(b"\n") {
        out.push_str("\\ No newline at end of file\n");
    }
}

/// Write the appended `.gitignore`: `new` is `old` plus the appended block.
/// Atomically (temp file + rename) keeping mode, owner and group; a hard-linked
/// file, or one whose owner this user cannot give the temp file, is appended to
/// in place instead: a rename would cut the link or change the owner, and an
/// append never rewrites an existing byte.
pub fn write_appended(path: &Path, old: Option<&[u8]>, new: &[u8]) -> std::io::Result<()> {
    let meta = regular_or_missing(path)?;
    match (meta, old) {
        (Some(meta), Some(old)) if platform::link_count(&meta) > 1 => {
            append_in_place(path, old, new)
        }
        (meta, _) => match write_atomic_as(path, new, meta.as_ref()) {
            Err(err) if err.get_ref().is_some_and(|e| e.is::<CannotKeepOwner>()) => match old {
                Some(old) => append_in_place(path, old, new),
                None => Err(err),
            },
            other => other,
        },
    }
}

/// This user cannot give a new file the old one's owner and group.
#[derive(Debug, thiserror::Error)]
#[error("cannot keep the owner and group: {0}")]
struct CannotKeepOwner(std::io::Error);

/// The file's metadata, `None` when it does not exist; never a symlink or a folder.
fn regular_or_missing(path: &Path) -> std::io::Result<Option<std::fs::Metadata>> {
    use std::io::{Error, ErrorKind};
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            Err(Error::other("it is a symlink; not replacing it"))
        }
        Ok(meta) if !meta.is_file() => Err(Error::other("it is not a regular file")),
        Ok(meta) => Ok(Some(meta)),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Append `new[old.len()..]` to the file, after checking it still holds `old`.
fn append_in_place(path: &Path, old: &[u8], new: &[u8]) -> std::io::Result<()> {
    use std::io::Read;
    let mut file =
        platform::open_nofollow(path, std::fs::OpenOptions::new().read(true).append(true))?;
    let mut current = Vec::new();
    file.read_to_end(&mut current)?;
    if current != old || !new.starts_with(old) {
        return Err(std::io::Error::other(
            "it changed while pyhygiene was working; not appending",
        ));
    }
    file.write_all(&new[old.len()..])?;
    file.sync_all()
}

/// Replace `path` with `bytes` atomically: a temp file in the same folder, synced,
/// with the old file's permissions, renamed over it. Never writes through a symlink.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let meta = regular_or_missing(path)?;
    write_atomic_as(path, bytes, meta.as_ref())
}

/// [`write_atomic`] with the replaced file's metadata: its mode, owner and group
/// go to the temp file before the rename (SPEC §8).
fn write_atomic_as(
    path: &Path,
    bytes: &[u8],
    meta: Option<&std::fs::Metadata>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.pyhygiene-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        if let Some(meta) = meta {
            platform::keep_owner(&file, meta)
                .map_err(|e| std::io::Error::other(CannotKeepOwner(e)))?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Some(meta) = meta {
            file.set_permissions(meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<String> {
        vec!["__pycache__/".into(), "*.py[cod]".into()]
    }

    #[test]
    fn keeps_bytes_and_line_endings() {
        let crlf = b"# mine\r\n*.log\r\n".as_slice();
        assert_eq!(
            append(Some(crlf), &entries()),
            b"# mine\r\n*.log\r\n# added by pyhygiene\r\n__pycache__/\r\n*.py[cod]\r\n"
        );
        let no_newline = b"*.log".as_slice();
        assert_eq!(
            append(Some(no_newline), &entries()),
            b"*.log\n# added by pyhygiene\n__pycache__/\n*.py[cod]\n"
        );
        assert_eq!(
            append(None, &entries()),
            b"# added by pyhygiene\n__pycache__/\n*.py[cod]\n"
        );
        assert_eq!(
            append(Some(b"a\n\n"), &entries()),
            b"a\n\n# added by pyhygiene\n__pycache__/\n*.py[cod]\n"
        );
    }

    #[test]
    fn diff_of_an_append() {
        let old = b"one\ntwo\nthree\nfour\n".as_slice();
        let new = append(Some(old), &["*.pyc".into()]);
        assert_eq!(
            unified_diff(".gitignore", Some(old), &new),
            "--- a/.gitignore\n+++ b/.gitignore\n@@ -2,3 +2,5 @@\n two\n three\n four\n+# added by pyhygiene\n+*.pyc\n"
        );
        let old = b"*.log".as_slice();
        let new = append(Some(old), &["*.pyc".into()]);
        assert_eq!(
            unified_diff(".gitignore", Some(old), &new),
            "--- a/.gitignore\n+++ b/.gitignore\n@@ -1 +1,3 @@\n-*.log\n\\ No newline at end of file\n+*.log\n+# added by pyhygiene\n+*.pyc\n"
        );
        let new = append(None, &["*.pyc".into()]);
        assert_eq!(
            unified_diff(".gitignore", None, &new),
            "--- /dev/null\n+++ b/.gitignore\n@@ -0,0 +1,2 @@\n+# added by pyhygiene\n+*.pyc\n"
        );
    }

    #[test]
    #[cfg(unix)]
    fn atomic_write_refuses_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "x").unwrap();
        let link = dir.path().join(".gitignore");
        crate::platform::test_support::symlink(&target, &link).unwrap();
        assert!(write_atomic(&link, b"y").is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"x");
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        let err = write_atomic(&folder, b"y").unwrap_err().to_string();
        assert_eq!(err, "it is not a regular file");
        std::fs::remove_dir(&folder).unwrap();
        let err = write_atomic(&link, b"y").unwrap_err().to_string();
        assert_eq!(err, "it is a symlink; not replacing it");
        let plain = dir.path().join("plain");
        write_atomic(&plain, b"new").unwrap();
        assert_eq!(std::fs::read(&plain).unwrap(), b"new");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temp file left"
        );
    }

    /// Mode, owner and group survive the atomic replace; a hard link stays one file.
    #[test]
    #[cfg(unix)]
    #[cfg_attr(
        feature = "portable",
        ignore = "owner, group and link count are not known portably"
    )]
    fn append_keeps_mode_owner_group_and_hard_links() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".gitignore");
        std::fs::write(&path, "*.log\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let root = rustix::process::geteuid().is_root();
        if root {
            std::os::unix::fs::chown(&path, Some(1234), Some(5678)).unwrap();
        }
        let new = append(Some(b"*.log\n"), &entries());
        write_appended(&path, Some(b"*.log\n"), &new).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), new);
        assert_eq!(meta.mode() & 0o7777, 0o640);
        if root {
            assert_eq!((meta.uid(), meta.gid()), (1234, 5678));
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );

        let other = dir.path().join("shared-ignore");
        std::fs::hard_link(&path, &other).unwrap();
        let newer = append(Some(&new), &["*.egg-info/".into()]);
        write_appended(&path, Some(&new), &newer).unwrap();
        assert_eq!(
            std::fs::read(&other).unwrap(),
            newer,
            "the link still names the file"
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().ino(),
            std::fs::metadata(&other).unwrap().ino()
        );
        // Changed behind our back: no append on a file that is not what was read.
        let stale = write_appended(&path, Some(&new), &newer);
        assert!(stale.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), newer);
    }
}
