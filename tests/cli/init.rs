//! `pyhygiene init`: creates or appends, never overwrites; twice changes nothing.

use crate::common::{changed, snapshot, Repo};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn entry(indent: &str) -> String {
    format!(
        "{indent}- repo: https://github.com/pyhygiene/pyhygiene\n{indent}  rev: v{VERSION}\n{indent}  hooks:\n{indent}    - id: pyhygiene\n"
    )
}

#[test]
fn init_creates_the_config_and_workflow_once() {
    let repo = Repo::new();
    let run = repo.run(["init", "--github"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Created .pre-commit-config.yaml\n\
             Created .github/workflows/pyhygiene.yml\n\
             Next: `pre-commit install`, then commit .pre-commit-config.yaml and .github/workflows/pyhygiene.yml\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(repo.path(".pre-commit-config.yaml")).unwrap(),
        format!("repos:\n{}", entry("  "))
    );
    let workflow = std::fs::read_to_string(repo.path(".github/workflows/pyhygiene.yml")).unwrap();
    assert!(
        workflow.ends_with(&format!("      - uses: pyhygiene/pyhygiene@v{VERSION}\n")),
        "{workflow}"
    );
    let before = snapshot(&repo.root);
    let again = repo.run(["init", "--github"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (
            0,
            ".pre-commit-config.yaml already runs pyhygiene: left alone\n\
             .github/workflows/pyhygiene.yml exists: left alone\n"
        )
    );
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        Vec::<String>::new()
    );
}

#[test]
fn init_appends_to_a_config_keeping_every_byte() {
    let repo = Repo::new();
    let old = "# team hooks\r\nrepos:\r\n    - repo: local\r\n      hooks: []";
    repo.write(".pre-commit-config.yaml", old);
    let dry = repo.run(["init", "--dry-run"]);
    assert_eq!(dry.code, 1, "something to change");
    assert!(
        dry.stdout
            .starts_with("--- a/.pre-commit-config.yaml\n+++ b/.pre-commit-config.yaml\n"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        std::fs::read_to_string(repo.path(".pre-commit-config.yaml")).unwrap(),
        old,
        "a dry run changes nothing"
    );
    let run = repo.run(["init"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Added the pyhygiene hook to .pre-commit-config.yaml\n\
             Next: `pre-commit install`, then commit .pre-commit-config.yaml\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(repo.path(".pre-commit-config.yaml")).unwrap(),
        format!("{old}\r\n{}", entry("    ").replace('\n', "\r\n"))
    );
}

#[test]
fn init_leaves_a_shape_it_cannot_edit_and_prints_the_entry() {
    let repo = Repo::new();
    repo.write(
        ".pre-commit-config.yaml",
        "repos: []\nci:\n  autofix_prs: false\n",
    );
    let before = snapshot(&repo.root);
    let run = repo.run(["init"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            1,
            format!(
                "Did not edit .pre-commit-config.yaml: it has no block `repos:` list. Add this entry under `repos:`:\n\n{}\n",
                entry("  ")
            )
            .as_str()
        )
    );
    assert_eq!(
        changed(&before, &snapshot(&repo.root)),
        Vec::<String>::new()
    );
}
