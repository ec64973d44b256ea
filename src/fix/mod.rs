//! The fixer: rules describe fixes, `plan` collects them, `apply` carries them out
//! in a safe order (untrack → ignore entries → delete files → remove emptied folders).

pub mod apply;
pub mod gitignore;
pub mod plan;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::diagnostic::display_path;
use crate::report::escape_controls;
use apply::{Action, Applied};
use plan::Plan;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn list(out: &mut String, paths: &[PathBuf]) {
    for path in paths {
        let _ = writeln!(out, "  {}", escape_controls(&display_path(path)));
    }
}

/// What the plan does to each path, in the order it happens; a file that is
/// untracked and deleted is listed once, with both.
fn per_path(plan: &Plan) -> BTreeMap<&Path, (bool, Vec<&'static str>)> {
    let mut per_path: BTreeMap<&Path, (bool, Vec<&'static str>)> = BTreeMap::new();
    let groups: [(&[PathBuf], bool, &'static str); 5] = [
        (&plan.untrack, false, "untrack"),
        (&plan.untrack_dirs, true, "untrack-folder"),
        (&plan.delete, false, "delete"),
        (&plan.remove_dirs, true, "remove-folder"),
        (&plan.remove_folders, true, "remove-folder"),
    ];
    for (paths, is_dir, action) in groups {
        for path in paths {
            let entry = per_path.entry(path).or_insert((is_dir, Vec::new()));
            entry.1.push(action);
        }
    }
    per_path
}

/// `--dry-run`: every path once with what would happen to it, then the
/// `.gitignore` diff. With nothing to change, the check's summary line: the same
/// voice as `fix` and `check`.
pub fn describe_plan(root: &Path, plan: &Plan, summary: &str) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        out.push_str(summary);
        out.push('\n');
        return out;
    }
    let paths = per_path(plan);
    if !paths.is_empty() {
        let folders = paths.values().filter(|(is_dir, _)| *is_dir).count();
        let files = paths.len() - folders;
        let what = match (files, folders) {
            (0, n) => plural(n, "folder", "folders"),
            (n, 0) => plural(n, "file", "files"),
            (f, d) => format!(
                "{} and {}",
                plural(f, "file", "files"),
                plural(d, "folder", "folders")
            ),
        };
        let _ = writeln!(out, "Would change {what}:");
        for (path, (is_dir, actions)) in &paths {
            let what = match actions.as_slice() {
                ["untrack", "delete"] => "untrack and delete",
                ["untrack"] => "untrack (it stays on disk)",
                ["untrack-folder"] => "untrack the folder (its files stay on disk)",
                ["delete"] => "delete",
                _ => "remove the folder (empty by then)",
            };
            let slash = if *is_dir { "/" } else { "" };
            let _ = writeln!(
                out,
                "  {}{slash}: {what}",
                escape_controls(&display_path(path))
            );
        }
    }
    if !plan.ignore_entries.is_empty() {
        let existing = std::fs::read(root.join(".gitignore")).ok();
        let new = gitignore::append(existing.as_deref(), &plan.ignore_entries);
        let _ = writeln!(out, "Would change .gitignore (and stage the new lines):");
        out.push_str(&gitignore::unified_diff(
            ".gitignore",
            existing.as_deref(),
            &new,
        ));
    }
    out
}

/// After applying: what happened to each path, said once (`Untracked and deleted
/// 8 files`), then what was skipped, failed and left undone.
pub fn describe_applied(applied: &Applied, verbose: bool) -> String {
    let mut out = String::new();
    // Per file: untracked, deleted (by us or already gone).
    let mut files: BTreeMap<&Path, (bool, Option<bool>)> = BTreeMap::new();
    let mut folders_untracked: Vec<PathBuf> = Vec::new();
    let (mut removed, mut removed_gone) = (Vec::new(), 0);
    let mut appended = None;
    for (action, gone) in applied
        .done
        .iter()
        .map(|a| (a, false))
        .chain(applied.gone.iter().map(|a| (a, true)))
    {
        match action {
            Action::Untrack(paths) => {
                for path in paths {
                    files.entry(path).or_default().0 = true;
                }
            }
            Action::UntrackDirs(paths) => folders_untracked.extend(paths.iter().cloned()),
            Action::AppendIgnore(entries) => appended = Some(entries),
            Action::Delete(path) => files.entry(path).or_default().1 = Some(gone),
            Action::RemoveDir(path) | Action::RemoveFolder(path) => {
                removed.push(path.clone());
                removed_gone += usize::from(gone);
            }
        }
    }
    let group = |untracked: bool, deleted: bool| -> (Vec<PathBuf>, usize) {
        let paths: Vec<(&Path, bool)> = files
            .iter()
            .filter(|(_, (u, d))| *u == untracked && d.is_some() == deleted)
            .map(|(path, (_, d))| (*path, d.unwrap_or(false)))
            .collect();
        let gone = paths.iter().filter(|(_, gone)| *gone).count();
        (
            paths.into_iter().map(|(p, _)| p.to_path_buf()).collect(),
            gone,
        )
    };
    let line = |out: &mut String,
                verb: &str,
                (paths, gone): (Vec<PathBuf>, usize),
                one,
                many,
                tail: &str| {
        if paths.is_empty() {
            return;
        }
        let all = plural(paths.len(), one, many);
        match gone {
            0 => writeln!(out, "{verb} {all}{tail}"),
            n => writeln!(out, "{verb} {all}{tail} ({n} already gone)"),
        }
        .ok();
        if verbose {
            list(out, &paths);
        }
    };
    line(
        &mut out,
        "Untracked and deleted",
        group(true, true),
        "file",
        "files",
        "",
    );
    line(
        &mut out,
        "Untracked",
        group(true, false),
        "file",
        "files",
        " (kept on disk)",
    );
    if !folders_untracked.is_empty() {
        let all = plural(folders_untracked.len(), "folder", "folders");
        let _ = writeln!(out, "Untracked {all} (files kept on disk):");
        list(&mut out, &folders_untracked);
    }
    if let Some(entries) = appended {
        let staged = if applied.staged_gitignore {
            " and staged"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "Appended to .gitignore{staged}: {}",
            entries.join(", ")
        );
    }
    line(&mut out, "Deleted", group(false, true), "file", "files", "");
    line(
        &mut out,
        "Removed",
        (removed, removed_gone),
        "empty folder",
        "empty folders",
        "",
    );
    for (action, reason) in &applied.skipped {
        let _ = writeln!(out, "Skipped {}: {reason}", name(action));
        if let Action::Untrack(paths) | Action::UntrackDirs(paths) = action {
            list(&mut out, paths);
        }
    }
    if let Some((action, reason)) = &applied.failed {
        let _ = writeln!(out, "Failed to {}: {reason}", verb(action));
        if !applied.not_done.is_empty() {
            let _ = writeln!(out, "Not done:");
            for action in &applied.not_done {
                let _ = writeln!(out, "  {}", verb(action));
            }
        }
    }
    out
}

fn name(action: &Action) -> String {
    match action {
        Action::Untrack(p) | Action::UntrackDirs(p) => plural(p.len(), "path", "paths"),
        Action::AppendIgnore(_) => ".gitignore".into(),
        Action::Delete(p) | Action::RemoveDir(p) | Action::RemoveFolder(p) => {
            escape_controls(&display_path(p)).into_owned()
        }
    }
}

fn verb(action: &Action) -> String {
    match action {
        Action::Untrack(p) => format!("untrack {}", plural(p.len(), "file", "files")),
        Action::UntrackDirs(p) => format!("untrack {}", plural(p.len(), "folder", "folders")),
        Action::AppendIgnore(e) => format!("append {} to .gitignore", e.join(", ")),
        Action::Delete(p) => format!("delete {}", escape_controls(&display_path(p))),
        Action::RemoveDir(p) | Action::RemoveFolder(p) => {
            format!("remove {}", escape_controls(&display_path(p)))
        }
    }
}

/// `fix --dry-run --output-format json`: the plan as one document, per path the
/// actions planned for it in the order they run (README, "Dry-run JSON").
pub fn plan_json(root: &Path, plan: &Plan) -> serde_json::Value {
    let per_path: BTreeMap<&Path, Vec<&'static str>> = per_path(plan)
        .into_iter()
        .map(|(path, (_, actions))| (path, actions))
        .collect();
    let paths: Vec<serde_json::Value> = per_path
        .into_iter()
        .map(
            |(path, actions)| serde_json::json!({ "path": display_path(path), "actions": actions }),
        )
        .collect();
    let gitignore = (!plan.ignore_entries.is_empty()).then(|| {
        let existing = std::fs::read(root.join(".gitignore")).ok();
        let new = gitignore::append(existing.as_deref(), &plan.ignore_entries);
        serde_json::json!({
            "path": ".gitignore",
            "created": existing.is_none(),
            "append": plan.ignore_entries,
            "diff": gitignore::unified_diff(".gitignore", existing.as_deref(), &new),
        })
    });
    serde_json::json!({
        "version": crate::report::json::FORMAT_VERSION,
        "dry_run": true,
        "root": root.display().to_string(),
        "paths": paths,
        "gitignore": gitignore,
        "summary": {
            "untrack": plan.untrack.len(),
            "untrack_folders": plan.untrack_dirs.len(),
            "ignore_entries": plan.ignore_entries.len(),
            "delete": plan.delete.len(),
            "remove_folders": plan.remove_dirs.len() + plan.remove_folders.len(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    /// What was done, what was already gone, skipped and not done: each said once,
    /// with counts that add up.
    #[test]
    fn applied_summary_counts_gone_as_done() {
        let applied = Applied {
            done: vec![
                Action::Untrack(paths(&["a.pyc", "b.pyc", "c.pyc"])),
                Action::AppendIgnore(vec!["__pycache__/".into(), "*.py[cod]".into()]),
                Action::Delete(PathBuf::from("a.pyc")),
                Action::Delete(PathBuf::from("x.pyc")),
                Action::Delete(PathBuf::from("y.pyc")),
                Action::RemoveDir(PathBuf::from("p/__pycache__")),
                Action::RemoveFolder(PathBuf::from("p")),
            ],
            gone: vec![
                Action::Delete(PathBuf::from("b.pyc")),
                Action::Delete(PathBuf::from("z.pyc")),
                Action::RemoveDir(PathBuf::from("q/__pycache__")),
                Action::RemoveDir(PathBuf::from("r/__pycache__")),
            ],
            skipped: vec![
                (
                    Action::Delete(PathBuf::from("s\nt.pyc")),
                    "it is a symlink".into(),
                ),
                (
                    Action::Untrack(paths(&["u.pyc"])),
                    "git left them in the index".into(),
                ),
            ],
            failed: Some((
                Action::RemoveDir(PathBuf::from("v/__pycache__")),
                "EIO".into(),
            )),
            not_done: vec![
                Action::Delete(PathBuf::from("w.pyc")),
                Action::UntrackDirs(paths(&["venv"])),
                Action::AppendIgnore(vec!["*.pyc".into()]),
            ],
            staged_gitignore: true,
        };
        assert_eq!(
            describe_applied(&applied, false),
            "Untracked and deleted 2 files (1 already gone)\n\
             Untracked 1 file (kept on disk)\n\
             Appended to .gitignore and staged: __pycache__/, *.py[cod]\n\
             Deleted 3 files (1 already gone)\n\
             Removed 4 empty folders (2 already gone)\n\
             Skipped s\\nt.pyc: it is a symlink\n\
             Skipped 1 path: git left them in the index\n  u.pyc\n\
             Failed to remove v/__pycache__: EIO\n\
             Not done:\n  delete w.pyc\n  untrack 1 folder\n  append *.pyc to .gitignore\n"
        );
        let verbose = describe_applied(&applied, true);
        assert!(
            verbose.contains("Deleted 3 files (1 already gone)\n  x.pyc\n  y.pyc\n  z.pyc\n"),
            "{verbose}"
        );
        assert!(
            verbose.contains("Untracked and deleted 2 files (1 already gone)\n  a.pyc\n  b.pyc\n"),
            "{verbose}"
        );
        let outside_git = Applied {
            done: vec![Action::AppendIgnore(vec!["*.pyc".into()])],
            ..Applied::default()
        };
        assert_eq!(
            describe_applied(&outside_git, false),
            "Appended to .gitignore: *.pyc\n"
        );
        let only_gone = Applied {
            gone: vec![Action::Delete(PathBuf::from("z.pyc"))],
            ..Applied::default()
        };
        assert_eq!(
            describe_applied(&only_gone, false),
            "Deleted 1 file (1 already gone)\n"
        );
    }
}
