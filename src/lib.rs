//! pyhygiene: a git-aware linter that keeps Python bytecode out of repositories.
pub mod pyc;
