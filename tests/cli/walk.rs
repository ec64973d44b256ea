//! The worktree walk's edges: descriptor limits, what counts as a virtualenv,
//! files that are not regular (regressions from the review of the own walker).

#[cfg(unix)]
use std::process::Command;

#[cfg(unix)]
use crate::common::{pairs, Repo};

/// A deep tree, many folders per level: the walk holds parents open only within
/// what the descriptor limit allows, and sees everything.
#[test]
#[cfg(unix)]
fn deep_trees_fit_a_small_descriptor_limit() {
    let repo = Repo::new();
    repo.with_gitignore();
    let mut dir = String::new();
    let mut expected = Vec::new();
    for level in 0..47 {
        dir.push_str(&format!("d{level}/"));
        for x in 0..20 {
            std::fs::create_dir_all(repo.path(format!("{dir}x{x}"))).unwrap();
        }
        let cache = format!("{dir}__pycache__/gone.cpython-311.pyc");
        repo.write(&cache, "");
        expected.push(("PYH201".to_string(), cache));
    }
    expected.sort();
    for limit in [40, 64, 1024] {
        let run = repo.run_under(
            &format!("ulimit -n {limit} && exec \"$@\""),
            [
                "check",
                "--select",
                "PYH201,PYH204",
                "--output-format",
                "json",
            ],
        );
        assert_eq!(run.code, 0, "limit {limit}: {}", run.stderr);
        assert_eq!(run.findings(), expected, "limit {limit}");
        assert_eq!(run.stderr, "", "limit {limit}");
    }
}

/// Anything named `pyvenv.cfg` that exists makes a virtualenv (a file, a folder, a
/// symlink to one); a dangling symlink does not.
#[test]
#[cfg(unix)]
fn dangling_pyvenv_cfg_is_not_an_environment() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("env/pyvenv.cfg", "home = /usr/bin\n")
        .write("env/__pycache__/a.cpython-311.pyc", "")
        .write("linked/__pycache__/b.cpython-311.pyc", "")
        .write("dangling/__pycache__/c.cpython-311.pyc", "");
    std::os::unix::fs::symlink("../env/pyvenv.cfg", repo.path("linked/pyvenv.cfg")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", repo.path("dangling/pyvenv.cfg")).unwrap();
    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(
        run.findings(),
        pairs(&[("PYH201", "dangling/__pycache__/c.cpython-311.pyc")])
    );
}

/// A named pipe under a cache name is neither read (it would block) nor judged.
#[test]
#[cfg(unix)]
fn named_pipe_in_pycache_is_not_read() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/p.py", "")
        .write("pkg/__pycache__/q.cpython-311.pyc", "");
    let status = Command::new("mkfifo")
        .arg(repo.path("pkg/__pycache__/p.cpython-311.pyc"))
        .status()
        .unwrap();
    assert!(status.success());
    let run = repo.run_under(
        "exec timeout 60 \"$@\"",
        [
            "check",
            "--select",
            "ALL",
            "--output-format",
            "json",
            "--quiet",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.findings(),
        pairs(&[("PYH201", "pkg/__pycache__/q.cpython-311.pyc")])
    );
}
