//! Every `pyhygiene explain` example is a transcript the code reproduces: each
//! rule's `## Example` console block is replayed in a real repository (built by a
//! hidden setup below, with real git and python3), every `$` command is run, and
//! its output must be exactly what the block shows. `PYHYGIENE_BLESS=1` rewrites
//! the blocks in `rules/` from what the code prints.

// The transcripts are bash with POSIX tools, run with a symlinked binary on a `:` PATH.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{isolate, python3, Repo};

/// The interpreter the examples are written for; the machine's is substituted.
const EXAMPLE_TAG: &str = "cpython-312";
const EXAMPLE_VERSION: &str = "3.12";

const GITIGNORE: &str =
    "printf '__pycache__/\\n*.py[cod]\\n*$py.class\\n' > .gitignore && git add .gitignore";

/// How each rule's example repository is built before its transcript runs.
fn setup(code: &str) -> String {
    let script = match code {
        "PYH001" => "mkdir pkg && touch pkg/__init__.py && echo 'X = 1' > pkg/mod.py && git add . && python3 -m compileall -q pkg",
        "PYH002" => "mkdir -p .pytest_cache/v/cache mypkg.egg-info && echo '{}' > .pytest_cache/v/cache/lastfailed && echo 'Name: mypkg' > mypkg.egg-info/PKG-INFO && touch mypkg.egg-info/SOURCES.txt && git add -f .pytest_cache mypkg.egg-info",
        "PYH003" => "mkdir -p env/bin env/lib/python3.12/site-packages && echo 'home = /usr/bin' > env/pyvenv.cfg && touch env/bin/activate env/lib/python3.12/site-packages/six.py",
        "PYH101" => "git rm -q --cached .gitignore && rm .gitignore && mkdir lib tests && touch app.py lib/util.py tests/test_util.py && git add .",
        "PYH102" => "printf '__pycache__/\\n' > .gitignore && mkdir lib && touch app.py lib/util.py && git add .",
        "PYH201" => "mkdir pkg && touch pkg/__init__.py && echo 'X = 1' > pkg/old.py && git add . && git commit -qm init && python3 -m compileall -q pkg",
        "PYH202" => "mkdir pkg && touch pkg/__init__.py && echo 'X = 1' > pkg/helpers.py && python3 -m compileall -q -b pkg && rm pkg/helpers.py pkg/__init__.pyc",
        "PYH203" => "mkdir pkg && echo 'X = 1' > pkg/mod.py",
        "PYH204" => "mkdir -p pkg/__pycache__ && touch pkg/__init__.py",
        "PYH205" => "mkdir pkg && echo 'X = 1' > pkg/m.py && touch -d '2026-01-01 00:00:00 UTC' pkg/m.py && python3 -m compileall -q pkg",
        "PYH206" => "printf 'python-tags = [\"cpython-312\"]\\n' > pyhygiene.toml && mkdir pkg && echo 'X = 1' > pkg/m.py && python3 -m compileall -q pkg && cp pkg/__pycache__/m.cpython-312.pyc pkg/__pycache__/m.cpython-36.pyc",
        "PYH207" => "mkdir -p pkg/old && touch pkg/__init__.py && echo 'X = 1' > pkg/old/core.py && git add . && git commit -qm init && python3 -m compileall -q pkg",
        other => panic!("{other} has an example but no setup in tests/cli/examples.rs"),
    };
    format!("set -e; {GITIGNORE}; {script}")
}

/// `(command, expected output)` pairs of a console block.
fn transcript(block: &str) -> Vec<(String, String)> {
    let mut steps: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => steps.push((command.to_owned(), String::new())),
            None => {
                let (_, output) = steps.last_mut().expect("a block starts with a command");
                output.push_str(line);
                output.push('\n');
            }
        }
    }
    steps
}

/// The `## Example` console block of a rule's explanation: its span in the text.
fn example_span(explanation: &str) -> Option<(usize, usize)> {
    let section = explanation.find("## Example\n")?;
    let open = "```console\n";
    let start = section + explanation[section..].find(open)? + open.len();
    let end = start + explanation[start..].find("```")?;
    Some((start, end))
}

/// Run a shell command in the repository with `pyhygiene` on the PATH.
fn shell(repo: &Repo, bin_dir: &Path, script: &str) -> (bool, String) {
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let mut cmd = Command::new("bash");
    isolate(&mut cmd);
    let output = cmd
        .args(["-c", script])
        .current_dir(&repo.root)
        .env("PATH", path)
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[test]
fn every_explain_example_is_what_the_code_prints() {
    let bin_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_pyhygiene"),
        bin_dir.path().join("pyhygiene"),
    )
    .unwrap();
    let (tag, version) = (&python3().tag, &python3().version);
    let to_machine = |text: &str| {
        text.replace(EXAMPLE_TAG, tag).replace(
            &format!("Python {EXAMPLE_VERSION}"),
            &format!("Python {version}"),
        )
    };
    let to_example = |text: &str| {
        text.replace(tag.as_str(), EXAMPLE_TAG).replace(
            &format!("Python {version}"),
            &format!("Python {EXAMPLE_VERSION}"),
        )
    };
    let bless = std::env::var_os("PYHYGIENE_BLESS").is_some();
    let rules_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut drifted = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&rules_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 12, "{files:?}");
    for file in files {
        let code = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let data = std::fs::read_to_string(&file).unwrap();
        let (start, end) =
            example_span(&data).unwrap_or_else(|| panic!("{code} has no console example"));
        let repo = Repo::new();
        let (ok, output) = shell(&repo, bin_dir.path(), &to_machine(&setup(&code)));
        assert!(ok, "{code} setup failed: {output}");
        let mut actual = String::new();
        for (command, _) in transcript(&data[start..end]) {
            let (_, output) = shell(&repo, bin_dir.path(), &to_machine(&command));
            actual.push_str(&format!("$ {command}\n{}", to_example(&output)));
        }
        if actual != data[start..end] {
            if bless {
                let blessed = format!("{}{actual}{}", &data[..start], &data[end..]);
                std::fs::write(&file, blessed).unwrap();
            }
            drifted.push(format!(
                "rules/{code}.toml example drifted; the code prints:\n{actual}"
            ));
        }
    }
    assert!(
        drifted.is_empty() || bless,
        "{}\n(PYHYGIENE_BLESS=1 cargo test rewrites them)",
        drifted.join("\n")
    );
}
