//! Edge cases of roots, scopes and the fixer: roots inside skipped folders, names a
//! `.gitignore` cannot hold, symlinked sources, nested repositories, broken pipes.

use std::process::Command;

#[cfg(unix)]
use crate::common::{changed, snapshot};
use crate::common::{pairs, Repo};

fn index(repo: &Repo) -> String {
    repo.git(["ls-files", "--stage"])
}

/// A root inside `.git` or a virtualenv is refused, nothing changed.
#[test]
fn roots_inside_skipped_folders_are_refused() {
    let repo = Repo::new();
    repo.write(".git/hooks/__pycache__/helper.cpython-311.pyc", "");
    let run = repo.run_in(".git/hooks", ["fix"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("it is inside a `.git` folder"),
        "{}",
        run.stderr
    );
    assert!(repo
        .path(".git/hooks/__pycache__/helper.cpython-311.pyc")
        .is_file());
    assert!(!repo.path(".git/hooks/.gitignore").exists());

    let env = Repo::plain();
    env.write("pyvenv.cfg", "home = /usr/bin\n").write(
        "lib/python3.11/site-packages/p/__pycache__/o.cpython-311.pyc",
        "",
    );
    let run = env.run(["fix", "--root", "lib/python3.11/site-packages"]);
    run.assert_error("refusing to work in");
    assert!(env
        .path("lib/python3.11/site-packages/p/__pycache__/o.cpython-311.pyc")
        .is_file());
}

/// A `pyvenv.cfg` at the top makes the repository an environment:
/// refused like any other, and never untracked as a whole.
#[test]
fn repository_that_is_an_environment_is_refused() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pyvenv.cfg", "home = /usr/bin\n")
        .write("src/app.py", "")
        .add(&["."])
        .commit("c");
    let before = index(&repo);
    let run = repo.run(["fix", "--unsafe-fixes"]);
    run.assert_error("it is inside the virtual environment");
    assert_eq!(before, index(&repo));
}

/// Names a `.gitignore` line cannot hold get no entry, never a wrong one.
#[test]
#[cfg(unix)] // Windows file names cannot hold line breaks
fn line_breaks_in_names_never_reach_gitignore() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("ve\n!.env\n/pyvenv.cfg", "home = /usr/bin\n")
        .write("a.py", "")
        .add(&["."])
        .commit("c");
    let before = std::fs::read(repo.path(".gitignore")).unwrap();
    let run = repo.run(["fix", "--unsafe-fixes", "--color", "never"]);
    assert_eq!(
        std::fs::read(repo.path(".gitignore")).unwrap(),
        before,
        "{}",
        run.stdout
    );
    assert!(
        !index(&repo).contains("pyvenv.cfg"),
        "untracked all the same"
    );
}

/// An entry that cannot fix the probe is not offered, so runs do not pile up.
#[test]
fn useless_entries_are_not_appended_again_and_again() {
    let repo = Repo::new();
    repo.write("sub/a.py", "").write("a.py", "");
    repo.write(
        "pyproject.toml",
        "[tool.pyhygiene]\nignore-entries = [\"__pycache__/\", \"/*.py[cod]\"]\n",
    );
    repo.run(["fix"]);
    let first = std::fs::read(repo.path(".gitignore")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&first),
        "# added by pyhygiene\n__pycache__/\n/*.py[cod]\n",
        "the anchored entry helps the root folder"
    );
    repo.run(["fix"]);
    repo.run(["fix"]);
    assert_eq!(std::fs::read(repo.path(".gitignore")).unwrap(), first);
    let run = repo.run(["check", "--select", "PYH102", "--output-format", "json"]);
    let json = run.json();
    let d = &json["diagnostics"][0];
    assert_eq!(d["path"], ".gitignore");
    assert_eq!(d["fix"], serde_json::Value::Null);
    assert_eq!(
        d["message"],
        "legacy `.pyc` files beside their sources are not ignored in `sub/`; no `ignore-entries` line would cover them"
    );
}

/// A `.gitignore` that cannot be replaced stops the fix before the index changes.
#[test]
#[cfg(unix)]
fn symlinked_gitignore_fails_before_anything_changes() {
    let outside = Repo::plain();
    outside.write("target", "build/\n");
    let repo = Repo::new();
    std::os::unix::fs::symlink(outside.path("target"), repo.path(".gitignore")).unwrap();
    repo.write("a.py", "")
        .write("a.pyc", "")
        .add(&["."])
        .commit("c");
    let (files, entries) = (snapshot(&repo.root), index(&repo));
    let run = repo.run(["fix"]);
    run.assert_error("the root .gitignore is not a regular file");
    assert_eq!(changed(&files, &snapshot(&repo.root)), Vec::<String>::new());
    assert_eq!(entries, index(&repo));
    assert_eq!(
        std::fs::read_to_string(outside.path("target")).unwrap(),
        "build/\n"
    );
}

/// `--root SUBDIR` is a scope inside the work tree; parent `.gitignore` files count.
#[test]
fn root_subfolder_sees_parent_gitignore() {
    let repo = Repo::new();
    repo.with_gitignore().write("sub/pkg/m.py", "");
    let run = repo.run(["check", "--root", "sub", "--output-format", "json"]);
    assert_eq!(
        (run.code, run.findings()),
        (0, pairs(&[])),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.run(["fix", "--root", "sub", "--dry-run"]).stdout,
        "No problems found.\n"
    );
}

/// A symlinked source still owns its cache.
#[test]
#[cfg(unix)]
fn symlinked_sources_are_sources() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("real/impl.py", "x = 1\n")
        .write("pkg/__init__.py", "");
    std::os::unix::fs::symlink("../real/impl.py", repo.path("pkg/m.py")).unwrap();
    let status = Command::new("python3")
        .args(["-c", "import py_compile; py_compile.compile('pkg/m.py')"])
        .current_dir(&repo.root)
        .status()
        .unwrap();
    assert!(status.success());
    let run = repo.run([
        "check",
        "--select",
        "PYH2",
        "--extend-select",
        "PYH205",
        "--output-format",
        "json",
    ]);
    assert_eq!(run.findings(), pairs(&[]), "{}", run.stdout);
}

/// PATHS keep the PYH101/PYH102 findings that expose their folders.
#[test]
fn scoped_check_keeps_ignore_findings_of_exposed_folders() {
    let repo = Repo::new();
    repo.write(".gitignore", "/__pycache__/\n/*.py[cod]\nb/__pycache__/\n")
        .write("a/x.py", "")
        .write("b/x.py", "")
        .add(&[".gitignore"]);
    let check = |path: &str| {
        let run = repo.run(["check", "--select", "PYH1", "--output-format", "json", path]);
        run.messages()
    };
    let pycache_a = (
        ".gitignore".to_owned(),
        "`__pycache__/` caches are not ignored in `a/`; add `__pycache__/` to the root .gitignore"
            .to_owned(),
    );
    let legacy = (
        ".gitignore".to_owned(),
        "legacy `.pyc` files beside their sources are not ignored in 2 folders (`a/`, `b/`); add `*.py[cod]` to the root .gitignore".to_owned(),
    );
    assert_eq!(check("a/x.py"), [pycache_a.clone(), legacy.clone()]);
    assert_eq!(
        check("b/x.py"),
        std::slice::from_ref(&legacy),
        "b/ ignores its caches"
    );
    assert_eq!(check("b"), [legacy]);
    // No `.gitignore` at all: one finding per entry, kept for any scoped folder.
    repo.git(["rm", "-q", "--cached", ".gitignore"]);
    repo.remove(".gitignore");
    let run = repo.run([
        "check",
        "--select",
        "PYH101",
        "--output-format",
        "json",
        "b",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.messages(),
        pairs(&[(
            ".gitignore",
            "`__pycache__/` caches are not ignored in 3 folders (`./`, `a/`, `b/`); add `__pycache__/` to a new root .gitignore"
        )])
    );
}

/// Another repository inside this one is not this one's business.
#[test]
fn nested_repositories_are_left_alone() {
    let repo = Repo::new();
    repo.with_gitignore().write("a.py", "");
    let inner = repo.path("vendor/lib");
    std::fs::create_dir_all(&inner).unwrap();
    let status = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&inner)
        .status()
        .unwrap();
    assert!(status.success());
    repo.write("vendor/lib/v.py", "")
        .write("vendor/lib/.gitignore", "!*.pyc\n")
        .write("vendor/lib/__pycache__/gone.cpython-311.pyc", "");
    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(
        (run.code, run.findings()),
        (0, pairs(&[])),
        "{}",
        run.stdout
    );
    assert_eq!(
        repo.run(["fix", "--dry-run"]).stdout,
        "No problems found.\n"
    );
}

/// `pyhygiene check | head -1` still fails the pipeline on errors.
#[test]
#[cfg(unix)] // bash, `head` and SIGPIPE
fn broken_pipe_keeps_the_exit_status() {
    let repo = Repo::new();
    repo.with_gitignore();
    // More output than a pipe holds, so the write really fails.
    for i in 0..3000 {
        repo.write(format!("some/long/folder/name/m{i:04}.pyc"), "");
    }
    repo.add(&["."]);
    let bin = env!("CARGO_BIN_EXE_pyhygiene");
    let mut cmd = Command::new("bash");
    crate::common::isolate(&mut cmd);
    let output = cmd
        .current_dir(&repo.root)
        .args([
            "-c",
            &format!("set -o pipefail; {bin} check --color never --verbose | head -1 >/dev/null"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}
