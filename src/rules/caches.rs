//! Rules over caches on disk (the worktree set): PYH201 orphaned-bytecode,
//! PYH202 sourceless-module, PYH203 legacy-bytecode, PYH204 empty-pycache,
//! PYH205 stale-bytecode, PYH206 foreign-interpreter-cache.

use std::path::{Path, PathBuf};

use crate::diagnostic::{display_path, Diagnostic};
use crate::paths::{bytes_of, name_bytes, path as path_from, split_last};
use crate::pyc::{self, CacheKind, CacheName, Validation};
use crate::registry::Rule;
use crate::repo::worktree::{parse_cache_path, CacheFile, Worktree};
use crate::rules::Env;

/// A cache file with its name parsed; its owner was looked up with the file set.
struct Resolved<'a> {
    file: &'a CacheFile,
    name: CacheName<'a, [u8]>,
    /// The existing source that owns it.
    owner: Option<&'a PathBuf>,
}

impl Resolved<'_> {
    /// Source paths that would own it, best first (only messages need these).
    fn candidates(&self) -> Vec<PathBuf> {
        parse_cache_path(&self.file.path).map_or_else(Vec::new, |(_, c)| c)
    }

    /// The source a message should name: the owner, or the first candidate.
    fn source_display(&self) -> String {
        match self.owner {
            Some(owner) => display_path(owner),
            None => self
                .candidates()
                .first()
                .map_or_else(|| "?".to_owned(), |p| display_path(p)),
        }
    }
}

/// The cache files whose name is one of `kinds`, with their names parsed (the
/// kind was parsed once with the file set, so most files are skipped cheaply).
fn resolve_all<'a>(
    tree: &'a Worktree,
    kinds: &'a [CacheKind],
) -> impl Iterator<Item = Resolved<'a>> {
    tree.caches.iter().filter_map(move |file| {
        if !file.kind.is_some_and(|k| kinds.contains(&k)) {
            return None;
        }
        let path = bytes_of(&file.path);
        let in_pycache = crate::paths::parent_is_pycache(path);
        let name = split_last(path).1;
        Some(Resolved {
            file,
            name: pyc::classify_bytes(name, in_pycache)?,
            owner: file.owner.as_ref(),
        })
    })
}

/// Suffix `.pyc`/`.pyo` in any case: names worth deleting inside `__pycache__`.
fn has_bytecode_suffix(name: &[u8]) -> bool {
    name.len() >= 4 && {
        let suffix = &name[name.len() - 4..];
        suffix.eq_ignore_ascii_case(b".pyc") || suffix.eq_ignore_ascii_case(b".pyo")
    }
}

/// A diagnostic whose fix deletes a file. Only a regular file gets that fix (SPEC
/// §8): a symlink, a pipe, a socket or a device is reported and left alone.
fn deletion(rule: Rule, file: &CacheFile, message: String) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(rule, &file.path, message);
    let why = if file.is_symlink {
        " (a symlink: not deleted automatically)"
    } else if !file.is_file {
        " (not a regular file: not deleted automatically)"
    } else {
        return diagnostic;
    };
    diagnostic.fix = None;
    diagnostic.message.to_mut().push_str(why);
    diagnostic
}

/// Is this path inside a folder PYH207 reports? Then that finding stands for it:
/// one cause (a deleted package), one finding.
fn in_reported_leftover(env: &Env<'_>, tree: &Worktree, path: &Path) -> bool {
    env.settings.is_enabled(Rule::PYH207) && tree.leftover(path).is_some()
}

/// PYH201: caches in `__pycache__` whose source is gone, and interrupted-write leftovers.
pub fn orphaned_bytecode(tree: &Worktree, env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    for r in resolve_all(
        tree,
        &[
            CacheKind::Pep3147,
            CacheKind::Pytest,
            CacheKind::Leftover,
            CacheKind::UnknownInPycache,
        ],
    ) {
        let message = match r.name {
            CacheName::Pep3147 { .. } | CacheName::Pytest { .. } if r.owner.is_none() => {
                if r.candidates().is_empty() {
                    "no source can own this cache name; nothing imports it".to_owned()
                } else {
                    format!("cache of missing source `{}`", r.source_display())
                }
            }
            CacheName::Leftover { .. } => "leftover of an interrupted cache write".to_owned(),
            CacheName::UnknownInPycache
                if has_bytecode_suffix(r.file.path.file_name().map_or(b"", name_bytes)) =>
            {
                "not a cache name CPython writes (no interpreter tag); nothing imports it"
                    .to_owned()
            }
            _ => continue,
        };
        if in_reported_leftover(env, tree, &r.file.path) {
            continue;
        }
        out.push(deletion(Rule::PYH201, r.file, message));
    }
}

/// PYH202: legacy `<m>.pyc`/`.pyo` (or Jython `$py.class`) with no `<m>.py` beside it.
pub fn sourceless_module(tree: &Worktree, _env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    for r in resolve_all(tree, &[CacheKind::Legacy, CacheKind::Jython]) {
        let message = match r.name {
            CacheName::Legacy { stem, .. } if r.owner.is_none() => sourceless_message(&r, stem),
            CacheName::Jython { .. } if r.owner.is_none() => format!(
                "Jython class without its source `{}`: Jython still imports it",
                r.source_display()
            ),
            _ => continue,
        };
        out.push(deletion(Rule::PYH202, r.file, message));
    }
}

/// PYH207: folders a deleted package left, holding nothing but orphaned caches and
/// empty folders; one finding for the top-most.
pub fn deleted_package_leftover(tree: &Worktree, _env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    for leftover in &tree.leftovers {
        let caches = match leftover.caches.len() {
            0 => "empty `__pycache__` folders".to_owned(),
            1 => "1 orphaned cache".to_owned(),
            n => format!("{n} orphaned caches"),
        };
        let dotted = leftover
            .path
            .components()
            .map(|c| c.as_os_str().to_str().filter(|name| is_identifier(name)))
            .collect::<Option<Vec<&str>>>();
        let imports = match dotted {
            Some(names) => format!("`import {}` still succeeds", names.join(".")),
            None => "Python still imports it".to_owned(),
        };
        let message = format!(
            "deleted package: nothing left but {caches}; {imports} (a namespace package) and hides the deletion"
        );
        out.push(Diagnostic::new(Rule::PYH207, &leftover.path, message).dir());
    }
}

/// A name `import` accepts: a letter or `_`, then letters, digits or `_` (ASCII;
/// other names are left out of the message rather than guessed).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What importing a sourceless legacy `.pyc` does: the package's for `__init__`,
/// and which Python imports it (the one whose magic number it holds; the others
/// refuse it with `bad magic number`).
fn sourceless_message(r: &Resolved<'_>, stem: &[u8]) -> String {
    let folder = split_last(bytes_of(&r.file.path)).0;
    let subject = if stem == b"__init__" {
        match folder {
            [] => "the root folder's package".to_owned(),
            _ => format!("package `{}`", display_path(path_from(folder))),
        }
    } else {
        format!("module `{}`", String::from_utf8_lossy(stem))
    };
    let source = r.source_display();
    let magic = match r.file.head() {
        Some(Ok(head)) if head.len() == 4 && head[2..] == *b"\r\n" => {
            Some(u16::from_le_bytes([head[0], head[1]]))
        }
        Some(Ok(_)) => {
            return format!(
                "{subject} has no source `{source}`, and its `.pyc` is not bytecode: importing it fails (bad magic number)"
            )
        }
        _ => None,
    };
    match magic.map(|m| (m, pyc::version_from_magic(m))) {
        Some((_, Some(version))) if version.major == 2 => format!(
            "{subject} is importable without its source `{source}` by Python {version}, which wrote it; Python 3 refuses it (bad magic number)"
        ),
        Some((_, Some(version))) => format!(
            "{subject} is importable without its source `{source}` by Python {version}, which wrote it; other versions refuse it (bad magic number)"
        ),
        Some((magic, None)) => format!(
            "{subject} has no source `{source}`; its bytecode (magic number {magic}) is no CPython version's: CPython refuses it (bad magic number)"
        ),
        None => format!("{subject} is importable without its source `{source}`"),
    }
}

/// PYH203: legacy bytecode beside its existing source.
pub fn legacy_bytecode(tree: &Worktree, _env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    for r in resolve_all(tree, &[CacheKind::Legacy, CacheKind::Jython]) {
        if matches!(r.name, CacheName::Legacy { .. } | CacheName::Jython { .. }) {
            if let Some(owner) = r.owner {
                let message = format!("legacy bytecode beside `{}`", display_path(owner));
                out.push(deletion(Rule::PYH203, r.file, message));
            }
        }
    }
}

/// PYH204: empty `__pycache__` folders, and files named `__pycache__`.
pub fn empty_pycache(tree: &Worktree, env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    for (dir, entries) in &tree.pycache_dirs {
        if *entries == 0 && !in_reported_leftover(env, tree, dir) {
            out.push(Diagnostic::new(Rule::PYH204, dir, "empty `__pycache__` folder").dir());
        }
    }
    for file in &tree.pycache_files {
        let mut diagnostic = Diagnostic::new(
            Rule::PYH204,
            file,
            "a file named `__pycache__` stops CPython from writing caches here (not removed automatically)",
        );
        diagnostic.fix = None;
        out.push(diagnostic);
    }
}

/// PYH205: live caches whose header disagrees with their source or their tag, or
/// that are not bytecode at all.
pub fn stale_bytecode(tree: &Worktree, _env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    for r in resolve_all(tree, &[CacheKind::Pep3147, CacheKind::Pytest]) {
        let tag = match r.name {
            CacheName::Pep3147 { tag, .. } | CacheName::Pytest { tag, .. } => tag,
            _ => continue,
        };
        let Some(owner) = r.owner else { continue }; // orphans are PYH201's
        let Some(Ok(head)) = r.file.head() else {
            continue;
        };
        let source = display_path(owner);
        let header = match pyc::parse_header(head) {
            Ok(header) => header,
            Err(err) => {
                out.push(deletion(
                    Rule::PYH205,
                    r.file,
                    format!("{err}; CPython will rewrite it"),
                ));
                continue;
            }
        };
        let tag = String::from_utf8_lossy(tag);
        if pyc::implementation_of_tag(&tag) == "cpython" {
            if let (Some(by_tag), Some(by_magic)) = (pyc::version_from_tag(&tag), header.version) {
                if by_tag != by_magic {
                    let message = format!(
                        "inconsistent: the tag `{tag}` says Python {by_tag}, the magic number {} says Python {by_magic}",
                        header.magic
                    );
                    out.push(deletion(Rule::PYH205, r.file, message));
                    continue;
                }
            }
        }
        let message = match header.validation {
            Validation::Timestamp { mtime, size } => {
                let Some(stat) = r.file.source_stat() else {
                    continue;
                };
                if header.is_stale_timestamp(stat.mtime, stat.size) != Some(true) {
                    continue;
                }
                let source_size = (stat.size & 0xFFFF_FFFF) as u32;
                let recorded = utc_date(i64::from(mtime));
                let actual = utc_date(stat.mtime);
                match size {
                    Some(size) if size != source_size => format!(
                        "stale: the header records `{source}` as of {recorded}, {size} bytes; it is now {actual}, {} bytes",
                        stat.size
                    ),
                    _ => format!(
                        "stale: the header records `{source}` as of {recorded}; it was modified {actual}"
                    ),
                }
            }
            Validation::Hash {
                checked: true,
                hash,
            } => match r.file.source_hash() {
                Some(actual) if actual != hash => {
                    format!("stale: source hash in header differs from the hash of `{source}`")
                }
                _ => continue,
            },
            // Unchecked hash pycs are never validated by the importer: never stale.
            Validation::Hash { checked: false, .. } => continue,
        };
        out.push(deletion(Rule::PYH205, r.file, message));
    }
}

/// PYH206: live caches for interpreter tags not in `python-tags`.
pub fn foreign_interpreter_cache(tree: &Worktree, env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    let tags = &env.settings.python_tags;
    if tags.is_empty() {
        return; // the engine notes that python-tags is required
    }
    for r in resolve_all(tree, &[CacheKind::Pep3147, CacheKind::Pytest]) {
        let Some(tag) = r.name.tag() else { continue };
        if r.owner.is_none() {
            continue; // orphans are PYH201's
        }
        let tag = String::from_utf8_lossy(tag);
        if !tags.iter().any(|t| *t == tag) {
            let message = format!("cache for `{tag}`, which is not in python-tags");
            out.push(deletion(Rule::PYH206, r.file, message));
        }
    }
}

/// Seconds since the Unix epoch as an ISO 8601 UTC date and time
/// (`2026-12-04T10:23:32Z`), as people read dates in messages.
pub fn utc_date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days: the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_are_iso_8601() {
        assert_eq!(utc_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_date(1_796_395_812), "2026-12-04T14:50:12Z");
        assert_eq!(utc_date(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_date(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(utc_date(-1), "1969-12-31T23:59:59Z");
        assert_eq!(utc_date(u32::MAX.into()), "2106-02-07T06:28:15Z");
        // Every century rule of the 400-year era (values from Python's datetime).
        for (seconds, date) in [
            (-11_676_096_000, "1600-01-01T00:00:00Z"),
            (4_139_078_400, "2101-03-01T00:00:00Z"),
            (7_263_216_000, "2200-03-01T00:00:00Z"),
            (8_850_256_496, "2250-06-15T12:34:56Z"),
            (13_569_465_599, "2399-12-31T23:59:59Z"),
            (13_574_563_200, "2400-02-29T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(utc_date(seconds), date);
        }
    }

    #[test]
    fn identifiers_are_what_import_accepts() {
        for name in ["pkg", "_private", "Mod2", "a_b_c"] {
            assert!(is_identifier(name), "{name}");
        }
        for name in ["", "2fast", "my-pkg", "a b", "caf\u{e9}", "x.y"] {
            assert!(!is_identifier(name), "{name}");
        }
    }
}
