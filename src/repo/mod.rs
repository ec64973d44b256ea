//! The repository: where its root is, and the file sets computed from it.

pub mod fxhash;
pub mod git;
mod headers;
pub mod ignores;
pub mod tracked;
pub mod walk;

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The folder pyhygiene works in, and whether git knows it.
#[derive(Debug, Clone)]
pub struct Root {
    /// Absolute, canonical path of the root folder.
    pub path: PathBuf,
    /// False outside any git work tree: tracked-set rules are skipped.
    pub is_git: bool,
    /// Where git keeps this work tree's data (`None` outside git).
    pub git: Option<git::GitPaths>,
}

impl Root {
    /// `--root DIR` as given, or the git work tree around the current folder, or,
    /// outside git, the current folder itself.
    pub fn discover(explicit: Option<&Path>) -> Result<Root, Error> {
        let start = match explicit {
            Some(dir) => dir
                .canonicalize()
                .ok()
                .filter(|p| p.is_dir())
                .ok_or_else(|| Error::BadRoot {
                    path: dir.to_owned(),
                })?,
            None => std::env::current_dir()?,
        };
        match git::discover(&start)? {
            // With --root the folder itself is the root, even inside a larger work tree:
            // git reports index paths relative to it.
            Some(paths) => Ok(Root {
                path: if explicit.is_some() {
                    start
                } else {
                    paths.toplevel.clone()
                },
                is_git: true,
                git: Some(paths),
            }),
            None => Ok(Root {
                path: start,
                is_git: false,
                git: None,
            }),
        }
    }

    /// A user-given path (relative to the current folder) as a path relative to the root.
    pub fn relativize(&self, path: &Path) -> Result<PathBuf, Error> {
        let absolute = if path.is_absolute() {
            path.to_owned()
        } else {
            std::env::current_dir()?.join(path)
        };
        let normalized = normalize(&absolute);
        // Canonicalize the parent only: the path itself may be a deleted-but-staged file
        // or a symlink that must not be resolved.
        let resolved = match (normalized.parent(), normalized.file_name()) {
            (Some(parent), Some(name)) => match parent.canonicalize() {
                Ok(parent) => parent.join(name),
                Err(_) => normalized.clone(),
            },
            _ => normalized.canonicalize().unwrap_or(normalized.clone()),
        };
        resolved
            .strip_prefix(&self.path)
            .map(Path::to_owned)
            .map_err(|_| Error::OutsideRoot {
                path: path.to_owned(),
                root: self.path.clone(),
            })
    }
}

/// Remove `.` and resolve `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
