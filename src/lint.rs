//! The engine: compute each file set once, run the enabled rules, and scope,
//! grade and sort what they find.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::registry::{FileSet, Rule};
use crate::repo::ignores::IgnoreSet;
use crate::repo::tracked::Tracked;
use crate::repo::worktree::{WalkOptions, Worktree};
use crate::repo::{git, FileSets, Root};
use crate::rules::{Env, IgnoreInputs, Run};
use crate::settings::Settings;

/// What a run found, plus notes about what it could not look at.
#[derive(Debug, Default)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub notes: Vec<String>,
    /// What could not be read (folders, ignore files): the run is incomplete. Shown
    /// in every output format, even with `--quiet`.
    pub incomplete: Vec<String>,
    /// The file sets the rules read; the fixer plans against them.
    pub sets: FileSets,
}

/// The probe tag when nothing tells the project's interpreter and `python3` is missing.
const FALLBACK_TAG: &str = "cpython-313";

/// `python3`'s cache tag: asked only when no cache on disk and no `python-tags`
/// name the project's interpreter (a fresh clone in CI).
fn python3_cache_tag() -> Option<String> {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.implementation.cache_tag)"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let tag = String::from_utf8(output.stdout).ok()?;
    let tag = tag.trim();
    (output.status.success() && !tag.is_empty() && tag != "None").then(|| tag.to_owned())
}

/// Limits the report to some paths (relative to the root); empty means everything.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    pub paths: Vec<PathBuf>,
    /// A PATH that no longer exists is fine (the re-check after `fix` removed it).
    pub allow_missing: bool,
}

impl Scope {
    /// Is the diagnostic about something inside the scope? A folder diagnostic
    /// (a committed virtualenv) is also in scope when a scoped path lies inside
    /// it, and a PYH101 finding when a scoped path lies in a folder it exposes.
    pub fn contains(&self, diagnostic: &Diagnostic) -> bool {
        self.paths.is_empty()
            || self.paths.iter().any(|p| {
                diagnostic.path.starts_with(p)
                    || (diagnostic.is_dir && p.starts_with(&diagnostic.path))
                    || diagnostic
                        .related
                        .iter()
                        .any(|folder| folder.starts_with(p) || p.starts_with(folder))
            })
    }
}

/// Run the checks on two threads (they are independent and read-only), each on
/// the file set its signature reads, then apply each rule's configured severity.
/// A rule whose file set was not computed (the index outside git) does not run.
fn run_rules(
    sets: &FileSets,
    env: &Env<'_>,
    rules: &[(Rule, crate::diagnostic::Severity)],
) -> Vec<Diagnostic> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut found = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((rule, severity)) = rules.get(i) else {
                break;
            };
            let start = found.len();
            match (rule.check().run, sets) {
                (
                    Run::Tracked(check),
                    FileSets {
                        tracked: Some(tracked),
                        ..
                    },
                ) => check(tracked, env, &mut found),
                (
                    Run::Worktree(check),
                    FileSets {
                        worktree: Some(tree),
                        ..
                    },
                ) => check(tree, env, &mut found),
                (
                    Run::IgnoreRules(check),
                    FileSets {
                        worktree: Some(worktree),
                        ignores: Some(ignores),
                        tracked,
                    },
                ) => {
                    let inputs = IgnoreInputs {
                        ignores,
                        worktree,
                        tracked: tracked.as_ref(),
                    };
                    check(&inputs, env, &mut found)
                }
                _ => {}
            }
            for diagnostic in &mut found[start..] {
                diagnostic.severity = *severity;
            }
        }
        found
    };
    std::thread::scope(|s| {
        let other = s.spawn(work);
        let mut found = work();
        found.extend(other.join().expect("a rule panicked"));
        found
    })
}

/// Compute the file sets the enabled rules read (each once), run the rules, and
/// scope, sort and deduplicate what they find. `all_sets` computes every file set
/// even when no enabled rule reads it (the fixer needs the ignore rules to keep
/// untracked files ignored).
pub fn lint(
    root: &Root,
    settings: &Settings,
    scope: &Scope,
    all_sets: bool,
) -> Result<Outcome, Error> {
    let mut notes = Vec::new();
    // What to compute, from the registry: each check's file set and needs.
    let mut rules: Vec<(Rule, crate::diagnostic::Severity)> = Vec::new();
    // What the walk reads beyond names, for the rules that need it.
    let mut options = WalkOptions::default();
    for &(rule, severity) in &settings.rules {
        let check = rule.check();
        if check.needs.python_tags && settings.python_tags.is_empty() {
            notes.push(format!(
                "{rule} ({}) needs `python-tags` in the config; skipped",
                rule.name()
            ));
            continue;
        }
        options.headers |= check.needs.cache_headers;
        options.sourceless_magic |= check.needs.sourceless_magic;
        rules.push((rule, severity));
    }
    let reads = |set: FileSet| rules.iter().any(|(rule, _)| rule.check().file_set() == set);
    let tracked_rules: Vec<Rule> = rules
        .iter()
        .map(|(rule, _)| *rule)
        .filter(|rule| rule.check().file_set() == FileSet::Tracked)
        .collect();
    if !root.is_git && !tracked_rules.is_empty() {
        let codes: Vec<&str> = tracked_rules.iter().map(|r| r.code()).collect();
        notes.push(format!(
            "not a git repository: skipped {} (they read the git index)",
            codes.join(", ")
        ));
    }
    let want_ignores = all_sets || reads(FileSet::IgnoreRules);
    // The ignore-rules set includes the index (committed ignore files, tracked `.pyd`).
    let want_tracked = root.is_git && (all_sets || want_ignores || !tracked_rules.is_empty());
    let want_worktree = all_sets || want_ignores || reads(FileSet::Worktree);

    // The index read and the walk are independent: run them side by side.
    let exclude = Arc::clone(&settings.exclude);
    let (tracked, worktree, global_excludes) = std::thread::scope(|s| {
        // The two git processes run side by side while this thread walks.
        let excludes = (want_ignores && root.is_git)
            .then(|| s.spawn(|| git::global_excludes_file(&root.path)));
        let tracked = want_tracked.then(|| s.spawn(|| Tracked::read(&root.path)));
        let worktree = want_worktree.then(|| Worktree::walk(&root.path, exclude, options));
        let tracked = tracked.map(|handle| handle.join().expect("index reader panicked"));
        let excludes = excludes.and_then(|handle| handle.join().expect("git config panicked"));
        (tracked.transpose(), worktree, excludes)
    });
    let tracked = tracked?;

    for path in &scope.paths {
        let on_disk = root.path.join(path).symlink_metadata().is_ok();
        let in_index = tracked
            .as_ref()
            .is_some_and(|t| t.entries.iter().any(|e| e.starts_with(path)));
        if !on_disk && !in_index && !scope.allow_missing {
            return Err(Error::MissingPath { path: path.clone() });
        }
    }
    let mut incomplete = Vec::new();
    if let Some(worktree) = &worktree {
        incomplete.extend(
            worktree
                .errors
                .iter()
                .map(|e| format!("could not read {e}")),
        );
    }
    let ignores = match (&worktree, want_ignores) {
        (Some(tree), true) => {
            let in_index = |path: &Path| tracked.as_ref().is_some_and(|t| t.contains(path));
            let tag = settings
                .python_tags
                .first()
                .cloned()
                .or_else(|| tree.newest_cache_tag())
                .or_else(python3_cache_tag)
                .unwrap_or_else(|| FALLBACK_TAG.to_owned());
            Some(IgnoreSet::load(
                root,
                &tree.gitignores,
                in_index,
                global_excludes,
                tag,
            ))
        }
        _ => None,
    };
    if let Some(ignores) = &ignores {
        incomplete.extend(ignores.errors.iter().map(|e| format!("could not read {e}")));
    }

    let sets = FileSets {
        tracked,
        worktree,
        ignores,
    };
    let env = Env {
        root: &root.path,
        settings,
    };
    let mut diagnostics = run_rules(&sets, &env, &rules);
    diagnostics.retain(|d| scope.contains(d) && !settings.exclude.excludes(&d.path));
    diagnostics.sort_by(Diagnostic::order);
    diagnostics.dedup_by(|a, b| a.same_as(b));
    Ok(Outcome {
        diagnostics,
        notes,
        incomplete,
        sets,
    })
}
