//! Every `pyhygiene explain` example is a transcript the code reproduces: each
//! rule's `## Example` console block is replayed in a real repository (built by a
//! hidden setup, the rule's `example-setup`, with real git and python3), every `$` command is run, and
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

/// How a rule's example repository is built before its transcript runs: the
/// ignore entries, then the rule's `example-setup` from its data file.
fn setup(code: &str) -> String {
    let rule = pyhygiene::registry::Rule::from_code(code)
        .unwrap_or_else(|| panic!("rules/{code}.toml is not in the registry"));
    format!("set -e; {GITIGNORE}; {}", rule.meta().example_setup.trim())
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
