//! The repository: where its root is, and the file sets computed from it. The
//! modules here depend on nothing above them (settings, rules, the engine, the
//! fixer); each file set is computed by its own module.

pub mod exclude;
pub mod fswalk;
pub mod fxhash;
pub mod git;
mod headers;
pub mod ignores;
pub mod root;
pub mod tracked;
pub mod worktree;

pub use root::Root;

/// Each file set, computed at most once per run.
#[derive(Debug, Default)]
pub struct FileSets {
    pub tracked: Option<tracked::Tracked>,
    pub worktree: Option<worktree::Worktree>,
    pub ignores: Option<ignores::IgnoreSet>,
}
