//! The commands: each turns its arguments into settings, runs the engine and
//! hands the outcome to a reporter or the fixer. What they share is here: the
//! session (root, config, settings, scope), the exit status, and writing to a
//! reader that may leave.

pub mod check;
pub mod explain;
pub mod fix;
pub mod init;
pub mod rules;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::{CommonArgs, OutputFormat};
use crate::config;
use crate::diagnostic::Severity;
use crate::error::Error;
use crate::lint::{Outcome, Scope};
use crate::progress;
use crate::repo::Root;
use crate::report;
use crate::settings::Settings;
use crate::use_color;

/// Exit status of a run (SPEC §5), as ruff's `ExitStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing at or above `fail-on` remains.
    Clean,
    /// A finding at or above `fail-on` remains.
    Failed,
    /// The tool could not do its job (bad input, git failed, a fix stopped).
    Error,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Clean => ExitCode::SUCCESS,
            Status::Failed => ExitCode::from(1),
            Status::Error => ExitCode::from(2),
        }
    }
}

/// Everything `check` and `fix` share: root, config, settings, scope.
pub(crate) struct Session {
    root: Root,
    settings: Settings,
    scope: Scope,
}

impl Session {
    pub(crate) fn open(
        paths: &[std::path::PathBuf],
        common: &CommonArgs,
        for_fix: bool,
    ) -> Result<Session, Error> {
        let (root, root_scope) = match &common.root {
            Some(dir) => Root::discover(Some(dir))?,
            None => Root::discover_for(paths)?,
        };
        if for_fix {
            root.refuse_fix_root(common.root.is_some())?;
        }
        let config = if common.no_config {
            None
        } else {
            config::load(&root.path, common.config.as_deref())?
        };
        let settings = Settings::resolve(config.as_ref(), &common.overrides())?;
        let mut paths: Vec<std::path::PathBuf> = paths
            .iter()
            .map(|p| root.relativize(p))
            .collect::<Result<_, _>>()?;
        for path in &paths {
            root.refuse_nested(path)?;
        }
        // `--root SUBDIR` inside a work tree: the work tree is the root, SUBDIR the scope.
        if paths.is_empty() {
            paths.extend(root_scope);
        }
        let scope = Scope {
            paths,
            allow_missing: false,
        };
        Ok(Session {
            root,
            settings,
            scope,
        })
    }
}

pub(crate) fn spinner(common: &CommonArgs, message: &'static str) -> progress::Progress {
    progress::Progress::start(!common.quiet && std::io::stderr().is_terminal(), message)
}

pub(crate) fn write_flushed(out: &mut impl Write, bytes: &[u8]) -> Result<(), Error> {
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// The one place a closed stdout is handled. The reader went away (`pyhygiene
/// check | head -1`): the verdict still stands, so the exit status is decided as
/// if everything had been read; commands without a verdict (`rules`, `explain`)
/// succeed.
pub(crate) fn reader_may_leave(result: Result<(), Error>) -> Result<(), Error> {
    match result {
        Err(Error::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// An incomplete run counts as a warning: it fails under `--fail-on warning`.
pub(crate) fn status(outcome: &Outcome, fail_on: Severity, exit_zero: bool) -> Status {
    let failing = outcome.diagnostics.iter().any(|d| d.severity >= fail_on)
        || (fail_on == Severity::Warning && !outcome.incomplete.is_empty());
    if failing && !exit_zero {
        Status::Failed
    } else {
        Status::Clean
    }
}

/// Notes about the run on stderr (the report itself stays clean for machines).
/// `--quiet` hides what was skipped by design, never what could not be read.
pub(crate) fn print_notes(outcome: &Outcome, common: &CommonArgs) {
    let color = use_color(common.color, std::io::stderr().is_terminal());
    let paint = |label: &'static str, style: &'static str| {
        if color {
            format!("\x1b[{style}m{label}\x1b[0m")
        } else {
            label.to_owned()
        }
    };
    let mut err = std::io::stderr().lock();
    // Writes to stderr may fail (closed); there is nowhere left to say so.
    if !common.quiet {
        let note = paint("note", "1;36");
        for message in &outcome.notes {
            let _ = writeln!(err, "{note}: {}", report::escape_controls(message));
        }
    }
    let warning = paint("warning", "1;33");
    for message in &outcome.incomplete {
        let _ = writeln!(err, "{warning}: {}", report::escape_controls(message));
    }
    if !outcome.incomplete.is_empty() {
        let _ = writeln!(
            err,
            "{warning}: the check is incomplete: what could not be read was not checked"
        );
    }
}

pub(crate) fn report(
    session: &Session,
    outcome: &Outcome,
    common: &CommonArgs,
) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    print_notes(outcome, common);
    match common.output_format {
        OutputFormat::Human => report::human::write(
            &mut out,
            &outcome.diagnostics,
            report::human::HumanOptions {
                color: use_color(common.color, std::io::stdout().is_terminal()),
                verbose: common.verbose,
                quiet: common.quiet,
            },
        )?,
        OutputFormat::Github => {
            report::github::write(&mut out, &outcome.diagnostics, &outcome.incomplete)?
        }
        OutputFormat::Sarif => report::sarif::write(
            &mut out,
            &session.root.path,
            &outcome.diagnostics,
            &outcome.incomplete,
        )?,
        OutputFormat::Json => report::json::write(&mut out, &session.root.path, outcome)?,
    }
    out.flush()?;
    Ok(())
}
