//! PYH101 bytecode-not-ignored and PYH102 legacy-bytecode-not-ignored: probe the
//! committed ignore rules with cache paths in every folder holding sources, and
//! report one finding per missing entry and cause.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{display_path, Diagnostic, IgnoreLocation};
use crate::registry::Rule;
use crate::repo::ignores::{entry_ignores, Checker, Decider, IgnoreSet, Verdict};
use crate::rules::{Env, IgnoreInputs};
use crate::settings::Settings;

/// Folders a message names before it says "and N more".
const FOLDERS_NAMED: usize = 3;

/// What a rule probes the ignore rules with, in the root and in every folder with
/// Python sources; `{tag}` is the project's interpreter tag (the first of
/// `python-tags`, else the newest tag among caches on disk, else python3's).
struct Probes {
    always: &'static [&'static str],
    /// Run only when a configured `ignore-entries` line matches them.
    opt_in: &'static [&'static str],
}

/// PYH101: `__pycache__/<m>.<tag>.pyc` caches.
pub fn bytecode_not_ignored(inputs: &IgnoreInputs<'_>, env: &Env<'_>, out: &mut Vec<Diagnostic>) {
    let probes = Probes {
        always: &["__pycache__/m.{tag}.pyc"],
        opt_in: &[],
    };
    coverage(inputs, env, Rule::PYH101, &probes, out);
}

/// PYH102: legacy `<m>.pyc` beside its source (and opt-in `.pyo`, `$py.class`).
pub fn legacy_bytecode_not_ignored(
    inputs: &IgnoreInputs<'_>,
    env: &Env<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let probes = Probes {
        always: &["m.pyc"],
        opt_in: &["m.pyo", "m$py.class"],
    };
    coverage(inputs, env, Rule::PYH102, &probes, out);
}

/// Why a probe is not ignored by what the team shares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    /// No committed pattern matches.
    Missing,
    /// A negation re-includes it.
    Negated(Decider),
    /// A `.gitignore` on disk ignores it, but it is not in the git index.
    Uncommitted(PathBuf),
}

/// Probe the root and every folder with sources; group the folders whose probe is
/// not ignored by the entry that would cover it and the cause.
fn coverage(
    inputs: &IgnoreInputs<'_>,
    env: &Env<'_>,
    rule: Rule,
    probes: &Probes,
    out: &mut Vec<Diagnostic>,
) {
    let (tree, ignores) = (inputs.worktree, inputs.ignores);
    let entries = env.settings.required_entries(inputs.tracked);
    let folders: Vec<&Path> = std::iter::once(Path::new(""))
        .chain(
            tree.source_dirs
                .iter()
                .map(PathBuf::as_path)
                .filter(|d| !d.as_os_str().is_empty()),
        )
        .collect();
    // Keyed by the entry that covers the probe, the cause, and whether appending
    // that entry to the root `.gitignore` would ignore it there.
    let mut groups: BTreeMap<(Option<&String>, Cause, bool), Vec<&Path>> = BTreeMap::new();
    let mut names: BTreeMap<Option<&String>, PathBuf> = BTreeMap::new();
    for name in probe_names(probes, env.settings, &ignores.probe_tag) {
        let entry = entries.iter().find(|e| entry_ignores(e, &name));
        let mut committed = Checker::new(&ignores.committed);
        // Ignored at the root by a pattern that ignores it in every folder: the
        // verdict is the same everywhere, asked once.
        if let Verdict::Ignored(decider) = committed.check(&name, false) {
            if ignores.committed.ignores_everywhere(&decider) {
                continue;
            }
        }
        let mut on_disk = ignores.on_disk.as_ref().map(Checker::new);
        let fixed_rules = entry.map(|e| {
            ignores
                .committed
                .with_root_lines(Path::new(".gitignore"), std::slice::from_ref(e))
        });
        let mut fixed = fixed_rules.as_ref().map(Checker::new);
        for &folder in &folders {
            let probe = folder.join(&name);
            let mut cause = match committed.check(&probe, false) {
                Verdict::Ignored(_) => continue,
                Verdict::Negated(decider) => Cause::Negated(decider),
                Verdict::Unmatched => Cause::Missing,
            };
            if let Some(Verdict::Ignored(decider)) =
                on_disk.as_mut().map(|c| c.check(&probe, false))
            {
                cause = Cause::Uncommitted(decider.file);
            }
            let fixable = fixed
                .as_mut()
                .is_some_and(|c| c.check(&probe, false).is_ignored());
            groups
                .entry((entry, cause, fixable))
                .or_default()
                .push(folder);
        }
        names.entry(entry).or_insert(name);
    }
    let root_exists = tree.gitignores.iter().any(|g| g == Path::new(".gitignore"));
    for ((entry, cause, fixable), mut exposed) in groups {
        exposed.sort();
        exposed.dedup();
        let name = &names[&entry];
        let finding = Finding {
            rule,
            what: what(name),
            exposed: &exposed,
            entry: entry.filter(|_| fixable),
            ignores,
            root: env.root,
            root_exists,
        };
        out.push(finding.diagnostic(cause, name));
    }
}

/// The probe file names a rule checks, with the tag filled in.
fn probe_names(probes: &Probes, settings: &Settings, tag: &str) -> Vec<PathBuf> {
    let configured = settings
        .ignore_entries_configured
        .then_some(&settings.ignore_entries);
    let opt_in = probes.opt_in.iter().filter(|probe| {
        configured.is_some_and(|entries| {
            let name = probe.replace("{tag}", tag);
            entries.iter().any(|e| entry_ignores(e, Path::new(&name)))
        })
    });
    probes
        .always
        .iter()
        .chain(opt_in)
        .map(|probe| PathBuf::from(probe.replace("{tag}", tag)))
        .collect()
}

/// What a probe stands for, in a message.
fn what(probe: &Path) -> &'static str {
    let name = probe.to_string_lossy();
    if probe.starts_with("__pycache__") {
        "`__pycache__/` caches are"
    } else if name.ends_with(".pyo") {
        "legacy `.pyo` files are"
    } else if name.ends_with("$py.class") {
        "Jython `$py.class` files are"
    } else {
        "legacy `.pyc` files beside their sources are"
    }
}

/// One group of exposed folders, about to become a diagnostic.
struct Finding<'a> {
    rule: Rule,
    what: &'static str,
    exposed: &'a [&'a Path],
    /// The entry whose appending fixes this group, if any.
    entry: Option<&'a String>,
    ignores: &'a IgnoreSet,
    root: &'a Path,
    root_exists: bool,
}

impl Finding<'_> {
    fn diagnostic(&self, cause: Cause, name: &Path) -> Diagnostic {
        let root_file = Path::new(".gitignore");
        let whereabouts = folder_list(self.exposed);
        let (what, entry) = (self.what, self.entry);
        match cause {
            Cause::Missing | Cause::Negated(_) => {
                let mut message = match &cause {
                    Cause::Negated(d) => format!(
                        "{what} un-ignored by `{}:{}` (`{}`) in {whereabouts}",
                        display_path(&d.file),
                        d.line,
                        d.pattern
                    ),
                    _ => format!("{what} not ignored in {whereabouts}"),
                };
                if let Some(local) = self.local_only(name) {
                    message.push_str(&format!(
                        "; only `{local}` ignores them, which protects this clone, not the team"
                    ));
                }
                let in_root = |d: &Decider| d.file == root_file;
                match (entry, &cause) {
                    (Some(e), Cause::Negated(d)) if in_root(d) => message.push_str(&format!(
                        "; add `{e}` to the root .gitignore after that line"
                    )),
                    (Some(e), _) if self.root_exists => {
                        message.push_str(&format!("; add `{e}` to the root .gitignore"))
                    }
                    (Some(e), _) => {
                        message.push_str(&format!("; add `{e}` to a new root .gitignore"))
                    }
                    (None, Cause::Negated(d)) if !in_root(d) => message.push_str(
                        "; edit that file: appending to the root .gitignore cannot override it",
                    ),
                    (None, _) => message.push_str("; no `ignore-entries` line would cover them"),
                }
                let mut d = match &cause {
                    Cause::Negated(decider) => Diagnostic::new(self.rule, &decider.file, message)
                        .at(IgnoreLocation {
                            file: decider.file.clone(),
                            line: decider.line,
                        }),
                    _ if self.root_exists => Diagnostic::new(self.rule, root_file, message),
                    _ => Diagnostic::new(self.rule, root_file, message).missing(),
                };
                set_entry(&mut d, entry.cloned());
                d.related = self.exposed.iter().map(|p| p.to_path_buf()).collect();
                d
            }
            Cause::Uncommitted(file) => {
                let shown = display_path(&file);
                let message = format!(
                    "{what} ignored in {whereabouts} only by `{shown}`, which is not in the git index: it protects this clone, not the team; run `git add {shown}`"
                );
                let mut d = Diagnostic::new(self.rule, &file, message);
                d.fix = None;
                d.related = self.exposed.iter().map(|p| p.to_path_buf()).collect();
                d
            }
        }
    }

    /// The clone-only ignore file that covers the root probe, if any.
    fn local_only(&self, name: &Path) -> Option<String> {
        match self.ignores.local.check(name, false) {
            Verdict::Ignored(local) => {
                let file = local.file.strip_prefix(self.root).unwrap_or(&local.file);
                Some(display_path(file))
            }
            _ => None,
        }
    }
}

/// `./`, or `3 folders (`a/`, `b/`, `c/`)`, or `14 folders (`a/`, `b/`, `c/` and 11 more)`.
fn folder_list(folders: &[&Path]) -> String {
    let shown: Vec<String> = folders
        .iter()
        .take(FOLDERS_NAMED)
        .map(|f| match display_path(f).as_str() {
            "." => "`./`".to_owned(),
            name => format!("`{name}/`"),
        })
        .collect();
    match folders.len() {
        1 => shown[0].clone(),
        n if n <= FOLDERS_NAMED => format!("{n} folders ({})", shown.join(", ")),
        n => format!(
            "{n} folders ({} and {} more)",
            shown.join(", "),
            n - FOLDERS_NAMED
        ),
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
