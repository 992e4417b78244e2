//! The registry, `hisar.yaml` (SPEC §4): loaded from text, every problem reported at once.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jiff::civil::Date;

use crate::error::{Diagnostic, RegistryError};
use crate::id::{CapabilityId, DomainCode, PanelId};
use crate::index::IdIndex;
use crate::interpolate::Template;
use crate::invariant::Invariant;
use crate::model::{
    Aggregation, AuthMode, BodyKind, CapabilityDecl, DeclaredStatus, Domain, Endpoint, Panel,
    PanelClass, ProvenanceRequirement,
};
use crate::policy::{GatePolicy, TrustPolicy, Waiver};
use crate::time::parse_duration;
use crate::verdict::GapCode;
use crate::yaml::{self, Located, Node};

/// The auth mode that sends no credentials; always available.
pub const NO_AUTH: &str = "none";

/// Where the backend is and what routes it declares.
#[derive(Debug, Clone, Default)]
pub struct Backend {
    /// Base URL template (`--base-url` or `HISAR_BASE_URL` override it).
    pub base_url: Option<Template>,
    /// Route table source: a file path (relative to the registry) or an `http(s)://` URL.
    pub routes: Option<Template>,
}

/// Defaults applied to every panel.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// Auth mode for panels that name none.
    pub auth: String,
    /// Per-request time limit.
    pub timeout: Option<Duration>,
    /// Class for panels that name none.
    pub class: Option<PanelClass>,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            auth: NO_AUTH.to_owned(),
            timeout: None,
            class: None,
        }
    }
}

/// Text that heads and closes the tracker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackerText {
    /// Status line (default `ACTIVE`).
    pub status: Option<String>,
    /// A related reference shown in the header.
    pub related: Option<String>,
    /// The purpose section.
    pub purpose: Option<String>,
    /// The references section.
    pub references: Vec<String>,
}

/// A loaded, validated registry.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Format version (1).
    pub version: u32,
    /// Title heading the tracker.
    pub title: Option<String>,
    /// Backend location and routes.
    pub backend: Backend,
    /// Auth modes by name (`none` is implicit).
    pub auth: BTreeMap<String, AuthMode>,
    /// Defaults.
    pub defaults: Defaults,
    /// Domains in declaration order.
    pub domains: Vec<Domain>,
    /// Panels in declaration order.
    pub panels: Vec<Panel>,
    /// Declared capabilities.
    pub capabilities: BTreeMap<CapabilityId, CapabilityDecl>,
    /// Waivers.
    pub waivers: Vec<Waiver>,
    /// Trust policy thresholds.
    pub trust: TrustPolicy,
    /// Gate settings.
    pub gate: GatePolicy,
    /// Tracker header and footer text.
    pub tracker: TrackerText,
    /// Panel positions by id, for [`Registry::panel`].
    panel_index: IdIndex,
}

impl Registry {
    /// Loads a registry from YAML text. `origin` names the source in error messages.
    ///
    /// Every problem is reported at once, each with line, column and panel id.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self, RegistryError> {
        let mut loader = Loader {
            text,
            diags: Vec::new(),
            panel: None,
            compiled: HashMap::new(),
        };
        let registry = loader.load();
        let mut diagnostics = loader.diags;
        diagnostics.sort_by_key(|d| (d.line, d.column));
        match registry {
            Some(registry) if diagnostics.is_empty() => Ok(registry),
            _ => Err(RegistryError {
                origin: origin.to_owned(),
                diagnostics,
            }),
        }
    }

    /// A panel by id.
    pub fn panel(&self, id: &str) -> Option<&Panel> {
        self.panel_index.find(&self.panels, id, |p| p.id.as_str())
    }

    /// A domain by code.
    pub fn domain(&self, code: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.code.as_str() == code)
    }

    /// The auth mode a panel uses (`none` has no headers).
    pub fn auth_mode(&self, name: &str) -> Option<&AuthMode> {
        self.auth.get(name)
    }

    /// The declared status of a capability.
    pub fn capability_status(&self, id: &CapabilityId) -> DeclaredStatus {
        self.capabilities
            .get(id)
            .map(|c| c.status)
            .unwrap_or_default()
    }

    /// Waivers for a panel and code.
    pub fn waiver(&self, panel: &PanelId, code: GapCode) -> Option<&Waiver> {
        self.waivers
            .iter()
            .find(|w| &w.panel == panel && w.code == code)
    }
}

struct Loader<'t> {
    text: &'t str,
    diags: Vec<Diagnostic>,
    panel: Option<String>,
    /// Invariants compiled so far, by text: panels that share an invariant share its compiled
    /// form (JSONPath, regular expression and the latter's search caches).
    compiled: HashMap<String, Invariant>,
}

type Entries = Vec<(Located<String>, Located<Node>)>;

/// Keys of each mapping, for unknown-key detection and suggestions.
const TOP_KEYS: &[&str] = &[
    "version",
    "title",
    "backend",
    "auth",
    "defaults",
    "domains",
    "panels",
    "capabilities",
    "waivers",
    "trust",
    "gate",
    "tracker",
];
const BACKEND_KEYS: &[&str] = &["base_url", "routes"];
const AUTH_MODE_KEYS: &[&str] = &["headers"];
const DEFAULTS_KEYS: &[&str] = &["auth", "timeout", "class"];
const DOMAIN_KEYS: &[&str] = &["code", "name"];
const PANEL_KEYS: &[&str] = &[
    "id",
    "capability",
    "endpoint",
    "params",
    "path_params",
    "headers",
    "auth",
    "class",
    "provenance",
    "invariants",
    "purpose",
    "body",
];
const PROVENANCE_KEYS: &[&str] = &["at", "aggregation"];
const CAPABILITY_KEYS: &[&str] = &["status", "derived", "note"];
const WAIVER_KEYS: &[&str] = &["panel", "code", "owner", "expires", "reason"];
const TRUST_KEYS: &[&str] = &[
    "window",
    "min_verified",
    "min_bound_rate",
    "max_consecutive_failures",
    "demote_below_rate",
    "demote_after_failures",
];
const GATE_KEYS: &[&str] = &["max_unverified_share"];
const TRACKER_KEYS: &[&str] = &["status", "related", "purpose", "references"];

impl Loader<'_> {
    fn error<T>(&mut self, at: &Located<T>, message: impl Into<String>) {
        self.error_at(at.line, at.column, message);
    }

    fn error_at(&mut self, line: usize, column: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            line,
            column,
            panel: self.panel.clone(),
            message: message.into(),
        });
    }

    /// The entries of a mapping, checking unknown and duplicate keys.
    fn mapping<'n>(
        &mut self,
        node: &'n Located<Node>,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'n Entries> {
        let Node::Map(entries) = &node.value else {
            self.error(
                node,
                format!("{what} must be a mapping, found {}", node.value.kind()),
            );
            return None;
        };
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (key, _) in entries {
            if let Some(first) = seen.get(key.value.as_str()) {
                self.error(
                    key,
                    format!(
                        "duplicate key `{}` in {what} (first at line {first})",
                        key.value
                    ),
                );
            } else {
                seen.insert(&key.value, key.line);
            }
            if !allowed.is_empty() && !allowed.contains(&key.value.as_str()) {
                let hint = crate::suggest::closest(&key.value, allowed).map_or_else(
                    || format!("; expected one of {}", allowed.join(", ")),
                    |s| format!(" (did you mean `{s}`?)"),
                );
                self.error(key, format!("unknown key `{}` in {what}{hint}", key.value));
            }
        }
        Some(entries)
    }

    fn string(&mut self, node: &Located<Node>, what: &str) -> Option<String> {
        match &node.value {
            Node::Str(s) => Some(s.clone()),
            other => {
                self.error(
                    node,
                    format!("{what} must be a string, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn scalar(&mut self, node: &Located<Node>, what: &str) -> Option<String> {
        let text = node.value.scalar_text();
        if text.is_none() {
            self.error(
                node,
                format!("{what} must be a scalar, found {}", node.value.kind()),
            );
        }
        text
    }

    fn template(&mut self, node: &Located<Node>, what: &str) -> Option<Template> {
        let text = self.scalar(node, what)?;
        match Template::parse(&text) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(node, format!("{what}: {e}"));
                None
            }
        }
    }

    fn number(&mut self, node: &Located<Node>, what: &str) -> Option<f64> {
        match node.value {
            #[expect(clippy::cast_precision_loss, reason = "registry numbers are small")]
            Node::Int(i) => Some(i as f64),
            Node::Float(f) => Some(f),
            _ => {
                self.error(
                    node,
                    format!("{what} must be a number, found {}", node.value.kind()),
                );
                None
            }
        }
    }

    fn count(&mut self, node: &Located<Node>, what: &str) -> Option<u32> {
        match node.value {
            Node::Int(i) if i >= 0 => u32::try_from(i).ok(),
            _ => {
                self.error(
                    node,
                    format!("{what} must be a whole number, found {}", node.value.kind()),
                );
                None
            }
        }
    }

    fn share(&mut self, node: &Located<Node>, what: &str) -> Option<f64> {
        let v = self.number(node, what)?;
        if (0.0..=1.0).contains(&v) {
            Some(v)
        } else {
            self.error(node, format!("{what} must be between 0 and 1, found {v}"));
            None
        }
    }

    fn duration(&mut self, node: &Located<Node>, what: &str) -> Option<Duration> {
        let text = self.scalar(node, what)?;
        match parse_duration(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(node, format!("{what}: {e}"));
                None
            }
        }
    }

    fn string_map(&mut self, node: &Located<Node>, what: &str) -> Vec<(String, Located<Node>)> {
        let Some(entries) = self.mapping(node, what, &[]) else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|(k, v)| (k.value.clone(), v.clone()))
            .collect()
    }

    fn load(&mut self) -> Option<Registry> {
        let root = match yaml::parse(self.text) {
            Ok(root) => root,
            Err((line, column, message)) => {
                self.error_at(line, column, format!("invalid YAML: {message}"));
                return None;
            }
        };
        if root.value == Node::Null {
            self.error(
                &root,
                "the registry is empty: expected `version: 1`, `domains:` and `panels:`",
            );
            return None;
        }
        let entries = self.mapping(&root, "the registry", TOP_KEYS)?.clone();
        let get = |name: &str| {
            entries
                .iter()
                .find(|(k, _)| k.value == name)
                .map(|(_, v)| v)
        };

        let version = match get("version") {
            Some(v) if v.value == Node::Int(1) => 1,
            Some(v) => {
                self.error(
                    v,
                    format!(
                        "unsupported version {}: this HISAR reads version 1",
                        show_node(&v.value)
                    ),
                );
                1
            }
            None => {
                self.error(&root, "missing `version: 1`");
                1
            }
        };
        let title = get("title").and_then(|n| self.string(n, "`title`"));
        let backend = get("backend").map(|n| self.backend(n)).unwrap_or_default();
        let auth = get("auth").map(|n| self.auth_modes(n)).unwrap_or_default();
        let defaults = get("defaults")
            .map(|n| self.defaults(n))
            .unwrap_or_default();
        if defaults.auth != NO_AUTH
            && !auth.contains_key(&defaults.auth)
            && let Some(node) = get("defaults")
        {
            let at = Self::key_position(node, "auth");
            self.error_at(at.0, at.1, unknown_auth(&defaults.auth, &auth));
        }
        let domains = match get("domains") {
            Some(n) => self.domains(n),
            None => {
                self.error(&root, "missing `domains:`: declare at least one domain");
                Vec::new()
            }
        };
        let capabilities = get("capabilities")
            .map(|n| self.capabilities(n))
            .unwrap_or_default();
        let panels = match get("panels") {
            Some(n) => self.panels(n, &domains, &auth, &defaults),
            None => {
                self.error(&root, "missing `panels:`");
                Vec::new()
            }
        };
        let waivers = get("waivers")
            .map(|n| self.waivers(n, &panels))
            .unwrap_or_default();
        let trust = get("trust").map(|n| self.trust(n)).unwrap_or_default();
        let gate = get("gate").map(|n| self.gate(n)).unwrap_or_default();
        let tracker = get("tracker").map(|n| self.tracker(n)).unwrap_or_default();
        Some(Registry {
            version,
            title,
            backend,
            auth,
            defaults,
            domains,
            panels,
            capabilities,
            waivers,
            trust,
            gate,
            tracker,
            panel_index: IdIndex::default(),
        })
    }

    fn key_position(node: &Located<Node>, key: &str) -> (usize, usize) {
        if let Node::Map(entries) = &node.value
            && let Some((_, v)) = entries.iter().find(|(k, _)| k.value == key)
        {
            return (v.line, v.column);
        }
        (node.line, node.column)
    }

    fn backend(&mut self, node: &Located<Node>) -> Backend {
        let mut backend = Backend::default();
        let Some(entries) = self.mapping(node, "`backend`", BACKEND_KEYS) else {
            return backend;
        };
        for (key, value) in entries {
            match key.value.as_str() {
                "base_url" => backend.base_url = self.template(value, "`backend.base_url`"),
                "routes" => backend.routes = self.template(value, "`backend.routes`"),
                _ => {}
            }
        }
        backend
    }

    fn auth_modes(&mut self, node: &Located<Node>) -> BTreeMap<String, AuthMode> {
        let mut modes = BTreeMap::new();
        let Some(entries) = self.mapping(node, "`auth`", &[]) else {
            return modes;
        };
        for (name, body) in entries {
            if name.value == NO_AUTH {
                self.error(
                    name,
                    "`none` is built in (no credentials) and cannot be redefined",
                );
                continue;
            }
            let mut mode = AuthMode::default();
            if let Some(fields) =
                self.mapping(body, &format!("auth mode `{}`", name.value), AUTH_MODE_KEYS)
            {
                for (key, value) in fields {
                    if key.value == "headers" {
                        mode.headers =
                            self.headers(value, &format!("headers of auth mode `{}`", name.value));
                    }
                }
            }
            modes.insert(name.value.clone(), mode);
        }
        modes
    }

    fn headers(&mut self, node: &Located<Node>, what: &str) -> Vec<(String, Template)> {
        let mut headers = Vec::new();
        for (name, value) in self.string_map(node, what) {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
            {
                self.error(&value, format!("invalid header name `{name}` in {what}"));
                continue;
            }
            if let Some(t) = self.template(&value, &format!("header `{name}`")) {
                headers.push((name, t));
            }
        }
        headers
    }

    fn defaults(&mut self, node: &Located<Node>) -> Defaults {
        let mut defaults = Defaults::default();
        let Some(entries) = self.mapping(node, "`defaults`", DEFAULTS_KEYS) else {
            return defaults;
        };
        for (key, value) in entries {
            match key.value.as_str() {
                "auth" => {
                    if let Some(s) = self.string(value, "`defaults.auth`") {
                        defaults.auth = s;
                    }
                }
                "timeout" => defaults.timeout = self.duration(value, "`defaults.timeout`"),
                "class" => defaults.class = self.class(value),
                _ => {}
            }
        }
        defaults
    }

    fn class(&mut self, node: &Located<Node>) -> Option<PanelClass> {
        let text = self.string(node, "`class`")?;
        let class = text.parse().ok();
        if class.is_none() {
            let names: Vec<&str> = PanelClass::ALL.iter().map(|c| c.as_str()).collect();
            let hint = crate::suggest::closest(&text, &names)
                .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
            self.error(
                node,
                format!(
                    "unknown class `{text}`{hint}; expected one of {}",
                    names.join(", ")
                ),
            );
        }
        class
    }

    fn domains(&mut self, node: &Located<Node>) -> Vec<Domain> {
        let mut domains: Vec<Domain> = Vec::new();
        let Node::Seq(items) = &node.value else {
            self.error(
                node,
                format!("`domains` must be a list, found {}", node.value.kind()),
            );
            return domains;
        };
        for item in items {
            let Some(entries) = self.mapping(item, "a domain", DOMAIN_KEYS) else {
                continue;
            };
            let code = entries
                .iter()
                .find(|(k, _)| k.value == "code")
                .map(|(_, v)| v);
            let name = entries
                .iter()
                .find(|(k, _)| k.value == "name")
                .map(|(_, v)| v);
            let (Some(code_node), Some(name_node)) = (code, name) else {
                self.error(item, "a domain needs `code` and `name`");
                continue;
            };
            let (Some(code_text), Some(name)) = (
                self.string(code_node, "`code`"),
                self.scalar(name_node, "`name`"),
            ) else {
                continue;
            };
            match DomainCode::parse(&code_text) {
                Ok(code) => {
                    if domains.iter().any(|d| d.code == code) {
                        self.error(code_node, format!("duplicate domain code `{code}`"));
                    } else {
                        domains.push(Domain { code, name });
                    }
                }
                Err(e) => self.error(code_node, e.to_string()),
            }
        }
        domains
    }

    fn capabilities(&mut self, node: &Located<Node>) -> BTreeMap<CapabilityId, CapabilityDecl> {
        let mut out = BTreeMap::new();
        let Some(entries) = self.mapping(node, "`capabilities`", &[]) else {
            return out;
        };
        for (key, value) in entries {
            let id = match CapabilityId::parse(&key.value) {
                Ok(id) => id,
                Err(e) => {
                    self.error(key, e.to_string());
                    continue;
                }
            };
            let mut decl = CapabilityDecl::default();
            let what = format!("capability `{id}`");
            if value.value != Node::Null
                && let Some(fields) = self.mapping(value, &what, CAPABILITY_KEYS)
            {
                for (k, v) in fields {
                    match k.value.as_str() {
                        "status" => match self.string(v, "`status`").as_deref() {
                            Some("active") => decl.status = DeclaredStatus::Active,
                            Some("deprecated") => decl.status = DeclaredStatus::Deprecated,
                            Some(other) => self.error(v, format!("unknown capability status `{other}`; expected active or deprecated")),
                            None => {}
                        },
                        "derived" => match v.value {
                            Node::Bool(b) => decl.derived = b,
                            _ => self.error(v, "`derived` must be true or false"),
                        },
                        "note" => decl.note = self.scalar(v, "`note`"),
                        _ => {}
                    }
                }
            }
            out.insert(id, decl);
        }
        out
    }

    fn panels(
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
            if let Some(panel) = self.panel_entry(item, domains, auth, defaults) {
                panels.push(panel);
            }
            self.panel = None;
        }
        panels
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per key keeps the schema in one place"
    )]
    fn panel_entry(
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

        let id = match get("id") {
            None => {
                self.error(item, "a panel needs an `id`");
                None
            }
            Some(node) => match node.value.scalar_text().map(|t| PanelId::parse(&t)) {
                Some(Ok(id)) => {
                    if !domains.iter().any(|d| &d.code == id.domain()) {
                        let declared: Vec<&str> = domains.iter().map(|d| d.code.as_str()).collect();
                        self.error(
                            node,
                            format!(
                                "domain `{}` of the panel id is not declared under `domains:` (declared: {})",
                                id.domain(),
                                if declared.is_empty() { "none".to_owned() } else { declared.join(", ") }
                            ),
                        );
                    }
                    Some(id)
                }
                Some(Err(e)) => {
                    self.error(node, e.to_string());
                    None
                }
                None => {
                    self.error(
                        node,
                        format!("`id` must be a string, found {}", node.value.kind()),
                    );
                    None
                }
            },
        };

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
        if let Some(node) = get("path_params") {
            for (name, value) in self.string_map(node, "`path_params`") {
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
                    path_params.insert(name, text);
                }
            }
        }
        if let (Some(e), Some(node)) = (&endpoint, endpoint_node) {
            for name in e.path.params() {
                if !path_params.contains_key(name) {
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
                if let Some(text) = self.scalar(&value, &format!("query parameter `{name}`")) {
                    params.push((name, text));
                }
            }
        }

        let headers = get("headers")
            .map(|n| self.headers(n, "`headers`"))
            .unwrap_or_default();

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
        if let Some(node) = get("invariants") {
            match &node.value {
                Node::Seq(items) => {
                    for inv in items {
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
                            Ok(i) => invariants.push(i),
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

        if !ok {
            return None;
        }
        Some(Panel {
            id: id?,
            capability: capability?,
            endpoint: endpoint?,
            path_params,
            params,
            headers,
            auth,
            class: class?,
            provenance: provenance?,
            invariants,
            body,
            purpose,
        })
    }

    fn provenance(&mut self, node: &Located<Node>) -> Option<ProvenanceRequirement> {
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

    fn waivers(&mut self, node: &Located<Node>, panels: &[Panel]) -> Vec<Waiver> {
        let mut waivers = Vec::new();
        let Node::Seq(items) = &node.value else {
            self.error(
                node,
                format!("`waivers` must be a list, found {}", node.value.kind()),
            );
            return waivers;
        };
        for item in items {
            let Some(entries) = self.mapping(item, "a waiver", WAIVER_KEYS) else {
                continue;
            };
            let get = |name: &str| {
                entries
                    .iter()
                    .find(|(k, _)| k.value == name)
                    .map(|(_, v)| v)
            };
            let missing: Vec<&str> = WAIVER_KEYS
                .iter()
                .copied()
                .filter(|k| get(k).is_none())
                .collect();
            if !missing.is_empty() {
                self.error(item, format!("a waiver needs {}", missing.join(", ")));
                continue;
            }
            let (Some(panel_node), Some(code_node), Some(expires_node)) =
                (get("panel"), get("code"), get("expires"))
            else {
                continue;
            };
            self.panel = panel_node.value.scalar_text();
            let panel = self
                .string(panel_node, "`panel`")
                .and_then(|p| match PanelId::parse(&p) {
                    Ok(id) if panels.iter().any(|x| x.id == id) => Some(id),
                    Ok(id) => {
                        self.error(
                            panel_node,
                            format!(
                                "waiver names panel `{id}`, which the registry does not declare"
                            ),
                        );
                        None
                    }
                    Err(e) => {
                        self.error(panel_node, e.to_string());
                        None
                    }
                });
            let code = self
                .string(code_node, "`code`")
                .and_then(|c| match c.parse::<GapCode>() {
                    Ok(code) => Some(code),
                    Err(_) => {
                        let codes: Vec<&str> = GapCode::ALL.iter().map(|c| c.as_str()).collect();
                        self.error(
                            code_node,
                            format!(
                                "unknown gap code `{c}`; expected one of {}",
                                codes.join(", ")
                            ),
                        );
                        None
                    }
                });
            let expires = self.scalar(expires_node, "`expires`").and_then(|d| {
                let parsed = (d.len() == 10).then(|| d.parse::<Date>().ok()).flatten();
                if parsed.is_none() {
                    self.error(
                        expires_node,
                        format!("`expires` must be a date YYYY-MM-DD, found `{d}`"),
                    );
                }
                parsed
            });
            let owner = get("owner").and_then(|n| self.scalar(n, "`owner`"));
            let reason = get("reason").and_then(|n| self.scalar(n, "`reason`"));
            self.panel = None;
            if let (Some(panel), Some(code), Some(expires), Some(owner), Some(reason)) =
                (panel, code, expires, owner, reason)
            {
                waivers.push(Waiver {
                    panel,
                    code,
                    owner,
                    expires,
                    reason,
                });
            }
        }
        waivers
    }

    fn trust(&mut self, node: &Located<Node>) -> TrustPolicy {
        let mut trust = TrustPolicy::default();
        let Some(entries) = self.mapping(node, "`trust`", TRUST_KEYS) else {
            return trust;
        };
        for (key, value) in entries {
            let what = format!("`trust.{}`", key.value);
            match key.value.as_str() {
                "window" => {
                    if let Some(d) = self.duration(value, &what) {
                        trust.window = d;
                    }
                }
                "min_verified" => {
                    if let Some(n) = self.count(value, &what) {
                        trust.min_verified = n;
                    }
                }
                "min_bound_rate" => {
                    if let Some(r) = self.share(value, &what) {
                        trust.min_bound_rate = r;
                    }
                }
                "max_consecutive_failures" => {
                    if let Some(n) = self.count(value, &what) {
                        trust.max_consecutive_failures = n;
                    }
                }
                "demote_below_rate" => {
                    if let Some(r) = self.share(value, &what) {
                        trust.demote_below_rate = r;
                    }
                }
                "demote_after_failures" => {
                    if let Some(n) = self.count(value, &what) {
                        trust.demote_after_failures = n;
                    }
                }
                _ => {}
            }
        }
        trust
    }

    fn gate(&mut self, node: &Located<Node>) -> GatePolicy {
        let mut gate = GatePolicy::default();
        if let Some(entries) = self.mapping(node, "`gate`", GATE_KEYS) {
            for (key, value) in entries {
                if key.value == "max_unverified_share"
                    && let Some(r) = self.share(value, "`gate.max_unverified_share`")
                {
                    gate.max_unverified_share = r;
                }
            }
        }
        gate
    }

    fn tracker(&mut self, node: &Located<Node>) -> TrackerText {
        let mut text = TrackerText::default();
        let Some(entries) = self.mapping(node, "`tracker`", TRACKER_KEYS) else {
            return text;
        };
        for (key, value) in entries {
            match key.value.as_str() {
                "status" => text.status = self.scalar(value, "`tracker.status`"),
                "related" => text.related = self.scalar(value, "`tracker.related`"),
                "purpose" => text.purpose = self.scalar(value, "`tracker.purpose`"),
                "references" => match &value.value {
                    Node::Seq(items) => {
                        for item in items {
                            if let Some(s) = self.scalar(item, "a reference") {
                                text.references.push(s);
                            }
                        }
                    }
                    other => self.error(
                        value,
                        format!(
                            "`tracker.references` must be a list, found {}",
                            other.kind()
                        ),
                    ),
                },
                _ => {}
            }
        }
        text
    }
}

fn unknown_auth(name: &str, modes: &BTreeMap<String, AuthMode>) -> String {
    let mut declared: Vec<&str> = modes.keys().map(String::as_str).collect();
    declared.push(NO_AUTH);
    let hint = crate::suggest::closest(name, &declared)
        .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
    format!(
        "unknown auth mode `{name}`{hint}; declared: {}",
        declared.join(", ")
    )
}

fn show_node(node: &Node) -> String {
    node.scalar_text().unwrap_or_else(|| node.kind().to_owned())
}

#[cfg(test)]
mod tests;
