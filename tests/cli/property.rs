//! Property test of the fixer over generated repositories: sources, caches (live,
//! orphaned, leftovers), legacy and Jython files, symlinks into a folder outside the
//! root, virtualenvs and skipped folders, tracked and untracked files, nested
//! `.gitignore`s with negations. Whatever the tree, `fix` (with and without
//! `--unsafe-fixes`) must keep SPEC §8:
//! - no byte of a file that is not bytecode changes (the root `.gitignore` only
//!   grows at its end), and nothing is deleted that is not bytecode or an emptied
//!   `__pycache__`, nor anything inside a skipped folder or a virtualenv;
//! - nothing outside the root changes;
//! - a second run changes nothing (disk and index);
//! - `check` afterwards has nothing left that the same `fix` would fix.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::common::{snapshot, tag, Repo};

/// Folders an entry may land in; `venv` holds a `pyvenv.cfg`.
const FOLDERS: &[&str] = &[
    "",
    "pkg",
    "pkg/sub",
    "other",
    "node_modules/x",
    "lib/site-packages/y",
    "venv/lib",
];
const MODULES: &[&str] = &["a", "b", "c"];

#[derive(Debug, Clone)]
enum Entry {
    Source,
    Cache {
        opt: bool,
    },
    Leftover,
    Legacy,
    Jython,
    Text,
    /// A `.pyc` symlink to a file outside the root.
    LinkOut,
    /// A `__pycache__` symlink to a folder outside the root.
    PycacheLinkOut,
    GitIgnore(&'static str),
}

#[derive(Debug, Clone)]
struct Item {
    folder: usize,
    module: usize,
    entry: Entry,
    tracked: bool,
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        3 => Just(Entry::Source),
        3 => any::<bool>().prop_map(|opt| Entry::Cache { opt }),
        1 => Just(Entry::Leftover),
        2 => Just(Entry::Legacy),
        1 => Just(Entry::Jython),
        1 => Just(Entry::Text),
        1 => Just(Entry::LinkOut),
        1 => Just(Entry::PycacheLinkOut),
        1 => prop::sample::select(vec![
            "!*.pyc\n",
            "__pycache__/\n",
            "*.pyc\n!m.pyc\n",
            "!__pycache__/\n",
            "*.py[cod]\n",
        ])
        .prop_map(Entry::GitIgnore),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    (0..FOLDERS.len(), 0..MODULES.len(), entry(), any::<bool>()).prop_map(
        |(folder, module, entry, tracked)| Item {
            folder,
            module,
            entry,
            tracked,
        },
    )
}

/// Build the tree; returns the repository and the folder outside it.
fn build(items: &[Item], root_gitignore: Option<&str>) -> (Repo, Repo) {
    let repo = Repo::new();
    let outside = Repo::plain();
    outside
        .write("target.pyc", "outside file")
        .write(format!("cache/gone.{}.pyc", tag()), "outside cache");
    repo.write("venv/pyvenv.cfg", "home = /usr\n");
    if let Some(text) = root_gitignore {
        repo.write(".gitignore", text);
    }
    let mut tracked = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let folder = Path::new(FOLDERS[item.folder]);
        let module = MODULES[item.module];
        let relative: PathBuf = match &item.entry {
            Entry::Source => folder.join(format!("{module}.py")),
            Entry::Cache { opt } => {
                let opt = if *opt { ".opt-1" } else { "" };
                folder.join(format!("__pycache__/{module}.{}{opt}.pyc", tag()))
            }
            Entry::Leftover => folder.join(format!("__pycache__/{module}.{}.pyc.{i}", tag())),
            Entry::Legacy => folder.join(format!("{module}.pyc")),
            Entry::Jython => folder.join(format!("{module}$py.class")),
            Entry::Text => folder.join(format!("{module}.txt")),
            Entry::LinkOut => folder.join(format!("{module}{i}.pyc")),
            Entry::PycacheLinkOut => folder.join("__pycache__"),
            Entry::GitIgnore(_) => folder.join(".gitignore"),
        };
        let full = repo.path(&relative);
        // Taken already, or beyond a symlinked `__pycache__` (that is outside).
        let through_link = relative.ancestors().skip(1).any(|a| {
            repo.path(a)
                .symlink_metadata()
                .is_ok_and(|m| m.is_symlink())
        });
        if full.symlink_metadata().is_ok() || through_link {
            continue;
        }
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        match &item.entry {
            #[cfg(unix)]
            Entry::LinkOut => {
                std::os::unix::fs::symlink(outside.path("target.pyc"), &full).unwrap()
            }
            #[cfg(unix)]
            Entry::PycacheLinkOut => {
                std::os::unix::fs::symlink(outside.path("cache"), &full).unwrap()
            }
            // Symlinks need privileges on Windows: those entries are left out there.
            #[cfg(not(unix))]
            Entry::LinkOut | Entry::PycacheLinkOut => continue,
            Entry::GitIgnore(text) => std::fs::write(&full, text).unwrap(),
            _ => std::fs::write(&full, format!("content {i}")).unwrap(),
        }
        if item.tracked && !matches!(item.entry, Entry::PycacheLinkOut) {
            tracked.push(relative.to_str().unwrap().to_owned());
        }
    }
    if root_gitignore.is_some() {
        tracked.push(".gitignore".into());
    }
    if !tracked.is_empty() {
        let mut args = vec!["add".to_owned(), "-f".into(), "--".into()];
        args.extend(tracked);
        repo.git(args);
    }
    (repo, outside)
}

/// May `fix` delete this path (SPEC §8)? Bytecode by name, or a `__pycache__`
/// folder, and nowhere inside a skipped folder or the virtualenv.
fn deletable(path: &Path, was: &str) -> bool {
    let skipped = ["node_modules", "site-packages", "venv"]
        .iter()
        .any(|s| path.components().any(|c| c.as_os_str() == *s));
    let name = path.file_name().unwrap().to_str().unwrap();
    let bytecode = name.ends_with(".pyc")
        || name.ends_with("$py.class")
        || (path.parent().and_then(Path::file_name) == Some("__pycache__".as_ref())
            && name.contains(".pyc."));
    let pycache_dir = name == "__pycache__" && was == "dir";
    !skipped && !was.starts_with("symlink") && (bytecode || pycache_dir)
}

/// May `fix` remove this folder? Only as a deleted package's leftover (PYH207):
/// everything that was inside went too, and was bytecode or a folder itself.
fn emptied_folder(
    path: &Path,
    was: &str,
    before: &std::collections::BTreeMap<PathBuf, String>,
    after: &std::collections::BTreeMap<PathBuf, String>,
) -> bool {
    let skipped = ["node_modules", "site-packages", "venv"]
        .iter()
        .any(|s| path.components().any(|c| c.as_os_str() == *s));
    was == "dir"
        && !skipped
        && before
            .iter()
            .filter(|(p, _)| p.starts_with(path) && p.as_path() != path)
            .all(|(p, kind)| {
                !after.contains_key(p)
                    && (kind == "dir"
                        || deletable(p, kind)
                        || emptied_folder(p, kind, before, after))
            })
}

fn index(repo: &Repo) -> String {
    repo.git(["ls-files", "--stage"])
}

fn check_invariants(items: &[Item], root_gitignore: Option<&str>, unsafe_fixes: bool) {
    let (repo, outside) = build(items, root_gitignore);
    let before = snapshot(&repo.root);
    let outside_before = snapshot(&outside.root);
    let mut fix = vec!["fix", "--select", "ALL", "--color", "never"];
    if unsafe_fixes {
        fix.push("--unsafe-fixes");
    }
    let first = repo.run(&fix);
    assert!(
        first.code == 0 || first.code == 1,
        "exit {}: {}",
        first.code,
        first.stderr
    );
    let after = snapshot(&repo.root);
    assert_eq!(
        outside_before,
        snapshot(&outside.root),
        "outside the root changed"
    );
    for (path, was) in &before {
        match after.get(path) {
            Some(now) if now == was => {}
            Some(now) if path == Path::new(".gitignore") => {
                let (was, now) = (was.trim_end_matches('"'), now.trim_end_matches('"'));
                assert!(now.starts_with(was), ".gitignore rewritten: {was} -> {now}");
            }
            Some(now) => panic!("{} changed: {was} -> {now}", path.display()),
            None => assert!(
                deletable(path, was) || emptied_folder(path, was, &before, &after),
                "{} ({was}) was deleted\n{}",
                path.display(),
                first.stdout
            ),
        }
    }
    let added: Vec<&PathBuf> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert!(
        added.iter().all(|p| *p == Path::new(".gitignore")),
        "created {added:?}"
    );

    let index_after = index(&repo);
    let second = repo.run(&fix);
    assert_eq!(
        after,
        snapshot(&repo.root),
        "the second run changed the disk"
    );
    assert_eq!(
        index_after,
        index(&repo),
        "the second run changed the index"
    );
    assert!(
        !second.stdout.contains("Untracked") && !second.stdout.contains("Deleted"),
        "the second run claims changes:\n{}",
        second.stdout
    );

    let check = repo.run(["check", "--select", "ALL", "--output-format", "json"]);
    let summary = &check.json()["summary"];
    let left = summary["fixable"].as_u64().unwrap()
        + if unsafe_fixes {
            summary["unsafe_fixable"].as_u64().unwrap()
        } else {
            0
        };
    assert_eq!(left, 0, "still fixable after fix:\n{}", check.stdout);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn fix_keeps_spec_8_on_generated_repositories(
        items in prop::collection::vec(item(), 1..14),
        root_gitignore in prop::option::of(prop::sample::select(vec![
            "__pycache__/\n*.py[cod]\n",
            "*.log",
            "*.pyc\r\n",
        ])),
        unsafe_fixes in any::<bool>(),
    ) {
        check_invariants(&items, root_gitignore, unsafe_fixes);
    }
}

/// The generator reaches what the invariants are about: a fixed tree with every
/// kind of entry, both ways.
#[test]
fn fix_keeps_spec_8_on_a_tree_with_every_entry_kind() {
    let mut items = Vec::new();
    let kinds = [
        Entry::Source,
        Entry::Cache { opt: false },
        Entry::Cache { opt: true },
        Entry::Leftover,
        Entry::Legacy,
        Entry::Jython,
        Entry::Text,
        Entry::LinkOut,
        Entry::PycacheLinkOut,
        Entry::GitIgnore("!*.pyc\n"),
    ];
    for folder in 0..FOLDERS.len() {
        for (k, entry) in kinds.iter().enumerate() {
            items.push(Item {
                folder,
                module: (folder + k) % MODULES.len(),
                entry: entry.clone(),
                tracked: (folder + k) % 2 == 0,
            });
        }
    }
    for unsafe_fixes in [false, true] {
        check_invariants(&items, Some("*.log"), unsafe_fixes);
    }
}
