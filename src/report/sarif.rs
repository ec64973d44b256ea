//! SARIF 2.1.0 (`--output-format sarif`): one run, every rule in `tool.driver.rules`,
//! artifact locations relative to the repository root.
//!
//! Written straight to the stream, a result at a time: typed structs borrow from
//! the findings (no value tree). Fields are declared in alphabetical order, the
//! order of the document's keys.

use std::fmt;
use std::io::Write;
use std::path::Path;

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::paths::bytes_of;
use crate::registry::Rule;
use crate::report::Displayed;

pub fn write(
    out: &mut dyn Write,
    root: &Path,
    diagnostics: &[Diagnostic],
    incomplete: &[String],
) -> std::io::Result<()> {
    let mut root_uri = file_uri(bytes_of(root), cfg!(windows));
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            column_kind: "unicodeCodePoints",
            invocations: [Invocation {
                execution_successful: true,
                // What could not be read: the run is incomplete.
                tool_execution_notifications: incomplete
                    .iter()
                    .map(|m| Notification {
                        level: "warning",
                        message: Text { text: m },
                    })
                    .collect(),
            }],
            original_uri_base_ids: BaseIds {
                srcroot: Uri { uri: root_uri },
            },
            results: Results(diagnostics),
            tool: Tool {
                driver: Driver {
                    information_uri: "https://github.com/pyhygiene/pyhygiene",
                    name: "pyhygiene",
                    rules: Rule::ALL.iter().map(|rule| descriptor(*rule)).collect(),
                    version: env!("CARGO_PKG_VERSION"),
                },
            },
        }],
        version: "2.1.0",
    };
    let mut serializer = serde_json::Serializer::pretty(&mut *out);
    log.serialize(&mut serializer)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    column_kind: &'static str,
    invocations: [Invocation<'a>; 1],
    original_uri_base_ids: BaseIds,
    results: Results<'a>,
    tool: Tool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<&'a str>,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "SRCROOT")]
    srcroot: Uri,
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Descriptor>,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    default_configuration: DefaultConfiguration,
    full_description: Text<&'static str>,
    help: Help,
    id: &'static str,
    name: &'static str,
    properties: RuleProperties,
    short_description: Text<&'static str>,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct Help {
    markdown: &'static str,
    text: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleProperties {
    file_set: &'static str,
    fix: &'static str,
    fix_safety: &'static str,
}

/// The findings, serialized one at a time as they are written.
struct Results<'a>(&'a [Diagnostic]);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for d in self.0 {
            seq.serialize_element(&result(d))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: [Location; 1],
    message: Text<Displayed<Message<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
    rule_id: &'static str,
    rule_index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum Location {
    /// A file that exists, with its line when known.
    PhysicalLocation {
        #[serde(rename = "artifactLocation")]
        artifact_location: ArtifactLocation,
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<Region>,
    },
    /// A folder or a file still to create: code scanning cannot place it.
    LogicalLocations([LogicalLocation; 1]),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    fix: &'static str,
    fix_safety: &'static str,
}

/// `<path>: <message>`, formatted straight into the stream.
struct Message<'a>(&'a Diagnostic);

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.shown_path(), self.0.message)
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn descriptor(rule: Rule) -> Descriptor {
    let meta = rule.meta();
    let explanation = meta.explanation.trim();
    Descriptor {
        default_configuration: DefaultConfiguration {
            enabled: meta.enabled,
            level: if meta.enabled {
                level(meta.severity)
            } else {
                "none"
            },
        },
        full_description: Text {
            text: meta.section("What it does").unwrap_or(&meta.summary),
        },
        help: Help {
            markdown: explanation,
            text: explanation,
        },
        id: &meta.code,
        name: &meta.name,
        properties: RuleProperties {
            file_set: meta.file_set.as_str(),
            fix: meta.fix.as_str(),
            fix_safety: meta.fix_safety.as_str(),
        },
        short_description: Text {
            text: &meta.summary,
        },
    }
}

fn result(d: &Diagnostic) -> SarifResult<'_> {
    let location = match d.annotated_file() {
        Some((file, line)) => Location::PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: percent_encode(&relative_uri_bytes(bytes_of(file))),
                uri_base_id: "SRCROOT",
            },
            region: line.map(|start_line| Region { start_line }),
        },
        None => Location::LogicalLocations([LogicalLocation {
            fully_qualified_name: d.display_path(),
            kind: "resource",
        }]),
    };
    SarifResult {
        level: level(d.severity),
        locations: [location],
        message: Text {
            text: Displayed(Message(d)),
        },
        properties: d.fix.as_ref().map(|fix| ResultProperties {
            fix: fix.kind.as_str(),
            fix_safety: fix.safety.as_str(),
        }),
        rule_id: d.rule.code(),
        // Rules are declared in code order: the position in `Rule::ALL`.
        rule_index: d.rule as usize,
    }
}

/// The `file://` URI of an absolute path. On Windows (`windows`), `\\` separators
/// become `/`, the verbatim prefix `\\?\` goes and a drive path gets the third
/// slash: `C:\\src` is `file:///C:/src`.
fn file_uri(path: &[u8], windows: bool) -> String {
    if !windows {
        return format!("file://{}", percent_encode(path));
    }
    let path = path.strip_prefix(br"\\?\").unwrap_or(path);
    let path = relative_uri_bytes_for(path, true);
    let has_drive = path.len() >= 2 && path[0].is_ascii_alphabetic() && path[1] == b':';
    if has_drive {
        // The drive's colon stays as it is.
        format!("file:///{}:{}", path[0] as char, percent_encode(&path[2..]))
    } else {
        format!("file:{}", percent_encode(&path))
    }
}

/// A relative path's bytes with `/` separators on every platform.
fn relative_uri_bytes(path: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    relative_uri_bytes_for(path, cfg!(windows))
}

fn relative_uri_bytes_for(path: &[u8], windows: bool) -> std::borrow::Cow<'_, [u8]> {
    if windows && path.contains(&b'\\') {
        path.iter()
            .map(|&b| if b == b'\\' { b'/' } else { b })
            .collect::<Vec<u8>>()
            .into()
    } else {
        path.into()
    }
}

/// RFC 3986 path encoding: unreserved characters and `/` stay, every other byte
/// (spaces, non-ASCII, non-UTF-8) becomes `%XX`.
pub fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            percent_encode(b"my pkg/caf\xc3\xa9$py.class"),
            "my%20pkg/caf%C3%A9%24py.class"
        );
        assert_eq!(percent_encode(b"raw\xe9.pyc"), "raw%E9.pyc");
    }

    /// Windows roots are drive-letter URIs with `/` separators.
    #[test]
    fn root_uris_on_every_platform() {
        assert_eq!(
            file_uri(b"/home/me/my repo", false),
            "file:///home/me/my%20repo"
        );
        assert_eq!(
            file_uri(br"C:\Users\me\repo", true),
            "file:///C:/Users/me/repo"
        );
        assert_eq!(file_uri(br"\\?\D:\src", true), "file:///D:/src");
        assert_eq!(
            file_uri(br"\\server\share\repo", true),
            "file://server/share/repo"
        );
        // A drive needs its colon: `ab\c` is no drive path.
        assert_eq!(file_uri(br"ab\c", true), "file:ab/c");
        assert_eq!(&*relative_uri_bytes_for(br"pkg\m.pyc", true), b"pkg/m.pyc");
        assert_eq!(
            &*relative_uri_bytes_for(br"pkg\m.pyc", false),
            br"pkg\m.pyc"
        );
    }
}
