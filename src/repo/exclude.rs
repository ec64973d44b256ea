//! The user's `exclude` globs: paths the walk never enters and rules never report.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};

/// The user's `exclude` globs. A glob with a `/` matches a path relative to the
/// root; one without matches any single file or folder name, as in `.gitignore`.
#[derive(Debug, Default)]
pub struct Exclude {
    paths: GlobSet,
    names: GlobSet,
}

/// A glob that does not compile: which one (its index among the patterns), and why.
#[derive(Debug, PartialEq, Eq)]
pub struct ExcludeError {
    pub index: Option<usize>,
    pub message: String,
}

impl Exclude {
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Exclude, ExcludeError> {
        let mut paths = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        for (index, pattern) in patterns.into_iter().enumerate() {
            let trimmed = pattern.trim_end_matches('/');
            let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
            // A leading `/` anchors at the root, as in `.gitignore`: `/vendor` is the
            // top-level `vendor` only.
            let anchored = trimmed.starts_with('/');
            let trimmed = trimmed.trim_start_matches('/');
            let glob = Glob::new(trimmed).map_err(|err| ExcludeError {
                index: Some(index),
                message: format!("invalid glob `{pattern}`: {}", err.kind()),
            })?;
            if anchored || trimmed.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|err| ExcludeError {
                index: None,
                message: format!("invalid exclude: {err}"),
            })
        };
        Ok(Exclude {
            paths: build(paths)?,
            names: build(names)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.names.is_empty()
    }

    /// Does the glob set match this path itself (not its parents)?
    pub fn matches(&self, relative: &Path) -> bool {
        (!self.paths.is_empty() && self.paths.is_match(relative))
            || (!self.names.is_empty()
                && relative.file_name().is_some_and(|n| self.names.is_match(n)))
    }

    /// Is this path or any of its parent folders excluded?
    pub fn excludes(&self, relative: &Path) -> bool {
        !self.is_empty()
            && relative
                .ancestors()
                .any(|p| !p.as_os_str().is_empty() && self.matches(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_anywhere_paths_from_the_root() {
        let exclude = Exclude::new(["vendor", "/build", "docs/*.py", "./gen/"]).unwrap();
        assert!(exclude.excludes(Path::new("a/vendor/m.pyc")));
        assert!(exclude.excludes(Path::new("build/m.pyc")));
        assert!(!exclude.excludes(Path::new("a/build/m.pyc")));
        assert!(exclude.matches(Path::new("docs/conf.py")));
        assert!(exclude.excludes(Path::new("gen/x/m.pyc")));
        assert!(!exclude.excludes(Path::new("src/m.pyc")));
        assert!(Exclude::new([]).unwrap().is_empty());
    }

    #[test]
    fn a_bad_glob_names_its_index() {
        let err = Exclude::new(["ok", "a[b"]).unwrap_err();
        assert_eq!(err.index, Some(1));
        assert!(
            err.message.starts_with("invalid glob `a[b`:"),
            "{}",
            err.message
        );
    }
}
