//! The few git commands pyhygiene runs. One process per question, never per file.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::error::Error;

/// Run git in `dir` and return its output, failing on a non-zero exit.
pub fn run<I, S>(dir: &Path, args: I) -> Result<Output, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let output = command(dir).args(&args).output().map_err(Error::GitSpawn)?;
    if !output.status.success() {
        return Err(Error::Git {
            args: args
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(output)
}

/// A git command in `dir` that never asks questions or pages.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_PAGER");
    cmd
}

/// The top of the work tree around `dir`, or `None` when `dir` is not in one.
pub fn toplevel(dir: &Path) -> Result<Option<PathBuf>, Error> {
    let output = command(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(Error::GitSpawn)?;
    if output.status.success() {
        use std::os::unix::ffi::OsStrExt;
        let stdout = output.stdout.strip_suffix(b"\n").unwrap_or(&output.stdout);
        let path = PathBuf::from(OsStr::from_bytes(stdout));
        // Canonical, so user paths can be made relative to it.
        return Ok(Some(path.canonicalize().unwrap_or(path)));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("not a git repository")
        || stderr.contains("this operation must be run in a work tree")
    {
        return Ok(None);
    }
    Err(Error::Git {
        args: "rev-parse --show-toplevel".into(),
        message: stderr.trim().to_owned(),
    })
}
