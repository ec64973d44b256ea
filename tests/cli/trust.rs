//! The promises an adversary tries to break: no escape from the root, no claim of
//! a change that did not happen, the right exit status, output that cannot be forged.

use std::path::Path;

use crate::common::{changed, snapshot, tag, Repo};

/// A committed symlink to a folder outside the repository: a PATH through it is an
/// error for `check` and `fix`, and nothing on either side changes.
#[test]
fn a_path_through_a_symlink_never_leaves_the_root() {
    let outside = Repo::plain();
    outside
        .write("pkg/__pycache__/gone.cpython-311.pyc", "outside")
        .write("pkg/old.pyc", "outside too");
    let repo = Repo::new();
    repo.with_gitignore();
    std::os::unix::fs::symlink(&outside.root, repo.path("link")).unwrap();
    repo.add(&["link"]).commit("link");
    let (inside, out) = (snapshot(&repo.root), snapshot(&outside.root));
    for args in [
        &["fix", "link/pkg"][..],
        &["fix", "--unsafe-fixes", "link/pkg/old.pyc"],
        &["check", "link/pkg"],
        &["fix", "--dry-run", "link/pkg"],
    ] {
        let run = repo.run(args);
        run.assert_error(&format!(
            "leads outside the repository root {} (through a symlink)",
            repo.root.display()
        ));
    }
    for args in [&["fix", ".."][..], &["fix", "/"], &["check", "/tmp"]] {
        repo.run(args)
            .assert_error("leads outside the repository root");
    }
    assert_eq!(
        changed(&inside, &snapshot(&repo.root)),
        Vec::<String>::new()
    );
    assert_eq!(
        changed(&out, &snapshot(&outside.root)),
        Vec::<String>::new()
    );
    assert!(!outside.path(".gitignore").exists());
}

/// Outside git, `fix` needs `--root`; `/` and the home folder are never its root.
#[test]
fn fix_outside_git_needs_an_explicit_root() {
    let plain = Repo::plain();
    plain.write("pkg/__pycache__/gone.cpython-311.pyc", "x");
    let before = snapshot(&plain.root);
    let run = plain.run(["fix"]);
    run.assert_error("is not in a git repository: `fix` needs an explicit root there");
    assert!(run.stderr.contains("--root"), "{}", run.stderr);
    let run = plain.run(["fix", "pkg"]);
    run.assert_error("`fix` needs an explicit root");
    assert_eq!(
        changed(&before, &snapshot(&plain.root)),
        Vec::<String>::new()
    );
    // `check` only reads: it may look at a plain folder.
    let run = plain.run(["check", "--output-format", "json", "--select", "PYH2"]);
    assert_eq!(
        (run.code, run.findings()),
        (
            0,
            crate::common::pairs(&[("PYH201", "pkg/__pycache__/gone.cpython-311.pyc")])
        )
    );

    let root = plain.path(".");
    let run = plain.run(["fix", "--select", "PYH2", "--root", root.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!plain.path("pkg/__pycache__").exists());

    for refused in ["/", plain.root.to_str().unwrap()] {
        let run = crate::common::bin()
            .current_dir(&plain.root)
            .env("HOME", &plain.root)
            .args(["fix", "--root", refused])
            .output()
            .unwrap();
        let run = crate::common::output_to_run(run);
        run.assert_error("`fix` never works on the file system root or the home folder");
    }
}

/// A symlink to the root itself is no repository nested in it: `check self` says
/// nothing is wrong, not that `self` is another repository.
#[test]
fn a_symlink_to_the_root_is_not_another_repository() {
    let repo = Repo::new();
    repo.with_gitignore().write("m.py", "");
    std::os::unix::fs::symlink(".", repo.path("self")).unwrap();
    repo.add(&["self", "m.py"]).commit("self");
    let run = repo.run(["check", "--output-format", "json", "self"]);
    assert_eq!((run.code, run.findings()), (0, vec![]), "{}", run.stderr);
    let run = repo.run(["check", "--output-format", "json", "self/m.py"]);
    assert_eq!((run.code, run.findings()), (0, vec![]), "{}", run.stderr);
    let _ = (tag(), Path::new("."));
}
