//! CI formats: SARIF validated against the official schema, GitHub workflow
//! commands line by line, and snapshots of the human report.

#[cfg(unix)]
use std::ffi::OsStr;
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::Command;

use crate::common::Repo;

fn test_venv_python() -> PathBuf {
    crate::common::test_venv().join("bin/python")
}

/// One finding from every rule family, with names that need URI encoding.
fn every_family() -> Repo {
    let repo = Repo::new();
    repo.write(".gitignore", "*.log\n")
        .write("my pkg/m.py", "")
        .write("my pkg/__pycache__/m.cpython-311.pyc", "")
        .write("my pkg/__pycache__/gone.cpython-311.pyc", "")
        .write("café.pyc", "")
        .write(".mypy_cache/x", "")
        .write("venv/pyvenv.cfg", "")
        .add(&["."]);
    repo.write("stray.pyc", "").mkdir_all("empty/__pycache__");
    repo
}

/// The SARIF text of every rule family, as `check` prints it.
fn every_family_sarif_text(repo: &Repo) -> String {
    let run = repo.run([
        "check",
        "--output-format",
        "sarif",
        "--extend-select",
        "ALL",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.stdout
}

/// The SARIF of every rule family, parsed.
fn every_family_sarif(repo: &Repo) -> serde_json::Value {
    serde_json::from_str(&every_family_sarif_text(repo)).unwrap()
}

/// The streamed SARIF is laid out as a sorted value tree prints: every object's
/// keys in order, two-space indents, one trailing newline (the layout the
/// document had when it was built as a `serde_json::Value`).
#[test]
fn sarif_is_written_with_sorted_keys_and_pretty_layout() {
    let text = every_family_sarif_text(&every_family());
    let tree: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = tree["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r.get("properties").is_some()));
    assert!(results
        .iter()
        .any(|r| r["locations"][0].get("logicalLocations").is_some()));
    let messages: Vec<&str> = results
        .iter()
        .filter(|r| r["ruleId"] == "PYH001")
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "café.pyc: legacy bytecode is tracked by git",
            "my pkg/__pycache__/gone.cpython-311.pyc: bytecode cache is tracked by git",
            "my pkg/__pycache__/m.cpython-311.pyc: bytecode cache is tracked by git",
        ]
    );
    assert_eq!(text, serde_json::to_string_pretty(&tree).unwrap() + "\n");
}

#[test]
fn sarif_names_rules_and_encodes_uris() {
    let repo = every_family();
    let sarif = every_family_sarif(&repo);
    let rule_ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rule_ids.len(), pyhygiene::registry::Rule::ALL.len());
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let ids: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    for family in ["PYH0", "PYH1", "PYH2"] {
        assert!(
            ids.iter().any(|id| id.starts_with(family)),
            "no {family} result: {ids:?}"
        );
    }
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    // A folder has no physical location code scanning could place: a logical one.
    let folders: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].as_str())
        .collect();
    assert!(folders.contains(&"venv/"), "{folders:?}");
    assert!(!uris.iter().any(|u| u.ends_with('/')), "{uris:?}");
    assert!(uris.contains(&"caf%C3%A9.pyc"), "{uris:?}");
    assert!(
        uris.contains(&"my%20pkg/__pycache__/m.cpython-311.pyc"),
        "{uris:?}"
    );
    let first = &sarif["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(first["name"], "tracked-bytecode");
    assert_eq!(first["defaultConfiguration"]["level"], "error");
    assert!(first["help"]["text"]
        .as_str()
        .unwrap()
        .contains("## Why is this bad?"));
}

/// Needs jsonschema from PyPI in the test venv: `scripts/test` runs it.
#[test]
#[ignore = "needs the Python test venv; scripts/test runs it"]
fn sarif_validates_against_the_official_schema() {
    let repo = every_family();
    let sarif = every_family_sarif(&repo);
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-2.1.0-rtm.5.json"
    );
    let sarif_file = repo.path("out.sarif");
    std::fs::write(&sarif_file, sarif.to_string()).unwrap();
    let output = Command::new(test_venv_python())
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             doc = json.load(open(sys.argv[2]))\n\
             errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))\n\
             for e in errors: print(list(e.path), e.message)\n\
             print(len(errors), 'errors')",
        )
        .arg(schema)
        .arg(&sarif_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout, "0 errors\n");

    // The validator is not a rubber stamp: a broken document fails it.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    std::fs::write(&sarif_file, broken.to_string()).unwrap();
    let output = Command::new(test_venv_python())
        .arg("-c")
        .arg("import json, sys, jsonschema\nprint(len(list(jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).iter_errors(json.load(open(sys.argv[2]))))))")
        .arg(schema)
        .arg(&sarif_file)
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&output.stdout), "0\n");
}

#[test]
#[cfg(unix)] // `:`, LF and CR cannot be in Windows file names
fn github_annotations_line_by_line() {
    let repo = Repo::new();
    repo.write(".gitignore", "__pycache__/\n*.pyc\n")
        .write("sub/.gitignore", "!*.pyc\n")
        .write("sub/a.py", "");
    let odd = repo.root.join(OsStr::from_bytes(b"100%,a:b\nc\rd.pyc"));
    std::fs::write(&odd, "").unwrap();
    repo.write(".tox/log", "").add(&["."]);
    let run = repo.run([
        "check",
        "--output-format",
        "github",
        "--select",
        "PYH0,PYH1",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "::error file=100%25%2Ca%3Ab%0Ac%0Dd.pyc,title=PYH001::100%25,a:b%0Ac%0Dd.pyc: legacy bytecode is tracked by git",
            // A folder cannot hold an annotation: repository-level, named in the message.
            "::warning title=PYH002::.tox/: tool cache `.tox/` is tracked by git (1 file)",
            "::warning file=sub/.gitignore,line=1,title=PYH102::sub/.gitignore: legacy `.pyc` files beside their sources are un-ignored by `sub/.gitignore:1` (`!*.pyc`) in `sub/`; edit that file: appending to the root .gitignore cannot override it",
        ]
    );
}
