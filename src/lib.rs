//! pyhygiene: a git-aware linter that keeps Python bytecode out of repositories.
//!
//! Data flows one way: config → file sets (computed once) → rules → diagnostics →
//! reporter, or fixer (plan → apply).

pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod fix;
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

use cli::{Cli, ColorChoice, Command};
pub use commands::Status;
use error::Error;

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
        None => commands::check::run(&cli.check),
        Some(Command::Check(args)) => commands::check::run(&args),
        Some(Command::Fix(args)) => commands::fix::run(&args),
        Some(Command::Rules(args)) => commands::rules::run(args.format),
        Some(Command::Explain(args)) => commands::explain::run(&args.code),
        Some(Command::Init(args)) => commands::init::run(&args),
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command, "pyhygiene", &mut out);
            commands::reader_may_leave(commands::write_flushed(&mut std::io::stdout(), &out))?;
            Ok(Status::Clean)
        }
        Some(Command::Man) => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(command).render(&mut out)?;
            commands::reader_may_leave(commands::write_flushed(&mut std::io::stdout(), &out))?;
            Ok(Status::Clean)
        }
    }
}
