//! SARIF 2.1.0 (`--output-format sarif`): one run, every rule in `tool.driver.rules`,
//! artifact locations relative to the repository root.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::diagnostic::{Diagnostic, Severity};
use crate::paths::bytes_of;
use crate::registry::Rule;

pub fn write(
    out: &mut dyn Write,
    root: &Path,
    diagnostics: &[Diagnostic],
    incomplete: &[String],
) -> std::io::Result<()> {
    // What could not be read, as the invocation's notifications: the run is incomplete.
    let notifications: Vec<Value> = incomplete
        .iter()
        .map(|m| json!({ "level": "warning", "message": { "text": m } }))
        .collect();
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|rule| rule_descriptor(*rule))
        .collect();
    let results: Vec<Value> = diagnostics.iter().map(result).collect();
    let mut root_uri = file_uri(bytes_of(root), cfg!(windows));
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pyhygiene",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/pyhygiene/pyhygiene",
                    "rules": rules,
                }
            },
            "originalUriBaseIds": { "SRCROOT": { "uri": root_uri } },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule_descriptor(rule: Rule) -> Value {
    let meta = rule.meta();
    let what = meta.section("What it does").unwrap_or(&meta.summary);
    json!({
        "id": meta.code,
        "name": meta.name,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": what },
        "help": { "text": meta.explanation.trim(), "markdown": meta.explanation.trim() },
        "defaultConfiguration": {
            "enabled": meta.enabled,
            "level": if meta.enabled { level(meta.severity) } else { "none" },
        },
        "properties": {
            "fileSet": meta.file_set.as_str(),
            "fix": meta.fix.as_str(),
            "fixSafety": meta.fix_safety.as_str(),
        }
    })
}

fn result(d: &Diagnostic) -> Value {
    // A file that exists gets a physical location; a folder or a file still to
    // create is named by a logical location only (code scanning cannot place it).
    let location = match d.annotated_file() {
        Some((file, line)) => {
            let mut physical = json!({
                "artifactLocation": {
                    "uri": percent_encode(&relative_uri_bytes(bytes_of(file))),
                    "uriBaseId": "SRCROOT"
                }
            });
            if let Some(line) = line {
                physical["region"] = json!({ "startLine": line });
            }
            json!({ "physicalLocation": physical })
        }
        None => json!({
            "logicalLocations": [{
                "fullyQualifiedName": d.display_path(),
                "kind": "resource",
            }]
        }),
    };
    let locations = vec![location];
    let index = Rule::ALL.iter().position(|r| *r == d.rule).unwrap_or(0);
    let mut result = json!({
        "ruleId": d.rule.code(),
        "ruleIndex": index,
        "level": level(d.severity),
        "message": { "text": format!("{}: {}", d.display_path(), d.message) },
        "locations": locations,
    });
    if let Some(fix) = &d.fix {
        result["properties"] = json!({
            "fix": fix.kind.as_str(),
            "fixSafety": fix.safety.as_str(),
        });
    }
    result
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
