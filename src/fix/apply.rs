//! Carrying out a plan: the only code in pyhygiene that writes to the disk or the
//! index. Every step re-checks SPEC §8 against the disk as it is now.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;

use crate::error::Error;
use crate::fix::gitignore;
use crate::fix::plan::Plan;
use crate::paths::{is_bytecode_name, name_bytes};
use crate::platform::{Dir, Kind};
use crate::repo::{git, Root};

/// One change, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Untrack(Vec<PathBuf>),
    UntrackDirs(Vec<PathBuf>),
    AppendIgnore(Vec<String>),
    Delete(PathBuf),
    /// An empty `__pycache__` folder.
    RemoveDir(PathBuf),
    /// A folder a deleted package left, empty once its caches are gone (PYH207).
    RemoveFolder(PathBuf),
}

/// What happened: done in order, then at most one failure and what was left.
#[derive(Debug, Default)]
pub struct Applied {
    pub done: Vec<Action>,
    /// Steps whose goal was already reached by someone else (a concurrent `fix`, an
    /// editor, CPython): the file or folder was gone. Done, but not by us.
    pub gone: Vec<Action>,
    /// A step refused by the safety checks is skipped, not fatal.
    pub skipped: Vec<(Action, String)>,
    pub failed: Option<(Action, String)>,
    pub not_done: Vec<Action>,
    /// The lines appended to `.gitignore` were staged (a git repository).
    pub staged_gitignore: bool,
}

impl Applied {
    /// Did this run change the index or the disk (`--exit-non-zero-on-fix`)?
    pub fn changed_anything(&self) -> bool {
        !self.done.is_empty()
    }
}

/// How one step ended.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Done,
    /// Already gone: the goal is reached.
    Gone,
    /// Refused by a safety check, or impossible (the rest goes on).
    Skipped(String),
    /// An error that stops the run.
    Failed(String),
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
    // Deepest first: a nested folder goes before its parent.
    let mut dirs: Vec<Action> = plan
        .remove_dirs
        .iter()
        .cloned()
        .map(Action::RemoveDir)
        .chain(
            plan.remove_folders
                .iter()
                .cloned()
                .map(Action::RemoveFolder),
        )
        .collect();
    dirs.sort_by_key(|action| match action {
        Action::RemoveDir(d) | Action::RemoveFolder(d) => std::cmp::Reverse(d.components().count()),
        _ => std::cmp::Reverse(0),
    });
    actions.extend(dirs);
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
    // Appending stages the new lines: that edits the index too.
    let edits_index = !plan.untrack.is_empty()
        || !plan.untrack_dirs.is_empty()
        || (root.is_git && !plan.ignore_entries.is_empty());
    if !edits_index {
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
        let step = match &action {
            Action::Untrack(paths) | Action::UntrackDirs(paths) => {
                let recursive = matches!(action, Action::UntrackDirs(_));
                match untrack(root, paths, recursive) {
                    Ok(()) => {
                        verify_untracked(root, action, recursive, &mut applied);
                        continue;
                    }
                    Err(message) => Step::Failed(message),
                }
            }
            Action::AppendIgnore(entries) => {
                match append_ignore(&root.path, entries)
                    .and_then(|()| stage_appended(root, entries))
                {
                    Ok(()) => {
                        applied.staged_gitignore = root.is_git;
                        Step::Done
                    }
                    Err(message) => Step::Failed(message),
                }
            }
            Action::Delete(path) => delete_file(&root.path, path),
            Action::RemoveDir(path) => remove_dir(&root.path, path, true),
            Action::RemoveFolder(path) => remove_dir(&root.path, path, false),
        };
        match step {
            Step::Done => applied.done.push(action),
            Step::Gone => applied.gone.push(action),
            Step::Skipped(reason) => applied.skipped.push((action, reason)),
            Step::Failed(message) => {
                applied.failed = Some((action, message));
                break;
            }
        }
    }
    applied.not_done = actions.collect();
    applied
}

/// `git rm --cached` can leave entries behind without an error (older git and
/// skip-worktree bits): read the index back and claim only what really left it.
fn verify_untracked(root: &Root, action: Action, recursive: bool, applied: &mut Applied) {
    let (Action::Untrack(paths) | Action::UntrackDirs(paths)) = &action else {
        return;
    };
    let index = match crate::repo::tracked::Tracked::read(&root.path) {
        Ok(index) => index,
        Err(err) => {
            applied.failed = Some((action, format!("cannot read the index back: {err}")));
            return;
        }
    };
    // Files are looked up one by one; folders by prefix, so no set for them.
    let entries: std::collections::HashSet<&Path> = if recursive {
        Default::default()
    } else {
        index.entries.iter().collect()
    };
    let still = |path: &PathBuf| {
        if recursive {
            index.entries.iter().any(|e| e.starts_with(path))
        } else {
            entries.contains(path.as_path())
        }
    };
    let (left, removed): (Vec<PathBuf>, Vec<PathBuf>) = paths.iter().cloned().partition(still);
    let rebuild = |paths| match action {
        Action::UntrackDirs(_) => Action::UntrackDirs(paths),
        _ => Action::Untrack(paths),
    };
    if !removed.is_empty() {
        applied.done.push(rebuild(removed));
    }
    if !left.is_empty() {
        applied.skipped.push((
            rebuild(left),
            "git left them in the index (`git rm --cached` did not remove them)".into(),
        ));
    }
}

/// `git rm --cached` with a NUL-separated literal path list on stdin; the working
/// copies stay. `-f` because the index copy may differ from the file (staged edits).
fn untrack(root: &Root, paths: &[PathBuf], recursive: bool) -> Result<(), String> {
    let mut cmd = git::command(&root.path);
    // `--sparse`: entries outside a sparse checkout or marked skip-worktree are
    // skipped silently without it.
    cmd.args([
        "--literal-pathspecs",
        "rm",
        "--cached",
        "--sparse",
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
        input.extend_from_slice(crate::paths::bytes_of(path));
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
    gitignore::write_appended(&path, existing.as_deref(), &new)
        .map_err(|e| format!("cannot write .gitignore: {e}"))
}

/// Stage the lines just appended, and only them: the index copy of `.gitignore`
/// (none yet: an empty one) plus the same block, written as a blob and set with
/// `git update-index`. Only a `.gitignore` in the index protects the team (SPEC §2);
/// a user's own unstaged edits to it stay unstaged.
fn stage_appended(root: &Root, entries: &[String]) -> Result<(), String> {
    if !root.is_git {
        return Ok(());
    }
    let git = |args: &[&str], input: Option<&[u8]>| -> Result<Vec<u8>, String> {
        let mut cmd = git::command(&root.path);
        cmd.args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
        if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin
                .write_all(bytes)
                .map_err(|e| format!("cannot talk to git: {e}"))?;
        }
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(format!(
                "appended to .gitignore but could not stage it: git {} failed: {}",
                args[0],
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(output.stdout)
    };
    let listed = git(
        &["ls-files", "-z", "--stage", "--", ":(literal).gitignore"],
        None,
    )?;
    let records: Vec<&[u8]> = listed
        .split(|b| *b == 0)
        .filter(|r| !r.is_empty())
        .collect();
    let (mode, staged) = match records.as_slice() {
        [] => ("100644".to_owned(), None),
        [record] => {
            let text = String::from_utf8_lossy(record);
            let mut fields = text.split([' ', '\t']);
            let (mode, object) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
            if !matches!(mode, "100644" | "100755") {
                return Err(format!(
                    "appended to .gitignore but did not stage it: the index holds it with mode {mode}"
                ));
            }
            let blob = git(&["cat-file", "blob", object], None)?;
            (mode.to_owned(), Some(blob))
        }
        _ => {
            return Err(
                "appended to .gitignore but did not stage it: it has a merge conflict".into(),
            )
        }
    };
    let blob = gitignore::append(staged.as_deref(), entries);
    let object = git(
        &["hash-object", "-w", "--no-filters", "--stdin"],
        Some(&blob),
    )?;
    let object = String::from_utf8_lossy(&object).trim().to_owned();
    let info = format!("{mode},{object},.gitignore");
    git(&["update-index", "--add", "--cacheinfo", &info], None)?;
    Ok(())
}

/// Folder names never entered (SPEC §2); fixes never reach inside them.
const NEVER_INSIDE: &[&str] = &[".git", "node_modules", "site-packages", "dist-packages"];

/// The folder holding `relative`, opened from the root one component at a time:
/// every folder on the way is a real folder (no symlink), not a skipped one, not a
/// virtualenv. Each open is relative to the last: on Unix no path is ever longer
/// than one name (paths beyond `PATH_MAX` work) and nothing can be swapped in
/// between.
fn open_parent<'a>(root: &Path, relative: &'a Path) -> Result<(Dir, &'a [u8]), Step> {
    let components: Vec<Component<'_>> = relative.components().collect();
    let Some((last, folders)) = components.split_last() else {
        return Err(Step::Skipped("not a plain path inside the root".into()));
    };
    if !components.iter().all(|c| matches!(c, Component::Normal(_))) {
        return Err(Step::Skipped("not a plain path inside the root".into()));
    }
    let mut dir = Dir::open_nofollow(root).map_err(failed)?;
    for component in folders {
        let name = component.as_os_str();
        if NEVER_INSIDE.iter().any(|n| name == OsStr::new(n)) {
            return Err(Step::Skipped(format!(
                "inside `{}`, which is never touched",
                name.to_string_lossy()
            )));
        }
        let name = name_bytes(name);
        dir = match dir.open_at(name) {
            Ok(next) => next,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(Step::Gone),
            // Why it failed, from what is there: not every system says `ELOOP`.
            Err(e) => {
                return Err(match dir.kind_of(name) {
                    Ok(Kind::Symlink) => Step::Skipped("a folder on the way is a symlink".into()),
                    Ok(Kind::File | Kind::Other) => {
                        Step::Skipped("a parent is not a folder".into())
                    }
                    _ => failed(e),
                })
            }
        };
        if dir.stat(b"pyvenv.cfg").is_ok() {
            return Err(Step::Skipped("inside a virtual environment".into()));
        }
    }
    Ok((dir, name_bytes(last.as_os_str())))
}

/// An error that stops the run, worded as the OS words it.
fn failed(error: std::io::Error) -> Step {
    Step::Failed(error.to_string())
}

/// The kind of `name` in `dir`, not following a symlink; `Gone` when it is not there.
fn kind_at(dir: &Dir, name: &[u8]) -> Result<Kind, Step> {
    match dir.kind_of(name) {
        Ok(kind) => Ok(kind),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Step::Gone),
        Err(e) => Err(failed(e)),
    }
}

/// SPEC §8: only a regular file whose name is bytecode, never through a symlink.
fn delete_file(root: &Path, relative: &Path) -> Step {
    if let Err(reason) = check_bytecode_name(relative) {
        return Step::Skipped(reason);
    }
    let (dir, name) = match open_parent(root, relative) {
        Ok(found) => found,
        Err(step) => return step,
    };
    match kind_at(&dir, name) {
        Ok(Kind::File) => {}
        Ok(Kind::Symlink) => return Step::Skipped("it is a symlink".into()),
        Ok(_) => return Step::Skipped("not a regular file".into()),
        Err(step) => return step,
    }
    match dir.remove_file(name) {
        Ok(()) => Step::Done,
        Err(e) if e.kind() == ErrorKind::NotFound => Step::Gone,
        Err(e) => failed(e),
    }
}

/// A name SPEC §8 lets the fixer delete: bytecode, or a leftover in `__pycache__`.
fn check_bytecode_name(relative: &Path) -> Result<(), String> {
    let name = relative.file_name().map(name_bytes).unwrap_or_default();
    let in_pycache = relative.parent().and_then(Path::file_name) == Some(OsStr::new("__pycache__"));
    if is_bytecode_name(name) || (in_pycache && is_leftover_name(name)) {
        Ok(())
    } else {
        Err("not a bytecode file name".into())
    }
}

/// `<x>.pyc.<digits>`: a leftover of an interrupted write.
fn is_leftover_name(name: &[u8]) -> bool {
    let Some(dot) = name.iter().rposition(|b| *b == b'.') else {
        return false;
    };
    let (head, digits) = (&name[..dot], &name[dot + 1..]);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) && is_bytecode_name(head)
}

/// Remove an empty folder (a real one, never a symlink): a `__pycache__`, or
/// when `only_pycache` is off a folder PYH207 found. `rmdir` never removes content.
fn remove_dir(root: &Path, relative: &Path, only_pycache: bool) -> Step {
    if only_pycache && relative.file_name() != Some(OsStr::new("__pycache__")) {
        return Step::Skipped("not a `__pycache__` folder".into());
    }
    let (dir, name) = match open_parent(root, relative) {
        Ok(found) => found,
        Err(step) => return step,
    };
    match kind_at(&dir, name) {
        Ok(Kind::Dir) => {}
        Ok(_) => return Step::Skipped("not a real folder".into()),
        Err(step) => return step,
    }
    match dir.remove_dir(name) {
        Ok(()) => Step::Done,
        // Something still inside (a file the plan did not cover): leave it.
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DirectoryNotEmpty | ErrorKind::AlreadyExists
            ) =>
        {
            Step::Skipped("the folder is not empty".into())
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Step::Gone,
        Err(e) => failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use crate::platform::test_support::symlink;

    fn skipped(reason: &str) -> Step {
        Step::Skipped(reason.into())
    }

    #[test]
    fn deletes_only_bytecode_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "m.py",
            "notes.txt",
            "m.pyc",
            "__pycache__/m.cpython-311.pyc.123",
            "__pycache__/x.txt",
            "x.pyc.123",
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let not_bytecode = skipped("not a bytecode file name");
        assert_eq!(delete_file(root, Path::new("m.py")), not_bytecode);
        assert_eq!(delete_file(root, Path::new("notes.txt")), not_bytecode);
        assert_eq!(
            delete_file(root, Path::new("__pycache__/x.txt")),
            not_bytecode
        );
        assert_eq!(delete_file(root, Path::new("x.pyc.123")), not_bytecode);
        assert_eq!(delete_file(root, Path::new("m.pyc")), Step::Done);
        assert_eq!(
            delete_file(root, Path::new("__pycache__/m.cpython-311.pyc.123")),
            Step::Done
        );
        assert_eq!(delete_file(root, Path::new("m.pyc")), Step::Gone);
        assert_eq!(delete_file(root, Path::new("gone/m.pyc")), Step::Gone);
        let plain = skipped("not a plain path inside the root");
        assert_eq!(delete_file(root, Path::new("../m.pyc")), plain);
        assert_eq!(delete_file(root, Path::new("/etc/m.pyc")), plain);
        assert_eq!(delete_file(root, Path::new("a/../m.pyc")), plain);
        assert!(root.join("m.py").exists() && root.join("notes.txt").exists());
    }

    #[test]
    fn leftover_names() {
        for yes in ["m.cpython-311.pyc.140589556619184", "m.pyc.1", "M.PYO.22"] {
            assert!(is_leftover_name(yes.as_bytes()), "{yes}");
        }
        for no in ["m.pyc.", "m.pyc.12a", "m.py.123", "m.pyc", "123", "m.txt.1"] {
            assert!(!is_leftover_name(no.as_bytes()), "{no}");
        }
    }

    /// Every guard on the way: skipped folders, virtualenvs, symlinked folders,
    /// files in place of folders, special files, non-empty folders.
    #[test]
    #[cfg(unix)]
    fn refuses_what_it_must_not_touch() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "node_modules/m.pyc",
            "a/site-packages/m.pyc",
            "b/dist-packages/m.pyc",
            "venv/lib/m.pyc",
            "venv/pyvenv.cfg",
            "real/m.pyc",
            "file",
            "full/__pycache__/keep.txt",
        ] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        symlink(root.join("real"), root.join("link")).unwrap();
        symlink(root.join("real/m.pyc"), root.join("linked.pyc")).unwrap();
        std::fs::create_dir_all(root.join("dir.pyc")).unwrap();
        std::fs::create_dir_all(root.join("p/__pycache__")).unwrap();
        symlink(root.join("p"), root.join("q")).unwrap();
        symlink(root.join("p/__pycache__"), root.join("r")).unwrap();
        std::fs::create_dir_all(root.join("s")).unwrap();
        std::fs::create_dir_all(root.join("venv/empty")).unwrap();
        symlink(root.join("p/__pycache__"), root.join("s/__pycache__")).unwrap();
        let cases = [
            (
                "node_modules/m.pyc",
                "inside `node_modules`, which is never touched",
            ),
            (
                "a/site-packages/m.pyc",
                "inside `site-packages`, which is never touched",
            ),
            (
                "b/dist-packages/m.pyc",
                "inside `dist-packages`, which is never touched",
            ),
            (".git/m.pyc", "inside `.git`, which is never touched"),
            ("venv/lib/m.pyc", "inside a virtual environment"),
            ("link/m.pyc", "a folder on the way is a symlink"),
            ("file/m.pyc", "a parent is not a folder"),
            ("linked.pyc", "it is a symlink"),
            ("dir.pyc", "not a regular file"),
        ];
        for (path, reason) in cases {
            assert_eq!(
                delete_file(root, Path::new(path)),
                skipped(reason),
                "{path}"
            );
        }
        assert_eq!(
            remove_dir(root, Path::new("p"), true),
            skipped("not a `__pycache__` folder")
        );
        // A PYH207 folder may have any name, but only `rmdir` removes it: never
        // with content, never through a symlink, never in a virtualenv.
        assert_eq!(
            remove_dir(root, Path::new("full"), false),
            skipped("the folder is not empty")
        );
        assert_eq!(
            remove_dir(root, Path::new("r"), false),
            skipped("not a real folder")
        );
        assert_eq!(
            remove_dir(root, Path::new("venv/empty"), false),
            skipped("inside a virtual environment")
        );
        assert_eq!(
            remove_dir(root, Path::new(""), false),
            skipped("not a plain path inside the root")
        );
        assert_eq!(
            remove_dir(root, Path::new("q/__pycache__"), true),
            skipped("a folder on the way is a symlink")
        );
        assert_eq!(
            remove_dir(root, Path::new("s/__pycache__"), true),
            skipped("not a real folder")
        );
        assert_eq!(
            remove_dir(root, Path::new("full/__pycache__"), true),
            skipped("the folder is not empty")
        );
        assert_eq!(
            remove_dir(root, Path::new("gone/__pycache__"), true),
            Step::Gone
        );
        assert_eq!(
            remove_dir(root, Path::new("p/__pycache__"), true),
            Step::Done
        );
        assert_eq!(
            remove_dir(root, Path::new("p/__pycache__"), true),
            Step::Gone
        );
        for kept in [
            "node_modules/m.pyc",
            "venv/lib/m.pyc",
            "real/m.pyc",
            "full/__pycache__/keep.txt",
        ] {
            assert!(root.join(kept).exists(), "{kept}");
        }
        assert!(root.join("linked.pyc").symlink_metadata().is_ok());
    }

    /// Only "not there" means someone else finished the step: any other error
    /// from the system is a failure, never "gone" and never "not empty".
    #[test]
    fn other_errors_fail_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("p")).unwrap();
        // A name longer than any file system allows: `ENAMETOOLONG` on the stat.
        let long = Path::new("p").join(format!("{}.pyc", "m".repeat(300)));
        assert!(
            matches!(delete_file(root, &long), Step::Failed(_)),
            "{:?}",
            delete_file(root, &long)
        );
        let long_dir = Path::new("p").join("d".repeat(300)).join("__pycache__");
        assert!(
            matches!(remove_dir(root, &long_dir, true), Step::Failed(_)),
            "{:?}",
            remove_dir(root, &long_dir, true)
        );
    }

    /// `rmdir` refused by the system (an immutable parent: `EPERM`, even for
    /// root) fails the step; it is not "not empty", nor "gone".
    #[test]
    #[cfg(target_os = "linux")]
    fn a_refused_rmdir_fails_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("p/__pycache__")).unwrap();
        let chattr = |flag: &str| {
            std::process::Command::new("chattr")
                .arg(flag)
                .arg(root.join("p"))
                .status()
                .is_ok_and(|s| s.success())
        };
        if !chattr("+i") {
            eprintln!(
                "chattr +i is not available here (needs root and a file system with attributes)"
            );
            return;
        }
        let step = remove_dir(root, Path::new("p/__pycache__"), true);
        assert!(chattr("-i"));
        match step {
            Step::Failed(message) => assert!(message.contains("os error 1"), "{message}"),
            other => panic!("{other:?}"),
        }
        assert!(root.join("p/__pycache__").is_dir());
    }

    /// A path longer than `PATH_MAX` is reached one folder at a time.
    #[test]
    #[cfg_attr(
        feature = "portable",
        ignore = "the portable implementation resolves whole paths"
    )]
    fn deletes_beyond_path_max() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let folder = "d".repeat(200);
        let mut relative = PathBuf::new();
        let mut dir = Dir::open(root).unwrap();
        for _ in 0..25 {
            dir.create_dir(folder.as_bytes()).unwrap();
            dir = dir.open_at(folder.as_bytes()).unwrap();
            relative.push(&folder);
        }
        dir.create_dir(b"__pycache__").unwrap();
        dir.create_file(b"__pycache__/m.cpython-311.pyc").unwrap();
        relative.push("__pycache__");
        assert!(root.join(&relative).as_os_str().len() > 4096);
        let file = relative.join("m.cpython-311.pyc");
        assert_eq!(delete_file(root, &file), Step::Done);
        assert_eq!(remove_dir(root, &relative, true), Step::Done);
        assert_eq!(
            dir.kind_of(b"__pycache__").unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }

    fn root_at(path: &Path, git: bool) -> Root {
        Root {
            path: path.to_owned(),
            is_git: git,
            git: git.then(|| crate::repo::git::GitPaths {
                toplevel: path.to_owned(),
                git_dir: path.join(".git"),
                common_dir: path.join(".git"),
            }),
        }
    }

    /// Preflight stops a plan that is bound to fail before anything changes, and
    /// only then: each condition alone.
    #[test]
    #[cfg(unix)]
    fn preflight_refuses_only_what_must_fail() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        let untrack = Plan {
            untrack: vec![PathBuf::from("m.pyc")],
            ..Plan::default()
        };
        let untrack_dirs = Plan {
            untrack_dirs: vec![PathBuf::from("venv")],
            ..Plan::default()
        };
        let ignore = Plan {
            ignore_entries: vec!["*.pyc".into()],
            ..Plan::default()
        };
        let delete = Plan {
            delete: vec![PathBuf::from("m.pyc")],
            ..Plan::default()
        };
        let git = root_at(root, true);
        let plain = root_at(root, false);
        for plan in [&untrack, &untrack_dirs, &ignore, &delete] {
            assert!(preflight(&git, plan).is_ok(), "{plan:?}");
        }
        assert!(preflight(&plain, &delete).is_ok());
        assert!(preflight(&plain, &ignore).is_ok());
        for plan in [&untrack, &untrack_dirs] {
            let err = preflight(&plain, plan).unwrap_err().to_string();
            assert_eq!(err, "cannot untrack files: not a git repository");
        }
        std::fs::write(root.join(".git/index.lock"), "").unwrap();
        // Appending stages its lines: the index matters to it too, outside git not.
        for plan in [&untrack, &untrack_dirs, &ignore] {
            let err = preflight(&git, plan).unwrap_err().to_string();
            assert!(err.starts_with("the git index is locked"), "{err}");
        }
        assert!(
            preflight(&git, &delete).is_ok(),
            "a lock only matters to the index"
        );
        assert!(preflight(&plain, &ignore).is_ok());
        std::fs::remove_file(root.join(".git/index.lock")).unwrap();
        std::fs::create_dir(root.join(".gitignore")).unwrap();
        let err = preflight(&git, &ignore).unwrap_err().to_string();
        assert!(
            err.starts_with("the root .gitignore is not a regular file"),
            "{err}"
        );
        assert!(
            preflight(&git, &delete).is_ok(),
            "only appending cares about .gitignore"
        );
        std::fs::remove_dir(root.join(".gitignore")).unwrap();
        symlink("elsewhere", root.join(".gitignore")).unwrap();
        assert!(preflight(&git, &ignore).is_err());
    }

    /// Only what this run did counts as a change: a step whose target was already
    /// gone, or that was skipped, is not one (`--exit-non-zero-on-fix`).
    #[test]
    fn only_done_steps_are_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = root_at(dir.path(), false);
        let gone = Plan {
            delete: vec![PathBuf::from("gone.pyc")],
            remove_dirs: vec![PathBuf::from("__pycache__")],
            ..Plan::default()
        };
        let applied = apply(&root, &gone);
        assert_eq!(applied.done, vec![]);
        assert_eq!(applied.gone.len(), 2);
        assert!(!applied.changed_anything());
        std::fs::write(dir.path().join("m.py"), "").unwrap();
        let refused = Plan {
            delete: vec![PathBuf::from("m.py")],
            ..Plan::default()
        };
        let applied = apply(&root, &refused);
        assert_eq!(applied.skipped.len(), 1);
        assert!(!applied.changed_anything());
        std::fs::write(dir.path().join("x.pyc"), "").unwrap();
        let real = Plan {
            delete: vec![PathBuf::from("x.pyc")],
            ..Plan::default()
        };
        let applied = apply(&root, &real);
        assert!(applied.changed_anything());
        assert_eq!(applied.done, vec![Action::Delete(PathBuf::from("x.pyc"))]);
    }

    /// The safe order, deepest folders first.
    #[test]
    fn actions_run_in_the_safe_order() {
        let plan = Plan {
            untrack: vec![PathBuf::from("a.pyc")],
            untrack_dirs: vec![PathBuf::from("venv")],
            ignore_entries: vec!["*.pyc".into()],
            delete: vec![PathBuf::from("b.pyc")],
            remove_dirs: vec![
                PathBuf::from("__pycache__"),
                PathBuf::from("__pycache__/__pycache__"),
                PathBuf::from("old/sub/__pycache__"),
            ],
            remove_folders: vec![PathBuf::from("old"), PathBuf::from("old/sub")],
        };
        assert_eq!(
            actions(&plan),
            vec![
                Action::Untrack(vec![PathBuf::from("a.pyc")]),
                Action::UntrackDirs(vec![PathBuf::from("venv")]),
                Action::AppendIgnore(vec!["*.pyc".into()]),
                Action::Delete(PathBuf::from("b.pyc")),
                Action::RemoveDir(PathBuf::from("old/sub/__pycache__")),
                Action::RemoveDir(PathBuf::from("__pycache__/__pycache__")),
                Action::RemoveFolder(PathBuf::from("old/sub")),
                Action::RemoveDir(PathBuf::from("__pycache__")),
                Action::RemoveFolder(PathBuf::from("old")),
            ]
        );
    }
}
