//! Settings: defaults, then the config file, then command-line flags, validated
//! into the form the engine uses.

use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::Spanned;

use crate::config::{Level, LoadedConfig};
use crate::diagnostic::Severity;
use crate::error::Error;
use crate::registry::Rule;
pub use crate::repo::exclude::Exclude;
use crate::repo::tracked::Tracked;

/// Tool cache folders PYH002 knows without configuration.
pub const DEFAULT_TOOL_CACHES: &[&str] = &[
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".tox",
    ".nox",
    ".ipynb_checkpoints",
    "*.egg-info",
];

/// The `.gitignore` lines PYH101 requires by default (GitHub's Python template).
pub const DEFAULT_IGNORE_ENTRIES: &[&str] = &["__pycache__/", "*.py[cod]", "*$py.class"];

/// The layer the command line puts over the config file: the CLI turns its flags
/// into this, so the settings never see the CLI.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--select`: replaces the configured selection.
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
}

#[derive(Debug)]
pub struct Settings {
    /// Enabled rules with their effective severity, in code order.
    pub rules: Vec<(Rule, Severity)>,
    pub fail_on: Severity,
    pub exclude: Arc<Exclude>,
    pub python_tags: Vec<String>,
    pub tool_caches: GlobSet,
    pub ignore_entries: Vec<String>,
    /// `ignore-entries` was set: its `.pyo`/`$py.class` entries turn those probes on.
    pub ignore_entries_configured: bool,
}

impl Settings {
    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        self.rules.iter().find(|(r, _)| *r == rule).map(|(_, s)| *s)
    }

    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.severity(rule).is_some()
    }

    /// The lines a fix may append: `ignore-entries`, or GitHub's Python template
    /// with `*.py[co]` instead of `*.py[cod]` when the repository tracks `.pyd`
    /// extension modules.
    pub fn required_entries(&self, tracked: Option<&Tracked>) -> Vec<String> {
        if self.ignore_entries_configured {
            return self.ignore_entries.clone();
        }
        let tracks_pyd = tracked.is_some_and(|t| t.tracks_pyd);
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

    /// Resolve defaults ← config ← command-line overrides.
    pub fn resolve(config: Option<&LoadedConfig>, args: &Overrides) -> Result<Settings, Error> {
        let options = config.map(|c| &c.options);
        let spanned_err = |item: &Spanned<String>, message: String| -> Error {
            match config {
                Some(c) => c.error_at(item.span(), message),
                None => Error::usage(message),
            }
        };

        // Selection, as ruff: layers (defaults, config, flags) apply in order; a
        // layer's `select` replaces the set, `extend-select` adds, `ignore` removes;
        // within a layer a more specific selector wins (`PYH201` over `PYH2` over
        // `ALL`), and at equal specificity ignoring wins.
        let selectors = |items: Option<&Vec<Spanned<String>>>| -> Result<Vec<Selector>, Error> {
            resolve_selectors(
                items
                    .into_iter()
                    .flatten()
                    .map(|s| (s.get_ref().as_str(), Some(s))),
                &spanned_err,
            )
        };
        let flags = |items: &[String]| {
            resolve_selectors(items.iter().map(|s| (s.as_str(), None)), &spanned_err)
        };
        // `[severity]`: a level turns an off-by-default rule on, `off` turns a rule
        // off (config layer); it does not re-select what `select`/`ignore` left out.
        let mut levels: Vec<(Rule, Option<Severity>)> = Vec::new();
        if let Some(table) = options.and_then(|o| o.severity.as_ref()) {
            for (code, level) in table {
                let Some(rule) = Rule::from_code(code.get_ref()) else {
                    let mut message =
                        format!("unknown rule code `{}` in [severity]", code.get_ref());
                    if let Some(s) = Rule::suggest(code.get_ref()) {
                        message.push_str(&format!(" (did you mean `{s}`?)"));
                    }
                    return Err(spanned_err(code, message));
                };
                let severity = match level.get_ref() {
                    Level::Error => Some(Severity::Error),
                    Level::Warning => Some(Severity::Warning),
                    Level::Off => None,
                };
                levels.push((rule, severity));
            }
        }
        let by_level = |on: bool| {
            levels
                .iter()
                .filter(|(rule, s)| s.is_some() == on && (!on || !rule.meta().enabled))
                .map(|(rule, _)| Selector::code(*rule))
                .collect::<Vec<_>>()
        };
        let defaults = Layer {
            select: Some(
                Rule::ALL
                    .iter()
                    .filter(|r| r.meta().enabled)
                    .map(|r| Selector::code(*r))
                    .collect(),
            ),
            extend_select: Vec::new(),
            ignore: Vec::new(),
        };
        let from_config = Layer {
            select: options
                .and_then(|o| o.select.as_ref())
                .map(|s| selectors(Some(s)))
                .transpose()?,
            extend_select: [
                selectors(options.and_then(|o| o.extend_select.as_ref()))?,
                by_level(true),
            ]
            .concat(),
            ignore: [
                selectors(options.and_then(|o| o.ignore.as_ref()))?,
                by_level(false),
            ]
            .concat(),
        };
        let from_flags = Layer {
            select: args.select.as_deref().map(flags).transpose()?,
            extend_select: flags(&args.extend_select)?,
            ignore: flags(&args.ignore)?,
        };
        let selected = select_rules(&[defaults, from_config, from_flags]);

        let rules = selected
            .into_iter()
            .map(|rule| {
                let configured = levels.iter().rev().find(|(r, _)| *r == rule);
                let severity = configured
                    .and_then(|(_, s)| *s)
                    .unwrap_or(rule.meta().severity);
                (rule, severity)
            })
            .collect::<Vec<_>>();

        let fail_on = args
            .fail_on
            .or(options.and_then(|o| o.fail_on))
            .unwrap_or(Severity::Error);

        let mut patterns: Vec<&Spanned<String>> = Vec::new();
        if let Some(exclude) = options.and_then(|o| o.exclude.as_ref()) {
            patterns.extend(exclude);
        }
        if let Some(extend) = options.and_then(|o| o.extend_exclude.as_ref()) {
            patterns.extend(extend);
        }
        let exclude =
            Exclude::new(patterns.iter().map(|p| p.get_ref().as_str())).map_err(|err| match err
                .index
                .map(|i| patterns[i])
            {
                Some(span) => spanned_err(span, err.message),
                None => Error::usage(err.message),
            })?;

        let mut tool_caches = GlobSetBuilder::new();
        for name in DEFAULT_TOOL_CACHES {
            tool_caches.add(Glob::new(name).expect("built-in glob"));
        }
        for name in options
            .and_then(|o| o.tool_caches.as_ref())
            .into_iter()
            .flatten()
        {
            let glob = Glob::new(name.get_ref()).map_err(|err| {
                spanned_err(
                    name,
                    format!("invalid glob `{}`: {}", name.get_ref(), err.kind()),
                )
            })?;
            tool_caches.add(glob);
        }
        let tool_caches = tool_caches
            .build()
            .map_err(|err| Error::usage(format!("invalid tool-caches: {err}")))?;

        let python_tags = options
            .and_then(|o| o.python_tags.as_ref())
            .map(|tags| {
                tags.iter()
                    .map(|t| {
                        let tag = t.get_ref();
                        if tag.is_empty() || tag.contains(['.', '/']) {
                            Err(spanned_err(t, format!("invalid python tag `{tag}` (expected a cache tag such as `cpython-312`)")))
                        } else {
                            Ok(tag.clone())
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        let ignore_entries = match options.and_then(|o| o.ignore_entries.as_ref()) {
            Some(entries) => entries
                .iter()
                .map(|e| {
                    let entry = e.get_ref().trim();
                    if entry.is_empty() || entry.starts_with('#') || entry.contains(['\n', '\r']) {
                        Err(spanned_err(
                            e,
                            format!("invalid ignore entry `{}`", e.get_ref()),
                        ))
                    } else {
                        Ok(entry.to_owned())
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => DEFAULT_IGNORE_ENTRIES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };

        Ok(Settings {
            rules,
            fail_on,
            exclude: Arc::new(exclude),
            python_tags,
            tool_caches,
            ignore_entries_configured: options.and_then(|o| o.ignore_entries.as_ref()).is_some(),
            ignore_entries,
        })
    }
}

/// One `--select`/`--ignore` item: the rules it names and how specific it is.
#[derive(Debug, Clone)]
struct Selector {
    rules: Vec<Rule>,
    /// `ALL` is 0, a prefix counts its characters (`PYH2` < `PYH20`), a full code
    /// or a rule name is [`FULL_SPECIFICITY`].
    specificity: usize,
}

/// The specificity of a selector that names one rule (its code or its name).
const FULL_SPECIFICITY: usize = usize::MAX;

impl Selector {
    fn code(rule: Rule) -> Selector {
        Selector {
            rules: vec![rule],
            specificity: FULL_SPECIFICITY,
        }
    }
}

/// One source of selection: the defaults, the config file, or the flags.
struct Layer {
    select: Option<Vec<Selector>>,
    extend_select: Vec<Selector>,
    ignore: Vec<Selector>,
}

/// ruff's rule selection: layers in order; within one, selectors from least to
/// most specific, enabling before ignoring at each level; a layer with `select`
/// starts over, one without edits the set so far.
fn select_rules(layers: &[Layer]) -> Vec<Rule> {
    let mut enabled: Vec<Rule> = Vec::new();
    for layer in layers {
        let mut updates: Vec<(Rule, bool)> = Vec::new();
        let turning_on = layer.select.iter().flatten().chain(&layer.extend_select);
        let mut levels: Vec<usize> = turning_on
            .clone()
            .chain(&layer.ignore)
            .map(|s| s.specificity)
            .collect();
        levels.sort_unstable();
        levels.dedup();
        for level in levels {
            for selector in turning_on.clone().filter(|s| s.specificity == level) {
                updates.extend(selector.rules.iter().map(|r| (*r, true)));
            }
            for selector in layer.ignore.iter().filter(|s| s.specificity == level) {
                updates.extend(selector.rules.iter().map(|r| (*r, false)));
            }
        }
        if layer.select.is_some() {
            enabled.clear();
        }
        for (rule, on) in updates {
            enabled.retain(|r| *r != rule);
            if on {
                enabled.push(rule);
            }
        }
    }
    enabled.sort();
    enabled.dedup();
    enabled
}

fn resolve_selectors<'a>(
    items: impl Iterator<Item = (&'a str, Option<&'a Spanned<String>>)>,
    spanned_err: &dyn Fn(&Spanned<String>, String) -> Error,
) -> Result<Vec<Selector>, Error> {
    let mut selectors = Vec::new();
    for (selector, span) in items {
        let matched = Rule::matching(selector);
        if matched.is_empty() {
            let mut message = format!("unknown rule selector `{selector}`");
            if let Some(s) = Rule::suggest(selector) {
                message.push_str(&format!(" (did you mean `{s}`?)"));
            }
            return Err(match span {
                Some(span) => spanned_err(span, message),
                None => Error::Usage {
                    message,
                    help: Some("`pyhygiene rules` lists every code".into()),
                },
            });
        }
        let selector = selector.trim();
        let specificity = if selector.eq_ignore_ascii_case("ALL") {
            0
        } else if matched.len() == 1
            && (matched[0].code().eq_ignore_ascii_case(selector)
                || matched[0].meta().name == selector)
        {
            // A full code or a rule name names one rule: as specific as it gets.
            FULL_SPECIFICITY
        } else {
            selector.len()
        };
        selectors.push(Selector {
            rules: matched,
            specificity,
        });
    }
    Ok(selectors)
}
