use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use miette::{GraphicalReportHandler, GraphicalTheme};

fn main() -> ExitCode {
    let cli = pyhygiene::cli::Cli::parse();
    let color_choice = match &cli.command {
        Some(pyhygiene::cli::Command::Check(args)) => args.common.color,
        Some(pyhygiene::cli::Command::Fix(args)) => args.common.color,
        _ => cli.check.common.color,
    };
    match pyhygiene::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            let color = pyhygiene::use_color(color_choice, std::io::stderr().is_terminal());
            let theme = if color {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let mut rendered = String::new();
            let handler = GraphicalReportHandler::new_themed(theme);
            if handler.render_report(&mut rendered, &err).is_err() {
                rendered = format!("error: {err}");
            }
            // A closed stderr leaves nowhere to say it; the exit status still does.
            let _ = std::io::Write::write_all(&mut std::io::stderr(), rendered.as_bytes());
            pyhygiene::Status::Error.into()
        }
    }
}
