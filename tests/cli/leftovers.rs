//! PYH207 deleted-package-leftover: what `git rm -r` leaves, proven with the real
//! `python3` import before and after `fix`, and everything the fix must keep.

use std::process::Command;

use crate::common::{changed, pairs, python, snapshot, tag, Repo};

/// Does `import <module>` succeed from the repository root?
fn imports(repo: &Repo, module: &str) -> bool {
    Command::new("python3")
        .args(["-B", "-c", &format!("import {module}")])
        .current_dir(&repo.root)
        .output()
        .unwrap()
        .status
        .success()
}

/// A package tree with caches written by the real `python3`, committed, then a
/// sub-package deleted with `git rm -r` as a user would.
fn repo_with_deleted_package() -> Repo {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/__init__.py", "")
        .write("pkg/live.py", "A = 1\n")
        .write("pkg/old/__init__.py", "")
        .write("pkg/old/core.py", "B = 2\n")
        .write("pkg/old/deep/x.py", "C = 3\n")
        .write("pkg/sib/m.py", "D = 4\n")
        .write("pkg/data/y.py", "E = 5\n")
        .write("pkg/data/table.json", "{}\n");
    // Names CPython never writes, and an interrupted write: no import uses them.
    repo.write("pkg/old/__pycache__/weird.pyc", "")
        .write("pkg/old/__pycache__/OLD.PYO", "")
        .write(format!("pkg/old/deep/__pycache__/x.{}.pyc.4242", tag()), "");
    python(
        &repo,
        "import compileall; compileall.compile_dir('pkg', quiet=2)",
    );
    // Plain `git add .`, as a user does: the caches stay ignored and untracked.
    repo.git(["add", "."]);
    repo.commit("package");
    repo.git(["rm", "-r", "-q", "pkg/old"]);
    repo.git(["rm", "-q", "pkg/data/y.py"]);
    repo.commit("delete pkg.old and pkg/data/y.py");
    repo
}

#[test]
fn deleted_package_is_one_finding_and_fix_makes_the_import_fail() {
    let repo = repo_with_deleted_package();
    // git removed the sources, not the ignored caches: the folders stay importable.
    assert!(repo.path("pkg/old/deep/__pycache__").is_dir());
    assert!(
        imports(&repo, "pkg.old"),
        "namespace package before the fix"
    );
    assert!(imports(&repo, "pkg.old.deep"));

    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(run.code, 0, "warnings only: {}", run.stdout);
    let tag = tag();
    assert_eq!(
        run.messages(),
        pairs(&[
            // pkg/data/ holds a data file: not a leftover, its orphan is PYH201's.
            (
                &format!("pkg/data/__pycache__/y.{tag}.pyc"),
                "cache of missing source `pkg/data/y.py`"
            ),
            (
                "pkg/old",
                "deleted package: nothing left but 6 orphaned caches; `import pkg.old` still succeeds (a namespace package) and hides the deletion"
            ),
        ])
    );

    let before = snapshot(&repo.root);
    let fix = repo.run(["fix", "--color", "never"]);
    assert_eq!(
        (fix.code, fix.stdout.as_str()),
        (
            0,
            "Deleted 7 files\nRemoved 5 empty folders\n\nNo problems found.\n"
        ),
        "{}",
        fix.stderr
    );
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        [
            "pkg/data/__pycache__".to_owned(),
            format!("pkg/data/__pycache__/y.{tag}.pyc"),
            "pkg/old".to_owned(),
            "pkg/old/__pycache__".to_owned(),
            "pkg/old/__pycache__/OLD.PYO".to_owned(),
            format!("pkg/old/__pycache__/__init__.{tag}.pyc"),
            format!("pkg/old/__pycache__/core.{tag}.pyc"),
            "pkg/old/__pycache__/weird.pyc".to_owned(),
            "pkg/old/deep".to_owned(),
            "pkg/old/deep/__pycache__".to_owned(),
            format!("pkg/old/deep/__pycache__/x.{tag}.pyc"),
            format!("pkg/old/deep/__pycache__/x.{tag}.pyc.4242"),
        ],
        "nothing else changed: live caches, the data file, siblings, the root"
    );
    assert!(!imports(&repo, "pkg.old"), "the deletion shows now");
    assert!(imports(&repo, "pkg.live") && imports(&repo, "pkg.sib.m"));
    assert!(repo.path("pkg/data/table.json").is_file());
    assert_eq!(
        repo.run(["fix", "--dry-run"]).stdout,
        "No problems found.\n"
    );
}

/// A folder holding anything besides orphaned caches and empty folders is no
/// leftover: a data file, a legacy `.pyc` without source (PYH202 decides), a
/// symlink, content `exclude` leaves out, a virtualenv, another repository. A
/// folder without a single `__pycache__` is no package, and the root never is.
#[test]
#[cfg(unix)]
fn anything_else_in_the_folder_keeps_it() {
    let repo = Repo::new();
    let tag = tag();
    let orphan = |dir: &str| format!("{dir}/__pycache__/gone.{tag}.pyc");
    repo.with_gitignore()
        .write(orphan("data"), "")
        .write("data/readme.txt", "keep me")
        .write(orphan("legacy"), "")
        .write("legacy/old.pyc", "x")
        .write(orphan("linked"), "")
        .write(orphan("excluded"), "")
        .write("excluded/notes.md", "left out of the walk")
        .write(orphan("env/sub"), "")
        .write("env/pyvenv.cfg", "home = /usr/bin\n")
        .write(orphan("deep/a"), "")
        .write(orphan("my-pkg/v1.0"), "")
        .write("deep/b/keep.txt", "")
        .write(orphan("."), "")
        .write(orphan("notes"), "")
        .write("notes/__pycache__/readme.txt", "not bytecode")
        .write("pyhygiene.toml", "exclude = [\"excluded/notes.md\"]\n");
    repo.mkdir_all("nothing/empty");
    std::os::unix::fs::symlink("../data", repo.path("linked/to-data")).unwrap();
    repo.mkdir_all("symlinked/__pycache__");
    std::os::unix::fs::symlink(
        "../../data/readme.txt",
        repo.path(format!("symlinked/__pycache__/x.{tag}.pyc")),
    )
    .unwrap();
    let run = repo.run(["check", "--select", "PYH2", "--output-format", "json"]);
    let found = run.findings();
    assert_eq!(
        found,
        pairs(&[
            ("PYH201", &orphan(".").replace("./", "")),
            ("PYH201", &orphan("data")),
            ("PYH201", &orphan("excluded")),
            ("PYH201", &orphan("legacy")),
            ("PYH201", &orphan("linked")),
            ("PYH201", &orphan("notes")),
            ("PYH201", &format!("symlinked/__pycache__/x.{tag}.pyc")),
            ("PYH202", "legacy/old.pyc"),
            // Only `deep/a/` is the deleted package: `deep/b/` holds a file.
            ("PYH207", "deep/a"),
            ("PYH207", "my-pkg"),
        ]),
        "{}",
        run.stdout
    );
    // No `import` statement names a folder that is no identifier.
    let messages = run.messages();
    assert_eq!(
        messages.last().unwrap().1,
        "deleted package: nothing left but 1 orphaned cache; Python still imports it (a namespace package) and hides the deletion"
    );
    let before = snapshot(&repo.root);
    let fix = repo.run(["fix", "--color", "never"]);
    assert_eq!(fix.code, 1, "PYH202 stays: {}", fix.stdout);
    let removed = changed(&before, &snapshot(&repo.root));
    let mut expected = Vec::new();
    for dir in [
        ".",
        "data",
        "deep/a",
        "excluded",
        "legacy",
        "linked",
        "my-pkg/v1.0",
    ] {
        let pycache = format!("{dir}/__pycache__").replace("./", "");
        expected.push(orphan(dir).replace("./", ""));
        expected.push(pycache);
    }
    expected.extend(["deep/a", "my-pkg", "my-pkg/v1.0", &orphan("notes")].map(String::from));
    expected.sort();
    assert_eq!(
        removed, expected,
        "only orphans, emptied `__pycache__` and leftovers"
    );
    for kept in [
        "data/readme.txt",
        "legacy/old.pyc",
        "excluded/notes.md",
        "env/pyvenv.cfg",
        &orphan("env/sub"),
        "deep/b/keep.txt",
        "nothing/empty",
        "notes/__pycache__/readme.txt",
    ] {
        assert!(repo.path(kept).exists(), "{kept} must stay");
    }
    assert!(repo.path("linked/to-data").is_symlink());
}
