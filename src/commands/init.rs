//! `pyhygiene init`: add to `.pre-commit-config.yaml` (and optionally a GitHub
//! workflow) what protects a repository. Planning is pure; the command writes,
//! and only by appending or creating.

use crate::cli::InitArgs;
use crate::commands::{reader_may_leave, write_flushed, Status};
use crate::error::Error;
use crate::fix;
use crate::repo::Root;

/// `pyhygiene init`: add the hook (and the workflow), creating or appending only.
pub fn run(args: &InitArgs) -> Result<Status, Error> {
    let (root, _) = match &args.root {
        Some(dir) => Root::discover(Some(dir))?,
        None => Root::discover_for(&[])?,
    };
    root.refuse_fix_root(args.root.is_some())?;
    let mut out = String::new();
    let mut pending = false;
    let mut changed = Vec::new();
    let mut write = |name: &str, old: Option<&[u8]>, new: &[u8]| -> Result<(), Error> {
        if args.dry_run {
            out.push_str(&fix::gitignore::unified_diff(name, old, new));
        } else {
            let path = root.path.join(name);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)?;
            }
            fix::gitignore::write_appended(&path, old, new)
                .map_err(|e| Error::Fix(format!("cannot write {name}: {e}")))?;
        }
        changed.push(name.to_owned());
        Ok(())
    };
    let config = ".pre-commit-config.yaml";
    let existing = match std::fs::read(root.path.join(config)) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(Error::Fix(format!("cannot read {config}: {err}"))),
    };
    let mut notes = String::new();
    match plan_pre_commit(existing.as_deref()) {
        Edit::Create(text) => write(config, None, text.as_bytes())?,
        Edit::Append(bytes) => write(config, existing.as_deref(), &bytes)?,
        Edit::AlreadyThere => {
            notes.push_str(&format!("{config} already runs pyhygiene: left alone\n"))
        }
        Edit::CannotEdit(why) => {
            pending = true;
            notes.push_str(&format!(
                "Did not edit {config}: {why}. Add this entry under `repos:`:\n\n{}\n",
                hook_entry(2, "\n")
            ));
        }
    }
    if args.github {
        let workflow = ".github/workflows/pyhygiene.yml";
        if root.path.join(workflow).symlink_metadata().is_ok() {
            notes.push_str(&format!("{workflow} exists: left alone\n"));
        } else {
            write(workflow, None, github_workflow().as_bytes())?;
        }
    }
    let mut report = out;
    if !args.dry_run {
        for name in &changed {
            let verb = if name == config && existing.is_some() {
                "Added the pyhygiene hook to"
            } else {
                "Created"
            };
            report.push_str(&format!("{verb} {name}\n"));
        }
    }
    report.push_str(&notes);
    if !changed.is_empty() && !args.dry_run {
        report.push_str(&format!(
            "Next: `pre-commit install`, then commit {}\n",
            changed.join(" and ")
        ));
    }
    reader_may_leave(write_flushed(&mut std::io::stdout(), report.as_bytes()))?;
    Ok(if pending || (args.dry_run && !changed.is_empty()) {
        Status::Failed
    } else {
        Status::Clean
    })
}

/// The hook repository users add.
pub const HOOK_REPO: &str = "https://github.com/pyhygiene/pyhygiene";

/// The `repos:` entry, at a list indent of `indent` spaces.
pub fn hook_entry(indent: usize, eol: &str) -> String {
    let pad = " ".repeat(indent);
    let version = env!("CARGO_PKG_VERSION");
    [
        format!("{pad}- repo: {HOOK_REPO}"),
        format!("{pad}  rev: v{version}"),
        format!("{pad}  hooks:"),
        format!("{pad}    - id: pyhygiene"),
    ]
    .iter()
    .map(|line| format!("{line}{eol}"))
    .collect()
}

/// A whole `.pre-commit-config.yaml` holding only the pyhygiene hook.
pub fn new_config() -> String {
    format!("repos:\n{}", hook_entry(2, "\n"))
}

/// The workflow `--github` writes: the Action, with annotations on the PR.
pub fn github_workflow() -> String {
    let version = env!("CARGO_PKG_VERSION");
    format!(
        "name: pyhygiene\n\
         on: [push, pull_request]\n\
         permissions:\n  contents: read\n\
         jobs:\n  pyhygiene:\n    runs-on: ubuntu-latest\n    steps:\n\
         \x20     - uses: actions/checkout@v4\n\
         \x20       with:\n          persist-credentials: false\n\
         \x20     - uses: pyhygiene/pyhygiene@v{version}\n"
    )
}

/// What to do with an existing (or missing) `.pre-commit-config.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// No file: create it with these bytes.
    Create(String),
    /// The whole new file: the old bytes, untouched, plus the entry.
    Append(Vec<u8>),
    /// The hook repository is already listed.
    AlreadyThere,
    /// A shape this edit cannot extend safely: change nothing, show the snippet.
    CannotEdit(&'static str),
}

/// Plan the edit. Only one shape is extended: a block `repos:` list that is the
/// last top-level key, so the entry can go at the end of the file. Anything else
/// (flow style `repos: [...]`, another key after `repos:`, tabs, no `repos:`) is
/// left to the user.
pub fn plan_pre_commit(existing: Option<&[u8]>) -> Edit {
    let Some(bytes) = existing else {
        return Edit::Create(new_config());
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Edit::CannotEdit("it is not UTF-8");
    };
    if text.contains(HOOK_REPO) {
        return Edit::AlreadyThere;
    }
    if text.contains('\t') {
        return Edit::CannotEdit("it holds tabs");
    }
    let lines: Vec<&str> = text.lines().collect();
    // A top-level key: at column 0, not a comment, not a list item, not `---`.
    let top_level = |line: &str| !line.is_empty() && !line.starts_with([' ', '#', '-']);
    let Some(repos) = lines
        .iter()
        .position(|l| top_level(l) && l.trim_end() == "repos:")
    else {
        return Edit::CannotEdit("it has no block `repos:` list");
    };
    if lines[repos + 1..].iter().any(|l| top_level(l)) {
        return Edit::CannotEdit("another top-level key follows `repos:`");
    }
    let indent = lines[repos + 1..]
        .iter()
        .find(|l| l.trim_start().starts_with("- "))
        .map_or(2, |l| l.len() - l.trim_start().len());
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut new = bytes.to_vec();
    if !new.is_empty() && !new.ends_with(b"\n") {
        new.extend_from_slice(eol.as_bytes());
    }
    new.extend_from_slice(hook_entry(indent, eol).as_bytes());
    Edit::Append(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appended(old: &str) -> String {
        match plan_pre_commit(Some(old.as_bytes())) {
            Edit::Append(bytes) => String::from_utf8(bytes).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn appends_at_the_list_indent_keeping_every_byte() {
        let version = env!("CARGO_PKG_VERSION");
        let old = "# mine\nrepos:\n- repo: local\n  hooks: []";
        assert_eq!(
            appended(old),
            format!(
                "{old}\n- repo: {HOOK_REPO}\n  rev: v{version}\n  hooks:\n    - id: pyhygiene\n"
            )
        );
        let old = "repos:\r\n    - repo: x\r\n      rev: y\r\n";
        assert_eq!(
            appended(old),
            format!("{old}    - repo: {HOOK_REPO}\r\n      rev: v{version}\r\n      hooks:\r\n        - id: pyhygiene\r\n")
        );
        assert!(appended("default_stages: [pre-commit]\nrepos:\n").ends_with("  - id: pyhygiene\n"));
    }

    #[test]
    fn leaves_shapes_it_cannot_extend() {
        assert_eq!(plan_pre_commit(None), Edit::Create(new_config()));
        let listed = format!("repos:\n- repo: {HOOK_REPO}\n");
        assert_eq!(plan_pre_commit(Some(listed.as_bytes())), Edit::AlreadyThere);
        for (old, why) in [
            ("repos: []\n", "it has no block `repos:` list"),
            (
                "minimum_pre_commit_version: '3'\n",
                "it has no block `repos:` list",
            ),
            (
                "repos:\n- repo: x\nci:\n  skip: []\n",
                "another top-level key follows `repos:`",
            ),
            ("repos:\n\t- repo: x\n", "it holds tabs"),
        ] {
            assert_eq!(
                plan_pre_commit(Some(old.as_bytes())),
                Edit::CannotEdit(why),
                "{old}"
            );
        }
        assert_eq!(
            plan_pre_commit(Some(b"repos:\n\xff\n")),
            Edit::CannotEdit("it is not UTF-8")
        );
    }
}
