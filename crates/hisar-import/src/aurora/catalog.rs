//! Invariant ids and where the repository defines them as data.
//!
//! A scenario may cite an invariant by id (`INV-L0-003`) instead of writing its assertion. The
//! id is resolved, in this order, from:
//! 1. the scenario's own inline invariants (`invariants: [{id, assertion}]`);
//! 2. the invariant catalogue: YAML or JSON files in [`INVARIANTS_DIR`](super::INVARIANTS_DIR),
//!    each a list of `{id, assertion}` (or `expression`) entries, a mapping with such a list
//!    under `invariants:`, or a mapping from id to assertion (or to such an entry);
//! 3. the inline invariants of the other scenarios, when every one that defines the id gives it
//!    the same assertion (an id defined two ways is local to each scenario, as AURORA's
//!    generated `INV-001`…`INV-005` are).
//!
//! An id defined nowhere stays in the registry as an unresolved invariant: declared, never
//! silently dropped, reported by `hisar validate` and as "not checked" by a sweep.

use std::collections::BTreeMap;

use hisar_core::yaml::Node;

use super::LintKind;
use super::lint::Lints;
use super::nodes::{Yaml, entries, get, seq, text};
use super::scenario::Scenario;

/// Where an id was defined.
pub(super) struct Definition {
    pub(super) assertion: String,
    pub(super) file: String,
}

/// Every definition the repository gives as data, by id.
#[derive(Default)]
pub(super) struct Catalog {
    catalog: BTreeMap<String, Definition>,
    /// Ids defined inline by scenarios, with every distinct assertion and the first file.
    inline: BTreeMap<String, (Vec<String>, String)>,
}

fn entry(node: &Yaml) -> Option<String> {
    text(Some(node))
        .or_else(|| text(get(node, "assertion")))
        .or_else(|| text(get(node, "expression")))
}

impl Catalog {
    /// Reads the catalogue files (parsed) and the scenarios' inline definitions.
    pub(super) fn new(files: &[(&str, &Yaml)], scenarios: &[Scenario], lint: &mut Lints) -> Self {
        let mut catalog = Self::default();
        for (file, root) in files {
            let mut found: Vec<(String, String)> = Vec::new();
            let items = match get(root, "invariants") {
                Some(node) => seq(Some(node)),
                None => seq(Some(root)),
            };
            for item in items {
                if let (Some(id), Some(a)) = (text(get(item, "id")), entry(item)) {
                    found.push((id, a));
                }
            }
            if items.is_empty() && get(root, "invariants").is_none() {
                for (k, v) in entries(Some(root)) {
                    if let Some(a) = entry(v) {
                        found.push((k.value.clone(), a));
                    }
                }
            }
            if found.is_empty() {
                let kind = match &root.value {
                    Node::Map(_) | Node::Seq(_) => "holds no `{id, assertion}` entries",
                    _ => "is not a list or mapping of invariants",
                };
                lint.push(
                    LintKind::InvalidValue,
                    None,
                    None,
                    &[file],
                    format!("invariant catalogue {kind}; not used"),
                );
            }
            for (id, assertion) in found {
                if let Some(first) = catalog.catalog.get(&id) {
                    if first.assertion != assertion {
                        lint.push(
                            LintKind::Duplicate,
                            None,
                            None,
                            &[&first.file, file],
                            format!(
                                "invariant {id} is defined twice (`{}`, then `{assertion}`); the first is kept",
                                first.assertion
                            ),
                        );
                    }
                    continue;
                }
                catalog.catalog.insert(
                    id,
                    Definition {
                        assertion,
                        file: (*file).to_owned(),
                    },
                );
            }
        }
        for s in scenarios {
            for (id, assertion) in &s.defined {
                let (texts, _) = catalog
                    .inline
                    .entry(id.clone())
                    .or_insert_with(|| (Vec::new(), s.file.clone()));
                if !texts.contains(assertion) {
                    texts.push(assertion.clone());
                }
            }
        }
        catalog
    }

    /// The definition of an id cited by a scenario that does not define it itself.
    pub(super) fn resolve(&self, id: &str) -> Option<Definition> {
        if let Some(d) = self.catalog.get(id) {
            return Some(Definition {
                assertion: d.assertion.clone(),
                file: d.file.clone(),
            });
        }
        match self.inline.get(id) {
            Some((texts, file)) if texts.len() == 1 => Some(Definition {
                assertion: texts[0].clone(),
                file: file.clone(),
            }),
            _ => None,
        }
    }

    /// Why an id cannot be resolved, in a few words (written into the registry).
    pub(super) fn unresolved_reason(&self, id: &str) -> &'static str {
        match self.inline.get(id) {
            Some((texts, _)) if texts.len() > 1 => "defined differently by several scenarios",
            _ => "not defined in the repository's data",
        }
    }
}
