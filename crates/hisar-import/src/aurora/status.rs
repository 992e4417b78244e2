//! AURORA's capability status model: the lifecycle, and the plan state each status implies.

use std::collections::BTreeMap;

use super::nodes::{Yaml, entries, get, text};

/// AURORA's capability status model.
pub(super) struct StatusModel {
    pub(super) file: Option<String>,
    pub(super) lifecycle: Vec<String>,
    /// status → plan state, plus `missing_capability`.
    pub(super) gate: BTreeMap<String, String>,
}

impl StatusModel {
    pub(super) fn builtin() -> Self {
        let pairs = [
            ("DISCOVERED", "DRAFT"),
            ("DECLARED", "DRAFT"),
            ("OBSERVED", "BOUND"),
            ("TRUSTED", "BOUND"),
        ];
        let mut gate: BTreeMap<String, String> = pairs
            .iter()
            .map(|(s, g)| ((*s).to_owned(), (*g).to_owned()))
            .collect();
        gate.insert("missing_capability".to_owned(), "UNBOUND".to_owned());
        Self {
            file: None,
            lifecycle: pairs.iter().map(|(s, _)| (*s).to_owned()).collect(),
            gate,
        }
    }

    pub(super) fn from_yaml(root: &Yaml, file: &str) -> Self {
        let mut model = Self::builtin();
        let lifecycle: Vec<String> = entries(get(root, "statuses"))
            .iter()
            .map(|(k, _)| k.value.clone())
            .collect();
        if !lifecycle.is_empty() {
            model.lifecycle = lifecycle;
        }
        let gate: BTreeMap<String, String> = entries(get(root, "binding_gate_rules"))
            .iter()
            .filter_map(|(k, v)| Some((k.value.clone(), text(Some(v))?)))
            .collect();
        if !gate.is_empty() {
            model.gate = gate;
        }
        model.file = Some(file.to_owned());
        model
    }

    pub(super) fn knows(&self, status: &str) -> bool {
        status == DEPRECATED || self.lifecycle.iter().any(|s| s == status)
    }
}

pub(super) const DEPRECATED: &str = "DEPRECATED";
