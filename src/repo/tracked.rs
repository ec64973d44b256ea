//! The tracked file set: every path in the git index, read with one `git ls-files`.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::paths::{bytes_of, name_bytes, split_last, PathList};
use crate::repo::git;

/// Index entries (committed or staged, including files deleted from disk but still
/// staged), relative to the root. Submodules are not descended into.
#[derive(Debug, Default)]
pub struct Tracked {
    /// Sorted by bytes, as git lists them.
    pub entries: PathList,
    /// Committed virtual environments, outermost only.
    pub virtualenvs: Vec<Virtualenv>,
    /// Some entry is a `.pyd` extension module (any case).
    pub tracks_pyd: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Virtualenv {
    pub path: PathBuf,
    /// Tracked files inside it.
    pub files: usize,
}

/// Mode of a gitlink (submodule) entry.
const GITLINK_MODE: &[u8] = b"160000";

impl Tracked {
    /// Parsed while git writes it: the listing (twice the size of the paths) is
    /// never held whole.
    pub fn read(root: &Path) -> Result<Tracked, Error> {
        git::stream(root, ["ls-files", "-z", "--stage"], |out| {
            Tracked::parse(out)
        })
    }

    /// Parse `git ls-files -z --stage`: `<mode> <object> <stage>\t<path>\0`.
    pub fn parse(mut stdout: impl BufRead) -> std::io::Result<Tracked> {
        let mut entries = PathList::default();
        let mut tracks_pyd = false;
        let mut record = Vec::new();
        loop {
            record.clear();
            if stdout.read_until(0, &mut record)? == 0 {
                break;
            }
            let record = record.strip_suffix(&[0]).unwrap_or(&record);
            let Some(tab) = record.iter().position(|b| *b == b'\t') else {
                continue;
            };
            let (meta, path) = (&record[..tab], &record[tab + 1..]);
            if meta.starts_with(GITLINK_MODE) {
                continue;
            }
            // Conflicted files appear once per stage; git lists them together.
            if entries.last() != Some(path) {
                let name = split_last(path).1;
                // `.pyd` alone is a hidden file without an extension.
                tracks_pyd |=
                    name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(b".pyd");
                entries.push(path);
            }
        }
        entries.shrink_to_fit();
        let virtualenvs = find_virtualenvs(&entries);
        Ok(Tracked {
            entries,
            virtualenvs,
            tracks_pyd,
        })
    }

    /// Is this path (relative to the root) in the index?
    pub fn contains(&self, path: &Path) -> bool {
        self.entries.contains_sorted(bytes_of(path))
    }

    /// The committed virtual environment this path lies in, if any.
    pub fn virtualenv_of(&self, path: &Path) -> Option<&Virtualenv> {
        self.virtualenvs
            .iter()
            .find(|env| path.starts_with(&env.path))
    }
}

/// Folders holding a tracked `pyvenv.cfg`, or a tracked `bin/activate`
/// (`Scripts/activate`) beside a tracked `lib/python*/site-packages` (`Lib/site-packages`).
fn find_virtualenvs(entries: &PathList) -> Vec<Virtualenv> {
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    let mut activators: BTreeSet<&Path> = BTreeSet::new();
    let mut site_packages: BTreeSet<&Path> = BTreeSet::new();
    for path in entries {
        let bytes = bytes_of(path);
        // Cheap byte tests first: this runs once per index entry.
        let interesting = bytes.ends_with(b"pyvenv.cfg")
            || bytes.ends_with(b"/activate")
            || memmem(bytes, b"site-packages/");
        if !interesting {
            continue;
        }
        let Some(name) = path.file_name() else {
            continue;
        };
        let parent = path.parent().unwrap_or(Path::new(""));
        if name == "pyvenv.cfg" {
            roots.insert(parent.to_owned());
        } else if name == "activate" {
            if let (Some(dir), Some(env)) = (parent.file_name(), parent.parent()) {
                if dir == "bin" || dir == "Scripts" {
                    activators.insert(env);
                }
            }
        }
        if let Some(env) = site_packages_owner(path) {
            site_packages.insert(env);
        }
    }
    roots.extend(
        activators
            .intersection(&site_packages)
            .map(|p| p.to_path_buf()),
    );

    // A `pyvenv.cfg` at the top makes the repository itself the environment:
    // that is not a committed virtualenv to untrack.
    roots.remove(Path::new(""));
    // Outermost only: an environment inside another is part of it.
    let outermost: Vec<PathBuf> = roots
        .iter()
        .filter(|env| {
            !roots
                .iter()
                .any(|other| other != *env && env.starts_with(other))
        })
        .cloned()
        .collect();
    outermost
        .into_iter()
        .map(|path| Virtualenv {
            files: entries.iter().filter(|e| e.starts_with(&path)).count(),
            path,
        })
        .collect()
}

fn memmem(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `X` for a path under `X/lib/python*/site-packages/` or `X/Lib/site-packages/`.
fn site_packages_owner(path: &Path) -> Option<&Path> {
    path.ancestors()
        .skip(1)
        .filter(|dir| dir.file_name() == Some(OsStr::new("site-packages")))
        .find_map(|dir| {
            let parent = dir.parent()?;
            let parent_name = name_bytes(parent.file_name()?);
            if parent_name == b"Lib" {
                return parent.parent();
            }
            let lib = parent.parent()?;
            (parent_name.starts_with(b"python") && lib.file_name() == Some(OsStr::new("lib")))
                .then(|| lib.parent())
                .flatten()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(paths: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in paths {
            out.extend_from_slice(b"100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\t");
            out.extend_from_slice(p);
            out.push(0);
        }
        out
    }

    #[test]
    fn parses_raw_names_and_skips_submodules() {
        let mut raw = index(&[b"a b.pyc", b"caf\xe9.pyc", b"tab\there.py"]);
        raw.extend_from_slice(b"160000 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\tvendor/sub\0");
        let tracked = Tracked::parse(&raw[..]).unwrap();
        let entries: Vec<&Path> = tracked.entries.iter().collect();
        let path = crate::paths::path;
        assert_eq!(
            entries,
            vec![
                path(b"a b.pyc"),
                path(b"caf\xe9.pyc"),
                path(b"tab\there.py")
            ]
        );
        assert!(!tracked.tracks_pyd);
        for (pyd, tracks) in [
            (&b"ext/m.cp311-win_amd64.PYD"[..], true),
            (b"m.pyd", true),
            (b"a/.pyd", false),
            (b"m.pyd.txt", false),
        ] {
            assert_eq!(
                Tracked::parse(&index(&[pyd])[..]).unwrap().tracks_pyd,
                tracks
            );
        }
    }

    #[test]
    fn conflicted_entries_appear_once() {
        let raw = b"100644 aaaa 1\tm.pyc\x00100644 bbbb 2\tm.pyc\x00100644 cccc 3\tm.pyc\x00";
        let tracked = Tracked::parse(&raw[..]).unwrap();
        assert_eq!(
            tracked.entries.iter().collect::<Vec<_>>(),
            vec![Path::new("m.pyc")]
        );
    }

    #[test]
    fn virtualenvs_by_cfg_or_by_layout() {
        let raw = index(&[
            b"env/pyvenv.cfg",
            b"env/bin/activate",
            b"env/lib/python3.11/site-packages/pip/__init__.py",
            b"env/inner/pyvenv.cfg",
            b"win/Scripts/activate",
            b"win/Lib/site-packages/x.py",
            b"tools/bin/activate",
            b"tools/readme.txt",
        ]);
        let tracked = Tracked::parse(&raw[..]).unwrap();
        assert_eq!(
            tracked.virtualenvs,
            vec![
                Virtualenv {
                    path: "env".into(),
                    files: 4
                },
                Virtualenv {
                    path: "win".into(),
                    files: 2
                },
            ]
        );
    }
}
