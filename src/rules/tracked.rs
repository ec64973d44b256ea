//! Rules over the git index: PYH001 tracked-bytecode, PYH002 tracked-tool-cache,
//! PYH003 tracked-virtualenv.

use std::path::Path;

use globset::GlobSet;

use crate::diagnostic::{display_path, Diagnostic};
use crate::paths::{path as path_from, split_last};
use crate::registry::Rule;
use crate::repo::tracked::Tracked;
use crate::rules::Env;

/// PYH001: tracked `.pyc`/`.pyo`/`$py.class`, or anything under `__pycache__/`.
pub fn tracked_bytecode(tracked: &Tracked, env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    // PYH003 reports a committed environment as a whole; with it off, the bytecode
    // inside is still committed bytecode.
    let whole_envs = env.settings.is_enabled(Rule::PYH003);
    for path in &tracked.entries {
        if whole_envs && tracked.virtualenv_of(path).is_some() {
            continue;
        }
        if let Some(message) = bytecode_message(path) {
            out.push(Diagnostic::new(Rule::PYH001, path, message));
        }
    }
}

/// The message for a tracked path that is bytecode: what kind it is. Byte tests
/// only (this runs once per index entry), and a static message (there may be a
/// finding per entry).
fn bytecode_message(path: &Path) -> Option<&'static str> {
    let (parent, name) = split_last(crate::paths::bytes_of(path));
    if name.is_empty() {
        return None;
    }
    let ends = |suffix: &[u8]| {
        name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    let in_pycache = parent.split(|b| *b == b'/').any(|c| c == b"__pycache__");
    let is_pyc = ends(b".pyc") || ends(b".pyo");
    if in_pycache {
        Some(if is_pyc {
            "bytecode cache is tracked by git"
        } else {
            "file inside `__pycache__/` is tracked by git"
        })
    } else if is_pyc {
        Some("legacy bytecode is tracked by git")
    } else if name.ends_with(b"$py.class") {
        Some("Jython bytecode is tracked by git")
    } else {
        None
    }
}

/// PYH002: tracked tool cache folders (`.pytest_cache/`, `*.egg-info/`, …), one
/// diagnostic per folder with its file count: one cause, one finding.
pub fn tracked_tool_cache(tracked: &Tracked, env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    let caches = &env.settings.tool_caches;
    // The index is sorted, so entries of one folder come together: match each
    // folder's components once, not once per file.
    let mut last: Option<(&[u8], Option<&Path>)> = None;
    let mut folders: Vec<(&Path, usize)> = Vec::new();
    for path in &tracked.entries {
        if tracked.virtualenv_of(path).is_some() {
            continue;
        }
        let parent = split_last(crate::paths::bytes_of(path)).0;
        let folder = match last {
            Some((dir, folder)) if dir == parent => folder,
            _ => {
                let folder = tool_cache_folder(path_from(parent), caches);
                last = Some((parent, folder));
                folder
            }
        };
        let Some(folder) = folder else {
            continue;
        };
        // Files of one cache folder may be interleaved with others in index order
        // (`a.egg-info/x`, `a.egg-info-old/y`, `a.egg-info/z`): count by folder.
        match folders.iter_mut().rev().find(|(f, _)| *f == folder) {
            Some((_, files)) => *files += 1,
            None => folders.push((folder, 1)),
        }
    }
    for (folder, files) in folders {
        let noun = if files == 1 { "file" } else { "files" };
        out.push(
            Diagnostic::new(
                Rule::PYH002,
                folder,
                format!(
                    "tool cache `{}/` is tracked by git ({files} {noun})",
                    display_path(folder)
                ),
            )
            .dir(),
        );
    }
}

/// The outermost folder of `parent` whose name is a tool cache.
fn tool_cache_folder<'p>(parent: &'p Path, caches: &GlobSet) -> Option<&'p Path> {
    let bytes = crate::paths::bytes_of(parent);
    let mut end = 0;
    for name in bytes.split(|b| *b == b'/') {
        end += name.len();
        if caches.is_match(path_from(name)) {
            return Some(path_from(&bytes[..end]));
        }
        end += 1;
    }
    None
}

/// PYH003: committed virtual environments, one diagnostic per environment.
pub fn tracked_virtualenv(tracked: &Tracked, _env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    for env in &tracked.virtualenvs {
        let files = if env.files == 1 { "file" } else { "files" };
        out.push(
            Diagnostic::new(
                Rule::PYH003,
                &env.path,
                format!(
                    "virtual environment `{}/` is tracked by git ({} {files})",
                    display_path(&env.path),
                    env.files
                ),
            )
            .dir(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        for (path, message) in [
            (
                "pkg/__pycache__/m.cpython-311.pyc",
                Some("bytecode cache is tracked by git"),
            ),
            ("m.pyc", Some("legacy bytecode is tracked by git")),
            ("m.pyo", Some("legacy bytecode is tracked by git")),
            ("Foo$py.class", Some("Jython bytecode is tracked by git")),
            (
                "__pycache__/notes.txt",
                Some("file inside `__pycache__/` is tracked by git"),
            ),
            ("notes.pyc.txt", None),
            ("pyc/readme.md", None),
            ("__pycache__", None),
        ] {
            assert_eq!(bytecode_message(Path::new(path)), message, "{path}");
        }
    }
}
