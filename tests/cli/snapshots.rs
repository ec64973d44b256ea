//! Snapshots of the human report, with and without colour.

use crate::common::{assert_snapshot, Repo};

fn both(repo: &Repo, name: &str, args: &[&str]) {
    for (color, suffix) in [("never", "plain"), ("always", "color")] {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--color", color]);
        let run = repo.run(&full);
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            run.code, run.stdout, run.stderr
        );
        assert_snapshot(&format!("{name}-{suffix}"), &text, &repo.root);
    }
}

#[test]
fn no_findings() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("app.py", "")
        .add(&["."])
        .commit("c");
    both(&repo, "no-findings", &["check"]);
}

#[test]
fn one_finding() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("app.py", "")
        .write("app.pyc", "")
        .add(&["."]);
    both(&repo, "one-finding", &["check", "--select", "PYH001"]);
}

#[test]
fn tracked_pycache_with_300_files_is_one_group() {
    let repo = Repo::new();
    repo.with_gitignore().write("pkg/__init__.py", "");
    for i in 0..300 {
        let name = format!("pkg/__pycache__/mod{i:03}.cpython-311.pyc");
        repo.write(&name, "");
        repo.write(format!("pkg/mod{i:03}.py"), "");
    }
    repo.add(&["."]);
    both(&repo, "pycache-300", &["check"]);
    let verbose = repo.run(["check", "--color", "never", "--verbose"]);
    assert_eq!(
        verbose
            .stdout
            .lines()
            .filter(|l| l.contains(".cpython-311.pyc: bytecode cache"))
            .count(),
        300
    );
}

#[test]
fn config_error() {
    let repo = Repo::new();
    repo.write(
        "pyhygiene.toml",
        "select = [\"PYH0\"]\nexclude = [\"a/[b\"]\n",
    );
    both(&repo, "config-error", &["check"]);
}

/// `--color auto` colours a terminal (a pty made by `script`), unless NO_COLOR is set.
#[test]
#[cfg(unix)]
fn auto_colour_follows_the_terminal_and_no_color() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("app.py", "")
        .write("app.pyc", "")
        .add(&["."]);
    let bin = env!("CARGO_BIN_EXE_pyhygiene");
    let on_tty = |no_color: bool| {
        let mut cmd = std::process::Command::new("script");
        crate::common::isolate(&mut cmd);
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        cmd.env("TERM", "xterm").current_dir(&repo.root).args([
            "-qec",
            &format!("{bin} check --select PYH001"),
            "/dev/null",
        ]);
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    let colored = on_tty(false);
    assert!(colored.contains("\x1b[31merror[PYH001]"), "{colored:?}");
    let plain = on_tty(true);
    assert!(
        plain.contains("error[PYH001] tracked-bytecode") && !plain.contains('\x1b'),
        "{plain:?}"
    );
    let piped = repo.run(["check", "--select", "PYH001"]);
    assert!(!piped.stdout.contains('\x1b'), "not a terminal: plain");
}
