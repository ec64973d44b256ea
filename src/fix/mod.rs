//! The fixer: rules describe fixes, `plan` collects them, `apply` carries them out
//! in a safe order (untrack → ignore entries → delete files → remove emptied folders).

pub mod apply;
pub mod gitignore;
pub mod plan;

use std::fmt::Write as _;
use std::path::Path;

use crate::diagnostic::display_path;
use apply::{Action, Applied};
use plan::Plan;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn list(out: &mut String, paths: &[std::path::PathBuf]) {
    for path in paths {
        let _ = writeln!(out, "  {}", display_path(path));
    }
}

/// A heading and its paths, or nothing when there are none.
fn section(out: &mut String, heading: String, paths: &[std::path::PathBuf]) {
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
    if !deleted.is_empty() {
        let _ = writeln!(out, "Deleted {}", plural(deleted.len(), "file", "files"));
        if verbose {
            list(&mut out, &deleted);
        }
    }
    if !removed.is_empty() {
        let _ = writeln!(
            out,
            "Removed {}",
            plural(removed.len(), "empty folder", "empty folders")
        );
        if verbose {
            list(&mut out, &removed);
        }
    }
    for (action, reason) in &applied.skipped {
        let _ = writeln!(out, "Skipped {}: {reason}", name(action));
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
        Action::Delete(p) | Action::RemoveDir(p) => display_path(p),
    }
}

fn verb(action: &Action) -> String {
    match action {
        Action::Untrack(p) => format!("untrack {}", plural(p.len(), "file", "files")),
        Action::UntrackDirs(p) => format!("untrack {}", plural(p.len(), "folder", "folders")),
        Action::AppendIgnore(e) => format!("append {} to .gitignore", e.join(", ")),
        Action::Delete(p) => format!("delete {}", display_path(p)),
        Action::RemoveDir(p) => format!("remove {}", display_path(p)),
    }
}
