//! Caches on disk (PYH201–PYH206), checked against the real python3.

use std::collections::BTreeMap;
use std::process::Command;

use crate::common::{pairs, python, python3, tag, Repo};

/// Acceptance: pyhygiene and CPython's own `cache_from_source` agree on every
/// bytecode file of a tree made by compileall and then mutated (tests/data/differential.py).
#[test]
fn differential_against_cpython() {
    let dir = Repo::plain();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/differential.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&dir.root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let truth: BTreeMap<String, Option<String>> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(truth.len() >= 500, "only {} cache files", truth.len());

    let run = dir.run([
        "check",
        "--select",
        "PYH201,PYH202,PYH203",
        "--output-format",
        "json",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    for (code, path) in run.findings() {
        assert!(
            found.insert(path.clone(), code).is_none(),
            "two findings for {path}"
        );
    }
    let mut disagreements = Vec::new();
    for (path, expected) in &truth {
        let actual = found.get(path);
        if actual != expected.as_ref() {
            disagreements.push(format!(
                "{path}: python says {expected:?}, pyhygiene says {actual:?}"
            ));
        }
    }
    for path in found.keys() {
        if !truth.contains_key(path) {
            disagreements.push(format!(
                "{path}: pyhygiene reports a file python does not see as bytecode"
            ));
        }
    }
    let orphans = truth
        .values()
        .filter(|v| v.as_deref() == Some("PYH201"))
        .count();
    let live = truth.values().filter(|v| v.is_none()).count();
    eprintln!(
        "differential: {} cache files, {live} live, {orphans} orphans, {} disagreements",
        truth.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(
        orphans > 100 && live > 100,
        "the tree should mix live caches and orphans"
    );
}

#[test]
fn orphans_legacy_and_empty_folders() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/__init__.py", "")
        .write("pkg/old.py", "A = 1\n")
        .write("pkg/keep.py", "B = 2\n")
        .write("pkg/foo.bar.py", "")
        .write("legacy/mod.py", "");
    python(&repo, "import compileall; compileall.compile_dir('pkg', quiet=2); compileall.compile_dir('legacy', quiet=2, legacy=True)");
    repo.remove("pkg/old.py")
        .remove("legacy/mod.py")
        .write("legacy/beside.py", "")
        .write("legacy/beside.pyc", "")
        .write(format!("pkg/__pycache__/keep.{}.pyc.12345", tag()), "")
        .write(
            "pkg/__pycache__/notes.txt",
            "not bytecode: never reported by PYH201",
        )
        .write("empty/__pycache__/.keep-out", "");
    std::fs::remove_file(repo.path("empty/__pycache__/.keep-out")).unwrap();
    repo.write("odd/__pycache__", "a file")
        .write("odd/x.py", "");
    let run = repo.run(["check", "--select", "PYH2", "--output-format", "json"]);
    let tag = tag();
    assert_eq!(
        run.findings(),
        pairs(&[
            ("PYH201", &format!("pkg/__pycache__/keep.{tag}.pyc.12345")),
            ("PYH201", &format!("pkg/__pycache__/old.{tag}.pyc")),
            ("PYH202", "legacy/mod.pyc"),
            ("PYH203", "legacy/beside.pyc"),
            ("PYH204", "odd/__pycache__"),
            // A folder holding only an empty `__pycache__`: a deleted package.
            ("PYH207", "empty"),
        ])
    );
    let json = run.json();
    let messages: Vec<String> = run.messages().into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        messages,
        [
            "leftover of an interrupted cache write",
            "cache of missing source `pkg/old.py`",
            &format!("module `mod` is importable without its source `legacy/mod.py` by Python {}, which wrote it; other versions refuse it (bad magic number)", python3().version),
            "legacy bytecode beside `legacy/beside.py`",
            "a file named `__pycache__` stops CPython from writing caches here (not removed automatically)",
            "deleted package: nothing left but empty `__pycache__` folders; `import empty` still succeeds (a namespace package) and hides the deletion",
        ]
    );
    assert_eq!(json["diagnostics"][2]["severity"], "error");
    assert_eq!(json["diagnostics"][2]["fix"]["safety"], "unsafe");
    assert_eq!(json["diagnostics"][4]["fix"], serde_json::Value::Null);
    assert_eq!(run.code, 1, "PYH202 is an error");
}

/// Orphans are found whether git ignores them or not, and never in skipped folders.
#[test]
fn ignored_orphans_found_skipped_folders_not() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("a/__pycache__/gone.cpython-311.pyc", "")
        .write("a/live.py", "")
        .write("node_modules/x/__pycache__/gone.cpython-311.pyc", "")
        .write("lib/site-packages/__pycache__/gone.cpython-311.pyc", "")
        .write("vendor/__pycache__/gone.cpython-311.pyc", "")
        .write("myenv/pyvenv.cfg", "home = /usr/bin\n")
        .write("myenv/lib/__pycache__/gone.cpython-311.pyc", "")
        .write("myenv/stray.pyc", "");
    repo.write("pyhygiene.toml", "exclude = [\"vendor\"]\n");
    let run = repo.run(["check", "--select", "PYH2", "--output-format", "json"]);
    assert_eq!(
        run.findings(),
        pairs(&[("PYH201", "a/__pycache__/gone.cpython-311.pyc")])
    );
    let ignored = repo.git(["status", "--porcelain", "--ignored", "a/__pycache__"]);
    assert_eq!(
        ignored, "!! a/__pycache__/\n",
        "the orphan is ignored by git and still found"
    );
}

/// A real virtualenv inside the repository produces no findings at all.
#[test]
fn virtualenv_inside_repo_is_silent() {
    let repo = Repo::new();
    repo.with_gitignore().write("app.py", "").commit("x");
    let status = Command::new("python3")
        .args(["-m", "venv", ".venv"])
        .current_dir(&repo.root)
        .status()
        .unwrap();
    assert!(status.success());
    python(
        &repo,
        "import compileall; compileall.compile_dir('.venv', quiet=2)",
    );
    let run = repo.run([
        "check",
        "--extend-select",
        "PYH205,PYH206",
        "--output-format",
        "json",
    ]);
    assert_eq!(run.findings(), pairs(&[]), "{}", run.stdout);
}

#[test]
fn stale_timestamp_and_hash_pycs() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "A = 1\n")
        .write("h.py", "B = 2\n")
        .write("u.py", "C = 3\n");
    python(
        &repo,
        "import py_compile as p; p.compile('m.py'); \
         p.compile('h.py', invalidation_mode=p.PycInvalidationMode.CHECKED_HASH); \
         p.compile('u.py', invalidation_mode=p.PycInvalidationMode.UNCHECKED_HASH)",
    );
    let check = |repo: &Repo| repo.run(["check", "--select", "PYH205", "--output-format", "json"]);
    assert_eq!(
        check(&repo).findings(),
        pairs(&[]),
        "fresh caches are not stale"
    );

    // Same size, other bytes: only the hash pyc can tell; then a size change.
    repo.write("h.py", "B = 3\n").write("u.py", "C = 4\n");
    let run = check(&repo);
    assert_eq!(
        run.findings(),
        vec![("PYH205".to_string(), format!("__pycache__/h.{}.pyc", tag()))]
    );
    assert_eq!(
        run.json()["diagnostics"][0]["message"],
        "stale: source hash in header differs from the hash of `h.py`"
    );
    repo.write("m.py", "A = 100\n");
    let run = check(&repo);
    assert_eq!(
        run.findings(),
        vec![
            ("PYH205".to_string(), format!("__pycache__/h.{}.pyc", tag())),
            ("PYH205".to_string(), format!("__pycache__/m.{}.pyc", tag())),
        ]
    );
    assert_eq!(
        run.json()["diagnostics"][1]["message"],
        stale_size_message(&repo, "m.py", &format!("__pycache__/m.{}.pyc", tag()), 6, 8)
    );

    // mtime only (same size), set explicitly.
    repo.write("m.py", "A = 1\n");
    python(
        &repo,
        "import os; st = os.stat('m.py'); os.utime('m.py', (st.st_atime, st.st_mtime + 5))",
    );
    let run = check(&repo);
    let messages: Vec<String> = run.messages().into_iter().map(|(_, m)| m).collect();
    assert!(
        messages[1].starts_with("stale: the header records `m.py` as of ")
            && !messages[1].contains("bytes"),
        "{messages:?}"
    );
}

#[test]
fn not_bytecode_and_inconsistent_tags() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "")
        .write("n.py", "")
        .write("e.py", "");
    python(&repo, "import py_compile; py_compile.compile('m.py')");
    // This python's pyc under another version's name, a garbage pyc and an empty one.
    let python = python3();
    let (other_tag, other_version) = if python.tag == "cpython-312" {
        ("cpython-311", "3.11")
    } else {
        ("cpython-312", "3.12")
    };
    std::fs::copy(
        repo.path(format!("__pycache__/m.{}.pyc", python.tag)),
        repo.path(format!("__pycache__/m.{other_tag}.pyc")),
    )
    .unwrap();
    repo.write("__pycache__/n.cpython-311.pyc", "garbage!garbage!")
        .write("__pycache__/e.cpython-311.pyc", "");
    let run = repo.run(["check", "--select", "PYH205", "--output-format", "json"]);
    let got = run.messages();
    let inconsistent = format!(
        "inconsistent: the tag `{other_tag}` says Python {other_version}, the magic number {} says Python {}",
        python.magic, python.version
    );
    assert_eq!(
        got,
        vec![
            (
                "__pycache__/e.cpython-311.pyc".to_string(),
                "empty file; CPython will rewrite it".to_string()
            ),
            (format!("__pycache__/m.{other_tag}.pyc"), inconsistent),
            (
                "__pycache__/n.cpython-311.pyc".to_string(),
                "not bytecode: bad magic [67, 61, 72, 62]; CPython will rewrite it".to_string()
            ),
        ]
    );
}

#[test]
fn foreign_interpreter_caches() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "")
        .write("__pycache__/m.cpython-311.pyc", "")
        .write("__pycache__/m.cpython-36.pyc", "")
        .write("__pycache__/m.pypy39.opt-1.pyc", "")
        .write("__pycache__/gone.cpython-36.pyc", "");
    let run = repo.run(["check", "--select", "PYH206", "--output-format", "json"]);
    assert_eq!(run.findings(), pairs(&[]));
    assert!(
        run.stderr
            .contains("PYH206 (foreign-interpreter-cache) needs `python-tags`"),
        "{}",
        run.stderr
    );
    repo.write("pyhygiene.toml", "python-tags = [\"cpython-311\"]\n");
    let run = repo.run([
        "check",
        "--select",
        "PYH206,PYH201",
        "--output-format",
        "json",
    ]);
    assert_eq!(
        run.findings(),
        pairs(&[
            ("PYH201", "__pycache__/gone.cpython-36.pyc"),
            ("PYH206", "__pycache__/m.cpython-36.pyc"),
            ("PYH206", "__pycache__/m.pypy39.opt-1.pyc"),
        ])
    );
}

/// Headers are read while walking through the folders held open; a folder deeper
/// than the walker keeps parents open for, and a cache whose first source candidate
/// is not its owner (here excluded), are completed after the walk, against the owner.
#[test]
fn stale_caches_at_any_depth_and_against_the_real_owner() {
    let repo = Repo::new();
    let deep = (0..60)
        .map(|i| format!("d{i}"))
        .collect::<Vec<_>>()
        .join("/");
    repo.with_gitignore()
        .write("pyhygiene.toml", "exclude = [\"x.py\"]\n")
        .write(format!("{deep}/m.py"), "A = 1\n")
        .write("x.pyw", "B = 2\n");
    python(
        &repo,
        &format!("import py_compile as p; p.compile('{deep}/m.py'); p.compile('x.pyw')"),
    );
    // Same name as x.pyw's cache, another size: the owner is x.pyw, x.py is excluded.
    repo.write("x.py", "B = 22222\n");
    let check = |repo: &Repo| repo.run(["check", "--select", "PYH205", "--output-format", "json"]);
    assert_eq!(
        check(&repo).findings(),
        pairs(&[]),
        "fresh caches are not stale"
    );

    repo.write(format!("{deep}/m.py"), "A = 100\n")
        .write("x.pyw", "B = 200\n");
    let run = check(&repo);
    assert_eq!(
        run.messages(),
        vec![
            (
                format!("__pycache__/x.{}.pyc", tag()),
                stale_size_message(
                    &repo,
                    "x.pyw",
                    &format!("__pycache__/x.{}.pyc", tag()),
                    6,
                    8
                )
            ),
            (
                format!("{deep}/__pycache__/m.{}.pyc", tag()),
                stale_size_message(
                    &repo,
                    &format!("{deep}/m.py"),
                    &format!("{deep}/__pycache__/m.{}.pyc", tag()),
                    6,
                    8
                )
            ),
        ]
    );
}

/// Outside Windows `.pyw` is no source for the import system: a legacy `w.pyc`
/// beside `w.pyw` is what `import w` loads, so it is sourceless (PYH202).
#[test]
fn legacy_pyc_beside_pyw_is_sourceless() {
    let repo = Repo::new();
    repo.with_gitignore().write("w.pyw", "X = 1\n");
    python(
        &repo,
        "import py_compile; py_compile.compile('w.pyw', cfile='w.pyc')",
    );
    let imported = std::process::Command::new("python3")
        .args(["-c", "import w; print(w.__file__)"])
        .current_dir(&repo.root)
        .output()
        .unwrap();
    let imported = String::from_utf8(imported.stdout).unwrap();
    assert!(
        imported.trim_end().ends_with("/w.pyc"),
        "python imported {imported:?}"
    );
    let run = repo.run([
        "check",
        "--select",
        "PYH202,PYH203",
        "--output-format",
        "json",
    ]);
    assert_eq!(
        run.messages(),
        pairs(&[(
            "w.pyc",
            &format!("module `w` is importable without its source `w.py` by Python {}, which wrote it; other versions refuse it (bad magic number)", python3().version),
        )])
    );
    assert_eq!(run.code, 1);
}

/// Each PYH202 message says what the real `python3` import does: a package's
/// `__init__.pyc` is the package's, this Python's bytecode imports, Python 2.7's
/// and non-bytecode are refused with `bad magic number`.
#[test]
fn sourceless_messages_say_what_importing_does() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("pkg/__init__.py", "NAME = 'pkg'\n")
        .write("cur.py", "X = 1\n");
    python(
        &repo,
        "import py_compile; py_compile.compile('pkg/__init__.py', cfile='pkg/__init__.pyc', doraise=True); py_compile.compile('cur.py', cfile='cur.pyc', doraise=True)",
    );
    repo.remove("pkg/__init__.py").remove("cur.py");
    std::fs::copy(repo.path("cur.pyc"), repo.path("__init__.pyc")).unwrap();
    // Python 2.7's magic (62211), a timestamp, then code Python 3 never reads.
    repo.write("old.pyc", b"\x03\xf3\x0d\x0a\0\0\0\0c\0\0\0\0")
        .write("junk.pyc", "x");
    let import = |module: &str| {
        let output = Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .current_dir(&repo.root)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), stderr.contains("bad magic number"))
    };
    assert_eq!(import("pkg"), (true, false));
    assert_eq!(import("cur"), (true, false));
    assert_eq!(import("old"), (false, true));
    assert_eq!(import("junk"), (false, true));
    let run = repo.run(["check", "--select", "PYH202", "--output-format", "json"]);
    let version = &python3().version;
    assert_eq!(
        run.messages(),
        pairs(&[
            ("__init__.pyc", &format!("the root folder's package is importable without its source `__init__.py` by Python {version}, which wrote it; other versions refuse it (bad magic number)")),
            ("cur.pyc", &format!("module `cur` is importable without its source `cur.py` by Python {version}, which wrote it; other versions refuse it (bad magic number)")),
            ("junk.pyc", "module `junk` has no source `junk.py`, and its `.pyc` is not bytecode: importing it fails (bad magic number)"),
            ("old.pyc", "module `old` is importable without its source `old.py` by Python 2.7, which wrote it; Python 3 refuses it (bad magic number)"),
            ("pkg/__init__.pyc", &format!("package `pkg` is importable without its source `pkg/__init__.py` by Python {version}, which wrote it; other versions refuse it (bad magic number)")),
        ])
    );
}

/// PYH205 against CPython's own verdict for fractional and pre-1970 mtimes: each
/// cache is written at one source mtime, the source then set to another, and
/// `_validate_timestamp_pyc` (what `import` runs, on `int(st_mtime)`) decides.
#[test]
fn stale_verdicts_match_cpython_for_fractional_and_negative_mtimes() {
    let repo = Repo::new();
    repo.with_gitignore();
    let script = r#"
import importlib._bootstrap_external as be, importlib.util as u, os, py_compile, sys
times = [-2.0, -1.5, -1.0, -0.5, 0.5, 1.5, 1e9 + 0.7, 1e9 + 1.2]
for i, a in enumerate(times):
    for j, b in enumerate(times):
        src = f"m_{i}_{j}.py"
        with open(src, "w") as f:
            f.write("x = 1\n")
        os.utime(src, (a, a))
        cache = py_compile.compile(src, doraise=True)
        os.utime(src, (b, b))
        st = os.stat(src)
        data = open(cache, "rb").read()
        try:
            be._validate_timestamp_pyc(data, int(st.st_mtime), st.st_size, src, {"name": src, "path": cache})
        except ImportError:
            print(os.path.relpath(cache))
"#;
    let cpython: Vec<String> = python(&repo, script).lines().map(str::to_owned).collect();
    // Truncation and flooring disagree here: the test can tell them apart.
    for pair in ["m_1_2", "m_1_0", "m_3_4"] {
        let path = format!("__pycache__/{pair}.{}.pyc", tag());
        let stale = pair == "m_1_0";
        assert_eq!(cpython.contains(&path), stale, "{pair}: {cpython:?}");
    }
    assert!(cpython.len() > 20, "{cpython:?}");
    let run = repo.run(["check", "--select", "PYH205", "--output-format", "json"]);
    let mut ours: Vec<String> = run.findings().into_iter().map(|(_, p)| p).collect();
    let mut cpython = cpython;
    ours.sort();
    cpython.sort();
    assert_eq!(ours, cpython);
}

/// Jython classes: sourceless without their `.py` (PYH202), legacy beside it (PYH203).
#[test]
fn jython_classes_with_and_without_source() {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("Kept.py", "")
        .write("Kept$py.class", "x")
        .write("Gone$py.class", "y");
    let run = repo.run([
        "check",
        "--select",
        "PYH202,PYH203",
        "--output-format",
        "json",
    ]);
    assert_eq!(
        run.messages(),
        vec![
            (
                "Gone$py.class".to_owned(),
                "Jython class without its source `Gone.py`: Jython still imports it".to_owned()
            ),
            (
                "Kept$py.class".to_owned(),
                "legacy bytecode beside `Kept.py`".to_owned()
            ),
        ]
    );
}

/// What PYH205 says of a cache whose source changed size: both dates as ISO 8601
/// UTC (Python's `datetime` formats them) and both sizes.
fn stale_size_message(repo: &Repo, source: &str, cache: &str, old: u32, new: u32) -> String {
    let utc = |seconds: &str| {
        python(
            repo,
            &format!(
                "import datetime, os; print(datetime.datetime.fromtimestamp({seconds}, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))"
            ),
        )
        .trim()
        .to_owned()
    };
    let recorded = utc(&format!(
        "int.from_bytes(open({cache:?}, 'rb').read()[8:12], 'little')"
    ));
    let actual = utc(&format!("int(os.stat({source:?}).st_mtime)"));
    format!("stale: the header records `{source}` as of {recorded}, {old} bytes; it is now {actual}, {new} bytes")
}

/// A timestamp-stale cache names both modification times, as ISO 8601 UTC dates.
#[test]
fn stale_mtime_message_names_both_times() {
    let repo = Repo::new();
    repo.with_gitignore().write("m.py", "x = 1\n");
    python(
        &repo,
        "import os, py_compile; os.utime('m.py', (1000, 1000)); py_compile.compile('m.py', doraise=True); os.utime('m.py', (2000, 2000))",
    );
    let run = repo.run(["check", "--select", "PYH205", "--output-format", "json"]);
    assert_eq!(
        run.messages(),
        vec![(
            format!("__pycache__/m.{}.pyc", tag()),
            "stale: the header records `m.py` as of 1970-01-01T00:16:40Z; it was modified 1970-01-01T00:33:20Z".to_owned()
        )]
    );
}
