//! The pre-commit integration, proven with the real `pre-commit` from PyPI
//! (`scripts/test` installs it into target/test-venv): `pre-commit try-repo`
//! installs this repository's hooks and runs them in a temp repository — the
//! `language: python` ones from the wheel with no Rust toolchain on PATH, the
//! `-src` ones built with cargo.

#[path = "cli/common.rs"]
#[allow(dead_code)]
mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{isolate, output_to_run, Repo, Run};

fn pre_commit() -> PathBuf {
    common::test_venv().join("bin/pre-commit")
}

fn try_repo(repo: &Repo, hook: &str) -> Run {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let mut cmd = Command::new(pre_commit());
    isolate(&mut cmd);
    // Reuse the hook environment and cargo's build between runs and test runs.
    cmd.env("PRE_COMMIT_HOME", target.join("pre-commit-home"));
    try_repo_with(repo, hook, cmd)
}

fn try_repo_with(repo: &Repo, hook: &str, mut cmd: Command) -> Run {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    cmd.current_dir(&repo.root)
        .args(["try-repo", env!("CARGO_MANIFEST_DIR"), hook])
        .env("CARGO_TARGET_DIR", target.join("pre-commit-build"))
        .env("PRE_COMMIT_COLOR", "never");
    output_to_run(cmd.output().unwrap())
}

/// pre-commit ran the hook named `name`, which failed with a PYH001 finding.
fn assert_hook_failed_on_pyh001(run: &Run, name: &str) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!("{name}....")) && run.stdout.contains("Failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("error[PYH001] tracked-bytecode"),
        "{}",
        run.stdout
    );
}

/// A package with a live cache: its source exists, so fixing untracks it and keeps it.
fn with_live_cache(repo: &Repo) {
    repo.write("pkg/__init__.py", "")
        .write("pkg/m.py", "X = 1\n");
    let status = Command::new("python3")
        .args([
            "-c",
            "import compileall; compileall.compile_dir('pkg', quiet=2)",
        ])
        .current_dir(&repo.root)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Needs pre-commit from PyPI in the test venv: `scripts/test` runs it.
#[test]
#[ignore = "needs the Python test venv; scripts/test runs it"]
fn check_and_fix_hooks_with_real_pre_commit() {
    let cache = &format!("pkg/__pycache__/m.{}.pyc", common::tag());

    // The check hook fails on a staged .pyc and names the rule.
    let repo = Repo::new();
    repo.with_gitignore();
    with_live_cache(&repo);
    repo.add(&["pkg/__init__.py", "pkg/m.py", cache]);
    let run = try_repo(&repo, "pyhygiene-src");
    assert_hook_failed_on_pyh001(&run, "pyhygiene (check, built from source)");
    assert!(
        run.stdout.contains(&format!(
            "m.{}.pyc: bytecode cache is tracked by git",
            common::tag()
        )),
        "{}",
        run.stdout
    );

    // ... and passes when nothing is wrong.
    let clean = Repo::new();
    clean.with_gitignore();
    with_live_cache(&clean);
    clean.add(&["pkg/__init__.py", "pkg/m.py"]);
    let run = try_repo(&clean, "pyhygiene-src");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Passed"), "{}", run.stdout);

    // The fix hook fails the first time, having untracked the cache and appended
    // to .gitignore (staged: only a committed .gitignore protects the team), and
    // passes the second time; the user's re-commit then holds everything, and a
    // fresh clone of it is clean.
    let repo = Repo::new();
    with_live_cache(&repo);
    repo.add(&["pkg/__init__.py", "pkg/m.py", cache]);
    let first = try_repo(&repo, "pyhygiene-fix-src");
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(
        first.stdout.contains(
            "Untracked 1 file (kept on disk)\nAppended to .gitignore and staged: __pycache__/, *.py[cod]\n"
        ),
        "{}",
        first.stdout
    );
    assert!(!repo.git(["ls-files"]).contains(cache), "untracked");
    assert!(repo.path(cache).is_file(), "still on disk");
    assert_eq!(
        std::fs::read_to_string(repo.path(".gitignore")).unwrap(),
        "# added by pyhygiene\n__pycache__/\n*.py[cod]\n"
    );
    assert_eq!(
        repo.git(["status", "--porcelain"]),
        "A  .gitignore\nA  pkg/__init__.py\nA  pkg/m.py\n",
        "everything the fix did is staged for the re-commit"
    );
    let second = try_repo(&repo, "pyhygiene-fix-src");
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(second.stdout.contains("Passed"), "{}", second.stdout);
    repo.commit("the user's re-commit");
    let clone = Repo::plain();
    let status = Command::new("git")
        .args(["clone", "-q"])
        .arg(&repo.root)
        .arg(clone.path("clone"))
        .status()
        .unwrap();
    assert!(status.success());
    let fresh = clone.run_in("clone", ["check"]);
    assert_eq!(
        (fresh.code, fresh.stdout.as_str()),
        (0, "No problems found.\n"),
        "{}",
        fresh.stderr
    );
}

/// The `language: python` hook installs the prebuilt wheel: with no cargo or
/// rustc on PATH (and empty `CARGO_HOME`/`RUSTUP_HOME`), pip resolving `pyhygiene`
/// from the local wheels folder only, into a cold pre-commit cache.
#[test]
#[ignore = "needs the wheel and pre-commit; scripts/test provides both"]
fn python_hook_installs_without_rust_and_fails_a_committed_pyc() {
    let wheels = std::env::var_os("PYHYGIENE_TEST_WHEELS")
        .expect("PYHYGIENE_TEST_WHEELS: run through scripts/test");
    let cold = tempfile::tempdir().unwrap();
    let repo = Repo::new();
    repo.with_gitignore();
    with_live_cache(&repo);
    let cache = &format!("pkg/__pycache__/m.{}.pyc", common::tag());
    repo.add(&["pkg/__init__.py", "pkg/m.py", cache]);
    let mut cmd = Command::new(pre_commit());
    isolate(&mut cmd);
    cmd.env("PRE_COMMIT_HOME", cold.path().join("home"))
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("CARGO_HOME", cold.path().join("no-cargo"))
        .env("RUSTUP_HOME", cold.path().join("no-rustup"))
        .env("PIP_FIND_LINKS", &wheels)
        .env("PIP_NO_INDEX", "1")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    let started = std::time::Instant::now();
    let run = try_repo_with(&repo, "pyhygiene", cmd);
    eprintln!(
        "cold install and run of the python hook: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_hook_failed_on_pyh001(&run, "pyhygiene (check)");
}
