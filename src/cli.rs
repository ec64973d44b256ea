//! Command line, with clap derive. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::settings::Overrides;

/// Keep Python bytecode, tool caches and virtualenvs out of git, and clean up the
/// caches that deleted modules leave behind.
#[derive(Debug, Parser)]
#[command(name = "pyhygiene", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// `pyhygiene [PATHS]` is `pyhygiene check [PATHS]`.
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report problems (the default command).
    Check(CheckArgs),
    /// Apply fixes: untrack, ignore, delete caches.
    Fix(FixArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Show a rule's explanation.
    Explain(ExplainArgs),
    /// Protect a repository: add the pyhygiene hook to `.pre-commit-config.yaml`
    /// (and with `--github`, a workflow). Only creates or appends; never overwrites.
    Init(InitArgs),
    /// Print a shell completion script (`pyhygiene completions bash > …`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from this command line.
    Man,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Limit the report to these files or folders (default: the whole repository).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Limit fixes to these files or folders.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Also apply unsafe fixes (PYH202 deletions, PYH003 untracking).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print what would change and change nothing; exit 1 when there is something to change.
    #[arg(long)]
    pub dry_run: bool,

    /// Exit 1 when anything was changed (for pre-commit).
    #[arg(long)]
    pub exit_non_zero_on_fix: bool,

    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository to set up (default: the git work tree around the current folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Also write `.github/workflows/pyhygiene.yml`, which runs the pyhygiene Action.
    #[arg(long)]
    pub github: bool,

    /// Print the changes as a diff and change nothing; exit 1 when there is something to change.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`PYH201`) or name (`orphaned-bytecode`).
    pub code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

impl OutputFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Human => "human",
            OutputFormat::Json => "json",
            OutputFormat::Github => "github",
            OutputFormat::Sarif => "sarif",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

impl From<FailOn> for Severity {
    fn from(value: FailOn) -> Self {
        match value {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        }
    }
}

/// Flags shared by `check` and `fix`.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Repository root (default: the git work tree around the current folder).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Rules to check, by code, prefix or name; replaces the configured selection.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,

    /// Rules to add to the selection.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,

    /// Rules to leave out.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,

    /// Use this config file instead of looking one up.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore every config file.
    #[arg(long)]
    pub no_config: bool,

    /// Print findings only, no notes or summary.
    #[arg(long, short)]
    pub quiet: bool,

    /// List every file of a group in the human report.
    #[arg(long, short)]
    pub verbose: bool,

    /// Colour output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Exit 0 even when errors are found.
    #[arg(long)]
    pub exit_zero: bool,

    /// Lowest severity that makes the run fail.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

impl CommonArgs {
    /// The flags that override the config file, as a settings layer.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            select: self.select.clone(),
            extend_select: self.extend_select.clone(),
            ignore: self.ignore.clone(),
            fail_on: self.fail_on.map(Severity::from),
        }
    }
}
