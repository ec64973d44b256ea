//! The layout's promises, checked on the source: dependencies point one way, and
//! everything platform-specific sits behind the one seam in `src/platform/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `(path relative to src/, the code outside its trailing unit-test module)`.
fn production_code() -> Vec<(String, String)> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            // The trailing unit tests may use Unix helpers (under `cfg(unix)`).
            let text = text.replace("\r\n", "\n");
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => text[..i].to_owned(),
                None => text,
            };
            let relative = path.strip_prefix(src()).unwrap();
            (relative.to_string_lossy().replace('\\', "/"), code)
        })
        .collect()
}

/// The `crate::` paths a file imports (`use crate::a::b` and inline `crate::a::b`).
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        found.insert(rest[..end].trim_end_matches(':').to_owned());
    }
    // `use crate::{a, b::c}` groups.
    for (i, _) in code.match_indices("use crate::{") {
        let rest = &code[i + "use crate::{".len()..];
        let group = &rest[..rest.find("};").unwrap_or(rest.len())];
        for item in group.split(',') {
            let item = item.trim();
            if !item.is_empty() {
                found.insert(
                    item.split('{')
                        .next()
                        .unwrap()
                        .trim_end_matches(':')
                        .to_owned(),
                );
            }
        }
    }
    found
}

#[test]
fn unix_code_lives_only_in_the_platform_module() {
    let mut offenders = Vec::new();
    for (file, code) in production_code() {
        if file.starts_with("platform/") {
            continue;
        }
        for needle in ["std::os::unix", "rustix", "libc::", "std::os::fd"] {
            if code.contains(needle) {
                offenders.push(format!("src/{file} uses {needle}"));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn settings_do_not_know_the_command_line() {
    let code = std::fs::read_to_string(src().join("settings.rs")).unwrap();
    let imports = crate_paths(&code);
    assert!(
        !imports.iter().any(|p| p == "cli" || p.starts_with("cli::")),
        "settings.rs imports the CLI: {imports:?}"
    );
}

/// `repo/` depends on nothing above it, and its modules form no cycle.
#[test]
fn repo_depends_on_nothing_above_it() {
    const ABOVE: &[&str] = &[
        "settings",
        "rules",
        "registry",
        "lint",
        "fix",
        "commands",
        "report",
        "cli",
        "config",
        "diagnostic",
    ];
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, code) in production_code() {
        let Some(module) = file.strip_prefix("repo/") else {
            continue;
        };
        let module = module.trim_end_matches(".rs").to_owned();
        for path in crate_paths(&code) {
            let top = path.split("::").next().unwrap();
            assert!(
                !ABOVE.contains(&top),
                "src/repo/{module}.rs imports crate::{path}"
            );
            if let Some(inner) = path.strip_prefix("repo::") {
                let target = inner.split("::").next().unwrap().to_owned();
                if target != module {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
    }
    for (a, targets) in &edges {
        for b in targets {
            assert!(
                !edges.get(b).is_some_and(|t| t.contains(a)),
                "src/repo/{a}.rs and src/repo/{b}.rs import each other"
            );
        }
    }
    // Not vacuous: the parser sees the imports that do exist.
    assert!(edges["worktree"].contains("fswalk"), "{edges:?}");
    assert!(edges["tracked"].contains("git"), "{edges:?}");
}

#[test]
fn the_import_parser_sees_groups_and_inline_paths() {
    let code = "use crate::{paths::{a, b}, platform::Dir};\nlet x = crate::repo::git::run();";
    let found = crate_paths(code);
    assert!(found.contains("paths"), "{found:?}");
    assert!(found.contains("platform::Dir"), "{found:?}");
    assert!(found.contains("repo::git::run"), "{found:?}");
}
