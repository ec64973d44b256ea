//! Rule checks: pure functions from file sets to diagnostics. They never print
//! and never touch the disk.

pub mod caches;
pub mod ignores;
pub mod tracked;

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::repo::ignores::IgnoreSet;
use crate::repo::tracked::Tracked;
use crate::repo::worktree::Worktree;
use crate::settings::Settings;

/// Everything a rule may read.
pub struct Context<'a> {
    pub root: &'a Path,
    pub settings: &'a Settings,
    /// `None` outside git or when no tracked-set rule is enabled.
    pub tracked: Option<&'a Tracked>,
    /// `None` when no worktree rule is enabled.
    pub worktree: Option<&'a Worktree>,
    /// `None` when no ignore-rules rule is enabled.
    pub ignores: Option<&'a IgnoreSet>,
}

/// A rule's check.
pub type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);
