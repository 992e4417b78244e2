//! The JSON Schema of `hisar.yaml`, for editors (`# yaml-language-server: $schema=...`) and
//! for anyone who checks a registry without HISAR. Written with `schemars` from types that
//! mirror the file; the loader stays the authority (it reports every problem with its line),
//! and a test keeps the two agreeing on every key.

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// Any scalar a query or path parameter may be written as.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum Scalar {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
}

/// `hisar.yaml`: the panels of a UI, the endpoints they read, and what they need of the answer.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "HISAR registry (hisar.yaml)")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct RegistryDoc {
    /// Format version; this HISAR reads 1.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Heads the tracker. Default: `HISAR Backend Gaps Tracker`.
    title: Option<String>,
    /// Where the backend is. Default: no base URL (give `--base-url` or `HISAR_BASE_URL`) and no
    /// route table.
    backend: Option<BackendDoc>,
    /// Auth modes by name; `none` (no credentials) is built in and cannot be redefined.
    auth: Option<BTreeMap<String, AuthModeDoc>>,
    /// Defaults for every panel.
    defaults: Option<DefaultsDoc>,
    /// The domains panels belong to; at least one.
    domains: Vec<DomainDoc>,
    /// The panels, probed in this order.
    panels: Vec<PanelDoc>,
    /// Capabilities by id (`overview.cost_summary`): declare one deprecated, or note it.
    capabilities: Option<BTreeMap<String, Option<CapabilityDoc>>>,
    /// Known gaps kept out of the gate until a date.
    waivers: Option<Vec<WaiverDoc>>,
    /// When a capability becomes TRUSTED, and when it drops back.
    trust: Option<TrustDoc>,
    /// Gate settings.
    gate: Option<GateDoc>,
    /// Text that heads and closes the tracker.
    tracker: Option<TrackerDoc>,
    /// Requests a sweep sends before the panels, in order, to seed the data they read; their
    /// captures feed panels' values (`{ from: setup.<id>, capture: <name> }`). Declaring a step
    /// is the consent to send it, whatever its method. Default: none.
    setup: Option<Vec<SetupDoc>>,
}

/// A setup step (SPEC §4.2).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct SetupDoc {
    /// Unique among steps: letters, digits, `-`, `_` and `.`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9._-]+$"))]
    id: String,
    /// `METHOD /path`, relative to the base URL, without `{parameters}`.
    #[schemars(regex(
        pattern = r"^((GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|get|head|post|put|patch|delete|options)\s+)?/"
    ))]
    request: String,
    /// Auth mode: a key of `auth:`, or `none`. Default: `defaults.auth`.
    auth: Option<String>,
    /// Query parameters. Default: none.
    params: Option<BTreeMap<String, Scalar>>,
    /// Extra headers (`${VAR}` allowed). Default: none.
    headers: Option<BTreeMap<String, String>>,
    /// A JSON body; strings may read `${VAR}`. Default: no body.
    json: Option<serde_json::Value>,
    /// Values to take from the answer: name to JSONPath (`{ incident_id: $.id }`).
    capture: Option<BTreeMap<String, String>>,
}

/// A value a panel takes from live data (SPEC §4.2).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct LiveDoc {
    /// A panel id (its answer, which must be BOUND), or `setup.<step id>`.
    from: String,
    /// With a panel: the JSONPath of the value in its answer (the first node it selects).
    select: Option<String>,
    /// With a setup step: the name of one of its captures.
    capture: Option<String>,
}

/// A value the registry does not have yet: a sweep never sends the panel (it is UNVERIFIED
/// with the hint) and `hisar validate` warns (`--strict`: an error).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct TodoDoc {
    /// What to put here (`a real incident id`); not empty.
    #[schemars(length(min = 1))]
    todo: String,
}

/// A fixed value, or one taken from live data.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum ValueDoc {
    /// A fixed value.
    Fixed(Scalar),
    /// From another panel's answer or a setup step's capture.
    Live(LiveDoc),
    /// No value yet.
    Todo(TodoDoc),
}

/// A fixed header value, or one taken from live data.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum HeaderValueDoc {
    /// A template (`${VAR}` allowed).
    Fixed(String),
    /// From another panel's answer or a setup step's capture.
    Live(LiveDoc),
    /// No value yet.
    Todo(TodoDoc),
}

/// What a sweep does with the OpenAPI response schemas of the route table.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum SchemaPolicyDoc {
    /// A body that does not match is SDSR_FAILED.
    Enforce,
    /// A body that does not match is a finding only.
    Warn,
    /// Not checked.
    Off,
}

/// Where the backend is.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct BackendDoc {
    /// Base URL; `${VAR}` and `${VAR:-default}` come from the environment. `--base-url` and
    /// `HISAR_BASE_URL` override it. Default: none.
    base_url: Option<String>,
    /// Route table for stage 1: an OpenAPI 3 document (JSON or YAML), a `{path: [methods]}`
    /// map, or an endpoint list (`{endpoints: [{method, path}], path_prefix}`); a file relative
    /// to the registry's folder, or an http(s) URL. Default: none (stage 1 unchecked).
    routes: Option<String>,
    /// What sweeps do with the response schemas of an OpenAPI 3.0/3.1 route table: `enforce`
    /// (a body that does not match is SDSR_FAILED), `warn` (a finding only) or `off`.
    /// Default: `enforce`.
    schema: Option<SchemaPolicyDoc>,
}

/// An auth mode: static headers, a token flow (`oauth2`, `login` or `command`), or both. The
/// flow's token is sent as `Authorization: Bearer` (a login's cookie as that cookie); the
/// headers are added as they are.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct AuthModeDoc {
    /// Header name to value; `${VAR}` and `${VAR:-default}` come from the environment at run
    /// time and are never written anywhere.
    headers: Option<BTreeMap<String, String>>,
    /// OAuth2 client credentials (RFC 6749 §4.4).
    oauth2: Option<OAuth2Doc>,
    /// A login request whose answer yields a token or a cookie.
    login: Option<LoginDoc>,
    /// A command run without a shell; its standard output, trimmed, is the token.
    command: Option<CommandDoc>,
}

/// OAuth2 client credentials: a token asked for when the first panel needs it, renewed before
/// it expires and once after a 401.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct OAuth2Doc {
    /// The token endpoint, an http(s) URL; the client secret is sent there and nowhere else.
    token_url: String,
    /// The client id.
    client_id: String,
    /// The client secret (use `${VAR}`).
    client_secret: String,
    /// The `scope` parameter: one string, or a list joined with spaces.
    scope: Option<OneOrMany>,
    /// The `audience` parameter.
    audience: Option<String>,
    /// How the client authenticates: HTTP Basic (default) or in the form body.
    client_auth: Option<ClientAuthDoc>,
    /// Time allowed for the token request. Default: the per-request time limit.
    timeout: Option<String>,
}

/// One string or a list of strings.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum OneOrMany {
    /// One.
    One(String),
    /// Many.
    Many(Vec<String>),
}

/// OAuth2 client authentication.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum ClientAuthDoc {
    /// HTTP Basic.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// A login request.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct LoginDoc {
    /// `METHOD target` (the method defaults to POST): a path relative to the base URL, or an
    /// http(s) URL.
    request: String,
    /// A JSON body; its strings may read `${VAR}`.
    json: Option<serde_json::Value>,
    /// A form body (`application/x-www-form-urlencoded`).
    form: Option<BTreeMap<String, Scalar>>,
    /// Headers of the login request.
    headers: Option<BTreeMap<String, String>>,
    /// A JSONPath to the token in the JSON answer, such as `$.access_token`.
    token: Option<String>,
    /// The name of the cookie the answer sets (instead of `token`).
    cookie: Option<String>,
    /// Time allowed for the login. Default: the per-request time limit.
    timeout: Option<String>,
}

/// A command: a list (program and arguments), or a mapping with a deadline.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum CommandDoc {
    /// Program and arguments.
    Argv(Vec<String>),
    /// Program and arguments with a deadline.
    WithTimeout(CommandWithTimeout),
}

/// A command with a deadline.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct CommandWithTimeout {
    /// Program and arguments.
    argv: Vec<String>,
    /// Deadline, after which the command is stopped. Default: the per-request time limit.
    timeout: Option<String>,
}

/// Defaults for every panel.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct DefaultsDoc {
    /// Auth mode of panels that name none. Default: `none`.
    auth: Option<String>,
    /// Time allowed per request, such as `10s` or `1m30s` (`--max-time` overrides). Default:
    /// 10s.
    timeout: Option<String>,
    /// Class of panels that name none. Default: none (every panel must name its class).
    class: Option<ClassDoc>,
}

/// What a panel does with the data it reads.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum ClassDoc {
    /// Aggregates or interprets data: needs HIL v1 provenance unless `provenance: none`.
    Interpretation,
    /// Shows raw records.
    Evidence,
    /// Shows running work.
    Execution,
    /// Offers an action.
    Action,
    /// Shows or edits configuration.
    Configuration,
}

/// A domain.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct DomainDoc {
    /// Short code used in panel ids: upper-case letters and digits, starting with a letter.
    #[schemars(regex(pattern = r"^[A-Z][A-Z0-9]*$"))]
    code: String,
    /// Display name.
    name: String,
}

/// A panel: one piece of UI and the endpoint it reads.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct PanelDoc {
    /// A declared domain code, `-`, then letters, digits, `-`, `_` or `.` (`OVR-SUM-CI-O1`);
    /// with `domain:`, any text of 1 to 128 characters.
    #[schemars(length(min = 1, max = 128))]
    id: String,
    /// The panel's domain, when its id does not start with it. Default: the id's prefix.
    domain: Option<String>,
    /// The capability it needs: dot-separated lower-case words (`overview.cost_summary`).
    #[schemars(regex(pattern = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"))]
    capability: String,
    /// `METHOD /path/{param}`; the method may be omitted (GET).
    #[schemars(regex(
        pattern = r"^((GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|get|head|post|put|patch|delete|options)\s+)?/"
    ))]
    endpoint: String,
    /// Query parameters: fixed, or `{ from, select }` / `{ from: setup.<id>, capture }`.
    /// Default: none.
    params: Option<BTreeMap<String, ValueDoc>>,
    /// A value for every `{name}` in the path; required when the path has any. Fixed, or
    /// taken from another panel's answer (`{ from: PANEL, select: JSONPATH }`) or a setup
    /// step (`{ from: setup.<id>, capture: <name> }`).
    path_params: Option<BTreeMap<String, ValueDoc>>,
    /// Extra headers (`${VAR}` allowed), added to the auth mode's; or taken from live data as
    /// path parameters are. Default: none.
    headers: Option<BTreeMap<String, HeaderValueDoc>>,
    /// Auth mode: a key of `auth:`, or `none`. Default: `defaults.auth`.
    auth: Option<String>,
    /// What the panel does. Default: `defaults.class`.
    class: Option<ClassDoc>,
    /// HIL v1 provenance: `none`, `required`, true/false, or where and what. Default: required
    /// for `interpretation` panels, none for the others.
    provenance: Option<ProvenanceDoc>,
    /// Invariants, one per item: `[not] QUERY [count] PREDICATE [VALUE]`, such as
    /// `$.items isArray` or `$.total >= 0`; or an invariant declared but not checkable,
    /// `{ id: INV-L0-003, unresolved: "defined only in code" }`. Default: none.
    invariants: Option<Vec<InvariantDoc>>,
    /// What the panel is for; shown in the P1 table.
    purpose: Option<String>,
    /// Expected body. Default: `json`.
    body: Option<BodyDoc>,
    /// The author asserts the method changes nothing (a `POST /search`), so a sweep sends it;
    /// otherwise only `GET`, `HEAD` and `OPTIONS` are sent unless the sweep runs with
    /// `--allow-unsafe`. Default: false.
    safe: Option<bool>,
    /// `off` to skip the OpenAPI response schema for this panel (or `warn`, `enforce`).
    /// Default: `backend.schema`.
    schema: Option<SchemaPolicyDoc>,
}

/// One invariant: its text, or a declared invariant HISAR cannot check.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum InvariantDoc {
    /// `[not] QUERY [count] PREDICATE [VALUE]`.
    Text(String),
    /// Kept by id, listed by `validate`, reported "not checked" by a sweep.
    Unresolved(UnresolvedInvariantDoc),
}

/// A declared invariant HISAR cannot check (an id defined only in code, an expectation with no
/// equivalent): kept so that it is never silently dropped.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct UnresolvedInvariantDoc {
    /// The id or text the source gave (`INV-L0-003`).
    id: String,
    /// Why it cannot be checked.
    unresolved: String,
}

/// The body a panel expects.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum BodyDoc {
    /// A JSON document.
    Json,
    /// Any non-empty text.
    Text,
    /// Anything, even empty.
    Any,
}

/// Whether and where a panel needs HIL v1 provenance.
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum ProvenanceDoc {
    /// `none` or `required`.
    Word(ProvenanceWord),
    /// Required (true) or not (false).
    Flag(bool),
    /// Required, with where and what.
    Required(ProvenanceAt),
}

/// `provenance: none | required`.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum ProvenanceWord {
    /// Not checked.
    None,
    /// At `/provenance`, any aggregation.
    Required,
}

/// A required provenance block.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct ProvenanceAt {
    /// JSON pointer to the block. Default: `/provenance`.
    #[schemars(regex(pattern = r"^/"))]
    at: Option<String>,
    /// The aggregation the block must declare. Default: any.
    aggregation: Option<AggregationDoc>,
}

/// HIL v1 aggregation kinds.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum AggregationDoc {
    /// Paginated collections.
    List,
    /// Aggregated metrics.
    Summary,
    /// A bare count.
    Count,
    /// One entity.
    Detail,
}

/// A declared capability.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct CapabilityDoc {
    /// `active` or `deprecated` (then DEPRECATED whatever the sweeps say). Default: `active`.
    status: Option<CapabilityStatusDoc>,
    /// Derived from an endpoint by an importer rather than named by a person. Default: false.
    derived: Option<bool>,
    /// Free text.
    note: Option<String>,
}

/// A declared capability status.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum CapabilityStatusDoc {
    /// In use.
    Active,
    /// Deprecated.
    Deprecated,
}

/// A waiver: a known gap kept in the tracker but out of the gate until it expires.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct WaiverDoc {
    /// A declared panel id.
    panel: String,
    /// The gap code waived.
    code: GapCodeDoc,
    /// Who owns the gap.
    owner: String,
    /// Last day the waiver applies, `YYYY-MM-DD`.
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    expires: String,
    /// Why.
    reason: String,
}

/// The gap codes.
#[derive(JsonSchema)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
enum GapCodeDoc {
    /// P0.
    #[serde(rename = "AUTH_FAILURE")]
    AuthFailure,
    /// P1.
    #[serde(rename = "ENDPOINT_MISSING")]
    EndpointMissing,
    /// P2.
    #[serde(rename = "PROVENANCE_MISSING")]
    ProvenanceMissing,
    /// P3.
    #[serde(rename = "COHERENCY_FAILED")]
    CoherencyFailed,
    /// P4.
    #[serde(rename = "SDSR_FAILED")]
    SdsrFailed,
}

/// Trust thresholds (SPEC §5.4).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct TrustDoc {
    /// Window of sweeps considered, such as `7d`. Default: 7d.
    window: Option<String>,
    /// Verifications needed in the window. Default: 10.
    min_verified: Option<u32>,
    /// Bound share needed, 0 to 1. Default: 0.98.
    #[schemars(range(min = 0.0, max = 1.0))]
    min_bound_rate: Option<f64>,
    /// Most failures in a row allowed. Default: 1.
    max_consecutive_failures: Option<u32>,
    /// Bound share below which a trusted capability drops back, 0 to 1. Default: 0.90.
    #[schemars(range(min = 0.0, max = 1.0))]
    demote_below_rate: Option<f64>,
    /// Failures in a row that drop a trusted capability back. Default: 3.
    demote_after_failures: Option<u32>,
}

/// Gate settings.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct GateDoc {
    /// Share of unverified panels above which a sweep is degraded (exit 3), 0 to 1.
    /// Default: 0.5.
    #[schemars(range(min = 0.0, max = 1.0))]
    max_unverified_share: Option<f64>,
}

/// Tracker text.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "a shape for the schema; the loader reads the file"
)]
struct TrackerDoc {
    /// Status line. Default: `ACTIVE`.
    status: Option<String>,
    /// A related reference shown in the header. Default: none.
    related: Option<String>,
    /// The Purpose section. Default: HISAR's own text.
    purpose: Option<String>,
    /// The References section, one item per line. Default: none.
    references: Option<Vec<String>>,
}

/// The JSON Schema (draft 2020-12) of `hisar.yaml`, as published in `docs/hisar.schema.json`.
///
/// ```
/// let schema = hisar_core::registry_schema();
/// assert_eq!(schema["title"], "HISAR registry (hisar.yaml)");
/// assert!(schema["properties"]["panels"].is_object());
/// ```
pub fn registry_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(RegistryDoc);
    serde_json::to_value(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::auth::{AUTH_MODE_KEYS, COMMAND_KEYS, LOGIN_KEYS, OAUTH2_KEYS};
    use super::super::live::{LIVE_KEYS, SETUP_KEYS};
    use super::super::load::{
        BACKEND_KEYS, CAPABILITY_KEYS, DEFAULTS_KEYS, DOMAIN_KEYS, GATE_KEYS, PANEL_KEYS,
        PROVENANCE_KEYS, TOP_KEYS, TRACKER_KEYS, TRUST_KEYS, UNCHECKED_KEYS, WAIVER_KEYS,
    };
    use super::*;

    /// The property names of a schema object, following a `$ref` into `$defs`.
    fn keys(root: &Value, schema: &Value) -> Vec<String> {
        let schema = match schema["$ref"].as_str() {
            Some(r) => &root["$defs"][r.trim_start_matches("#/$defs/")],
            None => schema,
        };
        let mut keys: Vec<String> = schema["properties"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn sorted(keys: &[&str]) -> Vec<String> {
        let mut keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_schema_and_the_loader_agree_on_every_key() {
        let root = registry_schema();
        assert_eq!(keys(&root, &root), sorted(TOP_KEYS));
        let defs = &root["$defs"];
        for (def, allowed) in [
            ("BackendDoc", BACKEND_KEYS),
            ("AuthModeDoc", AUTH_MODE_KEYS),
            ("OAuth2Doc", OAUTH2_KEYS),
            ("LoginDoc", LOGIN_KEYS),
            ("CommandWithTimeout", COMMAND_KEYS),
            ("DefaultsDoc", DEFAULTS_KEYS),
            ("DomainDoc", DOMAIN_KEYS),
            ("PanelDoc", PANEL_KEYS),
            ("ProvenanceAt", PROVENANCE_KEYS),
            ("UnresolvedInvariantDoc", UNCHECKED_KEYS),
            ("CapabilityDoc", CAPABILITY_KEYS),
            ("WaiverDoc", WAIVER_KEYS),
            ("TrustDoc", TRUST_KEYS),
            ("GateDoc", GATE_KEYS),
            ("TrackerDoc", TRACKER_KEYS),
            ("SetupDoc", SETUP_KEYS),
        ] {
            assert_eq!(keys(&root, &defs[def]), sorted(allowed), "{def}");
            assert_eq!(defs[def]["additionalProperties"], false, "{def} is closed");
        }
        // The loader reads one mapping for a live value; the schema says it is either a
        // source or a todo, each closed.
        let mut live = keys(&root, &defs["LiveDoc"]);
        live.extend(keys(&root, &defs["TodoDoc"]));
        live.sort();
        assert_eq!(live, sorted(LIVE_KEYS));
        for def in ["LiveDoc", "TodoDoc"] {
            assert_eq!(defs[def]["additionalProperties"], false, "{def} is closed");
        }
    }
}
