//! The few git commands pyhygiene runs. One process per question, never per file.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::error::Error;
use crate::paths::path_buf;

/// Run git in `dir` and return its output, failing on a non-zero exit.
pub fn run<I, S>(dir: &Path, args: I) -> Result<Output, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let output = command(dir).args(&args).output().map_err(Error::GitSpawn)?;
    if !output.status.success() {
        return Err(failure(
            &args,
            String::from_utf8_lossy(&output.stderr).trim(),
        ));
    }
    Ok(output)
}

/// A git command that failed: its arguments and what went wrong.
fn failure(args: &[std::ffi::OsString], message: impl Into<String>) -> Error {
    Error::Git {
        args: args
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        message: message.into(),
    }
}

/// Run git in `dir` and hand its output to `parse` as it is written, failing on
/// a non-zero exit. Standard error is collected on the side (a full pipe must not
/// stop git while we read).
pub fn stream<I, S, T>(
    dir: &Path,
    args: I,
    parse: impl FnOnce(&mut dyn BufRead) -> std::io::Result<T>,
) -> Result<T, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let mut child = command(dir)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Error::GitSpawn)?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let errors = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let parsed = parse(&mut BufReader::with_capacity(1 << 16, stdout));
    let status = child.wait().map_err(Error::GitSpawn)?;
    let stderr = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(failure(&args, String::from_utf8_lossy(&stderr).trim()));
    }
    parsed.map_err(|err| failure(&args, format!("reading its output: {err}")))
}

/// Git's environment variables that hold paths, relative to where the user ran us.
const PATH_VARIABLES: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
];

/// A git command in `dir` that never asks questions or pages. `-C dir` would
/// re-root a relative `GIT_DIR=../.git` at `dir`: such paths are made absolute
/// against the current folder first, as git itself reads them.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_PAGER");
    for name in PATH_VARIABLES {
        if let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) {
            let path = PathBuf::from(value);
            if path.is_relative() {
                if let Ok(here) = std::env::current_dir() {
                    cmd.env(name, here.join(path));
                }
            }
        }
    }
    cmd
}

/// Where a work tree's git data lives.
#[derive(Debug, Clone)]
pub struct GitPaths {
    /// Top of the work tree, canonical.
    pub toplevel: PathBuf,
    /// This work tree's git folder: its `index` and `index.lock` live here.
    pub git_dir: PathBuf,
    /// The common git folder (`.git`, or the main repository's for a linked worktree).
    pub common_dir: PathBuf,
}

/// The work tree around `dir`, or `None` when `dir` is not in one.
pub fn discover(dir: &Path) -> Result<Option<GitPaths>, Error> {
    let output = command(dir)
        .args([
            "rev-parse",
            "--show-toplevel",
            "--git-dir",
            "--git-common-dir",
        ])
        .output()
        .map_err(Error::GitSpawn)?;
    if output.status.success() {
        let mut lines = output.stdout.split(|b| *b == b'\n');
        let toplevel = path_buf(lines.next().unwrap_or_default());
        let mut next_dir = || {
            let path = path_buf(lines.next().unwrap_or_default());
            if path.is_absolute() {
                path
            } else {
                dir.join(path)
            }
        };
        let git_dir = next_dir();
        let common_dir = next_dir();
        // Canonical, so user paths can be made relative to it.
        let toplevel = toplevel.canonicalize().unwrap_or(toplevel);
        return Ok(Some(GitPaths {
            toplevel,
            git_dir,
            common_dir,
        }));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("this operation must be run in a work tree") {
        return Err(Error::SkippedRoot {
            path: dir.to_owned(),
            reason: "it is inside a `.git` folder".into(),
        });
    }
    if stderr.contains("not a git repository") {
        return Ok(None);
    }
    Err(Error::Git {
        args: "rev-parse --show-toplevel".into(),
        message: stderr.trim().to_owned(),
    })
}

/// The user's global excludes file: `core.excludesFile`, or git's XDG default.
pub fn global_excludes_file(dir: &Path) -> Option<PathBuf> {
    let output = command(dir)
        .args(["config", "--path", "--get", "core.excludesFile"])
        .output()
        .ok()?;
    if output.status.success() {
        let stdout = output.stdout.strip_suffix(b"\n").unwrap_or(&output.stdout);
        return Some(path_buf(stdout));
    }
    match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(xdg) => Some(PathBuf::from(xdg).join("git/ignore")),
        None => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config/git/ignore")),
    }
}
