//! Configuration: `pyhygiene.toml`, `.pyhygiene.toml` or `[tool.pyhygiene]` in
//! `pyproject.toml`. Every error points at the file, line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::error::{ConfigError, Error};

/// The `[tool.pyhygiene]` table or a whole `pyhygiene.toml`, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub select: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<Spanned<String>>>,
    pub extend_select: Option<Vec<Spanned<String>>>,
    pub fail_on: Option<Severity>,
    pub exclude: Option<Vec<Spanned<String>>>,
    pub extend_exclude: Option<Vec<Spanned<String>>>,
    pub python_tags: Option<Vec<Spanned<String>>>,
    pub severity: Option<BTreeMap<Spanned<String>, Spanned<Level>>>,
    pub tool_caches: Option<Vec<Spanned<String>>>,
    pub ignore_entries: Option<Vec<Spanned<String>>>,
}

/// A value of the `[severity]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<ToolTable>,
}

#[derive(Deserialize)]
struct ToolTable {
    pyhygiene: Option<Options>,
}

/// A configuration file that was found and parsed, kept for span-accurate errors
/// in the validation step.
#[derive(Debug)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub text: String,
    pub options: Options,
}

impl LoadedConfig {
    /// An error at `span` in this file, with line and column in the message.
    pub fn error_at(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> Error {
        config_error(&self.path, &self.text, Some(span), message.into(), None)
    }
}

/// File names looked up in the root, first found wins (SPEC §7).
const CANDIDATES: [&str; 3] = ["pyhygiene.toml", ".pyhygiene.toml", "pyproject.toml"];

/// Find and parse the configuration. `explicit` is `--config FILE`.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Option<LoadedConfig>, Error> {
    if let Some(path) = explicit {
        let bytes = std::fs::read(path).map_err(|source| Error::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        let text = utf8(path, bytes)?;
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        return parse(path, text, is_pyproject).map(|o| {
            o.map(|(options, text)| LoadedConfig {
                path: path.to_owned(),
                text,
                options,
            })
        });
    }
    for name in CANDIDATES {
        let path = root.join(name);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(Error::ReadConfig { path, source }),
        };
        let display = PathBuf::from(name);
        let text = utf8(&display, bytes)?;
        if let Some((options, text)) = parse(&display, text, name == "pyproject.toml")? {
            return Ok(Some(LoadedConfig {
                path: display,
                text,
                options,
            }));
        }
    }
    Ok(None)
}

/// TOML is UTF-8: anything else is an error at the first bad byte (file, line,
/// column and byte offset), shown in the text with the bad bytes replaced.
fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let bad = err.as_bytes()[offset];
        let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
        let width = '\u{FFFD}'.len_utf8();
        config_error(
            path,
            &text,
            Some(offset..offset + width),
            format!("not UTF-8: byte 0x{bad:02X} at byte offset {offset}"),
            Some("TOML files must be UTF-8; save the file as UTF-8".into()),
        )
    })
}

/// Parse one file; a `pyproject.toml` without `[tool.pyhygiene]` is not a config.
fn parse(
    path: &Path,
    text: String,
    is_pyproject: bool,
) -> Result<Option<(Options, String)>, Error> {
    let result = if is_pyproject {
        toml::from_str::<PyProject>(&text).map(|p| p.tool.and_then(|t| t.pyhygiene))
    } else {
        toml::from_str::<Options>(&text).map(Some)
    };
    match result {
        Ok(Some(options)) => Ok(Some((options, text))),
        Ok(None) => Ok(None),
        Err(err) => {
            let help = help_for(err.message());
            Err(config_error(
                path,
                &text,
                err.span(),
                err.message().to_owned(),
                help,
            ))
        }
    }
}

/// Turn serde's "unknown field" into a list of the keys that exist.
fn help_for(message: &str) -> Option<String> {
    message.starts_with("unknown field").then(|| {
        "valid keys: select, ignore, extend-select, fail-on, exclude, extend-exclude, \
         python-tags, severity, tool-caches, ignore-entries"
            .to_owned()
    })
}

fn config_error(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: String,
    help: Option<String>,
) -> Error {
    let span = span.unwrap_or(0..0);
    let (line, column) = line_column(text, span.start);
    Error::Config(Box::new(ConfigError {
        location: format!("{}:{line}:{column}", path.display()),
        message: message.trim().to_owned(),
        src: NamedSource::new(path.display().to_string(), text.to_owned()),
        span: SourceSpan::from(span),
        help,
    }))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary_compat(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        while !self.is_char_boundary(index) {
            index -= 1;
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        match parse(Path::new("pyhygiene.toml"), text.to_owned(), false) {
            Err(err) => err.to_string(),
            Ok(_) => panic!("expected an error"),
        }
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let msg = parse_err("select = [\"PYH\"]\n  selct = 1\n");
        assert!(
            msg.starts_with("pyhygiene.toml:2:3: unknown field `selct`"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_type_names_line_and_column() {
        let msg = parse_err("fail-on = \"warning\"\nexclude = \"x\"\n");
        assert!(
            msg.starts_with("pyhygiene.toml:2:11: invalid type"),
            "{msg}"
        );
    }

    #[test]
    fn pyproject_without_table_is_no_config() {
        let parsed = parse(
            Path::new("pyproject.toml"),
            "[tool.black]\nx = 1\n".into(),
            true,
        );
        assert!(matches!(parsed, Ok(None)));
        let parsed = parse(
            Path::new("pyproject.toml"),
            "[tool.pyhygiene]\nselect = [\"PYH0\"]\n".into(),
            true,
        );
        assert!(matches!(parsed, Ok(Some(_))));
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncdé\nx", 8), (3, 1));
        assert_eq!(line_column("ab\ncdé\nx", 5), (2, 3));
    }
}
