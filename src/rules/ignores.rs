//! PYH101 bytecode-not-ignored: probe the committed ignore rules with cache paths.

use std::path::{Path, PathBuf};

use crate::diagnostic::{display_path, Diagnostic, IgnoreLocation};
use crate::registry::Rule;
use crate::repo::ignores::{Checker, Decider, IgnoreRules, Verdict};
use crate::repo::tracked::Tracked;
use crate::rules::Context;
use crate::settings::{Settings, DEFAULT_IGNORE_ENTRIES};

/// Tag used in probe names when `python-tags` is not configured.
const DEFAULT_PROBE_TAG: &str = "cpython-313";

/// PYH101: probes in the root and in every folder holding Python sources.
pub fn bytecode_not_ignored(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(tree), Some(ignores)) = (ctx.worktree, ctx.ignores) else {
        return;
    };
    let settings = ctx.settings;
    let tag = settings
        .python_tags
        .first()
        .map_or(DEFAULT_PROBE_TAG, String::as_str);
    let entries = required_entries(ctx.settings, ctx.tracked);
    let meta = Rule::PYH101.meta();
    let configured = settings
        .ignore_entries_configured
        .then_some(&settings.ignore_entries);
    let probes = meta
        .probes
        .iter()
        .chain(meta.opt_in_probes.iter().filter(|probe| {
            configured.is_some_and(|entries| {
                let name = probe.replace("{tag}", tag);
                entries.iter().any(|e| entry_ignores(e, Path::new(&name)))
            })
        }));

    let root_file = Path::new(".gitignore");
    // Would appending `entry` to the root `.gitignore` make `probe` ignored?
    let fixes = |entry: &Option<String>, probe: &Path| {
        entry.as_ref().is_some_and(|e| {
            ignores
                .committed
                .with_root_lines(root_file, std::slice::from_ref(e))
                .check(probe, false)
                .is_ignored()
        })
    };
    for template in probes {
        let name = PathBuf::from(template.replace("{tag}", tag));
        let entry = entries.iter().find(|e| entry_ignores(e, &name)).cloned();
        let add = entry
            .as_deref()
            .map_or_else(String::new, |e| format!(" (add `{e}`)"));

        let verdict = ignores.committed.check(&name, false);
        let root_covered = verdict.is_ignored();
        if !root_covered {
            let mut message = format!("`{}` is not ignored", display_path(&name));
            if let Verdict::Negated(d) = &verdict {
                message.push_str(&format!(": un-ignored by {}", describe(d)));
            }
            if let Verdict::Ignored(local) = ignores.local.check(&name, false) {
                let file = local.file.strip_prefix(ctx.root).unwrap_or(&local.file);
                message.push_str(&format!(
                    "; only `{}` ignores it, which protects this clone, not the team",
                    file.display()
                ));
            }
            let fixable = fixes(&entry, &name);
            if fixable {
                message.push_str(&add);
            } else {
                message.push_str("; no `ignore-entries` line would cover it");
            }
            let mut d = Diagnostic::new(Rule::PYH101, ".gitignore", message);
            if let Verdict::Negated(decider) = verdict {
                d = d.at(location(&decider));
            }
            set_entry(&mut d, entry.clone().filter(|_| fixable));
            out.push(d);
        }

        // Every folder holding sources, one diagnostic each (SPEC §3): a nested
        // negation, a root entry that does not reach, or no root entry at all.
        let fixed_rules = entry.as_ref().map(|e| {
            ignores
                .committed
                .with_root_lines(root_file, std::slice::from_ref(e))
        });
        let mut fixed = fixed_rules.as_ref().map(Checker::new);
        let mut checker = Checker::new(&ignores.committed);
        for dir in tree
            .source_dirs
            .iter()
            .filter(|d| !d.as_os_str().is_empty())
        {
            let probe = dir.join(&name);
            let cause = match checker.check(&probe, false) {
                Verdict::Ignored(_) => continue,
                Verdict::Negated(d) => Some(d),
                Verdict::Unmatched => None,
            };
            let mut message = format!("`{}` is not ignored", display_path(&probe));
            match &cause {
                Some(d) => message.push_str(&format!(": un-ignored by {}", describe(d))),
                None if root_covered => {
                    message.push_str(": the root entries do not reach this folder")
                }
                None => {}
            }
            let fixable_by_root = fixed
                .as_mut()
                .is_some_and(|c| c.check(&probe, false).is_ignored());
            if fixable_by_root {
                message.push_str(&add);
            } else if cause.as_ref().is_some_and(|d| d.file != root_file) {
                message.push_str(
                    "; edit that file, appending to the root .gitignore cannot override it",
                );
            } else {
                message.push_str("; no `ignore-entries` line would cover it");
            }
            let mut d = Diagnostic::new(Rule::PYH101, dir, message).dir();
            if let Some(decider) = &cause {
                d = d.at(location(decider));
            }
            if fixable_by_root {
                set_entry(&mut d, entry.clone());
            } else {
                d.fix = None;
            }
            out.push(d);
        }
    }
}

fn describe(d: &Decider) -> String {
    format!("`{}:{}` (`{}`)", d.file.display(), d.line, d.pattern)
}

fn location(d: &Decider) -> IgnoreLocation {
    IgnoreLocation {
        file: d.file.clone(),
        line: d.line,
    }
}

fn set_entry(d: &mut Diagnostic, entry: Option<String>) {
    match (&mut d.fix, entry) {
        (Some(fix), Some(entry)) => fix.ignore_entry = Some(entry),
        (None, _) => {}
        // No configured entry covers the probe: nothing safe to append.
        (fix, None) => *fix = None,
    }
}

/// Does this single `.gitignore` line, at the root, ignore `path`?
pub fn entry_ignores(entry: &str, path: &Path) -> bool {
    IgnoreRules::from_bytes(Path::new(""), Path::new(".gitignore"), entry.as_bytes())
        .check(path, false)
        .is_ignored()
}

/// The lines a fix may append: `ignore-entries`, or GitHub's Python template with
/// `*.py[co]` instead of `*.py[cod]` when the repository tracks `.pyd` extension modules.
pub fn required_entries(settings: &Settings, tracked: Option<&Tracked>) -> Vec<String> {
    if settings.ignore_entries_configured {
        return settings.ignore_entries.clone();
    }
    let tracks_pyd = tracked.is_some_and(|t| {
        t.entries
            .iter()
            .any(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pyd")))
    });
    DEFAULT_IGNORE_ENTRIES
        .iter()
        .map(|e| {
            if tracks_pyd && *e == "*.py[cod]" {
                "*.py[co]".to_owned()
            } else {
                (*e).to_owned()
            }
        })
        .collect()
}
