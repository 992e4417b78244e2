//! The loader: a located YAML tree walked once, every problem collected with its position.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jiff::civil::Date;

use super::{Backend, Defaults, NO_AUTH, Registry, TrackerText};
use crate::error::{Diagnostic, RegistryError};
use crate::id::{CapabilityId, DomainCode};
use crate::index::IdIndex;
use crate::interpolate::Template;
use crate::invariant::Invariant;
use crate::model::{
    AuthMode, CapabilityDecl, DeclaredStatus, Domain, Panel, PanelClass, SchemaPolicy,
};
use crate::policy::{GatePolicy, TrustPolicy, Waiver};
use crate::time::HumanDuration;
use crate::verdict::GapCode;
use crate::yaml::{self, Located, Node};

/// Loads a registry from YAML text; `origin` names the source in error messages.
///
/// A valid registry loads from a stream ([`streamed`]): each panel is built as soon as it is
/// parsed, and the document never exists as one tree. When anything is wrong with it, or
/// unusual in its layout, the text is loaded again from its whole located tree, the way that
/// reports every problem with its position; so does every invalid registry.
pub(super) fn load(text: &str, origin: &str) -> Result<Registry, RegistryError> {
    if let Some(registry) = super::stream::streamed(text) {
        return Ok(registry);
    }
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

pub(super) struct Loader<'t> {
    pub(super) text: &'t str,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) panel: Option<String>,
    /// Invariants compiled so far, by text: panels that share an invariant share its compiled
    /// form (JSONPath, regular expression and the latter's search caches).
    pub(super) compiled: HashMap<String, Invariant>,
}

type Entries = Vec<(Located<String>, Located<Node>)>;

/// Keys of each mapping, for unknown-key detection and suggestions.
pub(super) const TOP_KEYS: &[&str] = &[
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
    "setup",
];
pub(super) const BACKEND_KEYS: &[&str] = &["base_url", "routes", "schema"];
pub(super) const DEFAULTS_KEYS: &[&str] = &["auth", "timeout", "class"];
pub(super) const DOMAIN_KEYS: &[&str] = &["code", "name"];
pub(super) const PANEL_KEYS: &[&str] = &[
    "id",
    "domain",
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
    "safe",
    "schema",
];
pub(super) const PROVENANCE_KEYS: &[&str] = &["at", "aggregation"];
/// The keys of an unresolved invariant entry (`{ id, unresolved }`).
pub(super) const UNCHECKED_KEYS: &[&str] = &["id", "unresolved"];
pub(super) const CAPABILITY_KEYS: &[&str] = &["status", "derived", "note"];
pub(super) const WAIVER_KEYS: &[&str] = &["panel", "code", "owner", "expires", "reason"];
pub(super) const TRUST_KEYS: &[&str] = &[
    "window",
    "min_verified",
    "min_bound_rate",
    "max_consecutive_failures",
    "demote_below_rate",
    "demote_after_failures",
];
pub(super) const GATE_KEYS: &[&str] = &["max_unverified_share"];
pub(super) const TRACKER_KEYS: &[&str] = &["status", "related", "purpose", "references"];

impl Loader<'_> {
    pub(super) fn error<T>(&mut self, at: &Located<T>, message: impl Into<String>) {
        self.error_at(at.line, at.column, message);
    }

    pub(super) fn error_at(&mut self, line: usize, column: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            line,
            column,
            panel: self.panel.clone(),
            message: message.into(),
        });
    }

    /// The entries of a mapping, checking unknown and duplicate keys.
    pub(super) fn mapping<'n>(
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

    pub(super) fn string(&mut self, node: &Located<Node>, what: &str) -> Option<String> {
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

    pub(super) fn scalar(&mut self, node: &Located<Node>, what: &str) -> Option<String> {
        let text = node.value.scalar_text();
        if text.is_none() {
            self.error(
                node,
                format!("{what} must be a scalar, found {}", node.value.kind()),
            );
        }
        text
    }

    pub(super) fn template(&mut self, node: &Located<Node>, what: &str) -> Option<Template> {
        let text = self.scalar(node, what)?;
        match Template::parse(&text) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(node, format!("{what}: {e}"));
                None
            }
        }
    }

    pub(super) fn number(&mut self, node: &Located<Node>, what: &str) -> Option<f64> {
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

    pub(super) fn count(&mut self, node: &Located<Node>, what: &str) -> Option<u32> {
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

    pub(super) fn share(&mut self, node: &Located<Node>, what: &str) -> Option<f64> {
        let v = self.number(node, what)?;
        if (0.0..=1.0).contains(&v) {
            Some(v)
        } else {
            self.error(node, format!("{what} must be between 0 and 1, found {v}"));
            None
        }
    }

    /// A duration longer than zero (both of the registry's durations, a request timeout and
    /// the trust window, make no sense at zero).
    pub(super) fn duration(&mut self, node: &Located<Node>, what: &str) -> Option<Duration> {
        let text = self.scalar(node, what)?;
        match HumanDuration::parse_nonzero(&text) {
            Ok(d) => Some(d.0),
            Err(e) => {
                self.error(node, format!("{what}: {e}"));
                None
            }
        }
    }

    pub(super) fn string_map(
        &mut self,
        node: &Located<Node>,
        what: &str,
    ) -> Vec<(String, Located<Node>)> {
        let Some(entries) = self.mapping(node, what, &[]) else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|(k, v)| (k.value.clone(), v.clone()))
            .collect()
    }

    pub(super) fn load(&mut self) -> Option<Registry> {
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
        Some(self.build(&root, &entries, None))
    }

    /// The registry from the root's entries, in a fixed order whatever the document's; the
    /// panels are built from `panels:` unless `built` holds them already.
    pub(super) fn build(
        &mut self,
        root: &Located<Node>,
        entries: &Entries,
        built: Option<Vec<Panel>>,
    ) -> Registry {
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
                self.error(root, "missing `version: 1`");
                1
            }
        };
        let title = get("title").and_then(|n| self.string(n, "`title`"));
        let backend = get("backend").map(|n| self.backend(n)).unwrap_or_default();
        let auth = get("auth").map(|n| self.auth_modes(n)).unwrap_or_default();
        let mut defaults = get("defaults")
            .map(|n| self.defaults(n))
            .unwrap_or_default();
        defaults.schema = backend.schema;
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
                self.error(root, "missing `domains:`: declare at least one domain");
                Vec::new()
            }
        };
        let capabilities = get("capabilities")
            .map(|n| self.capabilities(n))
            .unwrap_or_default();
        let panels = match (built, get("panels")) {
            (Some(panels), _) => panels,
            (None, Some(n)) => self.panels(n, &domains, &auth, &defaults),
            (None, None) => {
                self.error(root, "missing `panels:`");
                Vec::new()
            }
        };
        let setup = get("setup")
            .map(|n| self.setup_steps(n, &auth, &defaults))
            .unwrap_or_default();
        self.check_sources(&panels, &setup);
        let waivers = get("waivers")
            .map(|n| self.waivers(n, &panels))
            .unwrap_or_default();
        let trust = get("trust").map(|n| self.trust(n)).unwrap_or_default();
        let gate = get("gate").map(|n| self.gate(n)).unwrap_or_default();
        let tracker = get("tracker").map(|n| self.tracker(n)).unwrap_or_default();
        Registry {
            version,
            title,
            backend,
            auth,
            defaults,
            domains,
            panels,
            setup,
            capabilities,
            waivers,
            trust,
            gate,
            tracker,
            panel_index: IdIndex::default(),
        }
    }

    pub(super) fn key_position(node: &Located<Node>, key: &str) -> (usize, usize) {
        if let Node::Map(entries) = &node.value
            && let Some((_, v)) = entries.iter().find(|(k, _)| k.value == key)
        {
            return (v.line, v.column);
        }
        (node.line, node.column)
    }

    pub(super) fn backend(&mut self, node: &Located<Node>) -> Backend {
        let mut backend = Backend::default();
        let Some(entries) = self.mapping(node, "`backend`", BACKEND_KEYS) else {
            return backend;
        };
        for (key, value) in entries {
            match key.value.as_str() {
                "base_url" => backend.base_url = self.template(value, "`backend.base_url`"),
                "routes" => backend.routes = self.template(value, "`backend.routes`"),
                "schema" => {
                    if let Some(policy) = self.schema_policy(value, "`backend.schema`") {
                        backend.schema = policy;
                    }
                }
                _ => {}
            }
        }
        backend
    }

    pub(super) fn headers(&mut self, node: &Located<Node>, what: &str) -> Vec<(String, Template)> {
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

    pub(super) fn defaults(&mut self, node: &Located<Node>) -> Defaults {
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

    /// `enforce`, `warn` or `off` (SPEC §3.7).
    pub(super) fn schema_policy(
        &mut self,
        node: &Located<Node>,
        what: &str,
    ) -> Option<SchemaPolicy> {
        let text = self.string(node, what)?;
        match text.parse() {
            Ok(policy) => Some(policy),
            Err(_) => {
                self.error(
                    node,
                    format!("{what} must be enforce, warn or off, found `{text}`"),
                );
                None
            }
        }
    }

    pub(super) fn class(&mut self, node: &Located<Node>) -> Option<PanelClass> {
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

    pub(super) fn domains(&mut self, node: &Located<Node>) -> Vec<Domain> {
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

    pub(super) fn capabilities(
        &mut self,
        node: &Located<Node>,
    ) -> BTreeMap<CapabilityId, CapabilityDecl> {
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

    pub(super) fn waivers(&mut self, node: &Located<Node>, panels: &[Panel]) -> Vec<Waiver> {
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
            let panel = self.string(panel_node, "`panel`").and_then(|p| {
                match panels.iter().find(|x| x.id.as_str() == p) {
                    Some(panel) => Some(panel.id.clone()),
                    None => {
                        self.error(
                            panel_node,
                            format!(
                                "waiver names panel `{p}`, which the registry does not declare"
                            ),
                        );
                        None
                    }
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

    pub(super) fn trust(&mut self, node: &Located<Node>) -> TrustPolicy {
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

    pub(super) fn gate(&mut self, node: &Located<Node>) -> GatePolicy {
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

    pub(super) fn tracker(&mut self, node: &Located<Node>) -> TrackerText {
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

pub(super) fn unknown_auth(name: &str, modes: &BTreeMap<String, AuthMode>) -> String {
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
