//! Carrying out a plan: the only code in pyhygiene that writes to the disk or the
//! index. Every step re-checks SPEC §8 against the disk as it is now.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;

use crate::error::Error;
use crate::fix::gitignore;
use crate::fix::plan::Plan;
use crate::repo::walk::is_bytecode_name;
use crate::repo::{git, Root};

/// One change, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Untrack(Vec<PathBuf>),
    UntrackDirs(Vec<PathBuf>),
    AppendIgnore(Vec<String>),
    Delete(PathBuf),
    RemoveDir(PathBuf),
}

/// What happened: done in order, then at most one failure and what was left.
#[derive(Debug, Default)]
pub struct Applied {
    pub done: Vec<Action>,
    /// A step refused by the safety checks is skipped, not fatal.
    pub skipped: Vec<(Action, String)>,
    pub failed: Option<(Action, String)>,
    pub not_done: Vec<Action>,
}

impl Applied {
    pub fn changed_anything(&self) -> bool {
        !self.done.is_empty()
    }
}

/// The actions of a plan in the safe order: untrack → ignore → delete → rmdir.
pub fn actions(plan: &Plan) -> Vec<Action> {
    let mut actions = Vec::new();
    if !plan.untrack.is_empty() {
        actions.push(Action::Untrack(plan.untrack.clone()));
    }
    if !plan.untrack_dirs.is_empty() {
        actions.push(Action::UntrackDirs(plan.untrack_dirs.clone()));
    }
    if !plan.ignore_entries.is_empty() {
        actions.push(Action::AppendIgnore(plan.ignore_entries.clone()));
    }
    actions.extend(plan.delete.iter().cloned().map(Action::Delete));
    // Deepest first: a nested `__pycache__` goes before its parent.
    let mut dirs = plan.remove_dirs.clone();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    actions.extend(dirs.into_iter().map(Action::RemoveDir));
    actions
}

/// Fail before changing anything when a step is bound to fail: git's index is
/// locked, or the root `.gitignore` cannot be replaced (a symlink, a folder).
pub fn preflight(root: &Root, plan: &Plan) -> Result<(), Error> {
    if !plan.ignore_entries.is_empty() {
        match std::fs::symlink_metadata(root.path.join(".gitignore")) {
            Ok(meta) if !meta.file_type().is_file() => {
                return Err(Error::Fix(
                    "the root .gitignore is not a regular file (a symlink or a folder): \
                     pyhygiene will not replace it; nothing was changed"
                        .into(),
                ));
            }
            _ => {}
        }
    }
    if plan.untrack.is_empty() && plan.untrack_dirs.is_empty() {
        return Ok(());
    }
    let Some(paths) = &root.git else {
        return Err(Error::Fix(
            "cannot untrack files: not a git repository".into(),
        ));
    };
    let lock = paths.git_dir.join("index.lock");
    if lock.exists() {
        return Err(Error::Fix(format!(
            "the git index is locked ({} exists): another git process is running, or one crashed; nothing was changed",
            lock.display()
        )));
    }
    Ok(())
}

/// Apply the plan; stops at the first failure and reports the rest as not done.
pub fn apply(root: &Root, plan: &Plan) -> Applied {
    let mut applied = Applied::default();
    let mut actions = actions(plan).into_iter();
    for action in actions.by_ref() {
        let result = match &action {
            Action::Untrack(paths) => untrack(root, paths, false),
            Action::UntrackDirs(paths) => untrack(root, paths, true),
            Action::AppendIgnore(entries) => append_ignore(&root.path, entries),
            Action::Delete(path) => match check_deletable(&root.path, path) {
                Ok(full) => std::fs::remove_file(full).map_err(|e| e.to_string()),
                Err(reason) => {
                    applied.skipped.push((action, reason));
                    continue;
                }
            },
            Action::RemoveDir(path) => match check_removable_dir(&root.path, path) {
                Ok(full) => match std::fs::remove_dir(full) {
                    Ok(()) => Ok(()),
                    // Something still inside (a file the plan did not cover): leave it.
                    Err(err) if err.kind() == std::io::ErrorKind::DirectoryNotEmpty => {
                        applied
                            .skipped
                            .push((action, "the folder is not empty".into()));
                        continue;
                    }
                    Err(err) => Err(err.to_string()),
                },
                Err(reason) => {
                    applied.skipped.push((action, reason));
                    continue;
                }
            },
        };
        match result {
            Ok(()) => applied.done.push(action),
            Err(message) => {
                applied.failed = Some((action, message));
                break;
            }
        }
    }
    applied.not_done = actions.collect();
    applied
}

/// `git rm --cached` with a NUL-separated literal path list on stdin; the working
/// copies stay. `-f` because the index copy may differ from the file (staged edits).
fn untrack(root: &Root, paths: &[PathBuf], recursive: bool) -> Result<(), String> {
    let mut cmd = git::command(&root.path);
    cmd.args([
        "--literal-pathspecs",
        "rm",
        "--cached",
        "-f",
        "-q",
        "--ignore-unmatch",
    ]);
    if recursive {
        cmd.arg("-r");
    }
    cmd.args(["--pathspec-from-file=-", "--pathspec-file-nul"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    let mut input = Vec::new();
    for path in paths {
        input.extend_from_slice(path.as_os_str().as_bytes());
        input.push(0);
    }
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&input)
            .map_err(|e| format!("cannot talk to git: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git rm --cached failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn append_ignore(root: &Path, entries: &[String]) -> Result<(), String> {
    let path = root.join(".gitignore");
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(format!("cannot read .gitignore: {err}")),
    };
    let new = gitignore::append(existing.as_deref(), entries);
    gitignore::write_atomic(&path, &new).map_err(|e| format!("cannot write .gitignore: {e}"))
}

/// Folder names never entered (SPEC §2); fixes never reach inside them.
const NEVER_INSIDE: &[&str] = &[".git", "node_modules", "site-packages", "dist-packages"];

/// Every folder from the root down to `relative`'s parent must be a real folder
/// (no symlink), not a skipped one; returns the full path.
fn check_path(root: &Path, relative: &Path) -> Result<PathBuf, String> {
    let mut current = root.to_path_buf();
    let components: Vec<Component<'_>> = relative.components().collect();
    if components.is_empty() || !components.iter().all(|c| matches!(c, Component::Normal(_))) {
        return Err("not a plain path inside the root".into());
    }
    for component in &components[..components.len() - 1] {
        let name = component.as_os_str();
        if NEVER_INSIDE.iter().any(|n| name == OsStr::new(n)) {
            return Err(format!(
                "inside `{}`, which is never touched",
                name.to_string_lossy()
            ));
        }
        current.push(name);
        let meta = std::fs::symlink_metadata(&current).map_err(|e| e.to_string())?;
        if meta.file_type().is_symlink() {
            return Err("a folder on the way is a symlink".into());
        }
        if !meta.is_dir() {
            return Err("a parent is not a folder".into());
        }
        if current.join("pyvenv.cfg").exists() {
            return Err("inside a virtual environment".into());
        }
    }
    Ok(root.join(relative))
}

/// SPEC §8: only a regular file whose name is bytecode, never through a symlink.
fn check_deletable(root: &Path, relative: &Path) -> Result<PathBuf, String> {
    let name = relative
        .file_name()
        .map(|n| n.as_bytes())
        .unwrap_or_default();
    let in_pycache = relative.parent().and_then(Path::file_name) == Some(OsStr::new("__pycache__"));
    if !(is_bytecode_name(name) || (in_pycache && is_leftover_name(name))) {
        return Err("not a bytecode file name".into());
    }
    let full = check_path(root, relative)?;
    let meta = std::fs::symlink_metadata(&full).map_err(|e| e.to_string())?;
    if meta.file_type().is_symlink() {
        return Err("it is a symlink".into());
    }
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    Ok(full)
}

/// `<x>.pyc.<digits>`: a leftover of an interrupted write.
fn is_leftover_name(name: &[u8]) -> bool {
    let Some(dot) = name.iter().rposition(|b| *b == b'.') else {
        return false;
    };
    let (head, digits) = (&name[..dot], &name[dot + 1..]);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) && is_bytecode_name(head)
}

fn check_removable_dir(root: &Path, relative: &Path) -> Result<PathBuf, String> {
    if relative.file_name() != Some(OsStr::new("__pycache__")) {
        return Err("not a `__pycache__` folder".into());
    }
    let full = check_path(root, relative)?;
    let meta = std::fs::symlink_metadata(&full).map_err(|e| e.to_string())?;
    if !meta.is_dir() || meta.file_type().is_symlink() {
        return Err("not a real folder".into());
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletable_names_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "m.py",
            "notes.txt",
            "m.pyc",
            "__pycache__/m.cpython-311.pyc.123",
            "__pycache__/x.txt",
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        assert!(check_deletable(root, Path::new("m.py")).is_err());
        assert!(check_deletable(root, Path::new("notes.txt")).is_err());
        assert!(check_deletable(root, Path::new("__pycache__/x.txt")).is_err());
        assert!(check_deletable(root, Path::new("m.pyc")).is_ok());
        assert!(check_deletable(root, Path::new("__pycache__/m.cpython-311.pyc.123")).is_ok());
        assert!(check_deletable(root, Path::new("../m.pyc")).is_err());
        assert!(check_deletable(root, Path::new("/etc/m.pyc")).is_err());
    }
}
