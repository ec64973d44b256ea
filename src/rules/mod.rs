//! Rule checks: pure functions from one file set to diagnostics. They never print
//! and never touch the disk. A check's signature says which file set it reads, so
//! the engine derives what to compute from the registry alone.

pub mod caches;
pub mod ignores;
pub mod tracked;

use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::repo::ignores::IgnoreSet;
use crate::repo::tracked::Tracked;
use crate::repo::worktree::Worktree;
use crate::settings::Settings;

/// What every check may read besides its file set.
pub struct Env<'a> {
    pub root: &'a Path,
    pub settings: &'a Settings,
}

/// The ignore-rules file set: the ignore files, the folders they are probed in,
/// and the index when there is one (to tell committed files from local ones).
pub struct IgnoreInputs<'a> {
    pub ignores: &'a IgnoreSet,
    pub worktree: &'a Worktree,
    pub tracked: Option<&'a Tracked>,
}

type Out<'o> = &'o mut Vec<Diagnostic>;

/// A rule's check, by the file set it reads.
#[derive(Clone, Copy)]
pub enum Run {
    Tracked(fn(&Tracked, &Env<'_>, Out<'_>)),
    Worktree(fn(&Worktree, &Env<'_>, Out<'_>)),
    IgnoreRules(fn(&IgnoreInputs<'_>, &Env<'_>, Out<'_>)),
}

/// What a check reads beyond names, so the walk reads it only when a rule does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// The first bytes of each live cache and its source's stat.
    pub cache_headers: bool,
    /// The magic number of each legacy `.pyc` without a source.
    pub sourceless_magic: bool,
    /// `python-tags` in the config: without it the rule cannot run.
    pub python_tags: bool,
}

/// A check and what it needs: one registry line builds it.
#[derive(Clone, Copy)]
pub struct Check {
    pub run: Run,
    pub needs: Needs,
}

const NOTHING: Needs = Needs {
    cache_headers: false,
    sourceless_magic: false,
    python_tags: false,
};

impl Check {
    pub const fn tracked(f: fn(&Tracked, &Env<'_>, Out<'_>)) -> Check {
        Check {
            run: Run::Tracked(f),
            needs: NOTHING,
        }
    }

    pub const fn worktree(f: fn(&Worktree, &Env<'_>, Out<'_>)) -> Check {
        Check {
            run: Run::Worktree(f),
            needs: NOTHING,
        }
    }

    pub const fn ignore_rules(f: fn(&IgnoreInputs<'_>, &Env<'_>, Out<'_>)) -> Check {
        Check {
            run: Run::IgnoreRules(f),
            needs: NOTHING,
        }
    }

    pub const fn with_cache_headers(mut self) -> Check {
        self.needs.cache_headers = true;
        self
    }

    pub const fn with_sourceless_magic(mut self) -> Check {
        self.needs.sourceless_magic = true;
        self
    }

    pub const fn with_python_tags(mut self) -> Check {
        self.needs.python_tags = true;
        self
    }

    /// The file set the check's signature reads.
    pub fn file_set(&self) -> FileSet {
        match self.run {
            Run::Tracked(_) => FileSet::Tracked,
            Run::Worktree(_) => FileSet::Worktree,
            Run::IgnoreRules(_) => FileSet::IgnoreRules,
        }
    }
}

/// Which file set a rule reads; the engine computes only the sets enabled rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileSet {
    Tracked,
    Worktree,
    IgnoreRules,
}

impl FileSet {
    pub fn as_str(self) -> &'static str {
        match self {
            FileSet::Tracked => "tracked",
            FileSet::Worktree => "worktree",
            FileSet::IgnoreRules => "ignore-rules",
        }
    }
}
