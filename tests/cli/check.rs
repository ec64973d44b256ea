//! `pyhygiene check` over the tracked file set (PYH001–PYH003).

#[cfg(unix)]
use std::ffi::OsStr;
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;

use crate::common::{pairs, Repo};

/// Every shape of tracked bytecode in SPEC §3, and the look-alikes that are not.
#[test]
fn tracked_bytecode_and_tool_caches() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/__init__.py", "")
        .write("pkg/m.py", "x = 1\n")
        .write("pkg/__pycache__/m.cpython-311.pyc", b"\xa7\x0d\x0d\x0a")
        .write("m.pyc", "legacy")
        .write("m.pyo", "legacy optimized")
        .write("Foo$py.class", "jython")
        .write(
            "pkg/__pycache__/notes.txt",
            "not bytecode, but inside __pycache__",
        )
        .write("notes.pyc.txt", "a text file")
        .write("pyc/readme.md", "a folder called pyc")
        .write(".pytest_cache/v/cache/lastfailed", "{}")
        .write("x.egg-info/PKG-INFO", "Metadata-Version: 2.1")
        .write("gone.pyc", "deleted from disk, still staged")
        .add(&["."])
        .commit("initial");
    // Staged, never committed.
    repo.write("staged.pyc", "new").add(&["staged.pyc"]);
    repo.remove("gone.pyc");

    let run = repo.run(["check", "--select", "PYH0", "--output-format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.findings(),
        pairs(&[
            ("PYH001", "Foo$py.class"),
            ("PYH001", "gone.pyc"),
            ("PYH001", "m.pyc"),
            ("PYH001", "m.pyo"),
            ("PYH001", "pkg/__pycache__/m.cpython-311.pyc"),
            ("PYH001", "pkg/__pycache__/notes.txt"),
            ("PYH001", "staged.pyc"),
            ("PYH002", ".pytest_cache"),
            ("PYH002", "x.egg-info"),
        ])
    );
    let json = run.json();
    let first = &json["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["name"], "tracked-bytecode");
    assert_eq!(first["message"], "Jython bytecode is tracked by git");
    assert_eq!(first["fix"]["kind"], "untrack");
    assert_eq!(first["fix"]["safety"], "safe");
    assert_eq!(
        json["diagnostics"][7]["message"],
        "tool cache `.pytest_cache/` is tracked by git (1 file)"
    );
    assert_eq!(json["diagnostics"][7]["severity"], "warning");
    assert_eq!(json["version"], 1);
    assert_eq!(json["summary"]["problems"], 9);
    assert_eq!(json["summary"]["errors"], 7);
    assert_eq!(json["summary"]["warnings"], 2);
}

#[test]
fn exit_codes() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("app.py", "print(1)\n")
        .add(&["."])
        .commit("clean");
    let clean = repo.run(["check", "--select", "PYH0"]);
    assert_eq!(
        (clean.code, clean.stdout.as_str()),
        (0, "No problems found.\n"),
        "{}",
        clean.stderr
    );

    repo.write("app.pyc", "x").add(&["app.pyc"]);
    assert_eq!(repo.run(["check", "--select", "PYH0"]).code, 1);
    assert_eq!(
        repo.run(["--select", "PYH0"]).code,
        1,
        "check is the default command"
    );
    assert_eq!(
        repo.run(["check", "--select", "PYH0", "--exit-zero"]).code,
        0
    );

    // Warnings alone pass, unless --fail-on warning.
    let repo = Repo::new();
    repo.write(".mypy_cache/x.json", "{}").add(&["."]);
    assert_eq!(repo.run(["check", "--select", "PYH0"]).code, 0);
    assert_eq!(
        repo.run(["check", "--select", "PYH0", "--fail-on", "warning"])
            .code,
        1
    );
    // [severity] moves a rule between error, warning and off.
    repo.write("pyhygiene.toml", "[severity]\nPYH002 = \"error\"\n");
    assert_eq!(repo.run(["check", "--select", "PYH0"]).code, 1);
    repo.write("pyhygiene.toml", "[severity]\nPYH002 = \"off\"\n");
    let run = repo.run(["check", "--output-format", "json"]);
    assert!(
        run.findings().iter().all(|(code, _)| code != "PYH002"),
        "{:?}",
        run.findings()
    );
}

#[test]
fn human_report_is_grouped_with_a_summary() {
    let repo = Repo::new();
    repo.write("a/__pycache__/x.cpython-311.pyc", "1")
        .write("a/__pycache__/y.cpython-311.pyc", "2")
        .write("top.pyc", "3")
        .write(".tox/log.txt", "4")
        .add(&["."]);
    let run = repo.run(["check", "--select", "PYH0", "--color", "never"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "error[PYH001] tracked-bytecode: Compiled Python bytecode is tracked by git (3)
  a/__pycache__/ (2 files)
    x.cpython-311.pyc: bytecode cache is tracked by git
    y.cpython-311.pyc: bytecode cache is tracked by git
  top.pyc: legacy bytecode is tracked by git
  = fix: remove from the git index (the file stays on disk)

warning[PYH002] tracked-tool-cache: A tool cache folder is tracked by git
  .tox/: tool cache `.tox/` is tracked by git (1 file)
  = fix: remove the folder from the git index (files stay on disk) and ignore it

4 problems (4 fixable with pyhygiene fix)
"
    );
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(&format!(
            "$ pyhygiene check --select PYH0\n{}```",
            run.stdout
        )),
        "README's \"What it finds\" example drifted"
    );
    let colored = repo.run(["check", "--select", "PYH0", "--color", "always"]);
    assert!(
        colored.stdout.contains("\x1b[1m\x1b[31merror")
            || colored.stdout.contains("\x1b[31m\x1b[1merror")
            || colored.stdout.contains("\x1b[1;31m"),
        "{:?}",
        colored.stdout
    );
}

#[test]
#[cfg(unix)]
fn spaces_and_non_utf8_names() {
    let repo = Repo::new();
    repo.write("my pkg/__pycache__/my mod.cpython-311.pyc", "1");
    let raw = repo.root.join(OsStr::from_bytes(b"caf\xe9.pyc"));
    std::fs::write(&raw, "2").unwrap();
    repo.add(&["."]);
    let run = repo.run(["check", "--select", "PYH001", "--output-format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.findings(),
        pairs(&[
            ("PYH001", "caf\\xE9.pyc"),
            ("PYH001", "my pkg/__pycache__/my mod.cpython-311.pyc")
        ])
    );
    let human = repo.run(["check", "--select", "PYH001", "--color", "never"]);
    assert!(
        human
            .stdout
            .contains("  caf\\xE9.pyc: legacy bytecode is tracked by git\n"),
        "{}",
        human.stdout
    );
    // The raw name is accepted as a PATH, too.
    let scoped = repo.run([
        OsStr::new("check"),
        OsStr::new("--select=PYH0"),
        OsStr::new("--output-format"),
        OsStr::new("json"),
        raw.as_os_str(),
    ]);
    assert_eq!(scoped.findings(), pairs(&[("PYH001", "caf\\xE9.pyc")]));
}

#[test]
fn paths_limit_the_report() {
    let repo = Repo::new();
    repo.write("a/b.pyc", "1")
        .write("a/c.pyc", "2")
        .write("d/e.pyc", "3")
        .add(&["."]);
    let run = repo.run([
        "check",
        "--select",
        "PYH0",
        "--output-format",
        "json",
        "a/b.pyc",
    ]);
    assert_eq!(run.findings(), pairs(&[("PYH001", "a/b.pyc")]));
    let run = repo.run(["--select", "PYH0", "--output-format", "json", "a"]);
    assert_eq!(
        run.findings(),
        pairs(&[("PYH001", "a/b.pyc"), ("PYH001", "a/c.pyc")])
    );
    // Relative to the current folder, as pre-commit and shells pass them.
    let run = repo.run_in(
        "a",
        [
            "check",
            "--select",
            "PYH0",
            "--output-format",
            "json",
            "c.pyc",
        ],
    );
    assert_eq!(run.findings(), pairs(&[("PYH001", "a/c.pyc")]));
    // A path that does not exist is an error, not an empty report.
    let run = repo.run(["check", "nope.pyc"]);
    run.assert_error("path does not exist: nope.pyc");
}

#[test]
fn outside_git_tracked_rules_are_skipped_with_one_note() {
    let dir = Repo::plain();
    dir.write("m.pyc", "x").write("pkg/m.py", "");
    let run = dir.run(["check", "--select", "PYH0"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "No problems found.\n");
    assert_eq!(
        run.stderr,
        "note: not a git repository: skipped PYH001, PYH002, PYH003 (they read the git index)\n"
    );
}

#[test]
fn root_flag_and_subfolders() {
    let repo = Repo::new();
    repo.write("sub/deep/x.pyc", "1").add(&["."]);
    // From a subfolder, the root is the enclosing work tree.
    let run = repo.run_in(
        "sub/deep",
        ["check", "--select", "PYH0", "--output-format", "json"],
    );
    assert_eq!(run.findings(), pairs(&[("PYH001", "sub/deep/x.pyc")]));
    // --root DIR inside a work tree: the work tree is the root, DIR limits the report.
    repo.write("other/y.pyc", "2").add(&["other/y.pyc"]);
    let run = repo.run([
        "check",
        "--select",
        "PYH0",
        "--output-format",
        "json",
        "--root",
        "sub",
    ]);
    assert_eq!(run.findings(), pairs(&[("PYH001", "sub/deep/x.pyc")]));
    let run = repo.run(["check", "--root", "missing-dir"]);
    run.assert_error("missing-dir does not exist");
}

#[test]
fn linked_worktree_is_a_repository() {
    let repo = Repo::new();
    repo.write("x.pyc", "1").add(&["."]).commit("c");
    repo.git(["worktree", "add", "-q", "linked"]);
    let run = repo.run_in(
        "linked",
        ["check", "--select", "PYH0", "--output-format", "json"],
    );
    assert_eq!(
        run.findings(),
        pairs(&[("PYH001", "x.pyc")]),
        "{}",
        run.stderr
    );
    assert!(
        repo.path("linked/.git").is_file(),
        ".git of a linked worktree is a file"
    );
}

/// SPEC §3 PYH003: one diagnostic per environment, with its file count.
#[test]
fn committed_virtualenv_is_one_finding() {
    let repo = Repo::new();
    let status = std::process::Command::new("python3")
        .args(["-m", "venv", "env"])
        .current_dir(&repo.root)
        .status()
        .unwrap();
    assert!(status.success());
    repo.write("tools/activate", "#!/bin/sh\n")
        .write("app.py", "")
        .add(&["."]);
    let tracked_in_env = repo.git(["ls-files", "env"]).lines().count();
    assert!(
        tracked_in_env > 10,
        "the venv should have many files, got {tracked_in_env}"
    );

    let run = repo.run(["check", "--output-format", "json", "--select", "PYH0"]);
    assert_eq!(
        run.findings(),
        pairs(&[("PYH003", "env")]),
        "{}",
        run.stdout
    );
    let d = &run.json()["diagnostics"][0];
    assert_eq!(d["is_dir"], true);
    assert_eq!(
        d["message"],
        format!("virtual environment `env/` is tracked by git ({tracked_in_env} files)")
    );
    assert_eq!(d["fix"]["safety"], "unsafe");
    let human = repo.run(["check", "--select", "PYH003", "--color", "never"]);
    assert!(
        human.stdout.contains("  env/: virtual environment `env/`"),
        "{}",
        human.stdout
    );
    // A path inside the environment still reports the environment.
    let scoped = repo.run([
        "check",
        "--select",
        "PYH0",
        "--output-format",
        "json",
        "env/pyvenv.cfg",
    ]);
    assert_eq!(scoped.findings(), pairs(&[("PYH003", "env")]));
}

/// With PYH003 off, bytecode committed inside an environment is still PYH001
/// (a committed `.pyc` always fails the run, SPEC §5).
#[test]
fn bytecode_in_a_committed_environment_without_pyh003() {
    let repo = Repo::new();
    repo.write("env/pyvenv.cfg", "home = /usr/bin\n")
        .write("env/lib/x.pyc", "x")
        .write("env/lib/readme.txt", "")
        .add(&["env"]);
    let run = repo.run(["check", "--output-format", "json", "--select", "PYH0"]);
    assert_eq!((run.code, run.findings()), (1, pairs(&[("PYH003", "env")])));
    repo.write(
        "off.toml",
        "select = [\"PYH0\"]\n[severity]\nPYH003 = \"off\"\n",
    );
    for off in [
        vec!["--select", "PYH0", "--ignore", "PYH003"],
        vec!["--config", "off.toml"],
    ] {
        let mut args = vec!["check", "--output-format", "json"];
        args.extend(off);
        let run = repo.run(args);
        assert_eq!(
            (run.code, run.findings()),
            (1, pairs(&[("PYH001", "env/lib/x.pyc")])),
            "{}",
            run.stderr
        );
    }
}

/// A tool cache below the root is named by its own folder, and `fix` ignores it
/// by name (`sub/.tox/` → `.tox/`, `*.egg-info/`).
#[test]
fn nested_tool_cache_is_named_and_ignored_by_its_folder() {
    let repo = Repo::new();
    repo.write(".gitignore", "*.log\n")
        .write("sub/.tox/log.txt", "")
        .write("pkg.egg-info/PKG-INFO", "")
        .add(&[".gitignore", "sub/.tox/log.txt", "pkg.egg-info/PKG-INFO"]);
    let run = repo.run(["check", "--select", "PYH002", "--output-format", "json"]);
    assert_eq!(
        run.messages(),
        vec![
            (
                "pkg.egg-info".to_owned(),
                "tool cache `pkg.egg-info/` is tracked by git (1 file)".to_owned()
            ),
            (
                "sub/.tox".to_owned(),
                "tool cache `sub/.tox/` is tracked by git (1 file)".to_owned()
            ),
        ]
    );
    let run = repo.run(["fix", "--select", "PYH002"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(repo.path(".gitignore")).unwrap(),
        "*.log\n# added by pyhygiene\n*.egg-info/\n.tox/\n"
    );
}

/// A repository that tracks `.pyd` extension modules gets `*.py[co]`, so they stay visible.
#[test]
fn tracked_pyd_keeps_extension_modules_visible() {
    let repo = Repo::new();
    repo.write("pkg/m.py", "")
        .write("pkg/ext.pyd", "")
        .add(&["pkg/ext.pyd", "pkg/m.py"]);
    let run = repo.run(["fix", "--select", "PYH1"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(repo.path(".gitignore")).unwrap();
    assert_eq!(text, "# added by pyhygiene\n__pycache__/\n*.py[co]\n");
}

/// The index is read while git writes it; when git fails, the run fails with
/// git's own words and exit 2, whatever was read before.
#[test]
fn a_corrupt_index_is_an_error_with_gits_message() {
    let repo = Repo::new();
    repo.write("m.py", "").add(&["."]);
    std::fs::write(repo.path(".git/index"), b"garbage").unwrap();
    let run = repo.run(["check"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "git ls-files -z --stage failed: fatal: .git/index: index file smaller than expected"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}
