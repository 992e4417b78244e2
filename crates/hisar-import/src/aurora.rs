//! Reading an AURORA L2 repository layout into a registry draft.
//!
//! AURORA L2 is the Python system HISAR replaces. The caller reads its files and passes them in
//! as [`AuroraSources`] (this module reads no files). Both layouts seen so far read without
//! configuration: the early one (plan, intents, capabilities, scenarios) and the later one
//! (an intent ledger, observed bindings, endpoint locks, scenarios that cite invariant ids, an
//! API ledger under a new mount, with or without a plan).
//!
//! | path | what it gives |
//! | --- | --- |
//! | [`PLAN_PATH`] | domains → subdomains → topics → panels, in order, with class and state |
//! | [`LEDGER_PATH`] | the intent ledger: `### Panel:` sections (location, class, state, purpose, capability) and `### Capability:` sections (panels, status, endpoint) |
//! | [`INTENTS_DIR`]`/*.yaml` | one intent per panel: class, capability id, assumed endpoint, location |
//! | [`CAPABILITIES_DIR`]`/*.yaml` | capabilities (status, assumed endpoint, `binding.observed_endpoint`), the status model, the endpoint locks |
//! | [`SCENARIOS_DIR`]`/*.yaml` | verification scenarios: request, auth mode, assertions or invariant ids |
//! | [`INVARIANTS_DIR`]`/*` | an invariant catalogue, when the repository defines its ids as data |
//! | [`ROUTE_PATHS`], [`API_DOCS_DIR`]`/*.json` | route sources: OpenAPI document, route map, API ledger |
//!
//! # Which panels
//!
//! The plan's panels in plan order, then the ledger's panels that the plan lacks, in ledger
//! order, under the ledger's domain (the ledger declares itself the source of the plan; a panel
//! only there is imported when something gives it an endpoint, and listed either way). With
//! neither plan nor ledger, the intents are the panels, under the domain their metadata names.
//! Intents, capabilities and scenarios that name none of these panels are reported, never
//! imported on their own. The domain code is the first part of the panel ids under a domain.
//!
//! # What each panel gets: the precedence between sources
//!
//! - class: the ledger's `Class:`, else the intent's `panel_class`, else the plan's;
//! - capability: the ledger's `Capability:`, else the intent's `capability.id`, else the plan's
//!   `expected_capability`, else the scenario's `capability`, else one derived from the
//!   endpoint (declared `derived: true`);
//! - state (for the lint): the ledger's `State:`, else the plan's;
//! - endpoint: first what the panel is declared to call: the ledger's section of its own
//!   capability (the endpoint its topic is served by, when the section serves topics
//!   separately), else the intent's `assumed_endpoint`, else the capability file's assumption.
//!   An endpoint written as a null (`null`, the string `'null'`) is no endpoint. When no
//!   declared source gives one, the other sources propose: the capability's observed binding,
//!   the ledger's other sections naming the panel, the scenarios' requests; locked endpoints
//!   are set aside and the endpoint most kinds of source agree on wins (ties: binding, ledger,
//!   scenario). Every choice that replaces a missing endpoint is a
//!   [`LintKind::EndpointReplaced`] finding naming the winner, the votes and every alternative
//!   with its file. A panel endpoint that differs from its capability's observed binding is
//!   [`LintKind::BindingMismatch`]; one on a locked endpoint is [`LintKind::LockedEndpoint`].
//!   A query string in an endpoint (`?include_overrides=true`) or in the intent's
//!   `query_params` becomes query parameters;
//! - query parameters and auth mode: from the first scenario (`inject.params`, `auth.mode`);
//! - path parameters: the scenario's `inject.path_params`, else `{ todo: "a real <name>, ..." }`
//!   (never a made-up value a sweep would send: the panel is UNVERIFIED until it has one),
//!   reported as [`LintKind::PathParamPlaceholder`];
//! - invariants: every scenario assertion whose meaning is clear, translated by
//!   [`translate_assertion`]; invariant ids resolved where the repository defines them as data
//!   (see below). Everything else is kept in the registry as an unresolved invariant
//!   (`{ id: ..., unresolved: why }`), which `hisar validate` lists and a sweep shows as not
//!   checked: no panel silently loses an expectation. The untranslated assertions are listed in
//!   [`AuroraImport::untranslated`] (and commented above the panel), the unresolved ids in
//!   [`AuroraImport::unresolved`];
//! - purpose: the first paragraph of the intent's notes, else of the ledger's `Purpose:`.
//!
//! A panel without an endpoint from any source cannot be probed: it is left out of the
//! registry and reported ([`LintKind::PanelWithoutEndpoint`]).
//!
//! # Scenarios and invariant ids
//!
//! A scenario belongs to the panel named by its `panel_id` (or `verifies.panel_id`). Three
//! shapes are read:
//! - `inject:` and inline `invariants:`, each with an `assertion:` (or `expression:`);
//! - `invariant_ids:` lists: an id is resolved from the scenario's own inline invariants, else
//!   from the invariant catalogue ([`INVARIANTS_DIR`]), else from the other scenarios' inline
//!   invariants when they all define it the same way; an id defined nowhere stays unresolved;
//! - `steps:`: the first step naming an endpoint (or `request.endpoint`) gives the request;
//!   `has_fields`/`fields_exist` become `exists` invariants, an integer
//!   `status_code`/`http_status` becomes `status ==`, step `invariants:` are read as inline
//!   ones, and every other expectation stays unchecked.
//!
//! The `expect:` block beside `inject:` repeats the invariants and is not read.
//!
//! # Route sources
//!
//! Every route source is read and the newest by the date it carries becomes `backend.routes`
//! (see [`RouteChoice`]); the choice and its reason are a [`LintKind::RouteTableChoice`]
//! finding. Where the sources serve the panels' endpoints differently, a family served under
//! another API prefix is one [`LintKind::RoutePrefixChange`] finding, and an endpoint one source
//! serves and another does not is a [`LintKind::RouteDisagreement`]. The panels keep the paths
//! their sources give: they are what the UI calls, and verifying a rewritten path would prove
//! an endpoint the UI does not read.
//!
//! # Auth
//!
//! A scenario's `auth.mode` names the auth mode, lower-cased (`OBSERVER` → `observer`). A
//! scenario without one uses `user` when it sends credential headers, and the default mode
//! otherwise (it does not say how it authenticates).
//! A mode's headers are those every scenario of that mode sends (less `Content-Type`); a mode
//! whose scenarios send none gets HISAR's template (`X-AOS-Key: ${AOS_API_KEY}` and
//! `X-Tenant-ID: ${SDSR_TENANT_ID:-demo-tenant}` for `observer` and `service`,
//! `Authorization: Bearer ${AUTH_TOKEN}` for `user`), reported as [`LintKind::AuthTemplate`].
//! Headers a scenario sends beyond its mode's (`Content-Type` aside, which a probe sets itself)
//! become panel headers. A credential header with a
//! literal value is replaced by a `${VAR}` reference and reported: no secret is ever written.
//! The most common mode is the default.
//!
//! # Capability lifecycle and locks
//!
//! The lifecycle is AURORA's own, read from the status model file in the capability folder
//! (`CAPABILITY_STATUS_MODEL.yaml`: a file with `statuses:` and no `capability_id`):
//! `DISCOVERED → DECLARED → OBSERVED → TRUSTED`, with `binding_gate_rules` mapping each status
//! to the plan state it implies (`DRAFT`, `DRAFT`, `BOUND`, `BOUND`; a missing capability
//! implies `UNBOUND`). Without that file the same model is assumed. `DEPRECATED`, HISAR's own
//! status, is accepted too and written as `status: deprecated`, as is a capability the endpoint
//! locks (`REGISTRY_LOCKS.yaml`: a file with `locked_endpoints:`) declare deprecated. Any other
//! status (AURORA's intents say `ASSUMED`, and some capability files copied it) is outside the
//! lifecycle.
//!
//! # Example
//!
//! ```
//! use hisar_import::aurora::{import_aurora, AuroraFile, AuroraSources, LintKind};
//!
//! let file = |path: &str, text: &str| AuroraFile { path: path.into(), text: text.into() };
//! let sources = AuroraSources {
//!     plan: Some(file("design/l2_1/ui_plan.yaml", "
//! domains:
//! - id: OVERVIEW
//!   subdomains:
//!   - id: SUMMARY
//!     topics:
//!     - id: COST
//!       panels:
//!       - { panel_id: OVR-SUM-CI-O1, panel_class: interpretation, state: DRAFT }
//!       - { panel_id: OVR-SUM-CI-O2, panel_class: evidence, state: EMPTY }
//! ")),
//!     intents: vec![file("design/l2_1/intents/AURORA_L2_INTENT_OVR-SUM-CI-O1.yaml", "
//! panel_id: OVR-SUM-CI-O1
//! panel_class: interpretation
//! capability: { id: overview.cost_summary, assumed_endpoint: /cost/summary, assumed_method: GET }
//! ")],
//!     scenarios: vec![file("backend/scripts/sdsr/scenarios/SDSR-OVR-SUM-CI-O1-001.yaml", r#"
//! panel_id: OVR-SUM-CI-O1
//! auth: { mode: OBSERVER }
//! inject: { endpoint: /cost/summary, method: GET, params: { period: 24h } }
//! invariants:
//! - assertion: status_code == 200
//! - assertion: '"provenance" in response'
//! - assertion: response["total"] > 0
//! invariant_ids: [INV-L0-003]
//! "#)],
//!     ..AuroraSources::default()
//! };
//! let import = import_aurora(&sources).unwrap();
//! let panel = &import.draft.panels[0];
//! assert_eq!(panel.endpoint, "GET /cost/summary");
//! assert_eq!(panel.invariants, ["status == 200", "$.provenance exists"]);
//! // Nothing is dropped: the untranslated assertion and the undefined id stay, unchecked.
//! assert_eq!(import.untranslated[0].text, r#"response["total"] > 0"#);
//! assert_eq!(import.unresolved[0].text, "INV-L0-003");
//! assert_eq!(panel.unchecked.len(), 2);
//! assert!(import.lint.iter().any(|l| l.kind == LintKind::PanelWithoutIntent
//!     && l.panel.as_deref() == Some("OVR-SUM-CI-O2")));
//! let registry = hisar_core::Registry::from_yaml(&import.draft.to_yaml(), "hisar.yaml").unwrap();
//! assert_eq!(registry.panels()[0].unchecked[1].id, "INV-L0-003");
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use crate::draft::{CapabilityDraft, PanelDraft, RegistryDraft};

mod auth;
mod catalog;
mod choose;
mod crosscheck;
mod endpoint;
mod import;
mod ledger;
mod lint;
mod locks;
mod nodes;
mod panel;
mod projection;
mod read;
mod repo;
mod routes;
mod scenario;
mod status;
mod summary;
#[cfg(test)]
mod tests;
mod topology;
mod translate;

pub use projection::{ProjectionInput, projection_lock};
pub use routes::{PrefixChange, RouteChoice, RouteFormat, RouteSource};
pub use summary::ImportSummary;
pub use topology::{Topology, TopologyPanel, aurora_topology};
pub use translate::translate_assertion;

use import::{EndpointTally, Import, Work};
use lint::Lints;
use repo::Repo;
use status::DEPRECATED;

/// Where AURORA keeps its UI plan, relative to the repository root.
pub const PLAN_PATH: &str = "design/l2_1/ui_plan.yaml";
/// The intent ledger, relative to the repository root.
pub const LEDGER_PATH: &str = "design/l2_1/INTENT_LEDGER.md";
/// The folder of intents (`*.yaml`), relative to the repository root.
pub const INTENTS_DIR: &str = "design/l2_1/intents";
/// The folder of capabilities, the status model and the endpoint locks (`*.yaml`), relative to
/// the repository root.
pub const CAPABILITIES_DIR: &str = "backend/AURORA_L2_CAPABILITY_REGISTRY";
/// The folder of verification scenarios (`*.yaml`), relative to the repository root.
pub const SCENARIOS_DIR: &str = "backend/scripts/sdsr/scenarios";
/// The folder where an invariant catalogue (`*.yaml`, `*.json`) would define invariant ids as
/// data, relative to the repository root.
pub const INVARIANTS_DIR: &str = "backend/sdsr/invariants";
/// The backend's OpenAPI document, relative to the repository root, when it exists.
pub const OPENAPI_PATH: &str = "backend/.openapi_snapshot.json";
/// The route map scraped from the backend's source, relative to the repository root.
pub const ROUTES_CACHE_PATH: &str = "backend/aurora_l2/tools/.routes_cache.json";
/// Route sources at fixed paths, relative to the repository root.
pub const ROUTE_PATHS: [&str; 2] = [OPENAPI_PATH, ROUTES_CACHE_PATH];
/// A folder of API documents (`*.json`), such as API ledgers; each that is a route table is a
/// route source.
pub const API_DOCS_DIR: &str = "docs/api";
/// The UI's projection lock, relative to the repository root.
pub const PROJECTION_PATH: &str = "website/app-shell/public/projection/ui_projection_lock.json";

/// A part of the repository the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// [`AuroraSources::plan`].
    Plan,
    /// [`AuroraSources::ledger`].
    Ledger,
    /// [`AuroraSources::intents`].
    Intents,
    /// [`AuroraSources::capabilities`].
    Capabilities,
    /// [`AuroraSources::scenarios`].
    Scenarios,
    /// [`AuroraSources::invariants`].
    Invariants,
    /// [`AuroraSources::routes`].
    Routes,
}

/// Where a part is found, relative to the repository root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// One file.
    File(&'static str),
    /// The files of a folder (not its subfolders) whose extension is one of these.
    Folder(&'static str, &'static [&'static str]),
}

const YAML: &[&str] = &["yaml", "yml"];

/// Everything the importer reads, and where: a caller reads each location that exists (only
/// regular files) and passes the files to [`AuroraSources::add`]. Every location is optional;
/// the import needs at least a plan, a ledger or an intent.
pub const LAYOUT: &[(Part, Location)] = &[
    (Part::Plan, Location::File(PLAN_PATH)),
    (Part::Ledger, Location::File(LEDGER_PATH)),
    (Part::Intents, Location::Folder(INTENTS_DIR, YAML)),
    (Part::Capabilities, Location::Folder(CAPABILITIES_DIR, YAML)),
    (Part::Scenarios, Location::Folder(SCENARIOS_DIR, YAML)),
    (
        Part::Invariants,
        Location::Folder(INVARIANTS_DIR, &["yaml", "yml", "json"]),
    ),
    (Part::Routes, Location::File(OPENAPI_PATH)),
    (Part::Routes, Location::File(ROUTES_CACHE_PATH)),
    (
        Part::Routes,
        Location::Folder(API_DOCS_DIR, &["json", "yaml", "yml"]),
    ),
];

impl AuroraSources {
    /// Adds a file read from a [`LAYOUT`] location.
    pub fn add(&mut self, part: Part, file: AuroraFile) {
        match part {
            Part::Plan => self.plan = Some(file),
            Part::Ledger => self.ledger = Some(file),
            Part::Intents => self.intents.push(file),
            Part::Capabilities => self.capabilities.push(file),
            Part::Scenarios => self.scenarios.push(file),
            Part::Invariants => self.invariants.push(file),
            Part::Routes => self.routes.push(file),
        }
    }
}

/// One file of the repository: its path relative to the repository root, and its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuroraFile {
    /// Path relative to the repository root, such as
    /// `design/l2_1/intents/AURORA_L2_INTENT_OVR-SUM-CI-O1.yaml`.
    pub path: String,
    /// The file's content.
    pub text: String,
}

/// Everything the importer reads, as read by the caller. Order does not matter: files are
/// sorted by path. Build it with `..AuroraSources::default()` for the parts a repository lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuroraSources {
    /// The UI plan ([`PLAN_PATH`]), when the repository has one.
    pub plan: Option<AuroraFile>,
    /// The intent ledger ([`LEDGER_PATH`]), when the repository has one.
    pub ledger: Option<AuroraFile>,
    /// The intents ([`INTENTS_DIR`]).
    pub intents: Vec<AuroraFile>,
    /// The capabilities, the status model and the endpoint locks ([`CAPABILITIES_DIR`]).
    pub capabilities: Vec<AuroraFile>,
    /// The verification scenarios ([`SCENARIOS_DIR`]).
    pub scenarios: Vec<AuroraFile>,
    /// The invariant catalogue files ([`INVARIANTS_DIR`]).
    pub invariants: Vec<AuroraFile>,
    /// The route sources ([`ROUTE_PATHS`], [`API_DOCS_DIR`]).
    pub routes: Vec<AuroraFile>,
    /// How the registry should name the repository root in `backend.routes` (the directory as
    /// the user typed it); `None` writes the route source's path relative to the root.
    pub root: Option<String>,
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraImport {
    /// The registry to write.
    pub draft: RegistryDraft,
    /// Disagreements, gaps and choices in the data, grouped by kind.
    pub lint: Vec<LintFinding>,
    /// Assertions and step expectations not translated into invariants, in panel order; each
    /// is kept in the registry as an unresolved invariant.
    pub untranslated: Vec<Untranslated>,
    /// Invariant ids defined nowhere the import reads, in panel order; each is kept in the
    /// registry as an unresolved invariant.
    pub unresolved: Vec<Untranslated>,
    /// How much was read and written.
    pub counts: AuroraCounts,
    /// The capability lifecycle used, in order (see the module docs).
    pub lifecycle: Vec<String>,
    /// The route table chosen and what the route sources say.
    pub routes: RouteChoice,
    /// The one-screen summary.
    pub summary: ImportSummary,
}

/// How much an import read and wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AuroraCounts {
    /// Panels in the plan.
    pub plan_panels: usize,
    /// Panel sections in the ledger.
    pub ledger_panels: usize,
    /// Ledger panels the plan lacks (or all of them, without a plan).
    pub ledger_only_panels: usize,
    /// Intent files.
    pub intents: usize,
    /// Capability files (the status model and the locks not counted).
    pub capabilities: usize,
    /// Scenario files.
    pub scenarios: usize,
    /// Scenarios attached to an imported panel's listing.
    pub scenarios_attached: usize,
    /// Panels written to the registry.
    pub panels: usize,
    /// Of those, panels listed by the plan.
    pub panels_from_plan: usize,
    /// Of those, panels listed by the ledger only.
    pub panels_from_ledger: usize,
    /// Of those, panels listed by an intent only (no plan, no ledger).
    pub panels_from_intents: usize,
    /// Invariants written to the registry.
    pub invariants: usize,
    /// Invariants translated from written assertions and step expectations.
    pub translated: usize,
    /// Invariants obtained by resolving an invariant id to its definition.
    pub resolved_ids: usize,
    /// Invariant ids kept unresolved (a citation per panel and id).
    pub unresolved_ids: usize,
    /// Assertions and expectations not translated (kept unresolved).
    pub untranslated: usize,
    /// Unresolved invariants written to the registry (after merging repeats per panel).
    pub unchecked: usize,
    /// Panels whose declared endpoint was missing and replaced from another source.
    pub endpoints_replaced: usize,
}

/// A disagreement, gap or choice in the data: never an error, always something a person should
/// check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// What kind of finding.
    pub kind: LintKind,
    /// The panel concerned, if one is.
    pub panel: Option<String>,
    /// The capability concerned, if one is.
    pub capability: Option<String>,
    /// What was found, naming the values that disagree.
    pub message: String,
    /// The files involved, relative to the repository root.
    pub files: Vec<String>,
}

hisar_core::named_enum! {
    /// The kinds of [`LintFinding`].
    #[non_exhaustive]
    pub enum LintKind("lint kind") {
        /// A plan panel has no intent.
        PanelWithoutIntent = "panel_without_intent",
        /// An intent names a panel that is in neither the plan nor the ledger.
        IntentWithoutPanel = "intent_without_panel",
        /// A panel has no endpoint from any source: it is left out of the registry.
        PanelWithoutEndpoint = "panel_without_endpoint",
        /// The intent's endpoint differs from its capability file's.
        CapabilityEndpointMismatch = "capability_endpoint_mismatch",
        /// A scenario requests another endpoint than the panel's.
        ScenarioEndpointMismatch = "scenario_endpoint_mismatch",
        /// Two sources give a panel different classes (ledger, plan or scenario versus intent).
        ClassMismatch = "class_mismatch",
        /// Two sources tie a panel to different capabilities (ledger, plan, scenario or a
        /// capability's `source_panels` versus the intent).
        CapabilityMismatch = "capability_mismatch",
        /// A capability's status is outside the lifecycle.
        CapabilityStatusOutsideLifecycle = "capability_status_outside_lifecycle",
        /// The panel's state contradicts its capability's status.
        StateMismatch = "state_mismatch",
        /// A panel's capability has no capability file.
        CapabilityMissing = "capability_missing",
        /// A path parameter has no value in any scenario: it is written as a `{ todo }`, and the
        /// panel is UNVERIFIED (never sent) until it has one.
        PathParamPlaceholder = "path_param_placeholder",
        /// A scenario names no imported panel: it is not imported.
        OrphanScenario = "orphan_scenario",
        /// A capability file is used by no panel.
        OrphanCapability = "orphan_capability",
        /// An auth mode's headers come from HISAR's template, not from the data.
        AuthTemplate = "auth_template",
        /// A credential header had a literal value, replaced by a `${VAR}` reference.
        LiteralCredential = "literal_credential",
        /// A second definition of the same panel, intent, capability or invariant: the first
        /// one is kept.
        Duplicate = "duplicate",
        /// A value HISAR cannot use (malformed id, endpoint, class, header...): the next source
        /// is used instead, or the value is skipped.
        InvalidValue = "invalid_value",
        /// A panel of the ledger is not in the plan.
        PanelNotInPlan = "panel_not_in_plan",
        /// The panel's declared endpoint is missing (a null, the string `'null'`, or none): the
        /// one used comes from another source, named with the alternatives.
        EndpointReplaced = "endpoint_replaced",
        /// The panel's endpoint differs from its capability's observed binding.
        BindingMismatch = "binding_mismatch",
        /// The panel's endpoint is locked (`REGISTRY_LOCKS.yaml`).
        LockedEndpoint = "locked_endpoint",
        /// The endpoint locks declare a capability deprecated that its file does not.
        CapabilityDeprecated = "capability_deprecated",
        /// The ledger disagrees with the plan or an intent, or departs from its own grammar.
        LedgerDisagreement = "ledger_disagreement",
        /// The route table chosen for `backend.routes`, and why.
        RouteTableChoice = "route_table_choice",
        /// A route source serves a family of panel endpoints under another API prefix.
        RoutePrefixChange = "route_prefix_change",
        /// One route source serves a panel endpoint that another does not serve at all.
        RouteDisagreement = "route_disagreement",
    }
}

/// An expectation that was not translated into an invariant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Untranslated {
    /// The panel whose scenario holds it.
    pub panel: String,
    /// The scenario file.
    pub file: String,
    /// The original text (an assertion, an invariant id, or a step's expectation).
    pub text: String,
    /// Why it was not translated.
    pub reason: String,
}

/// Sources that cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuroraError {
    /// A file is not valid YAML.
    #[error("parse {file}{}: {message}", position(*.line, *.column))]
    Yaml {
        /// The file.
        file: String,
        /// 1-based line, when the parser gives one.
        line: Option<usize>,
        /// 1-based column, when the parser gives one.
        column: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// The plan is valid YAML but not a plan.
    #[error("read {file} as an AURORA UI plan: {message}")]
    NotAPlan {
        /// The file.
        file: String,
        /// What is missing.
        message: String,
    },
    /// Nothing lists panels: no plan, no ledger, no intent.
    #[error(
        "find the panels: the repository has no UI plan ({PLAN_PATH}), no intent ledger ({LEDGER_PATH}) and no intent ({INTENTS_DIR}/*.yaml)"
    )]
    NoPanels,
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// Reads an AURORA L2 repository's plan, ledger, intents, capabilities, scenarios and route
/// sources into a registry draft, with lint for everything a person should check.
///
/// Only files that are not YAML, a plan without `domains:`, and a repository with nothing that
/// lists panels are errors; everything else (missing, contradictory or malformed values)
/// becomes lint. Never panics, whatever the input.
pub fn import_aurora(sources: &AuroraSources) -> Result<AuroraImport, AuroraError> {
    let mut lint = Lints::default();
    let repo = Repo::read(sources, &mut lint)?;
    let mut import = Import {
        repo: &repo,
        lint,
        untranslated: Vec::new(),
        unresolved: Vec::new(),
        translated: 0,
        resolved: 0,
        derived: BTreeMap::new(),
        endpoints: EndpointTally::default(),
        routes: routes::RouteChoice::default(),
    };
    import.lint_sources();
    let (slots, mut domains) = import.slots();
    let mut works: Vec<Work> = slots.iter().filter_map(|slot| import.panel(slot)).collect();
    import.lint_capability_files(&works);
    import.choose_routes(&works);
    let (auth, default_auth) = import.settle_auth(&mut works);
    let origins: Vec<read::Origin> = works.iter().map(|w| w.origin).collect();
    let panels: Vec<PanelDraft> = works.into_iter().map(|w| w.draft).collect();
    // A domain none of whose panels could be imported is not declared: its panels are listed
    // in the lint, and an empty row would only pad the tracker.
    domains.retain(|(code, _)| {
        panels
            .iter()
            .any(|p| p.id.split('-').next() == Some(code.as_str()))
    });

    // Capabilities worth declaring: derived ones, and those with an AURORA file (status
    // noted) or that the locks declare deprecated.
    let mut declared = std::mem::take(&mut import.derived);
    for p in &panels {
        let file = repo.capability(&p.capability);
        let lock = repo
            .locks
            .iter()
            .find(|l| l.deprecated.contains(&p.capability));
        if file.is_none() && lock.is_none() {
            continue;
        }
        declared.entry(p.capability.clone()).or_insert_with(|| {
            let status = file.and_then(|c| c.status.as_deref());
            let mut note = format!("AURORA status {}", status.unwrap_or("unset"));
            if let Some(l) = lock {
                note.push_str(&format!(
                    "; declared deprecated by the lock on {} ({})",
                    l.path, l.file
                ));
            }
            CapabilityDraft {
                id: p.capability.clone(),
                derived: false,
                deprecated: status == Some(DEPRECATED) || lock.is_some(),
                note: Some(note),
            }
        });
    }

    let mut lint = import.lint.0;
    lint.sort_by_key(|l| l.kind);
    let count = |o: read::Origin| origins.iter().filter(|x| **x == o).count();
    let ledger_panels = repo.ledger.as_ref().map_or(0, |l| l.panels.len());
    let counts = AuroraCounts {
        plan_panels: repo.plan_panels,
        ledger_panels,
        ledger_only_panels: repo
            .domains
            .iter()
            .flat_map(|d| &d.panels)
            .filter(|p| p.origin == read::Origin::Ledger)
            .count(),
        intents: repo.intent_files,
        capabilities: repo.capabilities.len(),
        scenarios: repo.scenario_files,
        scenarios_attached: slots.iter().map(|s| s.scenarios.len()).sum(),
        panels: panels.len(),
        panels_from_plan: count(read::Origin::Plan),
        panels_from_ledger: count(read::Origin::Ledger),
        panels_from_intents: count(read::Origin::Intent),
        invariants: panels.iter().map(|p| p.invariants.len()).sum(),
        translated: import.translated,
        resolved_ids: import.resolved,
        unresolved_ids: import.unresolved.len(),
        untranslated: import.untranslated.len(),
        unchecked: panels.iter().map(|p| p.unchecked.len()).sum(),
        endpoints_replaced: import.endpoints.replaced,
    };
    let routes = import.routes.clone();
    let routes_path = routes.chosen.as_ref().map(|c| match &sources.root {
        Some(root) => format!("{}/{}", root.trim_end_matches('/'), c.file),
        None => c.file.clone(),
    });
    let mut header = vec![
        format!(
            "Imported by `hisar import aurora` from {}, {} intents, {} capabilities and {} scenarios.",
            [
                Some(repo.plan_file.as_str()),
                repo.ledger.as_ref().map(|l| l.file.as_str())
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and "),
            counts.intents,
            counts.capabilities,
            counts.scenarios
        ),
        format!(
            "{} panels ({} from the plan, {} from the ledger only); {} lint findings, {} untranslated assertions and {} unresolved invariant ids to review before sweeping.",
            counts.panels,
            counts.panels_from_plan,
            counts.panels_from_ledger,
            lint.len(),
            counts.untranslated,
            counts.unresolved_ids
        ),
    ];
    if let Some(chosen) = &routes.chosen {
        header.push(format!(
            "backend.routes: {}: {}.",
            chosen.describe(),
            routes.reason
        ));
    }
    let summary = summary::ImportSummary::new(&repo, &counts, &import.endpoints, &routes, &lint);
    let draft = RegistryDraft {
        header,
        routes: routes_path,
        auth,
        default_auth,
        domains,
        capabilities: declared.into_values().collect(),
        panels,
        ..RegistryDraft::default()
    };
    Ok(AuroraImport {
        draft,
        lint,
        untranslated: import.untranslated,
        unresolved: import.unresolved,
        counts,
        lifecycle: repo.model.lifecycle.clone(),
        routes,
        summary,
    })
}

impl Import<'_> {
    /// Chooses `backend.routes` and lints the route sources against the panels' endpoints.
    fn choose_routes(&mut self, works: &[Work]) {
        let mut endpoints: BTreeMap<String, (hisar_core::Endpoint, Vec<String>)> = BTreeMap::new();
        for w in works {
            if let Ok(e) = w.draft.endpoint.parse::<hisar_core::Endpoint>() {
                endpoints
                    .entry(e.to_string())
                    .or_insert_with(|| (e, Vec::new()))
                    .1
                    .push(w.draft.id.clone());
            }
        }
        self.routes = routes::choose(&self.repo.tables, &endpoints, &mut self.lint);
    }
}
