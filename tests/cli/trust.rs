//! The promises an adversary tries to break: no escape from the root, no claim of
//! a change that did not happen, the right exit status, output that cannot be forged.

#[cfg(unix)]
use std::path::Path;

use crate::common::{changed, snapshot, tag, Repo};

/// A committed symlink to a folder outside the repository: a PATH through it is an
/// error for `check` and `fix`, and nothing on either side changes.
#[test]
#[cfg(unix)]
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
        (0, crate::common::pairs(&[("PYH207", "pkg")]))
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
#[cfg(unix)]
fn a_symlink_to_the_root_is_not_another_repository() {
    let repo = Repo::new();
    repo.with_gitignore().write("m.py", "");
    std::os::unix::fs::symlink(".", repo.path("self")).unwrap();
    repo.add(&["self", "m.py"]).commit("self");
    let run = repo.run(["check", "--output-format", "json", "self"]);
    assert_eq!((run.code, run.findings()), (0, vec![]), "{}", run.stderr);
    let run = repo.run(["check", "--output-format", "json", "self/m.py"]);
    assert_eq!((run.code, run.findings()), (0, vec![]), "{}", run.stderr);
}

/// The paths in the index, as git lists them.
fn index(repo: &Repo) -> Vec<String> {
    repo.git(["ls-files"]).lines().map(str::to_owned).collect()
}

/// A tracked `.pyc` with skip-worktree set (sparse checkouts) is untracked for
/// real, and the second run has nothing left to claim.
#[test]
fn skip_worktree_bytecode_is_untracked_for_real() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "")
        .write("a.pyc", "a")
        .write("b.pyc", "b")
        .add(&["m.py", "a.pyc", "b.pyc"])
        .commit("caches");
    repo.git(["update-index", "--skip-worktree", "a.pyc"]);
    let run = repo.run(["fix", "--select", "PYH001", "--exit-non-zero-on-fix"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("Untracked 2 files (kept on disk)\n"),
        "{}",
        run.stdout
    );
    assert_eq!(index(&repo), [".gitignore", "m.py"]);
    assert_eq!(std::fs::read(repo.path("a.pyc")).unwrap(), b"a");
    let again = repo.run(["fix", "--select", "PYH001", "--exit-non-zero-on-fix"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "No problems found.\n"),
        "{}",
        again.stderr
    );
}

/// Content the walk leaves out (`exclude`, a `node_modules` folder) is still
/// content: such a `__pycache__` is not empty, and nothing is offered to remove it.
#[test]
fn a_pycache_with_excluded_content_is_not_empty() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("a/m.py", "")
        .write("a/__pycache__/keep.bin", "kept")
        .write("b/m.py", "")
        .write("b/__pycache__/node_modules/x.js", "kept")
        .mkdir_all("c/__pycache__")
        .write("c/m.py", "")
        .write("pyhygiene.toml", "exclude = [\"a/__pycache__/keep.bin\"]\n");
    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(
        (run.code, run.findings()),
        (0, crate::common::pairs(&[("PYH204", "c/__pycache__")])),
        "{}",
        run.stderr
    );
    let before = snapshot(&repo.root);
    let run = repo.run(["fix"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(changed(&before, &snapshot(&repo.root)), ["c/__pycache__"]);
    assert_eq!(
        repo.run(["fix", "--dry-run"]).stdout,
        "No problems found.\n"
    );
}

/// A FIFO, a socket or a folder named like bytecode gets no fix (like a symlink):
/// the summary does not count it fixable, and `fix` leaves it.
#[test]
#[cfg(unix)]
fn special_files_named_like_bytecode_get_no_fix() {
    let repo = Repo::new();
    repo.with_gitignore();
    let fifo = repo.path("x.pyc");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let _socket = std::os::unix::net::UnixListener::bind(repo.path("s.pyc")).unwrap();
    let run = repo.run(["check", "--output-format", "json"]);
    let json = run.json();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let found: Vec<(&str, &str, bool)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
                d["fix"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "s.pyc",
                "module `s` is importable without its source `s.py` (not a regular file: not deleted automatically)",
                true
            ),
            (
                "x.pyc",
                "module `x` is importable without its source `x.py` (not a regular file: not deleted automatically)",
                true
            ),
        ]
    );
    assert_eq!(json["summary"]["unsafe_fixable"], 0);
    // Nothing to fix: the dry run says what `check` says.
    let run = repo.run(["fix", "--unsafe-fixes", "--dry-run"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "2 problems (0 fixable with pyhygiene fix)\n")
    );
}

/// A cache deeper than `PATH_MAX` is found and deleted, not offered and skipped.
#[test]
#[cfg(unix)]
#[cfg_attr(
    feature = "portable",
    ignore = "the portable implementation resolves whole paths, limited by PATH_MAX"
)]
fn caches_beyond_path_max_are_fixed() {
    let repo = Repo::new();
    repo.with_gitignore();
    let mut relative = std::path::PathBuf::new();
    for _ in 0..22 {
        relative.push("d".repeat(200));
    }
    let deep = repo.path(&relative);
    // `create_dir_all` and `write` take the whole path: go one folder at a time.
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY;
    let mut fd = rustix::fs::open(&repo.root, flags, Mode::empty()).unwrap();
    for name in relative.iter().chain([std::ffi::OsStr::new("__pycache__")]) {
        rustix::fs::mkdirat(&fd, name, Mode::from_raw_mode(0o755)).unwrap();
        fd = rustix::fs::openat(&fd, name, flags, Mode::empty()).unwrap();
    }
    let name = format!("gone.{}.pyc", tag());
    let file = rustix::fs::openat(
        &fd,
        name.as_str(),
        OFlags::CREATE | OFlags::WRONLY,
        Mode::from_raw_mode(0o644),
    )
    .unwrap();
    drop(file);
    assert!(deep.as_os_str().len() > 4096);
    // The folders hold nothing else: a deleted package, one finding at the top.
    let top = "d".repeat(200);
    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(run.findings(), crate::common::pairs(&[("PYH207", &top)]));
    assert_eq!(run.json()["summary"]["fixable"], 1);
    let run = repo.run(["fix"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Deleted 1 file\nRemoved 23 empty folders\n\nNo problems found.\n"
        ),
        "{}",
        run.stderr
    );
    assert!(!repo.path(&top).exists(), "the whole tree went");
    // With a source at the bottom, only the orphan and its `__pycache__` go.
    let mut fd = rustix::fs::open(&repo.root, flags, Mode::empty()).unwrap();
    for name in relative.iter().chain([std::ffi::OsStr::new("__pycache__")]) {
        rustix::fs::mkdirat(&fd, name, Mode::from_raw_mode(0o755)).unwrap();
        fd = rustix::fs::openat(&fd, name, flags, Mode::empty()).unwrap();
    }
    drop(
        rustix::fs::openat(
            &fd,
            name.as_str(),
            OFlags::CREATE | OFlags::WRONLY,
            Mode::from_raw_mode(0o644),
        )
        .unwrap(),
    );
    let source = rustix::fs::openat(
        &fd,
        "../m.py",
        OFlags::CREATE | OFlags::WRONLY,
        Mode::from_raw_mode(0o644),
    );
    drop(source.unwrap());
    let cache = relative.join(format!("__pycache__/gone.{}.pyc", tag()));
    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(
        run.findings(),
        crate::common::pairs(&[("PYH201", cache.to_str().unwrap())])
    );
    let run = repo.run(["fix"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Deleted 1 file\nRemoved 1 empty folder\n\nNo problems found.\n"
        ),
        "{}",
        run.stderr
    );
    let mut fd = rustix::fs::open(&repo.root, flags, Mode::empty()).unwrap();
    for name in relative.iter() {
        fd = rustix::fs::openat(&fd, name, flags, Mode::empty()).unwrap();
    }
    assert_eq!(
        rustix::fs::statat(&fd, "__pycache__", rustix::fs::AtFlags::SYMLINK_NOFOLLOW).err(),
        Some(rustix::io::Errno::NOENT)
    );
    assert!(rustix::fs::statat(&fd, "m.py", rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok());
}

/// `fix PATH` where the fix removes that very PATH: the goal reached, exit 0.
#[test]
fn a_path_the_fix_removed_is_not_missing() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("b/s.pyc", "x")
        .write("b/t.py", "");
    let run = repo.run(["fix", "--unsafe-fixes", "b/s.pyc"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "Deleted 1 file\n\nNo problems found.\n"),
        "{}",
        run.stderr
    );
    assert!(!repo.path("b/s.pyc").exists() && repo.path("b/t.py").exists());
    // A PATH that never existed is still an error.
    repo.run(["fix", "b/never.pyc"])
        .assert_error("path does not exist: b/never.pyc");
}

/// Run the binary with stdout a pipe whose reader is already gone.
#[cfg(unix)]
fn run_reader_gone(repo: &Repo, args: &[&str]) -> i32 {
    let (reader, writer) = rustix::pipe::pipe().unwrap();
    drop(reader);
    let status = crate::common::bin()
        .current_dir(&repo.root)
        .args(args)
        .stdout(std::process::Stdio::from(writer))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    status.code().unwrap()
}

/// When stdout's reader leaves (`| head -1`), every command keeps its verdict.
#[test]
#[cfg(unix)]
fn a_reader_that_leaves_does_not_change_the_exit_status() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "")
        .write("m.pyc", "x")
        .add(&["m.pyc"])
        .write("lib/gone.pyc", "sourceless");
    for args in [
        &["check"][..],
        &["fix", "--dry-run"],
        &["fix", "--dry-run", "--output-format", "json"],
        &["check", "--output-format", "sarif"],
    ] {
        assert_eq!(run_reader_gone(&repo, args), 1, "{args:?}");
    }
    // `fix` leaves the sourceless module (an unsafe fix): an error remains.
    assert_eq!(run_reader_gone(&repo, &["fix"]), 1);
    assert_eq!(index(&repo), [".gitignore"]);
    assert_eq!(run_reader_gone(&repo, &["fix", "--exit-zero"]), 0);
}

/// `--exit-zero` wins over everything that would exit 1, dry runs included.
#[test]
fn exit_zero_wins_in_fix() {
    let repo = Repo::new();
    repo.with_gitignore().write("m.pyc", "x").add(&["m.pyc"]);
    let run = repo.run(["fix", "--dry-run", "--exit-zero"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(repo.run(["fix", "--dry-run"]).code, 1);
    let run = repo.run(["fix", "--exit-non-zero-on-fix", "--exit-zero"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(index(&repo), [".gitignore"]);
}

/// `fix --dry-run --output-format json` prints the plan as a document; SARIF and
/// GitHub have no form for a plan and say so.
#[test]
fn dry_run_plan_as_json() {
    let repo = Repo::new();
    repo.write(".gitignore", "*.log")
        .add(&[".gitignore"])
        .write("m.py", "")
        .write("m.pyc", "x")
        .add(&["m.pyc"])
        .write(format!("p/__pycache__/gone.{}.pyc", tag()), "y");
    let before = snapshot(&repo.root);
    let run = repo.run(["fix", "--dry-run", "--output-format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut plan = run.json();
    assert_eq!(plan["root"], repo.root.to_str().unwrap());
    plan["root"] = "ROOT".into();
    let expected = serde_json::json!({
        "version": 1,
        "dry_run": true,
        "root": "ROOT",
        "paths": [
            { "path": "m.pyc", "actions": ["untrack", "delete"] },
            { "path": "p", "actions": ["remove-folder"] },
            { "path": "p/__pycache__", "actions": ["remove-folder"] },
            { "path": format!("p/__pycache__/gone.{}.pyc", tag()), "actions": ["delete"] },
        ],
        "gitignore": {
            "path": ".gitignore",
            "created": false,
            "append": ["__pycache__/", "*.py[cod]"],
            "diff": "--- a/.gitignore\n+++ b/.gitignore\n@@ -1 +1,4 @@\n-*.log\n\\ No newline at end of file\n+*.log\n+# added by pyhygiene\n+__pycache__/\n+*.py[cod]\n",
        },
        "summary": {
            "untrack": 1,
            "untrack_folders": 0,
            "ignore_entries": 2,
            "delete": 2,
            "remove_folders": 2,
        },
    });
    assert_eq!(plan, expected);
    for format in ["sarif", "github"] {
        repo.run(["fix", "--dry-run", "--output-format", format])
            .assert_error(&format!("`fix --dry-run` has no {format} form"));
    }
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        Vec::<String>::new()
    );
}

/// A newline or an ESC in a file name cannot forge report lines or reach the
/// terminal: the human report escapes them; JSON keeps the exact name.
#[test]
#[cfg(unix)] // Windows file names cannot hold control characters
fn control_characters_in_names_are_escaped_for_people() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("a\nerror[PYH001] forged.pyc", "x")
        .write("b\x1b[2J.pyc", "y")
        .add(&["a\nerror[PYH001] forged.pyc", "b\x1b[2J.pyc"]);
    let run = repo.run(["check", "--select", "PYH001", "--color", "never"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "error[PYH001] tracked-bytecode: Compiled Python bytecode is tracked by git (2)\n\
         \x20 ./ (2 files)\n\
         \x20   a\\nerror[PYH001] forged.pyc: legacy bytecode is tracked by git\n\
         \x20   b\\e[2J.pyc: legacy bytecode is tracked by git\n\
         \x20 = fix: remove from the git index (the file stays on disk)\n\
         \n\
         2 problems (2 fixable with pyhygiene fix)\n"
    );
    let run = repo.run(["fix", "--dry-run", "--select", "PYH001"]);
    assert!(
        run.stdout
            .contains("  a\\nerror[PYH001] forged.pyc: untrack (it stays on disk)\n  b\\e[2J.pyc: untrack (it stays on disk)\n"),
        "{}",
        run.stdout
    );
    let run = repo.run(["check", "--select", "PYH001", "--output-format", "json"]);
    assert_eq!(
        run.findings(),
        crate::common::pairs(&[
            ("PYH001", "a\nerror[PYH001] forged.pyc"),
            ("PYH001", "b\x1b[2J.pyc")
        ])
    );
}

/// `GIT_DIR=../.git GIT_WORK_TREE=..` from a subfolder: relative, as git allows.
#[test]
fn relative_git_environment_is_resolved_as_git_does() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("sub/m.pyc", "x")
        .add(&["sub/m.pyc"]);
    let run = crate::common::output_to_run(
        crate::common::bin()
            .current_dir(repo.path("sub"))
            .env("GIT_DIR", "../.git")
            .env("GIT_WORK_TREE", "..")
            .args(["check", "--select", "PYH001", "--output-format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        (run.code, run.findings()),
        (1, crate::common::pairs(&[("PYH001", "sub/m.pyc")])),
        "{}",
        run.stderr
    );
    let run = crate::common::output_to_run(
        crate::common::bin()
            .current_dir(repo.path("sub"))
            .env("GIT_DIR", "../.git")
            .env("GIT_WORK_TREE", "..")
            .env("GIT_INDEX_FILE", "../.git/index")
            .args(["fix", "--select", "PYH001"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(index(&repo), [".gitignore"]);
}

/// Bytecode tracked inside `node_modules/` or a plain `site-packages/`: the index
/// entry is the problem and is removed (PYH001); the folders' files are never
/// touched, and the walk finds nothing in them.
#[test]
fn tracked_bytecode_in_skipped_folders_leaves_the_folders_untouched() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("node_modules/pkg/m.pyc", "a")
        .write("node_modules/pkg/__pycache__/gone.cpython-311.pyc", "b")
        .write("lib/site-packages/x/n.pyc", "c")
        .write("lib/site-packages/x/n.py", "")
        .add(&["node_modules/pkg/m.pyc", "lib/site-packages/x/n.pyc"]);
    let run = repo.run(["check", "--output-format", "json", "--select", "ALL"]);
    assert_eq!(
        run.findings(),
        crate::common::pairs(&[
            ("PYH001", "lib/site-packages/x/n.pyc"),
            ("PYH001", "node_modules/pkg/m.pyc"),
        ])
    );
    let before = snapshot(&repo.root);
    let run = repo.run(["fix", "--unsafe-fixes", "--select", "ALL"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        Vec::<String>::new()
    );
    assert_eq!(index(&repo), [".gitignore"]);
}

/// Run the binary as the unprivileged user `nobody` (tests run as root, for whom
/// `chmod 000` changes nothing).
/// Hand a git repository to `nobody`, so git runs there as that user.
#[cfg(unix)]
fn give_to_nobody(repo: &Repo) {
    let status = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&repo.root)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
fn run_as_nobody(dir: &Path, args: &[&str]) -> crate::common::Run {
    let mut cmd = std::process::Command::new("setpriv");
    crate::common::isolate(&mut cmd);
    cmd.current_dir(dir)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_pyhygiene"))
        .args(args);
    crate::common::output_to_run(cmd.output().unwrap())
}

/// A folder that cannot be read makes the run incomplete: every format says so,
/// `--quiet` does not hide it, and `--fail-on warning` fails on it.
#[test]
#[cfg(unix)]
fn an_unreadable_folder_is_reported_in_every_format() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Repo::plain();
    dir.write(format!("secret/__pycache__/gone.{}.pyc", tag()), "x")
        .mkdir_all("ok");
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(&dir.root, 0o755);
    mode(&dir.path("secret"), 0o000);
    let base = ["check", "--select", "PYH2", "--quiet", "--color", "never"];
    let with = |extra: &[&'static str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        run_as_nobody(&dir.root, &args)
    };
    let reason = "could not read secret: Permission denied (os error 13)";

    let run = with(&[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!("warning: {reason}\nwarning: the check is incomplete: what could not be read was not checked\n")
    );
    assert_eq!(with(&["--fail-on", "warning"]).code, 1);

    let run = with(&["--output-format", "json"]);
    assert_eq!(run.json()["incomplete"], serde_json::json!([reason]));
    let run = with(&["--output-format", "sarif"]);
    assert_eq!(
        run.json()["runs"][0]["invocations"][0]["toolExecutionNotifications"],
        serde_json::json!([{ "level": "warning", "message": { "text": reason } }])
    );
    let run = with(&["--output-format", "github"]);
    assert_eq!(
        run.stdout,
        format!("::warning title=pyhygiene::{reason}; the check is incomplete\n")
    );
    mode(&dir.path("secret"), 0o755);
    let run = with(&[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

/// Error messages name paths with the same escaping as the report.
#[test]
fn control_characters_in_error_paths_are_escaped() {
    let repo = Repo::new();
    let run = repo.run(["check", "gone\n\x1b[31mforged.pyc"]);
    run.assert_error("path does not exist: gone\\n\\e[31mforged.pyc");
    assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
}

/// A user who cannot give a new file the `.gitignore`'s group (not a member of
/// it) gets an in-place append: group, mode and inode stay, no byte is rewritten.
#[test]
#[cfg(unix)]
#[cfg_attr(
    feature = "portable",
    ignore = "owner and group are not known to the portable implementation"
)]
fn gitignore_group_is_kept_when_the_user_cannot_chown() {
    use std::os::unix::fs::MetadataExt;
    let dir = Repo::plain();
    dir.write("pkg/m.py", "x = 1\n")
        .write(".gitignore", "*.log\n");
    let chown =
        |rel: &str, gid| std::os::unix::fs::chown(dir.path(rel), Some(65534), Some(gid)).unwrap();
    chown(".", 65534);
    chown("pkg", 65534);
    chown("pkg/m.py", 65534);
    chown(".gitignore", 0);
    let before = std::fs::metadata(dir.path(".gitignore")).unwrap();
    let run = run_as_nobody(&dir.root, &["fix", "--root", ".", "--select", "PYH1"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let after = std::fs::metadata(dir.path(".gitignore")).unwrap();
    assert_eq!(
        (after.ino(), after.uid(), after.gid(), after.mode()),
        (before.ino(), 65534, 0, before.mode())
    );
    assert_eq!(
        std::fs::read_to_string(dir.path(".gitignore")).unwrap(),
        "*.log\n# added by pyhygiene\n__pycache__/\n*.py[cod]\n"
    );
}

/// Untracking a committed virtualenv says folders, verified against the index.
#[test]
fn untracking_a_virtualenv_reports_the_folder() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("env/pyvenv.cfg", "home = /usr\n")
        .write("env/bin/activate", "")
        .write("app.py", "")
        .add(&["env", "app.py"]);
    let dry = repo.run(["fix", "--unsafe-fixes", "--select", "PYH003", "--dry-run"]);
    assert!(
        dry.stdout.starts_with(
            "Would change 1 folder:\n  env/: untrack the folder (its files stay on disk)\n"
        ),
        "{}",
        dry.stdout
    );
    let run = repo.run([
        "fix",
        "--unsafe-fixes",
        "--select",
        "PYH003",
        "--color",
        "never",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Untracked 1 folder (files kept on disk):\n  env\nAppended to .gitignore and staged: /env/\n\nNo problems found.\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(index(&repo), [".gitignore", "app.py"]);
}

/// A `.gitignore` that cannot be read is never replaced by a new one.
#[test]
#[cfg(unix)]
fn an_unreadable_gitignore_is_not_overwritten() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Repo::plain();
    dir.write("pkg/m.py", "x = 1\n")
        .write(".gitignore", "*.log\n");
    for rel in [".", "pkg", "pkg/m.py"] {
        std::os::unix::fs::chown(dir.path(rel), Some(65534), Some(65534)).unwrap();
    }
    std::fs::set_permissions(
        dir.path(".gitignore"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let run = run_as_nobody(&dir.root, &["fix", "--root", ".", "--select", "PYH1"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "Failed to append __pycache__/, *.py[cod] to .gitignore: cannot read .gitignore: Permission denied (os error 13)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read(dir.path(".gitignore")).unwrap(), b"*.log\n");
}

/// An orphan in a nested `__pycache__/__pycache__`: deleting it empties the inner
/// folder, which empties the outer one; one run removes both. Empty folders that
/// no selected rule reports are left alone.
#[test]
fn emptied_nested_pycache_goes_in_one_run() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "")
        .write(format!("p/__pycache__/__pycache__/gone.{}.pyc", tag()), "x")
        .mkdir_all("q/__pycache__");
    let run = repo.run(["fix", "--select", "PYH201"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Deleted 1 file\nRemoved 2 empty folders\n\nNo problems found.\n"
        ),
        "{}",
        run.stderr
    );
    assert!(!repo.path("p/__pycache__").exists());
    assert!(
        repo.path("q/__pycache__").is_dir(),
        "not selected, not touched"
    );
}

/// An unreadable committed `.gitignore` beside an uncommitted one is reported once:
/// the run is incomplete, and says so without repeating itself.
#[test]
#[cfg(unix)]
fn an_unreadable_gitignore_is_reported_once() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new();
    repo.write(".gitignore", "__pycache__/\n")
        .write("app.py", "")
        .add(&[".gitignore", "app.py"])
        .write("sub/.gitignore", "*.py[cod]\n")
        .write("sub/m.py", "");
    give_to_nobody(&repo);
    std::os::unix::fs::chown(repo.path(".gitignore"), Some(0), Some(0)).unwrap();
    std::fs::set_permissions(
        repo.path(".gitignore"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let run = run_as_nobody(&repo.root, &["check", "--select", "PYH101"]);
    let reason = "could not read .gitignore: Permission denied (os error 13)";
    assert_eq!(run.stderr.matches(reason).count(), 1, "{}", run.stderr);
}

/// `init` never replaces a `.pre-commit-config.yaml` it cannot read.
#[test]
#[cfg(unix)]
fn init_never_replaces_an_unreadable_config() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new();
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hooks: []\n",
    );
    give_to_nobody(&repo);
    let config = repo.path(".pre-commit-config.yaml");
    std::os::unix::fs::chown(&config, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = run_as_nobody(&repo.root, &["init"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("cannot read .pre-commit-config.yaml: Permission denied"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "repos:\n- repo: local\n  hooks: []\n"
    );
}
