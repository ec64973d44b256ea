//! The rule registry: one line per rule ties its code, its data file in `rules/`
//! and its check. Metadata is embedded at build time and parsed once.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::diagnostic::{FixKind, Safety, Severity};
pub use crate::rules::FileSet;
use crate::rules::{self, Check};

/// A rule's data file, `rules/<CODE>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub file_set: FileSet,
    pub severity: Severity,
    pub enabled: bool,
    pub fix: FixKind,
    pub fix_safety: Safety,
    pub explanation: String,
    /// Shell commands that build the repository the explanation's `## Example`
    /// runs in (`tests/cli/examples.rs` replays it).
    pub example_setup: String,
}

impl RuleMeta {
    /// `error`, `warning`, or `off` for a rule that runs only when selected.
    pub fn default_level(&self) -> &'static str {
        if self.enabled {
            self.severity.as_str()
        } else {
            "off"
        }
    }

    /// The body of a `## Heading` section of the explanation, trimmed.
    pub fn section(&self, heading: &str) -> Option<&str> {
        let marker = format!("## {heading}\n");
        let start = self.explanation.find(&marker)? + marker.len();
        let rest = &self.explanation[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim())
    }
}

macro_rules! registry {
    ($($code:ident => $check:expr,)*) => {
        /// A rule, by its stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($code,)* }

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$code,)*];

            pub fn code(self) -> &'static str {
                match self { $(Rule::$code => stringify!($code),)* }
            }

            /// The embedded text of `rules/<CODE>.toml`.
            pub fn data(self) -> &'static str {
                match self {
                    $(Rule::$code => include_str!(concat!("../rules/", stringify!($code), ".toml")),)*
                }
            }

            /// The function that finds this rule's violations.
            pub fn check(self) -> Check {
                match self { $(Rule::$code => $check,)* }
            }
        }
    };
}

registry! {
    PYH001 => Check::tracked(rules::tracked::tracked_bytecode),
    PYH002 => Check::tracked(rules::tracked::tracked_tool_cache),
    PYH003 => Check::tracked(rules::tracked::tracked_virtualenv),
    PYH101 => Check::ignore_rules(rules::ignores::bytecode_not_ignored),
    PYH102 => Check::ignore_rules(rules::ignores::legacy_bytecode_not_ignored),
    PYH201 => Check::worktree(rules::caches::orphaned_bytecode),
    PYH202 => Check::worktree(rules::caches::sourceless_module).with_sourceless_magic(),
    PYH203 => Check::worktree(rules::caches::legacy_bytecode),
    PYH204 => Check::worktree(rules::caches::empty_pycache),
    PYH205 => Check::worktree(rules::caches::stale_bytecode).with_cache_headers(),
    PYH206 => Check::worktree(rules::caches::foreign_interpreter_cache).with_python_tags(),
    PYH207 => Check::worktree(rules::caches::deleted_package_leftover),
}

impl Rule {
    pub fn meta(self) -> &'static RuleMeta {
        static METAS: OnceLock<Vec<RuleMeta>> = OnceLock::new();
        let metas = METAS.get_or_init(|| {
            Rule::ALL
                .iter()
                .map(|rule| {
                    // A broken data file is a build defect caught by the registry tests.
                    toml::from_str(rule.data()).unwrap_or_else(|err| {
                        panic!("rules/{}.toml is invalid: {err}", rule.code())
                    })
                })
                .collect()
        });
        &metas[self as usize]
    }

    pub fn name(self) -> &'static str {
        &self.meta().name
    }

    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.code().eq_ignore_ascii_case(code))
    }

    /// Rules selected by a code, a code prefix (`PYH2`) or `ALL`, as ruff does.
    pub fn matching(selector: &str) -> Vec<Rule> {
        let selector = selector.trim();
        if selector.eq_ignore_ascii_case("ALL") {
            return Rule::ALL.to_vec();
        }
        let upper = selector.to_ascii_uppercase();
        if upper.is_empty() {
            return Vec::new();
        }
        Rule::ALL
            .iter()
            .copied()
            .filter(|rule| rule.code().starts_with(&upper) || rule.name() == selector)
            .collect()
    }

    /// The closest known code or name, for "did you mean" help.
    pub fn suggest(input: &str) -> Option<&'static str> {
        let input = input.to_ascii_lowercase();
        Rule::ALL
            .iter()
            .flat_map(|rule| [rule.code(), rule.name()])
            .map(|candidate| {
                (
                    edit_distance(&input, &candidate.to_ascii_lowercase()),
                    candidate,
                )
            })
            .filter(|(distance, _)| *distance <= 3)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, candidate)| candidate)
    }
}

/// The README's rule table, generated from `rules/` so the two cannot drift.
pub fn markdown_table() -> String {
    let mut table = String::from(
        "| code | name | default | file set | fix | summary |\n|---|---|---|---|---|---|\n",
    );
    let mut examples = String::from("\n#### Examples\n");
    for rule in Rule::ALL {
        let meta = rule.meta();
        let default = meta.default_level();
        let safety = meta.fix_safety.as_str();

        table.push_str(&format!(
            "| {} | `{}` | {default} | {} | {} ({safety}) | {} |\n",
            meta.code,
            meta.name,
            meta.file_set.as_str(),
            meta.fix.as_str(),
            meta.summary.replace('|', "\\|"),
        ));
        if let Some(example) = meta.section("Example") {
            examples.push_str(&format!("\n{} `{}`:\n\n{example}\n", meta.code, meta.name));
        }
    }
    table + &examples
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Levenshtein distance; inputs are short rule codes and names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The data files in `rules/` and the registry must describe the same rules.
    #[test]
    fn rule_files_and_registry_agree() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(
                path.extension().and_then(|e| e.to_str()),
                Some("toml"),
                "{path:?}"
            );
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let meta: RuleMeta =
                toml::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            assert_eq!(meta.code, stem, "code field must match the file name");
            assert!(on_disk.insert(stem), "duplicate rule file");
        }
        let registered: BTreeSet<String> = Rule::ALL.iter().map(|r| r.code().to_owned()).collect();
        assert_eq!(on_disk, registered, "rules/ and the registry disagree");
    }

    #[test]
    fn metadata_is_well_formed() {
        let mut names = BTreeSet::new();
        for rule in Rule::ALL {
            let meta = rule.meta();
            assert_eq!(meta.code, rule.code());
            assert!(names.insert(&meta.name), "duplicate name {}", meta.name);
            assert!(
                meta.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                meta.name
            );
            assert!(
                !meta.summary.ends_with('.'),
                "{}: summary ends with a period",
                meta.code
            );
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix safety",
            ] {
                assert!(
                    meta.explanation.contains(heading),
                    "{} lacks {heading}",
                    meta.code
                );
            }
        }
    }

    /// A data file's `file-set` is what its check's signature reads: the two
    /// cannot drift.
    #[test]
    fn data_file_set_is_the_checks() {
        for rule in Rule::ALL {
            assert_eq!(
                rule.meta().file_set,
                rule.check().file_set(),
                "rules/{rule}.toml says another file set than its check reads"
            );
        }
    }

    /// What the engine computes beyond names follows from the registry: headers
    /// for PYH205, legacy magic numbers for PYH202, `python-tags` for PYH206.
    #[test]
    fn needs_come_from_the_registry() {
        let needing = |need: fn(&crate::rules::Needs) -> bool| {
            Rule::ALL
                .iter()
                .filter(|r| need(&r.check().needs))
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(needing(|n| n.cache_headers), [Rule::PYH205]);
        assert_eq!(needing(|n| n.sourceless_magic), [Rule::PYH202]);
        assert_eq!(needing(|n| n.python_tags), [Rule::PYH206]);
    }

    /// The README's rule table is generated; `PYHYGIENE_BLESS=1 cargo test` rewrites it.
    #[test]
    fn readme_rule_table_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
        let i = readme
            .find(start)
            .expect("README lacks the rules:start marker")
            + start.len();
        let j = readme.find(end).expect("README lacks the rules:end marker");
        let expected = markdown_table();
        if readme[i..j] != expected {
            if std::env::var_os("PYHYGIENE_BLESS").is_some() {
                std::fs::write(path, format!("{}{expected}{}", &readme[..i], &readme[j..]))
                    .unwrap();
            } else {
                panic!("README rule table is out of date; run PYHYGIENE_BLESS=1 cargo test");
            }
        }
    }

    #[test]
    fn selection_by_prefix_and_suggestions() {
        assert_eq!(
            Rule::matching("PYH00"),
            vec![Rule::PYH001, Rule::PYH002, Rule::PYH003]
        );
        assert_eq!(Rule::matching("pyh101"), vec![Rule::PYH101]);
        assert_eq!(Rule::matching("ALL").len(), Rule::ALL.len());
        assert_eq!(Rule::matching("orphaned-bytecode"), vec![Rule::PYH201]);
        assert!(Rule::matching("XYZ").is_empty());
        assert_eq!(Rule::suggest("PYH01"), Some("PYH001"));
        assert_eq!(Rule::suggest("tracked-bytecod"), Some("tracked-bytecode"));
        assert_eq!(Rule::suggest("completely-unrelated-words"), None);
    }
}
