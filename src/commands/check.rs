//! `pyhygiene check`: lint and report.

use crate::cli::CheckArgs;
use crate::commands::{reader_may_leave, report, spinner, status, Session, Status};
use crate::error::Error;
use crate::lint;

/// `pyhygiene check`: lint, report, and the verdict.
pub fn run(args: &CheckArgs) -> Result<Status, Error> {
    let session = Session::open(&args.paths, &args.common, false)?;
    let progress = spinner(&args.common, "checking");
    let outcome = lint::lint(&session.root, &session.settings, &session.scope, false)?;
    drop(progress);
    reader_may_leave(report(&session, &outcome, &args.common))?;
    let status = status(&outcome, session.settings.fail_on, args.common.exit_zero);
    // `run` is the binary's entry and the process ends right after: freeing a file
    // set entry by entry (a million allocations on a large monorepo) would only
    // delay the exit. Library callers use `lint::lint`, which returns the outcome.
    std::mem::forget(outcome);
    Ok(status)
}
