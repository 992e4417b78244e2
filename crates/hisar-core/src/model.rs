//! The registry's model: domains, panels, endpoints, auth modes and capabilities.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::error::{EndpointError, MissingPathParam};
use crate::flow::TokenFlow;
use crate::id::{CapabilityId, DomainCode, PanelId};
use crate::interpolate::Template;
use crate::invariant::Invariant;
use crate::live::{LiveValue, ValuePlace, ValueSource};

/// A domain: a group of panels with a short code and a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// Short code used in panel ids, e.g. `OVR`.
    pub code: DomainCode,
    /// Display name, e.g. `OVERVIEW`.
    pub name: String,
}

crate::named_enum! {
    /// An HTTP method.
    pub enum Method("method") {
        /// `GET`.
        Get = "GET",
        /// `HEAD`.
        Head = "HEAD",
        /// `POST`.
        Post = "POST",
        /// `PUT`.
        Put = "PUT",
        /// `PATCH`.
        Patch = "PATCH",
        /// `DELETE`.
        Delete = "DELETE",
        /// `OPTIONS`.
        Options = "OPTIONS",
    }
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A literal segment such as `cost`.
    Literal(String),
    /// A whole-segment parameter such as `{run_id}`.
    Param(String),
    /// A segment mixing literal text and parameters, such as `{name}.json`.
    Mixed(String),
}

impl Segment {
    /// Whether this is an API or version prefix segment (`api`, `v1`, `v2.1`), the kind a
    /// did-you-mean adds or removes.
    pub fn is_api_prefix(&self) -> bool {
        matches!(self, Segment::Literal(text) if is_prefix_segment(text))
    }
}

/// A path template such as `/replay/{incident_id}/summary`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathTemplate {
    raw: String,
    segments: Vec<Segment>,
    trailing_slash: bool,
}

impl PathTemplate {
    /// Parses a path template. It must start with `/`, carry no query string, and its
    /// braces must be balanced with non-empty parameter names.
    pub fn parse(text: &str) -> Result<Self, EndpointError> {
        if !text.starts_with('/') {
            return Err(EndpointError::NoLeadingSlash(text.to_owned()));
        }
        if text.contains('?') || text.contains('#') {
            return Err(EndpointError::QueryInPath(text.to_owned()));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(EndpointError::Whitespace(text.to_owned()));
        }
        let body = &text[1..];
        let trailing_slash = body.ends_with('/') && !body.is_empty();
        let body = body.strip_suffix('/').unwrap_or(body);
        let mut segments = Vec::new();
        if !body.is_empty() {
            for part in body.split('/') {
                if part.is_empty() {
                    return Err(EndpointError::EmptySegment(text.to_owned()));
                }
                if part == "." || part == ".." {
                    return Err(EndpointError::DotSegment(text.to_owned(), part.to_owned()));
                }
                segments.push(parse_segment(part).ok_or_else(|| {
                    EndpointError::BadParameter(text.to_owned(), part.to_owned())
                })?);
            }
        }
        Ok(Self {
            raw: text.to_owned(),
            segments,
            trailing_slash,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The segments, without the leading slash.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether the template ends with a slash (`/runs/`).
    pub fn has_trailing_slash(&self) -> bool {
        self.trailing_slash
    }

    /// The names of the parameters in order of appearance.
    pub fn params(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Param(name) => names.push(name.as_str()),
                Segment::Mixed(text) => names.extend(mixed_params(text)),
                Segment::Literal(_) => {}
            }
        }
        names
    }

    /// The shape of the template: parameters are anonymous, so `/runs/{run_id}` and
    /// `/runs/{id}` have the same shape `/runs/{}`.
    pub fn shape(&self) -> String {
        let mut out = String::with_capacity(self.raw.len());
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Param(_) => out.push_str("{}"),
                Segment::Mixed(text) => out.push_str(&anonymise(text)),
            }
        }
        if self.trailing_slash || self.segments.is_empty() {
            out.push('/');
        }
        out
    }

    /// Substitutes parameter values, percent-encoding them as path segments; fails naming the
    /// first parameter without a value.
    pub fn render(&self, values: &BTreeMap<String, String>) -> Result<String, MissingPathParam> {
        let mut out = String::with_capacity(self.raw.len() + 16);
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Param(name) => {
                    let value = values
                        .get(name)
                        .ok_or_else(|| MissingPathParam(name.clone()))?;
                    encode_segment(value, &mut out);
                }
                Segment::Mixed(text) => {
                    let mut rest = text.as_str();
                    while let Some(open) = rest.find('{') {
                        out.push_str(&rest[..open]);
                        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
                        let name = &rest[open + 1..close];
                        let value = values
                            .get(name)
                            .ok_or_else(|| MissingPathParam(name.to_owned()))?;
                        encode_segment(value, &mut out);
                        rest = rest.get(close + 1..).unwrap_or_default();
                    }
                    out.push_str(rest);
                }
            }
        }
        if self.trailing_slash || self.segments.is_empty() {
            out.push('/');
        }
        Ok(out)
    }
}

pub(crate) fn is_prefix_segment(segment: &str) -> bool {
    let s = segment.to_ascii_lowercase();
    s == "api"
        || s.strip_prefix('v').is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

fn parse_segment(part: &str) -> Option<Segment> {
    if !part.contains('{') && !part.contains('}') {
        return Some(Segment::Literal(part.to_owned()));
    }
    if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}'))
        && is_param_name(name)
    {
        return Some(Segment::Param(name.to_owned()));
    }
    // Mixed: every `{` must close before the next `{`, with a valid name inside.
    let mut rest = part;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return None;
        }
        let close = rest[open..].find('}')? + open;
        if !is_param_name(&rest[open + 1..close]) {
            return None;
        }
        rest = &rest[close + 1..];
    }
    Some(Segment::Mixed(part.to_owned()))
}

fn mixed_params(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|chunk| chunk.split_once('}').map(|(name, _)| name))
}

fn anonymise(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in text.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

fn is_param_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// Bytes percent-encoded in a path segment: all but RFC 3986 `pchar` (unreserved, sub-delims,
/// `:` and `@`), so `/`, `?`, `#` and `%` in a value never change the path.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Bytes percent-encoded in a query name or value: all but RFC 3986 unreserved characters.
pub(crate) const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_segment(value: &str, out: &mut String) {
    out.extend(utf8_percent_encode(value, PATH_SEGMENT));
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for PathTemplate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

/// An endpoint: a method and a path template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: Method,
    /// The path template.
    pub path: PathTemplate,
}

impl Endpoint {
    /// Parses `GET /path`, or `/path` alone (meaning GET).
    ///
    /// ```
    /// use hisar_core::{Endpoint, Method};
    /// let e: Endpoint = "POST /runs/{run_id}/cancel".parse().unwrap();
    /// assert_eq!(e.method, Method::Post);
    /// assert_eq!(e.path.params(), ["run_id"]);
    /// assert_eq!("/health".parse::<Endpoint>().unwrap().method, Method::Get);
    /// ```
    pub fn parse(text: &str) -> Result<Self, EndpointError> {
        let text = text.trim();
        let (method, path) = match text.split_once(char::is_whitespace) {
            Some((method, path)) => (
                method
                    .parse()
                    .map_err(|_| EndpointError::Method(method.to_owned()))?,
                path.trim(),
            ),
            None => (Method::Get, text),
        };
        Ok(Self {
            method,
            path: PathTemplate::parse(path)?,
        })
    }
}

impl FromStr for Endpoint {
    type Err = EndpointError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Method {
    /// Whether the method is safe (RFC 9110 §9.2.1) and probed by default: `GET`, `HEAD`,
    /// `OPTIONS`. Any other is sent only when the panel declares `safe: true` or the sweep
    /// allows unsafe methods (SPEC §3.4).
    pub fn is_safe(self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Options)
    }
}

crate::named_enum! {
    /// What a panel does with the data it reads; `interpretation` panels need provenance.
    pub enum PanelClass("panel class") {
        /// Aggregates or interprets data: requires HIL v1 provenance by default.
        Interpretation = "interpretation",
        /// Shows raw records.
        Evidence = "evidence",
        /// Shows running work.
        Execution = "execution",
        /// Offers an action.
        Action = "action",
        /// Shows or edits configuration.
        Configuration = "configuration",
    }
}

crate::named_enum! {
    /// The HIL v1 aggregation kinds.
    pub enum Aggregation("aggregation") {
        /// Paginated collections.
        List = "list",
        /// Aggregated metrics.
        Summary = "summary",
        /// A bare count.
        Count = "count",
        /// One entity.
        Detail = "detail",
    }
}

/// Whether and where a panel needs HIL v1 provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "required", rename_all = "lowercase")]
pub enum ProvenanceRequirement {
    /// No provenance is checked.
    None,
    /// A provenance block is required.
    Required {
        /// JSON pointer to the block, `/provenance` by default.
        at: String,
        /// The aggregation the block must declare, if any.
        aggregation: Option<Aggregation>,
    },
}

impl ProvenanceRequirement {
    /// The default location of the block.
    pub const DEFAULT_POINTER: &'static str = "/provenance";

    /// A requirement at the default location with no expected aggregation.
    pub fn required() -> Self {
        ProvenanceRequirement::Required {
            at: Self::DEFAULT_POINTER.to_owned(),
            aggregation: None,
        }
    }

    /// Whether provenance is checked.
    pub fn is_required(&self) -> bool {
        matches!(self, ProvenanceRequirement::Required { .. })
    }
}

crate::named_enum! {
    /// What a sweep does with the OpenAPI response schema of a panel's operation (SPEC §3.7):
    /// `backend.schema` sets it for every panel, a panel's `schema:` for itself.
    pub enum SchemaPolicy("schema policy") {
        /// A body that does not match the schema is `SDSR_FAILED` (the default).
        Enforce = "enforce",
        /// A body that does not match the schema is recorded as a finding only.
        Warn = "warn",
        /// The schema is not checked.
        Off = "off",
    }
}

#[expect(
    clippy::derivable_impls,
    reason = "named_enum! derives a fixed set of traits, Default not among them"
)]
impl Default for SchemaPolicy {
    fn default() -> Self {
        SchemaPolicy::Enforce
    }
}

/// The body type a panel expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    /// A JSON document (the default).
    #[default]
    Json,
    /// Any non-empty text.
    Text,
    /// Anything, even empty.
    Any,
}

/// An auth mode (SPEC §4.1): static headers, a token flow, or both (the flow's token goes
/// into `Authorization: Bearer`, the headers are added as they are). `${VAR}` templates are
/// resolved at run time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthMode {
    /// Header name and value template, in declaration order.
    pub headers: Vec<(String, Template)>,
    /// The token flow, when the mode has one.
    pub flow: Option<TokenFlow>,
}

impl AuthMode {
    /// Every variable the mode reads: its headers' and its flow's.
    pub fn variables(&self) -> Vec<&str> {
        let mut vars: Vec<&str> = self
            .headers
            .iter()
            .flat_map(|(_, t)| t.variables())
            .chain(self.flow.iter().flat_map(TokenFlow::variables))
            .collect();
        vars.sort_unstable();
        vars.dedup();
        vars
    }
}

/// The declared status of a capability in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeclaredStatus {
    /// In use.
    #[default]
    Active,
    /// Declared deprecated: its status is `DEPRECATED` whatever the sweeps say.
    Deprecated,
}

/// A capability declared in the registry's optional `capabilities:` section.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CapabilityDecl {
    /// Declared status.
    pub status: DeclaredStatus,
    /// True when the id was derived from an endpoint by an importer rather than named by a person.
    pub derived: bool,
    /// Free text.
    pub note: Option<String>,
}

/// An invariant a panel declares but HISAR cannot evaluate: an id whose definition lives
/// outside the data HISAR was given (in code, say), or an expectation with no equivalent in the
/// invariant language. It is kept so that it is never silently dropped: `validate` lists it,
/// and a verdict whose invariants were evaluated says it was not checked.
///
/// Written in a panel's `invariants:` list as `{ id: INV-L0-003, unresolved: "defined only in
/// code" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UncheckedInvariant {
    /// The id or text the source gave (`INV-L0-003`).
    pub id: String,
    /// Why it cannot be checked (`defined only in code`).
    pub reason: String,
}

/// A panel: one piece of UI and the endpoint it reads.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The panel id, which also names its domain.
    pub id: PanelId,
    /// The line of the panel's entry in the registry file (1-based), for annotations that
    /// point at it.
    pub line: usize,
    /// The capability the panel needs.
    pub capability: CapabilityId,
    /// The endpoint it reads.
    pub endpoint: Endpoint,
    /// A value for every `{name}` in the path.
    pub path_params: BTreeMap<String, String>,
    /// Query parameters, in declaration order.
    pub params: Vec<(String, String)>,
    /// Extra headers (templates).
    pub headers: Vec<(String, Template)>,
    /// The auth mode name (a key of the registry's `auth:` or `none`).
    pub auth: String,
    /// The panel class.
    pub class: PanelClass,
    /// The provenance requirement.
    pub provenance: ProvenanceRequirement,
    /// Compiled invariants.
    pub invariants: Vec<Invariant>,
    /// Declared invariants that cannot be checked, in declaration order.
    pub unchecked: Vec<UncheckedInvariant>,
    /// The expected body type.
    pub body: BodyKind,
    /// Optional purpose text.
    pub purpose: Option<String>,
    /// The author asserts that the method changes nothing (`safe: true`), so a sweep may send
    /// it even when it is not `GET`, `HEAD` or `OPTIONS` (a `POST /search`).
    pub safe: bool,
    /// What to do with the OpenAPI response schema (the panel's `schema:`, else
    /// `backend.schema`, else `enforce`).
    pub schema: SchemaPolicy,
    /// Path, query and header values taken from another panel's answer or a setup step in the
    /// same sweep (SPEC §4.2), in declaration order. They have no entry in `path_params`,
    /// `params` or `headers` until a sweep resolves them ([`Panel::with_values`]).
    pub live: Vec<LiveValue>,
    /// The line and column of each of `invariants`, for messages that point at one.
    pub invariant_positions: Vec<(usize, usize)>,
}

impl Panel {
    /// The concrete request path with path parameters substituted.
    pub fn request_path(&self) -> String {
        // The registry guarantees every parameter has a value.
        self.endpoint
            .path
            .render(&self.path_params)
            .unwrap_or_else(|_| self.endpoint.path.as_str().to_owned())
    }

    /// The concrete request target: the path with parameters substituted, then the query
    /// parameters encoded per RFC 3986 (every byte but the unreserved ones is percent-encoded,
    /// so `+`, `&`, `=` and spaces in a value stay data: `a b+c` is sent as `a%20b%2Bc`).
    ///
    /// ```
    /// use hisar_core::Registry;
    /// let registry = Registry::from_yaml(r#"
    /// version: 1
    /// domains: [{ code: INC, name: INCIDENTS }]
    /// defaults: { class: evidence }
    /// panels:
    ///   - id: INC-A-B-O1
    ///     capability: incidents.one
    ///     endpoint: GET /admin/{id}
    ///     path_params: { id: "../admin?x#y%" }
    ///     params: { q: "a b+c&d=e" }
    /// "#, "hisar.yaml").unwrap();
    /// assert_eq!(
    ///     registry.panels()[0].request_target(),
    ///     "/admin/..%2Fadmin%3Fx%23y%25?q=a%20b%2Bc%26d%3De"
    /// );
    /// ```
    pub fn request_target(&self) -> String {
        let mut target = self.request_path();
        for (i, (name, value)) in self.params.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            target.extend(utf8_percent_encode(name, QUERY_COMPONENT));
            target.push('=');
            target.extend(utf8_percent_encode(value, QUERY_COMPONENT));
        }
        target
    }

    /// Why a sweep never sends this panel when one of its values is a `{ todo }` (the
    /// registry has no value for it yet): every such value and what to put there, in the
    /// words of the tracker. `None` when every value is there or comes from live data.
    ///
    /// ```
    /// use hisar_core::Registry;
    /// let registry = Registry::from_yaml(r#"
    /// version: 1
    /// domains: [{ code: INC, name: INCIDENTS }]
    /// defaults: { class: evidence }
    /// panels:
    ///   - id: INC-A-ONE-O1
    ///     capability: incidents.one
    ///     endpoint: /incidents/{incident_id}
    ///     path_params: { incident_id: { todo: "a real incident id" } }
    /// "#, "hisar.yaml").unwrap();
    /// assert_eq!(
    ///     registry.panels()[0].todo_reason().unwrap(),
    ///     "path parameter `incident_id` has no value yet (todo: a real incident id); put a value or a { from, select }"
    /// );
    /// ```
    pub fn todo_reason(&self) -> Option<String> {
        let todos: Vec<String> = self.live.iter().filter_map(LiveValue::todo).collect();
        (!todos.is_empty()).then(|| {
            let what = if todos.len() == 1 {
                "a value"
            } else {
                "values"
            };
            format!("{}; put {what} or a {{ from, select }}", todos.join("; "))
        })
    }

    /// The panels whose answers this panel's values come from, in declaration order, each
    /// once.
    pub fn source_panels(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for value in &self.live {
            if let ValueSource::Panel { panel, .. } = &value.source
                && !ids.contains(&panel.as_str())
            {
                ids.push(panel);
            }
        }
        ids
    }

    /// The setup steps this panel's values come from, in declaration order, each once.
    pub fn source_steps(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for value in &self.live {
            if let ValueSource::Setup { step, .. } = &value.source
                && !ids.contains(&step.as_str())
            {
                ids.push(step);
            }
        }
        ids
    }

    /// The panel with its live values resolved: `values` holds one text per entry of
    /// [`Panel::live`], in order; each goes where its entry says (a header value is sent as
    /// it is, never read as a `${VAR}` template).
    ///
    /// ```
    /// use hisar_core::Registry;
    /// let registry = Registry::from_yaml(r#"
    /// version: 1
    /// domains: [{ code: INC, name: INCIDENTS }]
    /// defaults: { class: evidence }
    /// panels:
    ///   - { id: INC-A-LIST-O1, capability: incidents.list, endpoint: /incidents }
    ///   - id: INC-A-ONE-O2
    ///     capability: incidents.one
    ///     endpoint: /incidents/{id}
    ///     path_params: { id: { from: INC-A-LIST-O1, select: "$.items[0].id" } }
    /// "#, "hisar.yaml").unwrap();
    /// let panel = &registry.panels()[1];
    /// assert_eq!(panel.source_panels(), ["INC-A-LIST-O1"]);
    /// let resolved = panel.with_values(&["inc 7".to_owned()]);
    /// assert_eq!(resolved.request_target(), "/incidents/inc%207");
    /// assert!(resolved.live.is_empty());
    /// ```
    #[must_use]
    pub fn with_values(&self, values: &[String]) -> Panel {
        let mut panel = self.clone();
        for (live, value) in self.live.iter().zip(values) {
            match live.place {
                ValuePlace::Path => {
                    panel.path_params.insert(live.name.clone(), value.clone());
                }
                ValuePlace::Query => panel.params.push((live.name.clone(), value.clone())),
                ValuePlace::Header => panel
                    .headers
                    .push((live.name.clone(), Template::literal(value))),
            }
        }
        panel.live.clear();
        panel
    }

    /// Whether a sweep may send the panel's request: a safe method, or `safe: true`.
    pub fn is_safe_to_probe(&self) -> bool {
        self.safe || self.endpoint.method.is_safe()
    }

    /// A stable fingerprint of the panel's invariant set, for the trust policy.
    pub fn invariants_fingerprint(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let unchecked = self.unchecked.iter().map(|u| format!("? {}", u.id));
        for source in self
            .invariants
            .iter()
            .map(|i| i.source().to_owned())
            .chain(unchecked)
        {
            for byte in source.bytes().chain(std::iter::once(b'\n')) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_shape() {
        let t = PathTemplate::parse("/replay/{incident_id}/summary").unwrap();
        assert_eq!(t.shape(), "/replay/{}/summary");
        assert_eq!(t.params(), ["incident_id"]);
        let t = PathTemplate::parse("/files/{name}.json/").unwrap();
        assert_eq!(t.shape(), "/files/{}.json/");
        assert!(t.has_trailing_slash());
        assert_eq!(PathTemplate::parse("/").unwrap().shape(), "/");
        for bad in [
            "health", "/a//b", "/a/{", "/a/{}", "/a/}b", "/a?x=1", "/a b", "/a/../b", "/./a",
        ] {
            assert!(PathTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_render_encoded() {
        let t = PathTemplate::parse("/runs/{id}/files/{name}.txt").unwrap();
        let values = BTreeMap::from([
            ("id".to_owned(), "a b/c".to_owned()),
            ("name".to_owned(), "x".to_owned()),
        ]);
        assert_eq!(t.render(&values).unwrap(), "/runs/a%20b%2Fc/files/x.txt");
        assert_eq!(
            t.render(&BTreeMap::new()).unwrap_err(),
            MissingPathParam("id".to_owned())
        );
    }

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("get /x").unwrap();
        assert_eq!(e.to_string(), "GET /x");
        assert!(Endpoint::parse("FETCH /x").is_err());
    }
}
