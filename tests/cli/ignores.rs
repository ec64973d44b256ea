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
