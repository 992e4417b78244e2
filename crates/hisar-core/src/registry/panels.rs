//! Panels: the largest part of the registry, and the one most errors are about.

use std::collections::{BTreeMap, HashMap};

use super::load::{Loader, PANEL_KEYS, PROVENANCE_KEYS, UNCHECKED_KEYS, unknown_auth};
use super::{Defaults, NO_AUTH};
use crate::id::{CapabilityId, PanelId};
use crate::invariant::Invariant;
use crate::live::ValuePlace;
use crate::model::{
    Aggregation, AuthMode, BodyKind, Domain, Endpoint, Panel, PanelClass, ProvenanceRequirement,
    UncheckedInvariant,
};
use crate::yaml::{Located, Node};

impl Loader<'_> {
    pub(super) fn panels(
        &mut self,
        node: &Located<Node>,
        domains: &[Domain],
        auth: &BTreeMap<String, AuthMode>,
        defaults: &Defaults,
    ) -> Vec<Panel> {
        let mut panels = Vec::new();
        let Node::Seq(items) = &node.value else {
            self.error(
                node,
                format!("`panels` must be a list, found {}", node.value.kind()),
            );
            return panels;
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for item in items {
            if let Some(panel) = self.panel_item(item, &mut seen, domains, auth, defaults) {
                panels.push(panel);
            }
        }
        panels
    }

    /// One item of `panels:`, with the ids seen before it (for duplicates).
    pub(super) fn panel_item(
        &mut self,
        item: &Located<Node>,
        seen: &mut HashMap<String, usize>,
        domains: &[Domain],
        auth: &BTreeMap<String, AuthMode>,
        defaults: &Defaults,
    ) -> Option<Panel> {
        let id_text = match &item.value {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.value == "id")
                .and_then(|(_, v)| v.value.scalar_text()),
            _ => None,
        };
        self.panel.clone_from(&id_text);
        if let Some(id) = &id_text {
            if let Some(first) = seen.get(id) {
                self.error(
                    item,
                    format!("duplicate panel id `{id}` (first declared at line {first})"),
                );
            } else {
                seen.insert(id.clone(), item.line);
            }
        }
        let panel = self.panel_entry(item, domains, auth, defaults);
        self.panel = None;
        panel
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per key keeps the schema in one place"
    )]
    pub(super) fn panel_entry(
        &mut self,
        item: &Located<Node>,
        domains: &[Domain],
        auth_modes: &BTreeMap<String, AuthMode>,
        defaults: &Defaults,
    ) -> Option<Panel> {
        let entries = self.mapping(item, "a panel", PANEL_KEYS)?;
        let get = |name: &str| {
            entries
                .iter()
                .find(|(k, _)| k.value == name)
                .map(|(_, v)| v)
        };
        let mut ok = true;

        let id = self.panel_id(item, get("id"), get("domain"), domains);

        let capability = match get("capability") {
            None => {
                self.error(item, "missing `capability`");
                None
            }
            Some(node) => {
                self.string(node, "`capability`")
                    .and_then(|t| match CapabilityId::parse(&t) {
                        Ok(c) => Some(c),
                        Err(e) => {
                            self.error(node, e.to_string());
                            None
                        }
                    })
            }
        };

        let endpoint_node = get("endpoint");
        let endpoint = match endpoint_node {
            None => {
                self.error(item, "missing `endpoint` (such as `GET /api/v1/runs`)");
                None
            }
            Some(node) => self
                .string(node, "`endpoint`")
                .and_then(|t| match Endpoint::parse(&t) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        self.error(node, e.to_string());
                        None
                    }
                }),
        };

        let mut path_params = BTreeMap::new();
        let mut live = Vec::new();
        // Names given a live value or a todo, even one with a mistake (reported on its own).
        let mut live_names: Vec<String> = Vec::new();
        if let Some(node) = get("path_params") {
            for (name, value) in self.string_map(node, "`path_params`") {
                if matches!(value.value, Node::Map(_)) {
                    live_names.push(name.clone());
                    if let Some(e) = &endpoint
                        && !e.path.params().contains(&name.as_str())
                    {
                        self.error(
                            &value,
                            format!(
                                "path parameter `{name}` does not appear in the path {}",
                                e.path
                            ),
                        );
                    }
                    live.extend(self.live_value(&value, ValuePlace::Path, &name));
                    continue;
                }
                if let Some(text) = self.scalar(&value, &format!("path parameter `{name}`")) {
                    if let Some(e) = &endpoint
                        && !e.path.params().contains(&name.as_str())
                    {
                        self.error(
                            &value,
                            format!(
                                "path parameter `{name}` does not appear in the path {}",
                                e.path
                            ),
                        );
                    }
                    if text.is_empty() {
                        self.error(
                            &value,
                            format!(
                                "path parameter `{name}` is empty: the request would probe another path (its segment vanishes); give the value the panel really reads"
                            ),
                        );
                    }
                    if matches!(text.as_str(), "." | "..") {
                        self.error(
                            &value,
                            format!(
                                "path parameter `{name}` is `{text}`, a dot-segment: no HTTP client can send it as one segment (URL parsers remove it and probe another path); give the value the panel really reads"
                            ),
                        );
                    }
                    path_params.insert(name, text);
                }
            }
        }
        if let (Some(e), Some(node)) = (&endpoint, endpoint_node) {
            for name in e.path.params() {
                if !path_params.contains_key(name) && !live_names.iter().any(|n| n == name) {
                    self.error(
                        node,
                        format!("`{{{name}}}` in the path has no value: add `path_params: {{ {name}: <value> }}`"),
                    );
                }
            }
        }

        let mut params = Vec::new();
        if let Some(node) = get("params") {
            for (name, value) in self.string_map(node, "`params`") {
                if matches!(value.value, Node::Map(_)) {
                    live.extend(self.live_value(&value, ValuePlace::Query, &name));
                } else if let Some(text) = self.scalar(&value, &format!("query parameter `{name}`"))
                {
                    params.push((name, text));
                }
            }
        }

        let headers = match get("headers") {
            Some(n) => {
                let (headers, from_live) = self.panel_headers(n);
                live.extend(from_live);
                headers
            }
            None => Vec::new(),
        };
        let schema = get("schema")
            .and_then(|n| self.schema_policy(n, "`schema`"))
            .unwrap_or(defaults.schema);

        let auth = match get("auth") {
            Some(node) => match self.string(node, "`auth`") {
                Some(name) if name == NO_AUTH || auth_modes.contains_key(&name) => name,
                Some(name) => {
                    self.error(node, unknown_auth(&name, auth_modes));
                    name
                }
                None => defaults.auth.clone(),
            },
            None => defaults.auth.clone(),
        };

        let class = match get("class") {
            Some(node) => self.class(node),
            None => {
                if defaults.class.is_none() {
                    let names: Vec<&str> = PanelClass::ALL.iter().map(|c| c.as_str()).collect();
                    self.error(
                        item,
                        format!(
                            "missing `class` (one of {}), and `defaults.class` is not set",
                            names.join(", ")
                        ),
                    );
                }
                defaults.class
            }
        };

        let provenance = match get("provenance") {
            Some(node) => self.provenance(node),
            None if class == Some(PanelClass::Interpretation) => {
                Some(ProvenanceRequirement::required())
            }
            None => Some(ProvenanceRequirement::None),
        };

        let mut invariants = Vec::new();
        let mut invariant_positions = Vec::new();
        let mut unchecked = Vec::new();
        if let Some(node) = get("invariants") {
            match &node.value {
                Node::Seq(items) => {
                    for inv in items {
                        if let Node::Map(_) = inv.value {
                            match self.unchecked_invariant(inv) {
                                Some(u) => unchecked.push(u),
                                None => ok = false,
                            }
                            continue;
                        }
                        let Some(text) = self.string(inv, "an invariant") else {
                            ok = false;
                            continue;
                        };
                        let parsed = match self.compiled.get(&text) {
                            Some(compiled) => Ok(compiled.clone()),
                            None => Invariant::parse(&text).inspect(|compiled| {
                                self.compiled.insert(text.clone(), compiled.clone());
                            }),
                        };
                        match parsed {
                            Ok(i) => {
                                invariants.push(i);
                                invariant_positions.push((inv.line, inv.column));
                            }
                            Err(e) => {
                                let quoted = self
                                    .text
                                    .lines()
                                    .nth(inv.line.saturating_sub(1))
                                    .and_then(|l| l.chars().nth(inv.column.saturating_sub(1)))
                                    .is_some_and(|c| c == '"' || c == '\'');
                                let leading =
                                    text.chars().take_while(|c| c.is_whitespace()).count();
                                let column =
                                    inv.column + usize::from(quoted) + leading + e.column - 1;
                                self.error_at(
                                    inv.line,
                                    column,
                                    format!("invalid invariant `{}`: {}", text.trim(), e.message),
                                );
                                ok = false;
                            }
                        }
                    }
                }
                other => self.error(
                    node,
                    format!("`invariants` must be a list, found {}", other.kind()),
                ),
            }
        }

        let purpose = get("purpose").and_then(|n| self.scalar(n, "`purpose`"));
        let body = match get("body") {
            None => BodyKind::Json,
            Some(node) => match self.string(node, "`body`").as_deref() {
                Some("json") => BodyKind::Json,
                Some("text") => BodyKind::Text,
                Some("any") => BodyKind::Any,
                Some(other) => {
                    self.error(
                        node,
                        format!("unknown body type `{other}`; expected json, text or any"),
                    );
                    BodyKind::Json
                }
                None => BodyKind::Json,
            },
        };

        let safe = match get("safe") {
            None => false,
            Some(node) => match node.value {
                Node::Bool(b) => b,
                _ => {
                    self.error(
                        node,
                        format!("`safe` must be true or false, found {}", node.value.kind()),
                    );
                    false
                }
            },
        };

        if !ok {
            return None;
        }
        Some(Panel {
            id: id?,
            line: item.line,
            capability: capability?,
            endpoint: endpoint?,
            path_params,
            params,
            headers,
            auth,
            class: class?,
            provenance: provenance?,
            invariants,
            unchecked,
            body,
            purpose,
            safe,
            schema,
            live,
            invariant_positions,
        })
    }

    /// `{ id: INV-L0-003, unresolved: "defined only in code" }`: an invariant kept by id,
    /// declared but not checked.
    fn unchecked_invariant(&mut self, node: &Located<Node>) -> Option<UncheckedInvariant> {
        let entries = self.mapping(
            node,
            "an unresolved invariant (`{ id: ..., unresolved: why }`)",
            UNCHECKED_KEYS,
        )?;
        let mut id = None;
        let mut reason = None;
        for (key, value) in entries {
            let text = self.scalar(value, &format!("`{}`", key.value));
            match key.value.as_str() {
                "id" => id = text,
                "unresolved" => reason = text,
                _ => {}
            }
        }
        let id = id.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let reason = reason
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        match (id, reason) {
            (Some(id), Some(reason)) => Some(UncheckedInvariant { id, reason }),
            _ => {
                self.error(
                    node,
                    "an unresolved invariant needs a non-empty `id` and a non-empty `unresolved` reason",
                );
                None
            }
        }
    }

    /// The panel's id and domain (SPEC §2): a structured id whose domain code is declared, or,
    /// with `domain:`, a free-form id in that declared domain.
    fn panel_id(
        &mut self,
        item: &Located<Node>,
        id: Option<&Located<Node>>,
        domain: Option<&Located<Node>>,
        domains: &[Domain],
    ) -> Option<PanelId> {
        let declared = || {
            let codes: Vec<&str> = domains.iter().map(|d| d.code.as_str()).collect();
            if codes.is_empty() {
                "none".to_owned()
            } else {
                codes.join(", ")
            }
        };
        let Some(node) = id else {
            self.error(item, "a panel needs an `id`");
            return None;
        };
        let Some(text) = node.value.scalar_text() else {
            self.error(
                node,
                format!("`id` must be a string, found {}", node.value.kind()),
            );
            return None;
        };
        if let Some(domain_node) = domain {
            let code = self.string(domain_node, "`domain`")?;
            let Some(found) = domains.iter().find(|d| d.code.as_str() == code) else {
                let codes: Vec<&str> = domains.iter().map(|d| d.code.as_str()).collect();
                let hint = crate::suggest::closest(&code, &codes)
                    .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                self.error(
                    domain_node,
                    format!(
                        "domain `{code}`{hint} is not declared under `domains:` (declared: {})",
                        declared()
                    ),
                );
                return None;
            };
            return match PanelId::in_domain(&text, found.code.clone()) {
                Ok(id) => Some(id),
                Err(e) => {
                    self.error(node, e.to_string());
                    None
                }
            };
        }
        match PanelId::parse(&text) {
            Ok(id) => {
                if !domains.iter().any(|d| &d.code == id.domain()) {
                    self.error(
                        node,
                        format!(
                            "domain `{}` of the panel id is not declared under `domains:` (declared: {}); declare it, or name the panel's domain with `domain:`",
                            id.domain(),
                            declared()
                        ),
                    );
                }
                Some(id)
            }
            Err(e) => {
                self.error(node, e.to_string());
                None
            }
        }
    }

    pub(super) fn provenance(&mut self, node: &Located<Node>) -> Option<ProvenanceRequirement> {
        match &node.value {
            Node::Str(s) if s == "none" => Some(ProvenanceRequirement::None),
            Node::Str(s) if s == "required" => Some(ProvenanceRequirement::required()),
            Node::Bool(true) => Some(ProvenanceRequirement::required()),
            Node::Bool(false) => Some(ProvenanceRequirement::None),
            Node::Map(_) => {
                let entries = self.mapping(node, "`provenance`", PROVENANCE_KEYS)?;
                let mut at = ProvenanceRequirement::DEFAULT_POINTER.to_owned();
                let mut aggregation = None;
                for (key, value) in entries {
                    match key.value.as_str() {
                        "at" => {
                            if let Some(p) = self.string(value, "`provenance.at`") {
                                if p.starts_with('/') {
                                    at = p;
                                } else {
                                    self.error(value, format!("`provenance.at` must be a JSON pointer starting with `/`, found `{p}`"));
                                }
                            }
                        }
                        "aggregation" => {
                            if let Some(a) = self.string(value, "`provenance.aggregation`") {
                                match a.parse::<Aggregation>() {
                                    Ok(a) => aggregation = Some(a),
                                    Err(_) => self.error(
                                        value,
                                        format!("unknown aggregation `{a}`; expected list, summary, count or detail"),
                                    ),
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(ProvenanceRequirement::Required { at, aggregation })
            }
            other => {
                self.error(
                    node,
                    format!("`provenance` must be `none`, `required` or a mapping with `at` and `aggregation`, found {}", other.kind()),
                );
                None
            }
        }
    }
}
