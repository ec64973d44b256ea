//! Configuration lookup and errors (SPEC §7).

use crate::common::{pairs, Repo};

#[test]
fn bad_config_points_at_line_and_column() {
    let repo = Repo::new();
    repo.write(
        "pyhygiene.toml",
        "select = [\"PYH0\"]\nfail-on = \"warning\"\nexclud = [\"x\"]\n",
    );
    let run = repo.run(["check", "--color", "never"]);
    run.assert_error("pyhygiene.toml:3:1: unknown field `exclud`");
    assert!(run.stdout.is_empty());

    repo.write("pyhygiene.toml", "exclude = [\"a/[b\"]\n");
    let run = repo.run(["check", "--color", "never"]);
    run.assert_error("pyhygiene.toml:1:12: invalid glob `a/[b`");

    repo.write(
        "pyhygiene.toml",
        "select = [\n  \"PYH001\",\n  \"PYH9\",\n]\n",
    );
    let run = repo.run(["check", "--color", "never"]);
    run.assert_error("pyhygiene.toml:3:3: unknown rule selector `PYH9`");

    repo.write("pyhygiene.toml", "fail-on = 3\n");
    let run = repo.run(["check", "--color", "never"]);
    run.assert_error("pyhygiene.toml:1:11: wanted string or table");

    repo.write("pyhygiene.toml", "[severity]\nPYH01 = \"error\"\n");
    let run = repo.run(["check", "--color", "never"]);
    run.assert_error("pyhygiene.toml:2:1: unknown rule code `PYH01` in [severity]");

    // --no-config skips the broken file.
    assert_eq!(
        repo.run(["check", "--no-config", "--select", "PYH0"]).code,
        0
    );
}

#[test]
fn pyproject_table_and_lookup_order() {
    let repo = Repo::new();
    repo.write("x.pyc", "1")
        .write(".mypy_cache/a", "2")
        .add(&["."]);
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\n\n[tool.pyhygiene]\nselect = [\"PYH002\"]\n",
    );
    let run = repo.run(["--output-format", "json"]);
    assert_eq!(run.findings(), pairs(&[("PYH002", ".mypy_cache")]));
    // An error in pyproject.toml points into pyproject.toml.
    repo.write(
        "pyproject.toml",
        "[tool.pyhygiene]\nselect = [\"PYH002\"]\nfoo = 1\n",
    );
    let run = repo.run(["--color", "never"]);
    assert!(
        run.stderr
            .contains("pyproject.toml:3:1: unknown field `foo`"),
        "{}",
        run.stderr
    );
    // pyhygiene.toml wins over pyproject.toml.
    repo.write("pyhygiene.toml", "select = [\"PYH001\"]\n");
    let run = repo.run(["--output-format", "json"]);
    assert_eq!(run.findings(), pairs(&[("PYH001", "x.pyc")]));
    // --config FILE wins over both; CLI --select wins over config.
    repo.write("other.toml", "select = [\"PYH002\"]\n");
    let run = repo.run(["--output-format", "json", "--config", "other.toml"]);
    assert_eq!(run.findings(), pairs(&[("PYH002", ".mypy_cache")]));
    let run = repo.run([
        "--output-format",
        "json",
        "--select",
        "PYH0",
        "--ignore",
        "PYH002",
    ]);
    assert_eq!(run.findings(), pairs(&[("PYH001", "x.pyc")]));
    let run = repo.run(["check", "--config", "missing.toml"]);
    run.assert_error("cannot read config file missing.toml");
}

#[test]
fn exclude_and_tool_caches() {
    let repo = Repo::new();
    repo.write("vendor/lib/x.pyc", "1")
        .write("src/y.pyc", "2")
        .write("build/.cache-dir/z", "3")
        .add(&["."]);
    repo.write(
        "pyhygiene.toml",
        "select = [\"PYH0\"]\nexclude = [\"vendor\"]\ntool-caches = [\".cache-*\"]\n",
    );
    let run = repo.run(["--output-format", "json"]);
    assert_eq!(
        run.findings(),
        pairs(&[("PYH001", "src/y.pyc"), ("PYH002", "build/.cache-dir")])
    );
    let run = repo.run([
        "--select",
        "PYH001",
        "--output-format",
        "json",
        "--no-config",
    ]);
    assert_eq!(
        run.findings(),
        pairs(&[("PYH001", "src/y.pyc"), ("PYH001", "vendor/lib/x.pyc")])
    );
}

/// Rule selection as ruff: the more specific selector wins inside a layer, the
/// flags' `--select` starts over, and `[severity]` turns a rule on or off.
#[test]
fn selection_precedence_as_ruff() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/m.py", "A = 1\n")
        .write("pkg/m.pyc", "")
        .write("pkg/__pycache__/gone.cpython-311.pyc", "")
        .write("pkg/__pycache__/m.cpython-311.pyc", "");
    let codes = |config: &str, flags: &[&str]| -> Vec<(String, String)> {
        repo.write("pyhygiene.toml", config);
        let mut args = vec!["check", "--output-format", "json"];
        args.extend(flags);
        let run = repo.run(args);
        assert_ne!(run.code, 2, "{}", run.stderr);
        run.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let code = d["code"].as_str().unwrap().to_owned();
                let severity = d["severity"].as_str().unwrap().to_owned();
                (code, severity)
            })
            .collect()
    };
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let orphan = ("PYH201", "warning");
    let legacy = ("PYH203", "warning");

    assert_eq!(codes("", &[]), owned(&[orphan, legacy]));
    // More specific wins: an ignored prefix does not hide a selected code.
    assert_eq!(
        codes("", &["--select", "PYH203", "--ignore", "PYH2"]),
        owned(&[legacy])
    );
    assert_eq!(
        codes("", &["--select", "PYH2", "--ignore", "PYH203"]),
        owned(&[orphan, ("PYH205", "warning")])
    );
    // A rule name is as specific as its code.
    assert_eq!(
        codes("", &["--select", "orphaned-bytecode", "--ignore", "PYH201"]),
        owned(&[])
    );
    assert_eq!(
        codes("", &["--select", "orphaned-bytecode", "--ignore", "PYH2"]),
        owned(&[orphan])
    );
    // Equal specificity: ignoring wins.
    assert_eq!(
        codes("", &["--select", "PYH203", "--ignore", "PYH203"]),
        owned(&[])
    );
    // The flags' --select starts over, config ignores included.
    assert_eq!(
        codes("ignore = [\"PYH203\"]\n", &["--select", "PYH203"]),
        owned(&[legacy])
    );
    // The flags' --extend-select overrides a config ignore; --ignore edits the config set.
    assert_eq!(
        codes("ignore = [\"PYH2\"]\n", &["--extend-select", "PYH203"]),
        owned(&[legacy])
    );
    assert_eq!(
        codes("select = [\"PYH20\"]\n", &["--ignore", "PYH201"]),
        owned(&[legacy, ("PYH205", "warning")])
    );
    // [severity] sets the level of what is selected; it does not re-select.
    assert_eq!(
        codes(
            "select = [\"PYH201\"]\n[severity]\nPYH203 = \"error\"\n",
            &[]
        ),
        owned(&[orphan])
    );
    // [severity] moves rules between error, warning and off, default-off ones included.
    assert_eq!(
        codes("[severity]\nPYH203 = \"error\"\nPYH201 = \"off\"\n", &[]),
        owned(&[("PYH203", "error")])
    );
    assert_eq!(
        codes("[severity]\nPYH205 = \"error\"\n", &[]),
        owned(&[orphan, legacy, ("PYH205", "error")])
    );
}

/// A config that is not UTF-8 names the file, line, column and byte offset.
#[test]
fn a_config_that_is_not_utf8_says_where() {
    let repo = Repo::new();
    repo.write("pyhygiene.toml", b"select = [\"PYH0\"]\n# caf\xe9\n");
    let run = repo.run(["check", "--color", "never"]);
    run.assert_error("pyhygiene.toml:2:6: not UTF-8: byte 0xE9 at byte offset 23");
    repo.write("other.toml", b"\xff");
    let run = repo.run(["check", "--color", "never", "--config", "other.toml"]);
    run.assert_error("other.toml:1:1: not UTF-8: byte 0xFF at byte offset 0");
}

/// `exclude = ["/vendor"]` is anchored at the root, as in `.gitignore`.
#[test]
fn a_leading_slash_anchors_an_exclude_at_the_root() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("vendor/a.pyc", "x")
        .write("lib/vendor/b.pyc", "y")
        .write("pyhygiene.toml", "exclude = [\"/vendor/\"]\n");
    let run = repo.run(["check", "--select", "PYH202", "--output-format", "json"]);
    assert_eq!(run.findings(), pairs(&[("PYH202", "lib/vendor/b.pyc")]));
    repo.write("pyhygiene.toml", "exclude = [\"vendor\"]\n");
    let run = repo.run(["check", "--select", "PYH202", "--output-format", "json"]);
    assert_eq!(run.findings(), vec![]);
}
