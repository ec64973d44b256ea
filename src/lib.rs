//! pyhygiene: a git-aware linter that keeps Python bytecode out of repositories.
//!
//! Data flows one way: config → file sets (computed once) → rules → diagnostics →
//! reporter, or fixer (plan → apply).

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod fix;
pub mod init;
pub mod lint;
pub mod paths;
pub mod platform;
pub mod progress;
pub mod pyc;
pub mod registry;
pub mod repo;
pub mod report;
pub mod rules;
pub mod settings;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use cli::{
    CheckArgs, Cli, ColorChoice, Command, CommonArgs, FixArgs, InitArgs, OutputFormat, RulesFormat,
};
use diagnostic::Severity;
use error::Error;
use lint::{Outcome, Scope};
use registry::Rule;
use repo::Root;
use settings::Settings;

/// Exit status of a run (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing at or above `fail-on` remains.
    Clean,
    /// A finding at or above `fail-on` remains.
    Failed,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Clean => ExitCode::SUCCESS,
            Status::Failed => ExitCode::from(1),
        }
    }
}

/// Should output to stdout/stderr be coloured?
pub fn use_color(choice: ColorChoice, stream_is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

pub fn run(cli: Cli) -> Result<Status, Error> {
    match cli.command {
        None => check(&cli.check),
        Some(Command::Check(args)) => check(&args),
        Some(Command::Fix(args)) => fix(&args),
        Some(Command::Rules(args)) => list_rules(args.format),
        Some(Command::Explain(args)) => explain(&args.code),
        Some(Command::Init(args)) => init_repository(&args),
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "pyhygiene", &mut std::io::stdout());
            Ok(Status::Clean)
        }
        Some(Command::Man) => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command).render(&mut std::io::stdout())?;
            Ok(Status::Clean)
        }
    }
}

/// Everything `check` and `fix` share: root, config, settings, scope.
struct Session {
    root: Root,
    settings: Settings,
    scope: Scope,
}

impl Session {
    fn open(
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

fn check(args: &CheckArgs) -> Result<Status, Error> {
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

fn spinner(common: &CommonArgs, message: &'static str) -> progress::Progress {
    progress::Progress::start(!common.quiet && std::io::stderr().is_terminal(), message)
}

/// `pyhygiene fix`: plan from a full lint, apply (or print with `--dry-run`),
/// then re-check and report what remains.
fn fix(args: &FixArgs) -> Result<Status, Error> {
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
            let summary = report::human::summary_line(&report::Summary::of(&outcome.diagnostics));
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

fn write_flushed(out: &mut impl Write, bytes: &[u8]) -> Result<(), Error> {
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// The reader of stdout went away (`pyhygiene fix | head -1`): the verdict still
/// stands, so the exit status is decided as if everything had been read.
fn reader_may_leave(result: Result<(), Error>) -> Result<(), Error> {
    match result {
        Err(Error::Io(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// An incomplete run counts as a warning: it fails under `--fail-on warning`.
fn status(outcome: &Outcome, fail_on: Severity, exit_zero: bool) -> Status {
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
fn print_notes(outcome: &Outcome, common: &CommonArgs) {
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

fn report(session: &Session, outcome: &Outcome, common: &CommonArgs) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
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

/// `pyhygiene init`: add the hook (and the workflow), creating or appending only.
fn init_repository(args: &InitArgs) -> Result<Status, Error> {
    let (root, _) = match &args.root {
        Some(dir) => Root::discover(Some(dir))?,
        None => Root::discover_for(&[])?,
    };
    root.refuse_fix_root(args.root.is_some())?;
    let mut out = String::new();
    let mut pending = false;
    let mut changed = Vec::new();
    let mut write = |name: &str, old: Option<&[u8]>, new: &[u8]| -> Result<(), Error> {
        if args.dry_run {
            out.push_str(&fix::gitignore::unified_diff(name, old, new));
        } else {
            let path = root.path.join(name);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)?;
            }
            fix::gitignore::write_appended(&path, old, new)
                .map_err(|e| Error::Fix(format!("cannot write {name}: {e}")))?;
        }
        changed.push(name.to_owned());
        Ok(())
    };
    let config = ".pre-commit-config.yaml";
    let existing = match std::fs::read(root.path.join(config)) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(Error::Fix(format!("cannot read {config}: {err}"))),
    };
    let mut notes = String::new();
    match init::plan_pre_commit(existing.as_deref()) {
        init::Edit::Create(text) => write(config, None, text.as_bytes())?,
        init::Edit::Append(bytes) => write(config, existing.as_deref(), &bytes)?,
        init::Edit::AlreadyThere => {
            notes.push_str(&format!("{config} already runs pyhygiene: left alone\n"))
        }
        init::Edit::CannotEdit(why) => {
            pending = true;
            notes.push_str(&format!(
                "Did not edit {config}: {why}. Add this entry under `repos:`:\n\n{}\n",
                init::hook_entry(2, "\n")
            ));
        }
    }
    if args.github {
        let workflow = ".github/workflows/pyhygiene.yml";
        if root.path.join(workflow).symlink_metadata().is_ok() {
            notes.push_str(&format!("{workflow} exists: left alone\n"));
        } else {
            write(workflow, None, init::github_workflow().as_bytes())?;
        }
    }
    let mut report = out;
    if !args.dry_run {
        for name in &changed {
            let verb = if name == config && existing.is_some() {
                "Added the pyhygiene hook to"
            } else {
                "Created"
            };
            report.push_str(&format!("{verb} {name}\n"));
        }
    }
    report.push_str(&notes);
    if !changed.is_empty() && !args.dry_run {
        report.push_str(&format!(
            "Next: `pre-commit install`, then commit {}\n",
            changed.join(" and ")
        ));
    }
    reader_may_leave(write_flushed(&mut std::io::stdout(), report.as_bytes()))?;
    Ok(if pending || (args.dry_run && !changed.is_empty()) {
        Status::Failed
    } else {
        Status::Clean
    })
}

fn list_rules(format: RulesFormat) -> Result<Status, Error> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        RulesFormat::Human => {
            writeln!(
                out,
                "{:<7} {:<26} {:<8} {:<13} fix",
                "code", "name", "default", "file set"
            )?;
            for rule in Rule::ALL {
                let meta = rule.meta();
                let default = meta.default_level();
                let safety = meta.fix_safety.as_str();
                writeln!(
                    out,
                    "{:<7} {:<26} {:<8} {:<13} {} ({safety})",
                    meta.code,
                    meta.name,
                    default,
                    meta.file_set.as_str(),
                    meta.fix.as_str()
                )?;
            }
        }
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = Rule::ALL
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({
                        "code": meta.code,
                        "name": meta.name,
                        "summary": meta.summary,
                        "file_set": meta.file_set.as_str(),
                        "severity": meta.severity.as_str(),
                        "enabled": meta.enabled,
                        "fix": meta.fix.as_str(),
                        "fix_safety": meta.fix_safety.as_str(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rules).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    }
    Ok(Status::Clean)
}

fn explain(code: &str) -> Result<Status, Error> {
    let rule =
        Rule::from_code(code).or_else(|| Rule::ALL.iter().copied().find(|r| r.name() == code));
    let Some(rule) = rule else {
        return Err(Error::Usage {
            message: format!("unknown rule `{code}`"),
            help: Some(match Rule::suggest(code) {
                Some(s) => format!("did you mean `{s}`? `pyhygiene rules` lists every rule"),
                None => "`pyhygiene rules` lists every rule".into(),
            }),
        });
    };
    let meta = rule.meta();
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {} ({})\n", meta.name, meta.code)?;
    writeln!(out, "{}\n", meta.summary)?;
    let default = meta.default_level();
    writeln!(
        out,
        "Default: {default}. File set: {}.\n",
        meta.file_set.as_str()
    )?;
    write!(out, "{}", meta.explanation.trim_start())?;
    out.flush()?;
    Ok(Status::Clean)
}
