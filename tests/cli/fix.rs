//! `pyhygiene fix`: end to end, idempotence, `.gitignore` preservation, and tests
//! that try to make it delete or corrupt what it must not (SPEC §8).

use std::process::Command;

use crate::common::{changed, python, snapshot, tag, Repo};

/// A repository with every rule family violated.
fn messy_repo() -> Repo {
    let repo = Repo::new();
    repo.write("README.md", "# demo\n")
        .write("pkg/__init__.py", "")
        .write("pkg/live.py", "A = 1\n")
        .write("pkg/gone.py", "B = 2\n")
        .write("legacy/beside.py", "")
        .write("legacy/alone.py", "")
        .write(".pytest_cache/v/cache/lastfailed", "{}")
        .write("venv/pyvenv.cfg", "home = /usr/bin\n")
        .write("venv/bin/activate", "# activate\n");
    python(&repo, "import compileall; compileall.compile_dir('pkg', quiet=2); compileall.compile_dir('legacy', quiet=2, legacy=True)");
    repo.remove("pkg/gone.py").remove("legacy/alone.py");
    repo.mkdir_all("empty/__pycache__");
    repo.write("kept/keep.py", "").mkdir_all("kept/__pycache__");
    repo.add(&[
        "README.md",
        "pkg",
        ".pytest_cache",
        "venv",
        "legacy/beside.py",
        "kept/keep.py",
    ])
    .commit("messy");
    repo
}

fn index(repo: &Repo) -> String {
    repo.git(["ls-files", "--stage"])
}

#[test]
fn fix_then_check_is_clean_and_idempotent() {
    let repo = messy_repo();
    let before = repo.run(["check", "--output-format", "json"]);
    let codes: std::collections::BTreeSet<String> =
        before.findings().into_iter().map(|(c, _)| c).collect();
    let expected: std::collections::BTreeSet<String> = [
        "PYH001", "PYH002", "PYH003", "PYH101", "PYH102", "PYH201", "PYH202", "PYH203", "PYH204",
        "PYH207",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(codes, expected, "{}", before.stdout);

    let fix = repo.run(["fix", "--unsafe-fixes", "--color", "never"]);
    assert_eq!(fix.code, 0, "{}\n{}", fix.stdout, fix.stderr);
    assert!(
        fix.stdout.ends_with("No problems found.\n"),
        "{}",
        fix.stdout
    );
    let check = repo.run(["check"]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, "No problems found.\n"),
        "{}",
        check.stderr
    );

    // The live tracked cache left the index, stayed on disk, and is ignored now.
    let live = &format!("pkg/__pycache__/live.{}.pyc", tag());
    assert!(!index(&repo).contains(live));
    assert!(repo.path(live).is_file());
    let status = repo.git([
        "status",
        "--porcelain",
        "--ignored",
        "--untracked-files=all",
    ]);
    assert!(status.contains(&format!("!! {live}\n")), "{status}");
    let untracked: Vec<&str> = status.lines().filter(|l| l.starts_with("?? ")).collect();
    assert_eq!(
        untracked,
        Vec::<&str>::new(),
        "nothing fixed may show as untracked, the new .gitignore is staged:\n{status}"
    );
    assert!(status.contains("A  .gitignore\n"), "{status}");
    assert!(
        repo.path("venv/pyvenv.cfg").is_file(),
        "untracking keeps the files"
    );
    assert!(
        !repo.path("legacy/alone.pyc").exists(),
        "sourceless module deleted with --unsafe-fixes"
    );
    assert!(
        !repo.path("empty").exists(),
        "the deleted package's folder went"
    );
    assert!(!repo.path("kept/__pycache__").exists());
    assert!(repo.path("kept/keep.py").is_file());
    assert!(repo.path("legacy/beside.py").is_file() && repo.path("pkg/live.py").is_file());

    // A second run changes no byte and no index entry.
    let (files, entries) = (snapshot(&repo.root), index(&repo));
    let again = repo.run(["fix", "--unsafe-fixes", "--color", "never"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "No problems found.\n")
    );
    assert_eq!(changed(&files, &snapshot(&repo.root)), Vec::<String>::new());
    assert_eq!(entries, index(&repo));
}

#[test]
fn safe_fixes_leave_unsafe_ones_and_exit_non_zero_on_fix() {
    let repo = messy_repo();
    let fix = repo.run(["fix", "--color", "never"]);
    assert_eq!(
        fix.code, 1,
        "PYH202 and PYH003 remain (errors):\n{}",
        fix.stdout
    );
    assert!(
        fix.stdout
            .contains("2 problems (0 fixable with pyhygiene fix, 2 more with --unsafe-fixes)"),
        "{}",
        fix.stdout
    );
    assert!(
        repo.path("legacy/alone.pyc").is_file(),
        "unsafe deletion needs --unsafe-fixes"
    );
    assert!(index(&repo).contains("venv/pyvenv.cfg"));
    // --exit-non-zero-on-fix fails when it changed something, passes when not.
    let repo = Repo::new();
    repo.write(".gitignore", "__pycache__/\n*.py[cod]\n")
        .write("a.py", "")
        .write("a.pyc", "x")
        .add(&["."]);
    assert_eq!(repo.run(["fix", "--exit-non-zero-on-fix"]).code, 1);
    assert_eq!(repo.run(["fix", "--exit-non-zero-on-fix"]).code, 0);
}

#[test]
fn gitignore_bytes_are_preserved() {
    let cases: &[(Option<&[u8]>, &[u8])] = &[
        (
            Some(b"# team ignores\r\n*.log\r\n"),
            b"# team ignores\r\n*.log\r\n# added by pyhygiene\r\n__pycache__/\r\n*.py[cod]\r\n",
        ),
        (
            Some(b"# no newline at the end\n  odd  line\t\n*.log"),
            b"# no newline at the end\n  odd  line\t\n*.log\n# added by pyhygiene\n__pycache__/\n*.py[cod]\n",
        ),
        (None, b"# added by pyhygiene\n__pycache__/\n*.py[cod]\n"),
        (
            Some(b"\xEF\xBB\xBF__pycache__/\n"),
            b"\xEF\xBB\xBF__pycache__/\n# added by pyhygiene\n*.py[cod]\n",
        ),
    ];
    for (before, after) in cases {
        let repo = Repo::new();
        repo.write("m.py", "");
        if let Some(bytes) = before {
            repo.write(".gitignore", bytes);
        }
        let run = repo.run(["fix"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(std::fs::read(repo.path(".gitignore")).unwrap(), *after);
        let again = repo.run(["fix"]);
        assert_eq!(
            std::fs::read(repo.path(".gitignore")).unwrap(),
            *after,
            "{}",
            again.stdout
        );
    }
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let repo = Repo::new();
    repo.write(".gitignore", "*.log")
        .write("pkg/m.py", "")
        .write("pkg/__pycache__/gone.cpython-311.pyc", "")
        .write("pkg/m.pyc", "x")
        .add(&[".gitignore", "pkg/m.pyc"]);
    let (files, entries) = (snapshot(&repo.root), index(&repo));
    let run = repo.run(["fix", "--dry-run"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "Would change 2 files and 1 folder:
  pkg/__pycache__/: remove the folder (empty by then)
  pkg/__pycache__/gone.cpython-311.pyc: delete
  pkg/m.pyc: untrack and delete
Would change .gitignore (and stage the new lines):
--- a/.gitignore
+++ b/.gitignore
@@ -1 +1,4 @@
-*.log
\\ No newline at end of file
+*.log
+# added by pyhygiene
+__pycache__/
+*.py[cod]
"
    );
    assert_eq!(changed(&files, &snapshot(&repo.root)), Vec::<String>::new());
    assert_eq!(entries, index(&repo));
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(&format!("$ pyhygiene fix --dry-run\n{}```", run.stdout)),
        "README's dry-run example drifted"
    );
    // The plan is what fix then does.
    let fix = repo.run(["fix", "--color", "never"]);
    assert_eq!(
        (fix.code, fix.stdout.as_str()),
        (
            0,
            "Untracked and deleted 1 file\n\
             Appended to .gitignore and staged: __pycache__/, *.py[cod]\n\
             Deleted 1 file\n\
             Removed 1 empty folder\n\
             \n\
             No problems found.\n"
        ),
        "each file is named once, with everything that happened to it"
    );
    assert_eq!(
        changed(&files, &snapshot(&repo.root)),
        [
            ".gitignore",
            "pkg/__pycache__",
            "pkg/__pycache__/gone.cpython-311.pyc",
            "pkg/m.pyc"
        ]
    );
    assert_eq!(
        repo.run(["fix", "--dry-run"]).stdout,
        "No problems found.\n"
    );
}

#[test]
#[cfg(unix)]
fn symlinks_out_of_the_root_are_never_followed() {
    let outside = Repo::plain();
    outside
        .write("cache/gone.cpython-311.pyc", "outside")
        .write("target.pyc", "outside too");
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/m.py", "")
        .write("other/m.py", "")
        .write("other/__pycache__/gone.cpython-311.pyc", "");
    std::os::unix::fs::symlink(outside.path("cache"), repo.path("pkg/__pycache__")).unwrap();
    std::os::unix::fs::symlink(
        outside.path("target.pyc"),
        repo.path("other/__pycache__/link.cpython-311.pyc"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path("target.pyc"), repo.path("alone.pyc")).unwrap();
    let (inside, out) = (snapshot(&repo.root), snapshot(&outside.root));
    let run = repo.run(["fix", "--unsafe-fixes", "--color", "never"]);
    assert_eq!(
        changed(&out, &snapshot(&outside.root)),
        Vec::<String>::new(),
        "nothing outside the root changes"
    );
    assert_eq!(
        changed(&inside, &snapshot(&repo.root)),
        ["other/__pycache__/gone.cpython-311.pyc"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("(a symlink: not deleted automatically)"),
        "{}",
        run.stdout
    );
}

#[test]
fn sources_and_virtualenvs_are_never_touched() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/a.py", "")
        .write("pkg/b.py", "");
    python(
        &repo,
        "import compileall; compileall.compile_dir('pkg', quiet=2)",
    );
    repo.remove("pkg/b.py");
    let status = Command::new("python3")
        .args(["-m", "venv", "--without-pip", ".venv"])
        .current_dir(&repo.root)
        .status()
        .unwrap();
    assert!(status.success());
    repo.write(".venv/lib/python3.11/site-packages/mod.py", "")
        .write(
            ".venv/lib/python3.11/site-packages/__pycache__/gone.cpython-311.pyc",
            "",
        );
    repo.write(".venv/stray.pyc", "")
        .write("tools/node_modules/x/__pycache__/gone.cpython-311.pyc", "");
    let before = snapshot(&repo.root);
    let run = repo.run(["fix", "--unsafe-fixes", "--color", "never"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        [format!("pkg/__pycache__/b.{}.pyc", tag())]
    );
}

#[test]
fn locked_index_changes_nothing() {
    let repo = messy_repo();
    repo.write(".git/index.lock", "");
    let (files, entries) = (snapshot(&repo.root), index(&repo));
    let run = repo.run(["fix", "--unsafe-fixes", "--color", "never"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("the git index is locked"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(changed(&files, &snapshot(&repo.root)), Vec::<String>::new());
    std::fs::remove_file(repo.path(".git/index.lock")).unwrap();
    assert_eq!(entries, index(&repo));
}

/// Marks a folder immutable (root ignores permissions, not this) and undoes it on drop.
#[cfg(unix)]
struct Immutable(std::path::PathBuf);

#[cfg(unix)]
impl Immutable {
    fn new(path: std::path::PathBuf) -> Immutable {
        let status = Command::new("chattr")
            .arg("+i")
            .arg(&path)
            .status()
            .expect("chattr");
        assert!(
            status.success(),
            "chattr +i failed: the read-only test needs a file system with attributes"
        );
        Immutable(path)
    }
}

#[cfg(unix)]
impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
#[cfg(unix)]
fn read_only_folder_stops_cleanly() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("a/x.py", "")
        .write("a/__pycache__/gone.cpython-311.pyc", "")
        .write("b/__pycache__/gone.cpython-311.pyc", "")
        .write("b/y.py", "")
        .write("c/__pycache__/gone.cpython-311.pyc", "")
        .write("c/z.py", "");
    let before = snapshot(&repo.root);
    let guard = if nix_is_root() {
        Immutable::new(repo.path("b/__pycache__"))
    } else {
        let mut perms = std::fs::metadata(repo.path("b/__pycache__"))
            .unwrap()
            .permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
        std::fs::set_permissions(repo.path("b/__pycache__"), perms).unwrap();
        Immutable(std::path::PathBuf::new())
    };
    let run = repo.run(["fix", "--color", "never"]);
    drop(guard);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "Deleted 1 file\nFailed to delete b/__pycache__/gone.cpython-311.pyc: Operation not permitted (os error 1)\nNot done:\n  delete c/__pycache__/gone.cpython-311.pyc\n  remove a/__pycache__\n  remove b/__pycache__\n  remove c/__pycache__\n"
            .replace("Operation not permitted (os error 1)", &os_error_text()),
    );
    assert!(
        run.stderr.contains("fix stopped part-way"),
        "{}",
        run.stderr
    );
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        ["a/__pycache__/gone.cpython-311.pyc"]
    );
}

#[cfg(unix)]
fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

/// The error the read-only folder gives: EPERM for an immutable folder (root),
/// EACCES for a 0555 folder (anyone else).
#[cfg(unix)]
fn os_error_text() -> String {
    if nix_is_root() {
        "Operation not permitted (os error 1)".into()
    } else {
        "Permission denied (os error 13)".into()
    }
}

/// A `.gitignore` that cannot be replaced is left exactly as it was: no truncated
/// file, no temp file, and the report says what was and was not done.
#[test]
#[cfg(unix)]
fn unwritable_root_leaves_no_partial_gitignore() {
    if !nix_is_root() {
        eprintln!("needs root for chattr; covered by read_only_folder_stops_cleanly otherwise");
        return;
    }
    let repo = Repo::new();
    repo.write(".gitignore", "*.log\n")
        .write("m.py", "")
        .write("m.pyc", "x")
        .add(&["."])
        .commit("c");
    repo.write("__pycache__/gone.cpython-311.pyc", "");
    let before = snapshot(&repo.root);
    let guard = Immutable::new(repo.root.clone());
    let run = repo.run(["fix", "--color", "never"]);
    drop(guard);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "Untracked 1 file (kept on disk)\n\
         Failed to append __pycache__/, *.py[cod] to .gitignore: cannot write .gitignore: Operation not permitted (os error 1)\n\
         Not done:\n  delete __pycache__/gone.cpython-311.pyc\n  delete m.pyc\n  remove __pycache__\n"
    );
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        Vec::<String>::new(),
        "only the index changed"
    );
    assert!(!index(&repo).contains("m.pyc"));
}

/// An empty `__pycache__` inside another empties its parent: one `fix` removes
/// both, and a second run has nothing to do (SPEC §8 idempotence).
#[test]
fn nested_empty_pycache_goes_in_one_run() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "")
        .write("pkg/__pycache__/gone.cpython-311.pyc", "");
    repo.mkdir_all("__pycache__/__pycache__");
    let run = repo.run(["fix", "--color", "never"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout, "Deleted 1 file\nRemoved 4 empty folders\n\nNo problems found.\n",
        "pkg/ held only the orphan: a deleted package's folder"
    );
    assert!(!repo.path("__pycache__").exists());
    assert!(!repo.path("pkg/__pycache__").exists());
    let before = snapshot(&repo.root);
    let again = repo.run(["fix", "--color", "never"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "No problems found.\n")
    );
    assert!(changed(&before, &snapshot(&repo.root)).is_empty());
}
