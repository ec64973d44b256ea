//! `pyhygiene fix`: plan from a full lint, apply (or print with `--dry-run`), then
//! re-check and report what remains.

use crate::cli::{FixArgs, OutputFormat};
use crate::commands::{
    print_notes, reader_may_leave, report, spinner, status, write_flushed, Session, Status,
};
use crate::error::Error;
use crate::fix;
use crate::lint::{self, Outcome, Scope};
use crate::report as reports;

/// `pyhygiene fix`: plan from a full lint, apply (or print with `--dry-run`),
/// then re-check and report what remains.
pub fn run(args: &FixArgs) -> Result<Status, Error> {
    let session = Session::open(&args.paths, &args.common, true)?;
    let progress = spinner(&args.common, "checking");
    let outcome = lint::lint(&session.root, &session.settings, &session.scope, true)?;
    drop(progress);
    let plan = fix::plan::Plan::build(
        &outcome.diagnostics,
        &outcome.sets,
        &session.settings,
        args.unsafe_fixes,
    );
    let exit_zero = args.common.exit_zero;
    if args.dry_run {
        print_notes(&outcome, &args.common);
        reader_may_leave(print_plan(
            &session,
            &plan,
            &outcome,
            args.common.output_format,
        ))?;
        let pending = if plan.is_empty() {
            Status::Clean
        } else {
            Status::Failed
        };
        return Ok(if exit_zero { Status::Clean } else { pending });
    }
    let human = args.common.output_format == OutputFormat::Human;
    let mut changed = false;
    if !plan.is_empty() {
        fix::apply::preflight(&session.root, &plan)?;
        let applied = fix::apply::apply(&session.root, &plan);
        changed = applied.changed_anything();
        let summary = fix::describe_applied(&applied, args.common.verbose);
        reader_may_leave(if human {
            write_flushed(&mut std::io::stdout(), summary.as_bytes())
        } else {
            write_flushed(&mut std::io::stderr(), summary.as_bytes())
        })?;
        if applied.failed.is_some() {
            return Err(Error::Fix(
                "fix stopped part-way; see above for what was and was not done".into(),
            ));
        }
        if human {
            reader_may_leave(write_flushed(&mut std::io::stdout(), b"\n"))?;
        }
    }
    // A PATH the fix removed (`fix b/s.pyc`) is the goal reached, not a missing path.
    let scope = Scope {
        allow_missing: true,
        ..session.scope.clone()
    };
    let remaining = lint::lint(&session.root, &session.settings, &scope, false)?;
    reader_may_leave(report(&session, &remaining, &args.common))?;
    let status = status(&remaining, session.settings.fail_on, exit_zero);
    Ok(if changed && args.exit_non_zero_on_fix && !exit_zero {
        Status::Failed
    } else {
        status
    })
}

/// The `--dry-run` plan: text for people (on stdout), a JSON document for
/// machines; SARIF and GitHub annotations describe findings, not plans.
fn print_plan(
    session: &Session,
    plan: &fix::plan::Plan,
    outcome: &Outcome,
    format: OutputFormat,
) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Human => {
        {
            let summary = reports::human::summary_line(&reports::Summary::of(&outcome.diagnostics));
            let text = fix::describe_plan(&session.root.path, plan, &summary);
            write_flushed(&mut out, text.as_bytes())
        }
        }
        OutputFormat::Json => {
            let document = fix::plan_json(&session.root.path, plan);
            serde_json::to_writer_pretty(&mut out, &document).map_err(std::io::Error::from)?;
            write_flushed(&mut out, b"\n")
        }
        OutputFormat::Sarif | OutputFormat::Github => Err(Error::Usage {
            message: format!(
                "`fix --dry-run` has no {} form: it prints a plan, not findings",
                format.as_str()
            ),
            help: Some(
                "use `--output-format json` for a machine-readable plan, or `check --output-format {}` for the findings".replace("{}", format.as_str()),
            ),
        }),
    }
}
