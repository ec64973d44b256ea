//! The folder pyhygiene works in: the git work tree around it, or a plain folder.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::repo::git;

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
    /// The git work tree around `--root DIR` or the current folder, or, outside
    /// git, that folder itself. Also returns `--root DIR` relative to the root when
    /// it is a folder inside the work tree: it limits the report like a PATH.
    pub fn discover(explicit: Option<&Path>) -> Result<(Root, Option<PathBuf>), Error> {
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
        let (root, scope) = Root::around(&start)?;
        let scope = scope.filter(|_| explicit.is_some());
        root.refuse_skipped_folders()?;
        Ok((root, scope))
    }

    /// [`Root::discover`] without `--root`: the work tree around the current folder.
    /// Only when the current folder is in no work tree does the first PATH bring its
    /// own (`cd /tmp && pyhygiene check ~/proj`); inside one, every PATH must resolve
    /// inside it (SPEC §4: a PATH never makes a new root), or lie in a repository
    /// nested in it, which is then the root.
    pub fn discover_for(paths: &[PathBuf]) -> Result<(Root, Option<PathBuf>), Error> {
        let here = std::env::current_dir()?;
        let (root, _) = Root::around(&here)?;
        let Some(first) = paths.first() else {
            root.refuse_skipped_folders()?;
            return Ok((root, None));
        };
        let root = if root.is_git {
            // Inside a repository nested in this one (a submodule, a clone): that one.
            let nested = root
                .relativize(first)
                .ok()
                .and_then(|relative| root.nested_repository(&relative));
            match nested {
                Some(nested) => Root::around(&root.path.join(nested))?.0,
                None => root,
            }
        } else {
            // Outside git: the work tree of the first PATH's folder, if it has one.
            let absolute = normalize(&here.join(first));
            let folder = if absolute.is_dir() {
                Some(absolute.as_path())
            } else {
                absolute.parent().filter(|p| p.is_dir())
            };
            match folder.and_then(|f| f.canonicalize().ok()) {
                Some(folder) => match Root::around(&folder)? {
                    (theirs, _) if theirs.is_git => theirs,
                    _ => root,
                },
                None => root,
            }
        };
        root.refuse_skipped_folders()?;
        Ok((root, None))
    }

    /// `fix` rewrites what it finds: outside git it needs the root named with
    /// `--root`, and `/` or the home folder are never its root (SPEC §4).
    pub fn refuse_fix_root(&self, explicit: bool) -> Result<(), Error> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .and_then(|h| PathBuf::from(h).canonicalize().ok());
        if self.path.parent().is_none() || Some(&self.path) == home.as_ref() {
            return Err(Error::SkippedRoot {
                path: self.path.clone(),
                reason: "`fix` never works on the file system root or the home folder".into(),
            });
        }
        if !self.is_git && !explicit {
            return Err(Error::Usage {
                message: format!(
                    "{} is not in a git repository: `fix` needs an explicit root there",
                    self.path.display()
                ),
                help: Some(format!(
                    "pass `--root {}` to fix that folder",
                    self.path.display()
                )),
            });
        }
        Ok(())
    }

    /// The outermost folder on the way to `relative` (itself included) that holds a
    /// `.git`: another repository inside this one, which the walk leaves alone.
    pub fn nested_repository(&self, relative: &Path) -> Option<PathBuf> {
        let mut folder = PathBuf::new();
        for component in relative.components() {
            folder.push(component);
            let full = self.path.join(&folder);
            // Only real folders: `self -> .` is no repository inside this one.
            if !full.symlink_metadata().is_ok_and(|m| m.is_dir()) {
                return None;
            }
            if full.join(".git").symlink_metadata().is_ok() {
                return Some(folder);
            }
        }
        None
    }

    /// A PATH inside a nested repository would be checked by nothing: say so.
    pub fn refuse_nested(&self, relative: &Path) -> Result<(), Error> {
        match self.nested_repository(relative) {
            Some(repo) => Err(Error::NestedRepository {
                path: relative.to_owned(),
                repo,
            }),
            None => Ok(()),
        }
    }

    /// The work tree around `start`, or `start` itself outside git; and `start`
    /// relative to it when it is a folder below the top.
    fn around(start: &Path) -> Result<(Root, Option<PathBuf>), Error> {
        Ok(match git::discover(start)? {
            Some(paths) => {
                let scope = start
                    .strip_prefix(&paths.toplevel)
                    .ok()
                    .filter(|rel| !rel.as_os_str().is_empty())
                    .map(Path::to_owned);
                let root = Root {
                    path: paths.toplevel.clone(),
                    is_git: true,
                    git: Some(paths),
                };
                (root, scope)
            }
            None => (
                Root {
                    path: start.to_owned(),
                    is_git: false,
                    git: None,
                },
                None,
            ),
        })
    }

    /// SPEC §2 folders are never looked into, and that includes being the root.
    fn refuse_skipped_folders(&self) -> Result<(), Error> {
        const NEVER: &[&str] = &[".git", "site-packages", "dist-packages", "node_modules"];
        for component in self.path.components() {
            if NEVER.iter().any(|n| component.as_os_str() == *n) {
                return Err(Error::SkippedRoot {
                    path: self.path.clone(),
                    reason: format!("it is inside `{}`", component.as_os_str().to_string_lossy()),
                });
            }
        }
        if let Some(env) = self
            .path
            .ancestors()
            .find(|a| a.join("pyvenv.cfg").is_file())
        {
            return Err(Error::SkippedRoot {
                path: self.path.clone(),
                reason: format!("it is inside the virtual environment {}", env.display()),
            });
        }
        Ok(())
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
                how: if normalized.starts_with(&self.path) {
                    " (through a symlink)"
                } else {
                    ""
                },
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
