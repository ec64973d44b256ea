//! The ignore-rules set agrees with `git check-ignore --no-index` (SPEC §2: where
//! the `ignore` crate and git disagree, git is right).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use pyhygiene::repo::ignores::IgnoreRules;

use crate::common::{isolate, Repo};

/// `(path, contents)` of the ignore files of each variant.
const VARIANTS: &[&[(&str, &str)]] = &[
    &[(".gitignore", "__pycache__/\n*.py[cod]\n*$py.class\n")],
    &[(".gitignore", "*.pyc\n")],
    &[(".gitignore", "__pycache__\n")],
    &[(".gitignore", "/__pycache__\n")],
    &[(".gitignore", "**/__pycache__/\n*.py[co]\n")],
    &[(".gitignore", "*.py[cod]\n!keep.pyc\n!m.pyc\n")],
    &[
        (".gitignore", "*.pyc\n__pycache__/\n"),
        ("sub/.gitignore", "!*.pyc\n"),
    ],
    &[(".gitignore", "*.py[cod]\n__pycache__/\n!sub/__pycache__/\n")],
    &[(".gitignore", "# __pycache__/\n#*.pyc\n")],
    &[(".gitignore", "*.pyc   \n__pycache__/  \n")],
    &[(".gitignore", "*.pyc\t\n__pycache__/\t\n")],
    &[(".gitignore", "__pycache__/\r\n*.pyc\r\n")],
    &[(".gitignore", "\\#*.pyc\n\\!m.pyc\n")],
    &[(".gitignore", "*.pyc\\ \nm.pyc\\\n")],
    &[(".gitignore", "*.py?\n")],
    &[(".gitignore", "pkg/\n!pkg/m.pyc\n!pkg/__pycache__/\n")],
    &[(".gitignore", "sub/**/*.pyc\nsub/**/__pycache__\n")],
    &[(".gitignore", "*.pyc\n!/sub/*.pyc\n")],
    &[
        (".gitignore", ""),
        ("sub/.gitignore", "__pycache__/\n*.pyc\n"),
    ],
    &[(".gitignore", "**/*.pyc\n__pycache__/**\n")],
    &[(".gitignore", "[mM].pyc\n__pycache__/*\n")],
    &[(".gitignore", "*.PYC\n__PYCACHE__/\n")],
    &[(".gitignore", "\u{feff}*.pyc\n__pycache__/\n")],
    &[(".gitignore", "/*.pyc\n/sub/__pycache__/\n")],
    &[(".gitignore", "__pycache__/\n!__pycache__/\n*.pyc\n!*.pyc\n")],
    &[(".gitignore", "*\n!*/\n!*.py\n")],
    &[(".gitignore", "*.pyc\n!**/deep/**\n")],
    &[
        (".gitignore", "__pycache__/\n*.py[cod]\n"),
        ("sub/deep/.gitignore", "!__pycache__/\n!/m.pyc\n"),
    ],
    &[(".gitignore", "*.py[!c]\n*.py[^o]\n")],
    &[(".gitignore", "*$py.class\n*.pyo\n")],
    &[(".gitignore", "sub\n")],
    &[(".gitignore", "sub/*\n!sub/deep/\n__pycache__/\n")],
    &[
        (".gitignore", "*.pyc\n"),
        ("pkg/.gitignore", "!m.pyc\n"),
        ("pkg/deep/.gitignore", "m.pyc\n"),
    ],
    &[(".gitignore", "**/sub/__pycache__\n*.pyc\n!pkg/*.pyc\n")],
    &[(
        ".gitignore",
        "__pycache__/ # a comment is not a comment here\n*.pyc\n",
    )],
];

const DIRS: &[&str] = &["", "sub", "sub/deep", "pkg", "pkg/deep", "__pycache__"];

fn probes() -> Vec<String> {
    let mut probes = Vec::new();
    for dir in DIRS {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        for name in [
            "__pycache__/m.cpython-313.pyc",
            "m.pyc",
            "m.pyo",
            "keep.pyc",
            "M.pyc",
            "Foo$py.class",
            "m.py",
        ] {
            probes.push(format!("{prefix}{name}"));
        }
    }
    probes
}

/// The set of probes git says are ignored.
fn git_ignored(repo: &Repo, probes: &[String]) -> Vec<String> {
    let mut cmd = Command::new("git");
    isolate(&mut cmd);
    let mut child = cmd
        .current_dir(&repo.root)
        .args(["check-ignore", "--no-index", "--stdin", "-z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = Vec::new();
    for p in probes {
        input.extend_from_slice(p.as_bytes());
        input.push(0);
    }
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.code() == Some(0) || output.status.code() == Some(1));
    let mut ignored: Vec<String> = output
        .stdout
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8(s.to_vec()).unwrap())
        .collect();
    ignored.sort();
    ignored
}

#[test]
fn agrees_with_git_check_ignore() {
    let probes = probes();
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for (n, files) in VARIANTS.iter().enumerate() {
        let repo = Repo::new();
        let mut paths = Vec::new();
        for (path, text) in *files {
            repo.write(path, text);
            paths.push(PathBuf::from(path));
        }
        let (rules, errors) = IgnoreRules::load(&repo.root, &paths);
        assert!(errors.is_empty(), "{errors:?}");
        let expected = git_ignored(&repo, &probes);
        for probe in &probes {
            compared += 1;
            let ours = rules.check(std::path::Path::new(probe), false).is_ignored();
            let git = expected.contains(probe);
            if ours != git {
                disagreements.push(format!(
                    "variant {n} {files:?}: {probe}: git {git}, pyhygiene {ours}"
                ));
            }
        }
    }
    eprintln!(
        "ignore rules: {} variants, {compared} probes, {} disagreements",
        VARIANTS.len(),
        disagreements.len()
    );
    assert!(VARIANTS.len() >= 20);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// `(code, path, message, entry)` of each PYH101/PYH102 finding.
fn coverage(repo: &Repo) -> Vec<(String, String, String, String)> {
    let run = repo.run([
        "check",
        "--select",
        "PYH101,PYH102",
        "--output-format",
        "json",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["path"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
                d["fix"]["ignore_entry"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

fn quads(items: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    items
        .iter()
        .map(|(a, b, c, d)| ((*a).into(), (*b).into(), (*c).into(), (*d).into()))
        .collect()
}

#[test]
fn template_is_clean_and_jython_is_opt_in() {
    let repo = Repo::new();
    repo.write(".gitignore", "__pycache__/\n*.py[cod]\n")
        .write("pkg/m.py", "")
        .add(&[".gitignore"]);
    assert_eq!(
        coverage(&repo),
        quads(&[]),
        "no *$py.class needed by default"
    );
    repo.write(
        "pyhygiene.toml",
        "ignore-entries = [\"__pycache__/\", \"*.py[cod]\", \"*$py.class\"]\n",
    );
    assert_eq!(
        coverage(&repo),
        quads(&[(
            "PYH102",
            ".gitignore",
            "Jython `$py.class` files are not ignored in 2 folders (`./`, `pkg/`); add `*$py.class` to the root .gitignore",
            "*$py.class"
        )])
    );
}

#[test]
fn one_finding_per_missing_entry_names_the_clone_only_excludes() {
    let repo = Repo::new();
    repo.write(".gitignore", "*.egg-info/\n")
        .write("app.py", "")
        .add(&[".gitignore"]);
    std::fs::write(repo.path(".git/info/exclude"), "__pycache__/\n").unwrap();
    assert_eq!(
        coverage(&repo),
        quads(&[
            (
                "PYH101",
                ".gitignore",
                "`__pycache__/` caches are not ignored in `./`; only `.git/info/exclude` ignores them, which protects this clone, not the team; add `__pycache__/` to the root .gitignore",
                "__pycache__/"
            ),
            (
                "PYH102",
                ".gitignore",
                "legacy `.pyc` files beside their sources are not ignored in `./`; add `*.py[cod]` to the root .gitignore",
                "*.py[cod]"
            ),
        ])
    );
    assert_eq!(repo.run(["check", "--select", "PYH101"]).code, 1);
    assert_eq!(
        repo.run(["check", "--select", "PYH102"]).code,
        0,
        "a warning"
    );
    // A repository that tracks extension modules gets `*.py[co]`, so `.pyd` stays visible.
    repo.write("ext.pyd", "").add(&["ext.pyd"]);
    assert_eq!(
        coverage(&repo)[1],
        (
            "PYH102".into(),
            ".gitignore".into(),
            "legacy `.pyc` files beside their sources are not ignored in `./`; add `*.py[co]` to the root .gitignore".into(),
            "*.py[co]".into()
        )
    );
}

#[test]
fn negations_are_one_finding_each_at_their_file_and_line() {
    let repo = Repo::new();
    repo.write(".gitignore", "/__pycache__/\n*.pyc\n!/other/*.pyc\n")
        .write("app.py", "")
        .write("sub/a.py", "")
        .write("sub/deep/b.py", "")
        .write("sub/.gitignore", "# keep compiled files here\n!*.pyc\n")
        .write("other/c.py", "")
        .add(&[".gitignore", "sub/.gitignore"]);
    assert_eq!(
        coverage(&repo),
        quads(&[
            // `*.pyc` covers caches in `other/__pycache__/` (the negation is for
            // `other/` only); a root `__pycache__/` excludes the folder, which the
            // nested negation cannot re-include.
            (
                "PYH101",
                "sub/.gitignore",
                "`__pycache__/` caches are un-ignored by `sub/.gitignore:2` (`!*.pyc`) in 2 folders (`sub/`, `sub/deep/`); add `__pycache__/` to the root .gitignore",
                "__pycache__/"
            ),
            (
                "PYH102",
                ".gitignore",
                "legacy `.pyc` files beside their sources are un-ignored by `.gitignore:3` (`!/other/*.pyc`) in `other/`; add `*.py[cod]` to the root .gitignore after that line",
                "*.py[cod]"
            ),
            (
                "PYH102",
                "sub/.gitignore",
                "legacy `.pyc` files beside their sources are un-ignored by `sub/.gitignore:2` (`!*.pyc`) in 2 folders (`sub/`, `sub/deep/`); edit that file: appending to the root .gitignore cannot override it",
                "-"
            ),
        ])
    );
    let run = repo.run(["check", "--select", "PYH102", "--output-format", "json"]);
    let sub = &run.json()["diagnostics"][1];
    assert_eq!(sub["path"], "sub/.gitignore");
    assert_eq!(
        (sub["ignore_file"].as_str(), sub["ignore_line"].as_u64()),
        (Some("sub/.gitignore"), Some(2))
    );
    assert_eq!(sub["fix"], serde_json::Value::Null);
}

#[test]
fn anchored_root_entries_are_one_missing_entry_for_the_subfolders() {
    let repo = Repo::new();
    repo.write(".gitignore", "/__pycache__/\n/*.py[cod]\n")
        .write("app.py", "")
        .write("a/x.py", "")
        .write("b/y.py", "")
        .add(&[".gitignore"]);
    assert_eq!(
        coverage(&repo),
        quads(&[
            (
                "PYH101",
                ".gitignore",
                "`__pycache__/` caches are not ignored in 2 folders (`a/`, `b/`); add `__pycache__/` to the root .gitignore",
                "__pycache__/"
            ),
            (
                "PYH102",
                ".gitignore",
                "legacy `.pyc` files beside their sources are not ignored in 2 folders (`a/`, `b/`); add `*.py[cod]` to the root .gitignore",
                "*.py[cod]"
            ),
        ])
    );
}

/// The probe is named with the project's interpreter tag: the first of
/// `python-tags`, else the newest tag among caches on disk, else python3's.
#[test]
fn probes_use_the_project_interpreter_tag() {
    let repo = Repo::new();
    repo.write(".gitignore", "*.cpython-38.pyc\n")
        .write("pkg/m.py", "")
        .add(&[".gitignore", "pkg/m.py"]);
    let pyh101 = |repo: &Repo| -> Vec<String> {
        coverage(repo)
            .into_iter()
            .filter(|(code, ..)| code == "PYH101")
            .map(|(_, _, message, _)| message)
            .collect()
    };
    // No cache on disk, no configuration: python3's tag, which the pattern misses.
    let python3_tag = crate::common::tag();
    assert_ne!(python3_tag, "cpython-38");
    assert_eq!(
        pyh101(&repo),
        ["`__pycache__/` caches are not ignored in 2 folders (`./`, `pkg/`); add `__pycache__/` to the root .gitignore"]
    );
    // The project's caches on disk are 3.7 and 3.8: the newest, 3.8, is probed.
    repo.write("pkg/__pycache__/m.cpython-37.pyc", "")
        .write("pkg/__pycache__/m.cpython-38.pyc", "")
        .write("pkg/__pycache__/m.pypy39.pyc", "");
    assert_eq!(pyh101(&repo), Vec::<String>::new());
    // `python-tags` wins over the disk.
    repo.write(
        "pyhygiene.toml",
        format!("python-tags = [\"{python3_tag}\"]\n"),
    );
    assert_eq!(pyh101(&repo).len(), 1);
}

/// With no cache on disk and no `python-tags`, python3 names the tag; a python3
/// that fails or has no cache tag leaves the built-in fallback (`cpython-313`).
#[test]
#[cfg(unix)]
fn probe_tag_falls_back_when_python3_cannot_tell() {
    let repo = Repo::new();
    let python3_tag = crate::common::tag().to_owned();
    repo.write("pkg/m.py", "").add(&["pkg/m.py"]);
    let clean_with = |pattern: &str, fake_python3: Option<&str>| {
        repo.write(".gitignore", format!("{pattern}\n"))
            .add(&[".gitignore"]);
        let mut cmd = crate::common::bin();
        cmd.current_dir(&repo.root)
            .args(["check", "--select", "PYH101"]);
        let fake_dir = tempfile::tempdir().unwrap();
        if let Some(script) = fake_python3 {
            let fake = fake_dir.path().join("python3");
            std::fs::write(&fake, format!("#!/bin/sh\n{script}\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
            let path = format!(
                "{}:{}",
                fake_dir.path().display(),
                std::env::var("PATH").unwrap()
            );
            cmd.env("PATH", path);
        }
        cmd.output().unwrap().status.code() == Some(0)
    };
    let own = format!("*.{python3_tag}.pyc");
    assert!(clean_with(&own, None), "python3's own tag is probed");
    assert!(
        clean_with("*.cpython-313.pyc", Some("echo cpython-12; exit 1")),
        "a failing python3 is not asked"
    );
    assert!(
        clean_with("*.cpython-313.pyc", Some("echo None")),
        "no cache tag: the fallback"
    );
    assert!(
        clean_with("*.cpython-313.pyc", Some("echo")),
        "no output: the fallback"
    );
    assert!(clean_with("*.cpython-99.pyc", Some("echo cpython-99")));
}

/// A negation in the root `.gitignore` that no configured entry can override is
/// said so; only a nested file's negation asks to edit that file.
#[test]
fn a_root_negation_without_a_covering_entry() {
    let repo = Repo::new();
    repo.write(".gitignore", "__pycache__/\n*.pyc\n!*.pyc\n")
        .write("app.py", "")
        .write("pyhygiene.toml", "ignore-entries = [\"__pycache__/\"]\n")
        .add(&[".gitignore"]);
    assert_eq!(
        coverage(&repo),
        quads(&[(
            "PYH102",
            ".gitignore",
            "legacy `.pyc` files beside their sources are un-ignored by `.gitignore:3` (`!*.pyc`) in `./`; no `ignore-entries` line would cover them",
            "-"
        )])
    );
}
