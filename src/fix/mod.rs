//! The fixer: rules describe fixes, `plan` collects them, `apply` carries them out
//! in a safe order (untrack → ignore entries → delete files → remove emptied folders).

pub mod apply;
pub mod gitignore;
pub mod plan;

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

/// A heading and its paths, or nothing when there are none.
fn section(out: &mut String, heading: String, paths: &[PathBuf]) {
    if !paths.is_empty() {
        let _ = writeln!(out, "{heading}:");
        list(out, paths);
    }
}

/// `--dry-run`: exactly what would change, with the `.gitignore` diff.
pub fn describe_plan(root: &Path, plan: &Plan) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        out.push_str("Nothing to fix.\n");
        return out;
    }
    let untrack = plural(plan.untrack.len(), "file", "files");
    section(
        &mut out,
        format!("Would untrack {untrack} (git rm --cached; they stay on disk)"),
        &plan.untrack,
    );
    let dirs = plural(plan.untrack_dirs.len(), "folder", "folders");
    section(
        &mut out,
        format!("Would untrack {dirs} (git rm -r --cached; files stay on disk)"),
        &plan.untrack_dirs,
    );
    if !plan.ignore_entries.is_empty() {
        let existing = std::fs::read(root.join(".gitignore")).ok();
        let new = gitignore::append(existing.as_deref(), &plan.ignore_entries);
        let _ = writeln!(out, "Would change .gitignore:");
        out.push_str(&gitignore::unified_diff(
            ".gitignore",
            existing.as_deref(),
            &new,
        ));
    }
    let delete = plural(plan.delete.len(), "file", "files");
    section(&mut out, format!("Would delete {delete}"), &plan.delete);
    let remove = plural(plan.remove_dirs.len(), "empty folder", "empty folders");
    section(
        &mut out,
        format!("Would remove {remove}"),
        &plan.remove_dirs,
    );
    out
}

/// After applying: what was done, skipped, failed and left undone.
pub fn describe_applied(applied: &Applied, verbose: bool) -> String {
    let mut out = String::new();
    let mut deleted = Vec::new();
    let mut removed = Vec::new();
    for action in &applied.done {
        match action {
            Action::Untrack(paths) => {
                let _ = writeln!(
                    out,
                    "Untracked {} (they stay on disk)",
                    plural(paths.len(), "file", "files")
                );
                if verbose {
                    list(&mut out, paths);
                }
            }
            Action::UntrackDirs(paths) => {
                let _ = writeln!(
                    out,
                    "Untracked {}:",
                    plural(paths.len(), "folder", "folders")
                );
                list(&mut out, paths);
            }
            Action::AppendIgnore(entries) => {
                let _ = writeln!(out, "Appended to .gitignore: {}", entries.join(", "));
            }
            Action::Delete(path) => deleted.push(path.clone()),
            Action::RemoveDir(path) => removed.push(path.clone()),
        }
    }
    // Already gone when their turn came: the goal is reached all the same.
    let (mut deleted_gone, mut removed_gone) = (Vec::new(), Vec::new());
    for action in &applied.gone {
        match action {
            Action::Delete(path) => deleted_gone.push(path.clone()),
            Action::RemoveDir(path) => removed_gone.push(path.clone()),
            _ => {}
        }
    }
    let summary = |out: &mut String, verb: &str, done: &[PathBuf], gone: &[PathBuf], one, many| {
        if done.is_empty() && gone.is_empty() {
            return;
        }
        let all = plural(done.len() + gone.len(), one, many);
        match gone.len() {
            0 => writeln!(out, "{verb} {all}"),
            n => writeln!(out, "{verb} {all} ({n} already gone)"),
        }
        .ok();
        if verbose {
            list(out, done);
            list(out, gone);
        }
    };
    summary(
        &mut out,
        "Deleted",
        &deleted,
        &deleted_gone,
        "file",
        "files",
    );
    summary(
        &mut out,
        "Removed",
        &removed,
        &removed_gone,
        "empty folder",
        "empty folders",
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
        Action::Delete(p) | Action::RemoveDir(p) => escape_controls(&display_path(p)).into_owned(),
    }
}

fn verb(action: &Action) -> String {
    match action {
        Action::Untrack(p) => format!("untrack {}", plural(p.len(), "file", "files")),
        Action::UntrackDirs(p) => format!("untrack {}", plural(p.len(), "folder", "folders")),
        Action::AppendIgnore(e) => format!("append {} to .gitignore", e.join(", ")),
        Action::Delete(p) => format!("delete {}", escape_controls(&display_path(p))),
        Action::RemoveDir(p) => format!("remove {}", escape_controls(&display_path(p))),
    }
}

/// `fix --dry-run --output-format json`: the plan as one document, per path the
/// actions planned for it in the order they run (README, "Dry-run JSON").
pub fn plan_json(root: &Path, plan: &Plan) -> serde_json::Value {
    use std::collections::BTreeMap;
    let mut per_path: BTreeMap<&Path, Vec<&'static str>> = BTreeMap::new();
    let groups: [(&[PathBuf], &'static str); 4] = [
        (&plan.untrack, "untrack"),
        (&plan.untrack_dirs, "untrack-folder"),
        (&plan.delete, "delete"),
        (&plan.remove_dirs, "remove-folder"),
    ];
    for (paths, action) in groups {
        for path in paths {
            per_path.entry(path).or_default().push(action);
        }
    }
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
            "remove_folders": plan.remove_dirs.len(),
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
                Action::Untrack(paths(&["a.pyc", "b.pyc"])),
                Action::AppendIgnore(vec!["__pycache__/".into(), "*.py[cod]".into()]),
                Action::Delete(PathBuf::from("x.pyc")),
                Action::Delete(PathBuf::from("y.pyc")),
                Action::RemoveDir(PathBuf::from("p/__pycache__")),
            ],
            gone: vec![
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
        };
        assert_eq!(
            describe_applied(&applied, false),
            "Untracked 2 files (they stay on disk)\n\
             Appended to .gitignore: __pycache__/, *.py[cod]\n\
             Deleted 3 files (1 already gone)\n\
             Removed 3 empty folders (2 already gone)\n\
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
