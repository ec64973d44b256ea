//! `rules`, `explain` and usage errors.

use crate::common::Repo;

#[test]
fn rules_lists_every_rule() {
    let run = Repo::plain().run(["rules"]);
    assert_eq!(run.code, 0);
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    // Every data file in `rules/`, in code order.
    let mut files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            path.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    files.sort();
    assert!(files.len() >= 12, "{files:?}");
    assert_eq!(codes, files);
    assert!(
        run.stdout
            .contains("PYH205  stale-bytecode             off      worktree      delete (safe)"),
        "{}",
        run.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&Repo::plain().run(["rules", "--format", "json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), files.len());
    assert_eq!(json[0]["name"], "tracked-bytecode");
}

#[test]
fn explain_prints_the_explanation() {
    let run = Repo::plain().run(["explain", "PYH001"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("# tracked-bytecode (PYH001)\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("## Why is this bad?"));
    let by_name = Repo::plain().run(["explain", "tracked-bytecode"]);
    assert_eq!(by_name.stdout, run.stdout);
}

#[test]
fn unknown_code_suggests() {
    let run = Repo::plain().run(["explain", "PYH01"]);
    run.assert_error("unknown rule `PYH01`");
    assert!(
        run.stderr.contains("did you mean `PYH001`?"),
        "{}",
        run.stderr
    );
    let run = Repo::plain().run(["check", "--select", "PYH9"]);
    run.assert_error("unknown rule selector `PYH9`");
    let run = Repo::plain().run(["check", "--bogus-flag"]);
    assert_eq!(run.code, 2);
}

#[test]
fn completions_and_man_page() {
    let dir = Repo::plain();
    for shell in ["bash", "zsh", "fish"] {
        let run = dir.run(["completions", shell]);
        assert_eq!(run.code, 0);
        for word in ["check", "fix", "explain", "unsafe-fixes", "output-format"] {
            assert!(run.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    #[cfg(unix)]
    {
        let bash = dir.run(["completions", "bash"]);
        std::fs::write(dir.path("pyhygiene.bash"), &bash.stdout).unwrap();
        let syntax = std::process::Command::new("bash")
            .arg("-n")
            .arg(dir.path("pyhygiene.bash"))
            .status()
            .unwrap();
        assert!(syntax.success(), "bash completion is not valid bash");
    }
    let man = dir.run(["man"]);
    assert!(man.stdout.contains(".TH pyhygiene 1"), "{}", man.stdout);
    assert!(man.stdout.contains("completions"));
    assert_eq!(dir.run(["completions", "tcsh"]).code, 2);
}

/// Inside a repository, a PATH in another one is an error (SPEC §4: a PATH never
/// makes a new root); `--root` names the other one, and from outside any
/// repository the first PATH brings its own.
#[test]
fn a_path_outside_the_repository_is_an_error_not_a_new_root() {
    let theirs = Repo::new();
    theirs
        .with_gitignore()
        .write("lib/m.py", "")
        .write("lib/m.pyc", "x")
        .add(&["lib/m.pyc"]);
    let expected = crate::common::pairs(&[("PYH001", "lib/m.pyc"), ("PYH203", "lib/m.pyc")]);

    let ours = Repo::new();
    ours.with_gitignore()
        .write("ours.pyc", "y")
        .add(&["ours.pyc"]);
    let theirs_path = theirs.root.to_str().unwrap();
    for command in ["check", "fix"] {
        let run = ours.run([command, theirs_path]);
        run.assert_error(&format!(
            "{theirs_path} leads outside the repository root {}",
            ours.root.display()
        ));
        assert!(run.stderr.contains("--root DIR"), "{}", run.stderr);
    }
    let run = ours.run([
        "check",
        "--output-format",
        "json",
        "--root",
        &format!("{theirs_path}/lib"),
    ]);
    assert_eq!(
        (run.code, run.findings()),
        (1, expected.clone()),
        "{}",
        run.stderr
    );

    // From a folder outside git that holds the repository.
    let outside = Repo::plain();
    let nested = outside.path("nested");
    std::fs::rename(&theirs.root, &nested).unwrap();
    let run = outside.run(["check", "--output-format", "json", "nested"]);
    assert_eq!((run.code, run.findings()), (1, expected), "{}", run.stderr);
    std::fs::rename(&nested, &theirs.root).unwrap();

    // Ours and theirs at once: no single root.
    let run = ours.run(["check", "ours.pyc", theirs_path]);
    run.assert_error("leads outside the repository root");
}

/// A PATH inside a repository nested in the current one (a clone, a submodule)
/// checks that repository; mixed with paths of the outer one, it is an error, not a
/// silent "no problems".
#[test]
fn a_path_in_a_nested_repository() {
    let outer = Repo::new();
    outer.with_gitignore().write("app.py", "");
    let inner = outer.path("inner");
    std::fs::create_dir_all(inner.join("p")).unwrap();
    outer.git(["-C", "inner", "init", "-q"]);
    std::fs::write(inner.join(".gitignore"), "__pycache__/\n*.py[cod]\n").unwrap();
    std::fs::write(inner.join("p/z.py"), "").unwrap();
    std::fs::write(inner.join("p/z.pyc"), "x").unwrap();
    outer.git(["-C", "inner", "add", "-f", "p/z.pyc", ".gitignore"]);

    let run = outer.run(["check", "--output-format", "json", "inner/p/z.pyc"]);
    assert_eq!(
        (run.code, run.findings()),
        (
            1,
            crate::common::pairs(&[("PYH001", "p/z.pyc"), ("PYH203", "p/z.pyc")])
        ),
        "{}",
        run.stderr
    );
    let run = outer.run(["check", "app.py", "inner/p/z.pyc"]);
    run.assert_error("inner/p/z.pyc is inside another repository, inner");
}
