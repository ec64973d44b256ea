//! Tool failures (exit 2). Findings are not errors; see `diagnostic`.

use std::path::PathBuf;

use miette::{NamedSource, SourceSpan};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),

    #[error("cannot read config file {}", shown(path))]
    #[diagnostic(code(pyhygiene::config))]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{message}")]
    #[diagnostic(code(pyhygiene::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("path does not exist: {}", shown(path))]
    #[diagnostic(
        code(pyhygiene::path),
        help("paths are relative to the current directory")
    )]
    MissingPath { path: PathBuf },

    #[error(
        "{} leads outside the repository root {}{how}",
        shown(path),
        shown(root)
    )]
    #[diagnostic(
        code(pyhygiene::path),
        help("PATHS must lie inside the root; to check another folder or repository, run pyhygiene there or pass `--root DIR`")
    )]
    OutsideRoot {
        path: PathBuf,
        root: PathBuf,
        /// " (through a symlink)" when the path looks inside but is not.
        how: &'static str,
    },

    #[error("{} is inside another repository, {}", shown(path), shown(repo))]
    #[diagnostic(
        code(pyhygiene::path),
        help("check that repository on its own: pass only its paths, or run pyhygiene inside it")
    )]
    NestedRepository { path: PathBuf, repo: PathBuf },

    #[error("root folder {} does not exist or is not a folder", shown(path))]
    #[diagnostic(code(pyhygiene::path))]
    BadRoot { path: PathBuf },

    #[error("refusing to work in {}: {reason}", shown(path))]
    #[diagnostic(
        code(pyhygiene::root),
        help("pyhygiene never looks into `.git`, virtual environments, site-packages or node_modules")
    )]
    SkippedRoot { path: PathBuf, reason: String },

    #[error("git {args} failed: {message}")]
    #[diagnostic(code(pyhygiene::git))]
    Git { args: String, message: String },

    #[error("cannot run git")]
    #[diagnostic(code(pyhygiene::git), help("is git installed and on PATH?"))]
    GitSpawn(#[source] std::io::Error),

    #[error("{0}")]
    #[diagnostic(code(pyhygiene::fix))]
    Fix(String),

    #[error(transparent)]
    #[diagnostic(code(pyhygiene::io))]
    Io(#[from] std::io::Error),
}

/// A configuration file error with its source span (boxed: it carries the file text).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{location}: {message}")]
#[diagnostic(code(pyhygiene::config))]
pub struct ConfigError {
    pub location: String,
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{message}")]
    pub span: SourceSpan,
    #[help]
    pub help: Option<String>,
}

/// A path in an error message: control characters escaped, as in the human report.
fn shown(path: &std::path::Path) -> String {
    crate::report::escape_controls(&path.display().to_string()).into_owned()
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            help: None,
        }
    }
}
