//! A registry under construction, written out as `hisar.yaml` text.

use std::fmt::Write as _;

use hisar_core::PanelClass;

/// A panel to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PanelDraft {
    /// Comment lines written above the panel.
    pub comments: Vec<String>,
    /// Panel id.
    pub id: String,
    /// Capability id.
    pub capability: String,
    /// `METHOD /path`.
    pub endpoint: String,
    /// Query parameters.
    pub params: Vec<(String, String)>,
    /// Query parameters with no value yet: name and what to put there, written as
    /// `name: { todo: "..." }` after `params` in the same mapping.
    pub param_todos: Vec<(String, String)>,
    /// Path parameter values.
    pub path_params: Vec<(String, String)>,
    /// Path parameters with no value yet: name and what to put there, written as
    /// `name: { todo: "..." }` (a sweep never sends the panel until they have one).
    pub path_todos: Vec<(String, String)>,
    /// Path parameters taken from another panel's answer (SPEC §4.2): name, source panel id,
    /// JSONPath; written after `path_params` in the same mapping.
    pub path_sources: Vec<(String, String, String)>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Auth mode, when not the default.
    pub auth: Option<String>,
    /// Class, when not the default.
    pub class: Option<PanelClass>,
    /// A comment written at the end of the `class:` line (why this class was chosen).
    pub class_note: Option<String>,
    /// `provenance:` value as written (`none`, or a flow mapping), when not the default.
    pub provenance: Option<String>,
    /// Invariants in the invariant language.
    pub invariants: Vec<String>,
    /// Declared invariants kept unchecked: id (or text) and why, written as
    /// `{ id: ..., unresolved: ... }` entries.
    pub unchecked: Vec<(String, String)>,
    /// Purpose text.
    pub purpose: Option<String>,
}

/// A capability declaration to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapabilityDraft {
    /// Capability id.
    pub id: String,
    /// Derived from an endpoint by the importer.
    pub derived: bool,
    /// Declared deprecated.
    pub deprecated: bool,
    /// Free text.
    pub note: Option<String>,
}

/// A registry to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryDraft {
    /// Comment lines at the top.
    pub header: Vec<String>,
    /// Title.
    pub title: Option<String>,
    /// Base URL.
    pub base_url: Option<String>,
    /// Route table source.
    pub routes: Option<String>,
    /// Auth modes: name and headers.
    pub auth: Vec<(String, Vec<(String, String)>)>,
    /// Default auth mode.
    pub default_auth: Option<String>,
    /// Default class.
    pub default_class: Option<PanelClass>,
    /// Domains: code and name.
    pub domains: Vec<(String, String)>,
    /// Capabilities worth declaring.
    pub capabilities: Vec<CapabilityDraft>,
    /// Panels.
    pub panels: Vec<PanelDraft>,
    /// Tracker status line.
    pub status: Option<String>,
    /// Tracker related reference.
    pub related: Option<String>,
    /// Tracker purpose.
    pub purpose: Option<String>,
    /// Tracker references.
    pub references: Vec<String>,
}

/// Quotes a scalar when YAML would read it as anything but this string.
pub fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _./-".contains(c))
        && !text.starts_with([' ', '-', '.'])
        && !text.ends_with(' ')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
        && text.parse::<f64>().is_err()
        && !text.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        text.to_owned()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

fn flow_map(pairs: &[(String, String)]) -> String {
    let items: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {}", scalar(k), scalar(v)))
        .collect();
    format!("{{ {} }}", items.join(", "))
}

/// `name: { todo: "hint" }`: a value the registry does not have yet (the hint as a JSON
/// string, which YAML reads as a double-quoted scalar).
fn todo(name: &str, hint: &str) -> String {
    format!(
        "{}: {{ todo: {} }}",
        scalar(name),
        serde_json::to_string(hint).unwrap_or_default()
    )
}

impl RegistryDraft {
    /// Writes the registry as YAML text that [`hisar_core::Registry::from_yaml`] reads back.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        for line in &self.header {
            let _ = writeln!(out, "# {line}");
        }
        out.push_str("version: 1\n");
        if let Some(title) = &self.title {
            let _ = writeln!(out, "title: {}", scalar(title));
        }
        if self.base_url.is_some() || self.routes.is_some() {
            out.push_str("backend:\n");
            if let Some(url) = &self.base_url {
                let _ = writeln!(out, "  base_url: {}", scalar(url));
            }
            if let Some(routes) = &self.routes {
                let _ = writeln!(out, "  routes: {}", scalar(routes));
            }
        }
        if !self.auth.is_empty() {
            out.push_str("auth:\n");
            for (name, headers) in &self.auth {
                let _ = writeln!(
                    out,
                    "  {}:\n    headers: {}",
                    scalar(name),
                    flow_map(headers)
                );
            }
        }
        if self.default_auth.is_some() || self.default_class.is_some() {
            let mut pairs = Vec::new();
            if let Some(a) = &self.default_auth {
                pairs.push(("auth".to_owned(), a.clone()));
            }
            if let Some(c) = self.default_class {
                pairs.push(("class".to_owned(), c.as_str().to_owned()));
            }
            let _ = writeln!(out, "defaults: {}", flow_map(&pairs));
        }
        out.push_str(if self.domains.is_empty() {
            "domains: []\n"
        } else {
            "domains:\n"
        });
        for (code, name) in &self.domains {
            let _ = writeln!(
                out,
                "  - {{ code: {}, name: {} }}",
                scalar(code),
                scalar(name)
            );
        }
        if !self.capabilities.is_empty() {
            out.push_str("capabilities:\n");
            for c in &self.capabilities {
                let mut pairs = Vec::new();
                if c.deprecated {
                    pairs.push("status: deprecated".to_owned());
                }
                if c.derived {
                    pairs.push("derived: true".to_owned());
                }
                if let Some(note) = &c.note {
                    pairs.push(format!("note: {}", scalar(note)));
                }
                let _ = writeln!(out, "  {}: {{ {} }}", scalar(&c.id), pairs.join(", "));
            }
        }
        out.push_str(if self.panels.is_empty() {
            "panels: []\n"
        } else {
            "panels:\n"
        });
        for p in &self.panels {
            for line in &p.comments {
                let _ = writeln!(out, "  # {line}");
            }
            let _ = writeln!(out, "  - id: {}", scalar(&p.id));
            let _ = writeln!(out, "    capability: {}", scalar(&p.capability));
            let _ = writeln!(out, "    endpoint: {}", scalar(&p.endpoint));
            if !p.params.is_empty() || !p.param_todos.is_empty() {
                let mut items: Vec<String> = p
                    .params
                    .iter()
                    .map(|(k, v)| format!("{}: {}", scalar(k), scalar(v)))
                    .collect();
                items.extend(p.param_todos.iter().map(|(k, hint)| todo(k, hint)));
                let _ = writeln!(out, "    params: {{ {} }}", items.join(", "));
            }
            if !p.path_params.is_empty() || !p.path_sources.is_empty() || !p.path_todos.is_empty() {
                let mut items: Vec<String> = p
                    .path_params
                    .iter()
                    .map(|(k, v)| format!("{}: {}", scalar(k), scalar(v)))
                    .collect();
                items.extend(p.path_todos.iter().map(|(k, hint)| todo(k, hint)));
                items.extend(p.path_sources.iter().map(|(k, from, select)| {
                    format!(
                        "{}: {{ from: {}, select: {} }}",
                        scalar(k),
                        scalar(from),
                        serde_json::to_string(select).unwrap_or_default()
                    )
                }));
                let _ = writeln!(out, "    path_params: {{ {} }}", items.join(", "));
            }
            if !p.headers.is_empty() {
                let _ = writeln!(out, "    headers: {}", flow_map(&p.headers));
            }
            if let Some(auth) = &p.auth {
                let _ = writeln!(out, "    auth: {}", scalar(auth));
            }
            if let Some(class) = p.class {
                match &p.class_note {
                    Some(note) => {
                        let _ = writeln!(out, "    class: {class}   # {note}");
                    }
                    None => {
                        let _ = writeln!(out, "    class: {class}");
                    }
                }
            }
            if let Some(provenance) = &p.provenance {
                let _ = writeln!(out, "    provenance: {provenance}");
            }
            if !p.invariants.is_empty() || !p.unchecked.is_empty() {
                out.push_str("    invariants:\n");
                for inv in &p.invariants {
                    let _ = writeln!(
                        out,
                        "      - {}",
                        serde_json::to_string(inv).unwrap_or_default()
                    );
                }
                for (id, why) in &p.unchecked {
                    let _ = writeln!(
                        out,
                        "      - {{ id: {}, unresolved: {} }}",
                        serde_json::to_string(id).unwrap_or_default(),
                        scalar(why)
                    );
                }
            }
            if let Some(purpose) = &p.purpose {
                let _ = writeln!(out, "    purpose: {}", scalar(purpose));
            }
        }
        let tracker = self.status.is_some()
            || self.related.is_some()
            || self.purpose.is_some()
            || !self.references.is_empty();
        if tracker {
            out.push_str("tracker:\n");
            if let Some(s) = &self.status {
                let _ = writeln!(out, "  status: {}", scalar(s));
            }
            if let Some(r) = &self.related {
                let _ = writeln!(out, "  related: {}", scalar(r));
            }
            if let Some(p) = &self.purpose {
                let _ = writeln!(out, "  purpose: {}", scalar(p));
            }
            if !self.references.is_empty() {
                out.push_str("  references:\n");
                for r in &self.references {
                    let _ = writeln!(out, "    - {}", scalar(r));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_quote_what_yaml_would_misread() {
        assert_eq!(scalar("OVR-SUM-CI-O1"), "OVR-SUM-CI-O1");
        assert_eq!(scalar("GET /cost/summary"), "GET /cost/summary");
        for tricky in [
            "yes", "No", "12", "1.5", "", "a: b", "#x", "- x", "${A}", "it's", "24h",
        ] {
            let quoted = scalar(tricky);
            let back: String = serde_saphyr::from_str(&format!("v: {quoted}")).map_or_else(
                |e| panic!("{tricky}: {e}"),
                |m: std::collections::BTreeMap<String, String>| m["v"].clone(),
            );
            assert_eq!(back, tricky);
        }
    }

    #[test]
    fn drafts_round_trip_through_the_loader() {
        let draft = RegistryDraft {
            header: vec!["generated".into()],
            title: Some("T: x".into()),
            base_url: Some("http://127.0.0.1:8000".into()),
            auth: vec![("observer".into(), vec![("X-Key".into(), "${KEY}".into())])],
            default_auth: Some("observer".into()),
            default_class: Some(PanelClass::Evidence),
            domains: vec![("OVR".into(), "OVERVIEW".into())],
            capabilities: vec![CapabilityDraft {
                id: "overview.x".into(),
                derived: true,
                ..CapabilityDraft::default()
            }],
            panels: vec![PanelDraft {
                comments: vec!["note".into()],
                id: "OVR-SUM-CI-O1".into(),
                capability: "overview.x".into(),
                endpoint: "GET /replay/{id}".into(),
                path_params: vec![("id".into(), "007".into())],
                params: vec![("limit".into(), "50".into())],
                class: Some(PanelClass::Interpretation),
                provenance: Some("{ aggregation: list }".into()),
                invariants: vec!["$.items[?@.name == \"a\"] exists".into()],
                unchecked: vec![
                    (
                        "INV-L0-003".into(),
                        "not defined in the repository's data".into(),
                    ),
                    (
                        "response[\"a\"]: 'x' > 0".into(),
                        "no HISAR equivalent".into(),
                    ),
                ],
                purpose: Some("Yes: a list".into()),
                ..PanelDraft::default()
            }],
            references: vec!["docs/x.md".into()],
            ..RegistryDraft::default()
        };
        let text = draft.to_yaml();
        let reg = hisar_core::Registry::from_yaml(&text, "draft.yaml")
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let p = &reg.panels()[0];
        assert_eq!(p.path_params["id"], "007");
        assert_eq!(p.params, [("limit".to_owned(), "50".to_owned())]);
        assert_eq!(p.purpose.as_deref(), Some("Yes: a list"));
        let unchecked: Vec<(&str, &str)> = p
            .unchecked
            .iter()
            .map(|u| (u.id.as_str(), u.reason.as_str()))
            .collect();
        assert_eq!(
            unchecked,
            [
                ("INV-L0-003", "not defined in the repository's data"),
                ("response[\"a\"]: 'x' > 0", "no HISAR equivalent")
            ]
        );
        assert_eq!(reg.title(), Some("T: x"));
        assert!(reg.capabilities().values().next().unwrap().derived);
    }
}
