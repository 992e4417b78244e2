//! Endpoint locks (`REGISTRY_LOCKS.yaml` in the capability folder): endpoints no capability may
//! bind to any more, their replacements, and capability ids the locks declare deprecated.

use hisar_core::PathTemplate;

use super::nodes::{Yaml, get, seq, text};

/// One locked endpoint.
pub(super) struct Lock {
    pub(super) file: String,
    pub(super) path: String,
    pub(super) shape: Option<String>,
    pub(super) since: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) replacements: Vec<String>,
    pub(super) deprecated: Vec<String>,
}

impl Lock {
    /// "/api/v1/incidents (locked 2026-01-18: <reason>; use /a, /b)".
    pub(super) fn describe(&self) -> String {
        let mut out = format!("{} is locked", self.path);
        if let Some(since) = &self.since {
            out.push_str(&format!(" since {since}"));
        }
        if let Some(reason) = &self.reason {
            out.push_str(&format!(" ({reason})"));
        }
        if !self.replacements.is_empty() {
            out.push_str(&format!("; replacements: {}", self.replacements.join(", ")));
        }
        out
    }
}

/// Whether a capability-folder file is the locks file: it has `locked_endpoints:`.
pub(super) fn is_locks(root: &Yaml) -> bool {
    get(root, "locked_endpoints").is_some() && get(root, "capability_id").is_none()
}

pub(super) fn read_locks(root: &Yaml, file: &str) -> Vec<Lock> {
    let list = |node: Option<&Yaml>| -> Vec<String> {
        seq(node).iter().filter_map(|n| text(Some(n))).collect()
    };
    seq(get(root, "locked_endpoints"))
        .iter()
        .filter_map(|entry| {
            let path = text(get(entry, "endpoint")).or_else(|| text(get(entry, "path")))?;
            Some(Lock {
                file: file.to_owned(),
                shape: PathTemplate::parse(&path).ok().map(|p| p.shape()),
                path,
                since: text(get(entry, "locked_on")),
                reason: text(get(entry, "reason")),
                replacements: list(get(entry, "replacement_endpoints")),
                deprecated: list(get(entry, "deprecated_capabilities")),
            })
        })
        .collect()
}

/// The lock on exactly this path (by shape), if any. A lock covers its own path, not the paths
/// below it: AURORA lists the sub-paths it keeps (`/runs/{run_id}`) and the replacements it
/// prescribes (`/incidents/active`) under the very paths it locks.
pub(super) fn lock_on<'a>(locks: &'a [Lock], path: &PathTemplate) -> Option<&'a Lock> {
    let shape = path.shape();
    locks.iter().find(|l| l.shape.as_deref() == Some(&shape))
}
