//! Reading an AURORA L2 repository layout into a registry draft.
//!
//! AURORA L2 is the Python system HISAR replaces. Its data lives in four places, which the
//! caller reads and passes in as [`AuroraSources`] (this module reads no files):
//!
//! | path | what it gives |
//! | --- | --- |
//! | [`PLAN_PATH`] | domains → subdomains → topics → panels, in order, with class and state |
//! | [`INTENTS_DIR`]`/*.yaml` | one intent per panel: class, capability id, assumed endpoint |
//! | [`CAPABILITIES_DIR`]`/*.yaml` | capabilities: status, assumed endpoint; and the status model |
//! | [`SCENARIOS_DIR`]`/*.yaml` | verification scenarios: request, auth mode, assertions |
//!
//! # What each panel gets
//!
//! Panels come from the plan, in plan order; the domain code is the first part of the panel
//! ids under a plan domain and its name is the plan's domain id.
//! - class: the intent's `panel_class`, else the plan's;
//! - capability: the intent's `capability.id`, else the plan's `expected_capability`, else the
//!   scenario's `capability`, else one derived from the endpoint (declared `derived: true`);
//! - endpoint: the intent's `capability.assumed_endpoint`/`assumed_method`, else the capability
//!   file's `assumption.endpoint`/`method` (or its top-level `endpoint`/`method`, or
//!   `implementation.endpoint`/`method`), else the scenario's request (`inject`, or the first
//!   step naming an endpoint). A query string in an endpoint (`?include_overrides=true`) or in
//!   the intent's `query_params` becomes query parameters;
//! - query parameters and auth mode: from the scenario (`inject.params`, `auth.mode`);
//! - path parameters: the scenario's `inject.path_params`, else a `TODO-<name>` placeholder,
//!   reported as [`LintKind::PathParamPlaceholder`];
//! - invariants: every scenario assertion whose meaning is clear, translated by
//!   [`translate_assertion`]; the others are listed in [`AuroraImport::untranslated`] and
//!   written as `# untranslated` comments above the panel;
//! - purpose: the first paragraph of the intent's notes.
//!
//! # Scenarios
//!
//! A scenario belongs to the panel named by its `panel_id` (or `verifies.panel_id`). Three
//! shapes are read:
//! - `inject:` and inline `invariants:`, each with an `assertion:` (or `expression:`);
//! - `invariant_ids:` lists: an id defined among the scenario's own inline invariants is
//!   already imported; any other is defined nowhere the importer sees, so it is untranslated;
//! - `steps:`: the first step naming an endpoint (or `request.endpoint`) gives the request;
//!   `has_fields`/`fields_exist` become `exists` invariants, an integer
//!   `status_code`/`http_status` becomes `status ==`, step `invariants:` are read as inline
//!   ones, and every other expectation is untranslated.
//!
//! The `expect:` block beside `inject:` repeats the invariants and is not read.
//!
//! A plan panel without an endpoint from any source cannot be probed: it is left out of the
//! registry and reported ([`LintKind::PanelWithoutEndpoint`]). Intents, capabilities and
//! scenarios that name no plan panel are reported, never imported on their own.
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
//! # Capability lifecycle
//!
//! The lifecycle is AURORA's own, read from the status model file in the capability folder
//! (`CAPABILITY_STATUS_MODEL.yaml`: a file with `statuses:` and no `capability_id`):
//! `DISCOVERED → DECLARED → OBSERVED → TRUSTED`, with `binding_gate_rules` mapping each status
//! to the plan state it implies (`DRAFT`, `DRAFT`, `BOUND`, `BOUND`; a missing capability
//! implies `UNBOUND`). Without that file the same model is assumed. `DEPRECATED`, HISAR's own
//! status, is accepted too and written as `status: deprecated`. Any other status (AURORA's
//! intents say `ASSUMED`, and some capability files copied it) is outside the lifecycle.
//!
//! # Example
//!
//! ```
//! use hisar_import::aurora::{import_aurora, AuroraFile, AuroraSources, LintKind};
//!
//! let file = |path: &str, text: &str| AuroraFile { path: path.into(), text: text.into() };
//! let sources = AuroraSources {
//!     plan: file("design/l2_1/ui_plan.yaml", "
//! domains:
//! - id: OVERVIEW
//!   subdomains:
//!   - id: SUMMARY
//!     topics:
//!     - id: COST
//!       panels:
//!       - { panel_id: OVR-SUM-CI-O1, panel_class: interpretation, state: DRAFT }
//!       - { panel_id: OVR-SUM-CI-O2, panel_class: evidence, state: EMPTY }
//! "),
//!     intents: vec![file("design/l2_1/intents/AURORA_L2_INTENT_OVR-SUM-CI-O1.yaml", "
//! panel_id: OVR-SUM-CI-O1
//! panel_class: interpretation
//! capability: { id: overview.cost_summary, assumed_endpoint: /cost/summary, assumed_method: GET }
//! ")],
//!     capabilities: vec![],
//!     scenarios: vec![file("backend/scripts/sdsr/scenarios/SDSR-OVR-SUM-CI-O1-001.yaml", r#"
//! panel_id: OVR-SUM-CI-O1
//! auth: { mode: OBSERVER }
//! inject: { endpoint: /cost/summary, method: GET, params: { period: 24h } }
//! invariants:
//! - assertion: status_code == 200
//! - assertion: '"provenance" in response'
//! - assertion: response["total"] > 0
//! "#)],
//!     openapi: None,
//! };
//! let import = import_aurora(&sources).unwrap();
//! let panel = &import.draft.panels[0];
//! assert_eq!(panel.endpoint, "GET /cost/summary");
//! assert_eq!(panel.invariants, ["status == 200", "$.provenance exists"]);
//! assert_eq!(import.untranslated[0].text, r#"response["total"] > 0"#);
//! assert!(import.lint.iter().any(|l| l.kind == LintKind::PanelWithoutIntent
//!     && l.panel.as_deref() == Some("OVR-SUM-CI-O2")));
//! hisar_core::Registry::from_yaml(&import.draft.to_yaml(), "hisar.yaml").unwrap();
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::draft::{CapabilityDraft, PanelDraft, RegistryDraft};
use crate::tracker::derive_capability;
use hisar_core::{CapabilityId, Endpoint, NO_AUTH, PanelClass, PanelId, Template};

mod endpoint;
mod lint;
mod nodes;
mod read;
mod repo;
mod scenario;
mod status;
#[cfg(test)]
mod tests;
mod translate;

pub use translate::translate_assertion;

use endpoint::{RawEndpoint, difference, same_endpoint};
use lint::Lints;
use read::{Capability, Intent, PlanDomain, PlanPanel};
use repo::Repo;
use scenario::{Check, Scenario};
use status::DEPRECATED;

/// Where AURORA keeps its UI plan, relative to the repository root.
pub const PLAN_PATH: &str = "design/l2_1/ui_plan.yaml";
/// The folder of intents (`*.yaml`), relative to the repository root.
pub const INTENTS_DIR: &str = "design/l2_1/intents";
/// The folder of capabilities and the status model (`*.yaml`), relative to the repository root.
pub const CAPABILITIES_DIR: &str = "backend/AURORA_L2_CAPABILITY_REGISTRY";
/// The folder of verification scenarios (`*.yaml`), relative to the repository root.
pub const SCENARIOS_DIR: &str = "backend/scripts/sdsr/scenarios";
/// The backend's OpenAPI document, relative to the repository root, when it exists.
pub const OPENAPI_PATH: &str = "backend/.openapi_snapshot.json";

/// One file of the repository: its path relative to the repository root, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraFile {
    /// Path relative to the repository root, such as
    /// `design/l2_1/intents/AURORA_L2_INTENT_OVR-SUM-CI-O1.yaml`.
    pub path: String,
    /// The file's content.
    pub text: String,
}

/// Everything the importer reads, as read by the caller. Order does not matter: files are
/// sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraSources {
    /// The UI plan ([`PLAN_PATH`]).
    pub plan: AuroraFile,
    /// The intents ([`INTENTS_DIR`]).
    pub intents: Vec<AuroraFile>,
    /// The capabilities, and the status model if present ([`CAPABILITIES_DIR`]).
    pub capabilities: Vec<AuroraFile>,
    /// The verification scenarios ([`SCENARIOS_DIR`]).
    pub scenarios: Vec<AuroraFile>,
    /// The OpenAPI document's path as the registry should name it (`backend.routes`), when
    /// the repository has one ([`OPENAPI_PATH`]).
    pub openapi: Option<String>,
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraImport {
    /// The registry to write.
    pub draft: RegistryDraft,
    /// Disagreements and gaps in the data, grouped by kind.
    pub lint: Vec<LintFinding>,
    /// Assertions that were not translated into invariants, in plan order.
    pub untranslated: Vec<Untranslated>,
    /// How much was read and written.
    pub counts: AuroraCounts,
    /// The capability lifecycle used, in order (see the module docs).
    pub lifecycle: Vec<String>,
}

/// How much an import read and wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AuroraCounts {
    /// Panels in the plan.
    pub plan_panels: usize,
    /// Intent files.
    pub intents: usize,
    /// Capability files (the status model not counted).
    pub capabilities: usize,
    /// Scenario files.
    pub scenarios: usize,
    /// Scenarios attached to a plan panel.
    pub scenarios_attached: usize,
    /// Panels written to the registry.
    pub panels: usize,
    /// Invariants written to the registry.
    pub invariants: usize,
    /// Assertions not translated.
    pub untranslated: usize,
}

/// A disagreement or gap in the data: never an error, always something a person should check.
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

/// The kinds of [`LintFinding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LintKind {
    /// A plan panel has no intent.
    PanelWithoutIntent,
    /// An intent names a panel that is not in the plan.
    IntentWithoutPanel,
    /// A plan panel has no endpoint from any source: it is left out of the registry.
    PanelWithoutEndpoint,
    /// The intent's endpoint differs from its capability file's.
    CapabilityEndpointMismatch,
    /// A scenario requests another endpoint than the panel's.
    ScenarioEndpointMismatch,
    /// Two sources give a panel different classes (plan or scenario versus intent).
    ClassMismatch,
    /// Two sources tie a panel to different capabilities (plan, scenario or a capability's
    /// `source_panels` versus the intent).
    CapabilityMismatch,
    /// A capability's status is outside the lifecycle.
    CapabilityStatusOutsideLifecycle,
    /// The plan's state of a panel contradicts its capability's status.
    StateMismatch,
    /// A panel's capability has no capability file.
    CapabilityMissing,
    /// A path parameter got a placeholder value.
    PathParamPlaceholder,
    /// A scenario names no plan panel: it is not imported.
    OrphanScenario,
    /// A capability file is used by no plan panel.
    OrphanCapability,
    /// An auth mode's headers come from HISAR's template, not from the data.
    AuthTemplate,
    /// A credential header had a literal value, replaced by a `${VAR}` reference.
    LiteralCredential,
    /// A second definition of the same panel, intent or capability: the first one is kept.
    Duplicate,
    /// A value HISAR cannot use (malformed id, endpoint, class, header...): the next source
    /// is used instead, or the value is skipped.
    InvalidValue,
}

impl LintKind {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            LintKind::PanelWithoutIntent => "panel_without_intent",
            LintKind::IntentWithoutPanel => "intent_without_panel",
            LintKind::PanelWithoutEndpoint => "panel_without_endpoint",
            LintKind::CapabilityEndpointMismatch => "capability_endpoint_mismatch",
            LintKind::ScenarioEndpointMismatch => "scenario_endpoint_mismatch",
            LintKind::ClassMismatch => "class_mismatch",
            LintKind::CapabilityMismatch => "capability_mismatch",
            LintKind::CapabilityStatusOutsideLifecycle => "capability_status_outside_lifecycle",
            LintKind::StateMismatch => "state_mismatch",
            LintKind::CapabilityMissing => "capability_missing",
            LintKind::PathParamPlaceholder => "path_param_placeholder",
            LintKind::OrphanScenario => "orphan_scenario",
            LintKind::OrphanCapability => "orphan_capability",
            LintKind::AuthTemplate => "auth_template",
            LintKind::LiteralCredential => "literal_credential",
            LintKind::Duplicate => "duplicate",
            LintKind::InvalidValue => "invalid_value",
        }
    }
}

impl fmt::Display for LintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An assertion that was not translated into an invariant.
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
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Auth.

const CONTENT_TYPE: &str = "content-type";

fn is_credential(header: &str) -> bool {
    let h = header.to_ascii_lowercase();
    h == "authorization"
        || h == "cookie"
        || ["key", "token", "secret", "password"]
            .iter()
            .any(|w| h.contains(w))
}

fn mode_template(mode: &str) -> Vec<(String, String)> {
    let pairs: &[(&str, &str)] = match mode {
        "observer" | "service" => &[
            ("X-AOS-Key", "${AOS_API_KEY}"),
            ("X-Tenant-ID", "${SDSR_TENANT_ID:-demo-tenant}"),
        ],
        "user" => &[("Authorization", "Bearer ${AUTH_TOKEN}")],
        _ => &[],
    };
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The auth mode a scenario uses, when it says.
fn scenario_mode(s: &Scenario) -> Option<String> {
    match &s.auth_mode {
        Some(mode) => Some(
            mode.to_ascii_lowercase()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect(),
        ),
        None if s.headers.iter().any(|(k, _)| is_credential(k)) => Some("user".to_owned()),
        None => None,
    }
}

/// Headers fit for the registry: valid names, parseable templates, no literal credentials.
fn clean_headers(
    headers: Vec<(String, String)>,
    whose: &str,
    panel: Option<&str>,
    files: &[&str],
    lint: &mut Lints,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in headers {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            lint.push(
                LintKind::InvalidValue,
                panel,
                None,
                files,
                format!("{whose}: header name `{name}` is not a valid header name; skipped"),
            );
            continue;
        }
        let value = if is_credential(&name) && !value.contains("${") {
            let var: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            lint.push(
                LintKind::LiteralCredential,
                panel,
                None,
                files,
                format!(
                    "{whose}: header `{name}` has a literal value; written as `${{{var}}}` instead"
                ),
            );
            format!("${{{var}}}")
        } else {
            value
        };
        if let Err(e) = Template::parse(&value) {
            lint.push(
                LintKind::InvalidValue,
                panel,
                None,
                files,
                format!("{whose}: header `{name}`: {e}; skipped"),
            );
            continue;
        }
        out.push((name, value));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The import.

/// A plan panel and what names it.
struct Slot<'r> {
    domain: &'r PlanDomain,
    plan: &'r PlanPanel,
    intent: Option<&'r Intent>,
    scenarios: Vec<&'r Scenario>,
}

impl Slot<'_> {
    fn id(&self) -> &str {
        &self.plan.id
    }

    /// The scenario that gives the request: the first by path.
    fn scenario(&self) -> Option<&Scenario> {
        self.scenarios.first().copied()
    }
}

/// The endpoint a panel got, and where from.
struct Chosen<'r> {
    endpoint: Endpoint,
    query: Vec<(String, String)>,
    file: &'r str,
    label: String,
}

/// An auth mode to declare: its name and headers.
type AuthModeDraft = (String, Vec<(String, String)>);

/// A panel being built, before auth is settled.
struct Work {
    draft: PanelDraft,
    mode: Option<String>,
    headers: Vec<(String, String)>,
    files: Vec<String>,
}

struct Import<'r> {
    repo: &'r Repo,
    lint: Lints,
    untranslated: Vec<Untranslated>,
    derived: BTreeMap<String, CapabilityDraft>,
}

impl<'r> Import<'r> {
    fn plan_file(&self) -> &'r str {
        &self.repo.plan_file
    }

    /// Plan panels with a usable, unique id, and the domains their ids name.
    fn slots(&mut self) -> (Vec<Slot<'r>>, Vec<(String, String)>) {
        let repo = self.repo;
        let plan_file = self.plan_file();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut slots = Vec::new();
        let mut domains: Vec<(String, String)> = Vec::new();
        for domain in &repo.plan {
            let mut codes: Vec<String> = Vec::new();
            for p in &domain.panels {
                if !seen.insert(&p.id) {
                    self.lint.push(
                        LintKind::Duplicate,
                        Some(&p.id),
                        None,
                        &[plan_file],
                        format!(
                            "line {}: {} is listed again in the plan; skipped",
                            p.line, p.id
                        ),
                    );
                    continue;
                }
                let id = match PanelId::parse(&p.id) {
                    Ok(id) => id,
                    Err(e) => {
                        self.lint.push(
                            LintKind::InvalidValue,
                            Some(&p.id),
                            None,
                            &[plan_file],
                            format!("line {}: {e}; skipped", p.line),
                        );
                        continue;
                    }
                };
                let code = id.domain().as_str().to_owned();
                if !codes.contains(&code) {
                    codes.push(code);
                }
                slots.push(Slot {
                    domain,
                    plan: p,
                    intent: repo.intents.iter().find(|i| i.panel == p.id),
                    scenarios: repo
                        .scenarios
                        .iter()
                        .filter(|s| s.panel.as_deref() == Some(p.id.as_str()))
                        .collect(),
                });
            }
            let problem = match codes.len() {
                0 => Some(format!(
                    "domain {} has no panels; not declared",
                    domain.name
                )),
                1 => None,
                _ => Some(format!(
                    "domain {} holds panels of several codes ({}); each is declared with that name",
                    domain.name,
                    codes.join(", ")
                )),
            };
            if let Some(message) = problem {
                self.lint
                    .push(LintKind::InvalidValue, None, None, &[plan_file], message);
            }
            for code in codes {
                if let Some((_, other)) = domains.iter().find(|(c, _)| *c == code) {
                    self.lint.push(
                        LintKind::InvalidValue,
                        None,
                        None,
                        &[plan_file],
                        format!(
                            "code {code} is used by domains {other} and {}; declared as {other}",
                            domain.name
                        ),
                    );
                } else {
                    domains.push((code, domain.name.clone()));
                }
            }
        }
        (slots, domains)
    }

    /// Lint that concerns the sources rather than one panel.
    fn lint_sources(&mut self) {
        let repo = self.repo;
        let plan_ids: BTreeSet<&str> = repo
            .plan
            .iter()
            .flat_map(|d| &d.panels)
            .map(|p| p.id.as_str())
            .collect();
        for intent in &repo.intents {
            if !plan_ids.contains(intent.panel.as_str()) {
                self.lint.push(
                    LintKind::IntentWithoutPanel,
                    Some(&intent.panel),
                    intent.capability.as_deref(),
                    &[&intent.file, &repo.plan_file],
                    format!(
                        "intent for {} names a panel that is not in the plan",
                        intent.panel
                    ),
                );
            }
        }
        let model_files = repo.model_files();
        for cap in &repo.capabilities {
            if let Some(status) = &cap.status
                && !repo.model.knows(status)
            {
                let mut files = vec![cap.file.as_str()];
                files.extend(&model_files);
                self.lint.push(
                    LintKind::CapabilityStatusOutsideLifecycle,
                    None,
                    Some(&cap.id),
                    &files,
                    format!(
                        "capability {} has status {status}, outside the lifecycle {}",
                        cap.id,
                        repo.model.lifecycle.join(" → ")
                    ),
                );
            }
        }
        for s in &repo.scenarios {
            let message = match &s.panel {
                Some(p) if plan_ids.contains(p.as_str()) => continue,
                Some(p) => format!("scenario names panel {p}, which is not in the plan"),
                None if s.about.is_empty() => "scenario names no panel".to_owned(),
                None => format!(
                    "scenario names no plan panel (it is about {})",
                    s.about.join(", ")
                ),
            };
            let left = match s.checks.len() {
                0 => String::new(),
                n => format!(" ({n} expectations left behind)"),
            };
            self.lint.push(
                LintKind::OrphanScenario,
                s.panel.as_deref(),
                s.capability.as_deref(),
                &[&s.file],
                format!("{message}; not imported{left}"),
            );
        }
    }

    /// Capability files that list plan panels using another capability, and true orphans.
    fn lint_capability_files(&mut self, works: &[Work]) {
        let repo = self.repo;
        for cap in &repo.capabilities {
            let mut in_plan = false;
            for sp in &cap.source_panels {
                in_plan |= repo
                    .plan
                    .iter()
                    .flat_map(|d| &d.panels)
                    .any(|p| &p.id == sp);
                let Some(w) = works.iter().find(|w| &w.draft.id == sp) else {
                    continue;
                };
                if w.draft.capability != cap.id {
                    self.lint.push(
                        LintKind::CapabilityMismatch,
                        Some(sp),
                        Some(&cap.id),
                        &[&cap.file],
                        format!(
                            "capability {} lists {sp} among its source panels; the panel uses {}",
                            cap.id, w.draft.capability
                        ),
                    );
                }
            }
            let used = works.iter().any(|w| w.draft.capability == cap.id);
            if !in_plan && !used {
                let sources = if cap.source_panels.is_empty() {
                    "none".to_owned()
                } else {
                    cap.source_panels.join(", ")
                };
                self.lint.push(
                    LintKind::OrphanCapability,
                    None,
                    Some(&cap.id),
                    &[&cap.file],
                    format!(
                        "capability {} is used by no plan panel (source panels: {sources})",
                        cap.id
                    ),
                );
            }
        }
    }

    /// One plan panel, or `None` when nothing gives it an endpoint.
    fn panel(&mut self, slot: &Slot<'r>) -> Option<Work> {
        let pid = slot.id();
        let plan_file = self.plan_file();
        if slot.intent.is_none() {
            self.lint.push(
                LintKind::PanelWithoutIntent,
                Some(pid),
                slot.plan.capability.as_deref(),
                &[plan_file],
                format!(
                    "{pid} is in the plan (state {}) but has no intent",
                    slot.plan.state.as_deref().unwrap_or("unset")
                ),
            );
        }
        if let Some(state) = &slot.plan.state
            && !self.repo.plan_states.is_empty()
            && !self.repo.plan_states.contains(state)
        {
            self.lint.push(
                LintKind::InvalidValue,
                Some(pid),
                None,
                &[plan_file],
                format!(
                    "line {}: state {state} is not one of the plan's panel_states ({})",
                    slot.plan.line,
                    self.repo.plan_states.join(", ")
                ),
            );
        }

        let named = self.capability(slot);
        let cap_file = named.as_deref().and_then(|c| self.repo.capability(c));
        let Some(chosen) = self.endpoint(slot, cap_file, named.as_deref()) else {
            let mut files = vec![plan_file];
            files.extend(slot.intent.map(|i| i.file.as_str()));
            files.extend(cap_file.map(|c| c.file.as_str()));
            files.extend(slot.scenarios.iter().map(|s| s.file.as_str()));
            self.lint.push(
                LintKind::PanelWithoutEndpoint,
                Some(pid),
                named.as_deref(),
                &files,
                format!("no intent, capability or scenario gives {pid} an endpoint; it is left out of the registry"),
            );
            return None;
        };
        let capability = match named {
            Some(c) => {
                self.lint_capability_status(slot, &c, cap_file);
                c
            }
            None => self.derive_capability(slot, &chosen.endpoint),
        };
        let class = self.class(slot);
        self.lint_scenarios(slot, &capability, &chosen);

        let mut comments = vec![format!(
            "plan state {}; endpoint from {}",
            slot.plan.state.as_deref().unwrap_or("unset"),
            chosen.file
        )];
        if slot.intent.is_none() {
            comments
                .push("no intent: class and capability from the plan or the scenario".to_owned());
        }
        let mut params = chosen.query.clone();
        for (k, v) in slot
            .scenario()
            .map(|s| s.params.as_slice())
            .unwrap_or_default()
        {
            if !params.iter().any(|(pk, _)| pk == k) {
                params.push((k.clone(), v.clone()));
            }
        }
        let path_params = self.path_params(slot, &capability, &chosen, &mut comments);
        let invariants = self.invariants(slot, &mut comments);

        let mut files: Vec<String> = vec![plan_file.to_owned()];
        files.extend(slot.intent.map(|i| i.file.clone()));
        files.extend(slot.scenario().map(|s| s.file.clone()));
        Some(Work {
            draft: PanelDraft {
                comments,
                id: pid.to_owned(),
                capability,
                endpoint: chosen.endpoint.to_string(),
                params,
                path_params,
                class: Some(class),
                invariants,
                purpose: slot.intent.and_then(|i| i.notes.clone()),
                ..PanelDraft::default()
            },
            mode: slot.scenario().and_then(scenario_mode),
            headers: slot
                .scenario()
                .map(|s| s.headers.clone())
                .unwrap_or_default(),
            files,
        })
    }

    /// The intent's capability, else the plan's, else the scenario's; linting disagreements
    /// and malformed ids.
    fn capability(&mut self, slot: &Slot<'r>) -> Option<String> {
        let pid = slot.id();
        let plan_file = self.plan_file();
        if let Some(i) = slot.intent
            && let (Some(named), Some(planned)) = (&i.capability, &slot.plan.capability)
            && named != planned
        {
            self.lint.push(
                LintKind::CapabilityMismatch,
                Some(pid),
                Some(named),
                &[plan_file, &i.file],
                format!(
                    "the plan expects capability {planned} for {pid}; its intent names {named}"
                ),
            );
        }
        let candidates = [
            slot.intent
                .and_then(|i| Some((i.capability.as_ref()?, i.file.as_str()))),
            slot.plan.capability.as_ref().map(|c| (c, plan_file)),
            slot.scenario()
                .and_then(|s| Some((s.capability.as_ref()?, s.file.as_str()))),
        ];
        for (value, file) in candidates.into_iter().flatten() {
            match CapabilityId::parse(value) {
                Ok(_) => return Some(value.clone()),
                Err(e) => self.lint.push(
                    LintKind::InvalidValue,
                    Some(pid),
                    Some(value),
                    &[file],
                    format!("{e}; the next source is used"),
                ),
            }
        }
        None
    }

    fn derive_capability(&mut self, slot: &Slot<'r>, endpoint: &Endpoint) -> String {
        let id = derive_capability(&slot.domain.name, endpoint);
        self.derived
            .entry(id.clone())
            .or_insert_with(|| CapabilityDraft {
                id: id.clone(),
                derived: true,
                note: Some(format!(
                    "derived from {} by hisar import aurora",
                    endpoint.path
                )),
                ..CapabilityDraft::default()
            });
        let pid = slot.id();
        self.lint.push(
            LintKind::InvalidValue,
            Some(pid),
            Some(&id),
            &[self.plan_file()],
            format!("no source names a capability for {pid}; derived {id} from its endpoint"),
        );
        id
    }

    /// The intent's endpoint, else the capability file's, else the scenario's; linting the
    /// unusable ones and an intent that disagrees with its capability file.
    fn endpoint(
        &mut self,
        slot: &Slot<'r>,
        cap_file: Option<&'r Capability>,
        capability: Option<&str>,
    ) -> Option<Chosen<'r>> {
        let pid = slot.id();
        let mut candidates: Vec<(&RawEndpoint, &'r str, String)> = Vec::new();
        if let Some(i) = slot.intent
            && let Some(e) = &i.endpoint
        {
            candidates.push((e, &i.file, "intent".to_owned()));
        }
        if let Some(c) = cap_file
            && let Some(e) = &c.endpoint
        {
            candidates.push((e, &c.file, format!("capability {}", c.id)));
        }
        if let Some(s) = slot.scenarios.first()
            && let Some(e) = &s.endpoint
        {
            candidates.push((e, &s.file, "scenario".to_owned()));
        }
        let mut usable: Vec<Chosen<'r>> = Vec::new();
        for (raw, file, label) in candidates {
            match raw.resolve() {
                Ok((endpoint, query)) => usable.push(Chosen {
                    endpoint,
                    query,
                    file,
                    label,
                }),
                Err(message) => self.lint.push(
                    LintKind::InvalidValue,
                    Some(pid),
                    capability,
                    &[file],
                    format!("{label} of {pid}: {message}; the next source is used"),
                ),
            }
        }
        if let Some(intent) = usable.iter().find(|c| c.label == "intent")
            && let Some(c) = cap_file
            && let Some(assumed) = usable.iter().find(|u| u.file == c.file)
            && !same_endpoint(&intent.endpoint, &assumed.endpoint)
        {
            self.lint.push(
                LintKind::CapabilityEndpointMismatch,
                Some(pid),
                Some(&c.id),
                &[intent.file, assumed.file],
                format!(
                    "intent for {pid} says {}; capability {} assumes {} ({})",
                    intent.endpoint,
                    c.id,
                    assumed.endpoint,
                    difference(&intent.endpoint, &assumed.endpoint)
                ),
            );
        }
        usable.into_iter().next()
    }

    /// The intent's class, else the plan's; linting disagreements and unknown classes.
    fn class(&mut self, slot: &Slot<'r>) -> PanelClass {
        let pid = slot.id();
        let plan_file = self.plan_file();
        if let Some(i) = slot.intent
            && let (Some(ic), Some(planned)) = (&i.class, &slot.plan.class)
            && ic != planned
        {
            self.lint.push(
                LintKind::ClassMismatch,
                Some(pid),
                None,
                &[plan_file, &i.file],
                format!("the plan says {pid} is {planned}; its intent says {ic}"),
            );
        }
        let candidates = [
            slot.intent
                .and_then(|i| Some((i.class.as_ref()?, i.file.as_str(), "intent"))),
            slot.plan.class.as_ref().map(|c| (c, plan_file, "plan")),
        ];
        for (value, file, label) in candidates.into_iter().flatten() {
            match value.parse::<PanelClass>() {
                Ok(class) => return class,
                Err(()) => self.lint.push(
                    LintKind::InvalidValue,
                    Some(pid),
                    None,
                    &[file],
                    format!("{label} gives {pid} the unknown class `{value}`"),
                ),
            }
        }
        self.lint.push(
            LintKind::InvalidValue,
            Some(pid),
            None,
            &[plan_file],
            format!("no usable class for {pid}; evidence assumed"),
        );
        PanelClass::Evidence
    }

    /// The plan's state versus the capability's status, or its absence.
    fn lint_capability_status(
        &mut self,
        slot: &Slot<'r>,
        capability: &str,
        cap_file: Option<&Capability>,
    ) {
        let pid = slot.id();
        let plan_file = self.plan_file();
        let model = &self.repo.model;
        let state = slot.plan.state.as_deref().unwrap_or("unset");
        let Some(c) = cap_file else {
            let gate = model
                .gate
                .get("missing_capability")
                .map_or(String::new(), |g| {
                    format!("; AURORA's gate makes a missing capability {g}")
                });
            let mut files = vec![plan_file];
            files.extend(slot.intent.map(|i| i.file.as_str()));
            self.lint.push(
                LintKind::CapabilityMissing,
                Some(pid),
                Some(capability),
                &files,
                format!("no capability file declares {capability}, the capability of {pid} (the plan says {state}{gate})"),
            );
            return;
        };
        let Some(status) = c
            .status
            .as_deref()
            .filter(|s| *s != DEPRECATED && model.knows(s))
        else {
            return;
        };
        if let Some(gate) = model.gate.get(status)
            && gate != state
            && !matches!(state, "EMPTY" | "DEFERRED")
        {
            let mut files = vec![plan_file, c.file.as_str()];
            files.extend(self.repo.model_files());
            self.lint.push(
                LintKind::StateMismatch,
                Some(pid),
                Some(capability),
                &files,
                format!("the plan says {pid} is {state}, but capability {} is {status}, which AURORA's gate makes {gate}", c.id),
            );
        }
    }

    /// Each scenario of a panel versus the panel: endpoint, class and capability.
    fn lint_scenarios(&mut self, slot: &Slot<'r>, capability: &str, chosen: &Chosen<'r>) {
        let pid = slot.id();
        let plan_file = self.plan_file();
        let endpoint = &chosen.endpoint;
        for s in &slot.scenarios {
            if let Some(raw) = &s.endpoint
                && let Ok((se, _)) = raw.resolve()
                && !same_endpoint(&se, endpoint)
            {
                self.lint.push(
                    LintKind::ScenarioEndpointMismatch,
                    Some(pid),
                    Some(capability),
                    &[chosen.file, &s.file],
                    format!(
                        "scenario for {pid} requests {se}; the panel's endpoint is {endpoint} (from {}; {})",
                        chosen.label,
                        difference(&se, endpoint)
                    ),
                );
            }
            let reference = match slot.intent {
                Some(i) => i.class.as_ref().map(|c| (c, i.file.as_str(), "intent")),
                None => slot.plan.class.as_ref().map(|c| (c, plan_file, "plan")),
            };
            if let (Some(sc), Some((reference, file, label))) = (&s.class, reference)
                && sc != reference
            {
                self.lint.push(
                    LintKind::ClassMismatch,
                    Some(pid),
                    None,
                    &[file, &s.file],
                    format!("scenario says {pid} is {sc}; its {label} says {reference}"),
                );
            }
            if let Some(verified) = &s.capability
                && verified != capability
            {
                self.lint.push(
                    LintKind::CapabilityMismatch,
                    Some(pid),
                    Some(capability),
                    &[&s.file],
                    format!("scenario for {pid} verifies capability {verified}; the panel's is {capability}"),
                );
            }
        }
    }

    /// A value for every `{name}`: the scenario's, else a placeholder (linted and commented).
    fn path_params(
        &mut self,
        slot: &Slot<'r>,
        capability: &str,
        chosen: &Chosen<'r>,
        comments: &mut Vec<String>,
    ) -> Vec<(String, String)> {
        let pid = slot.id();
        let given = slot
            .scenario()
            .map(|s| s.path_params.as_slice())
            .unwrap_or_default();
        let mut out = Vec::new();
        for name in chosen.endpoint.path.params() {
            if let Some((_, v)) = given.iter().find(|(k, _)| k == name) {
                out.push((name.to_owned(), v.clone()));
                continue;
            }
            let placeholder = format!("TODO-{name}");
            self.lint.push(
                LintKind::PathParamPlaceholder,
                Some(pid),
                Some(capability),
                &[chosen.file],
                format!(
                    "{pid}: path parameter {{{name}}} of {} has the placeholder `{placeholder}`; set a real value",
                    chosen.endpoint
                ),
            );
            comments.push(format!("{{{name}}} needs a real value"));
            out.push((name.to_owned(), placeholder));
        }
        out
    }

    /// The translated expectations of every scenario of the panel; the others are recorded
    /// as untranslated and commented.
    fn invariants(&mut self, slot: &Slot<'r>, comments: &mut Vec<String>) -> Vec<String> {
        let mut invariants: Vec<String> = Vec::new();
        let mut add = |found: Vec<String>| {
            for inv in found {
                if !invariants.contains(&inv) {
                    invariants.push(inv);
                }
            }
        };
        for s in &slot.scenarios {
            for check in &s.checks {
                let (text, reason) = match check {
                    Check::Assertion(a) => match translate_assertion(a) {
                        Some(found) => {
                            add(found);
                            continue;
                        }
                        None => (a, "no HISAR equivalent is known for this assertion"),
                    },
                    Check::Invariants(found) => {
                        add(found.clone());
                        continue;
                    }
                    Check::Id(id) => (id, "the invariant id is defined in no imported file"),
                    Check::Step(t) => (t, "an expectation with no HISAR equivalent"),
                };
                comments.push(format!("untranslated ({}): {}", s.file, one_line(text)));
                self.untranslated.push(Untranslated {
                    panel: slot.id().to_owned(),
                    file: s.file.clone(),
                    text: text.clone(),
                    reason: reason.to_owned(),
                });
            }
        }
        invariants
    }

    /// Declares the auth modes the panels use and sets each panel's mode and extra headers.
    /// Returns the modes and the default one.
    fn settle_auth(&mut self, works: &mut [Work]) -> (Vec<AuthModeDraft>, Option<String>) {
        // Headers common to every scenario of a mode, as sent.
        let mut common: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut scenario_files: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
        for w in works.iter() {
            let Some(mode) = &w.mode else { continue };
            *uses.entry(mode).or_default() += 1;
            if mode == NO_AUTH {
                continue;
            }
            let own: Vec<(String, String)> = w
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(CONTENT_TYPE))
                .cloned()
                .collect();
            common
                .entry(mode.clone())
                .and_modify(|c| c.retain(|h| own.contains(h)))
                .or_insert(own);
            scenario_files
                .entry(mode.clone())
                .or_default()
                .extend(w.files.last().map(String::as_str));
        }
        let mut auth = Vec::new();
        for (mode, headers) in &common {
            let files = &scenario_files[mode];
            let headers = if headers.is_empty() {
                let template = mode_template(mode);
                let message = if template.is_empty() {
                    format!(
                        "the scenarios of auth mode {mode} send no common credential headers, and HISAR has no template for it: declared without headers; add them"
                    )
                } else {
                    let shown: Vec<String> =
                        template.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!(
                        "the scenarios of auth mode {mode} send no common credential headers; declared with HISAR's template ({}): check what the backend expects",
                        shown.join(", ")
                    )
                };
                self.lint
                    .push(LintKind::AuthTemplate, None, None, files, message);
                template
            } else {
                headers.clone()
            };
            let headers = clean_headers(
                headers,
                &format!("auth mode {mode}"),
                None,
                files,
                &mut self.lint,
            );
            auth.push((mode.clone(), headers));
        }

        let default = uses
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(m, _)| (*m).to_owned());
        let effective = default.clone().unwrap_or_else(|| NO_AUTH.to_owned());
        for w in works.iter_mut() {
            let Some(mode) = &w.mode else { continue };
            if *mode != effective {
                w.draft.auth = Some(mode.clone());
            }
            let sent_by_all = common.get(mode).map(Vec::as_slice).unwrap_or_default();
            let extra: Vec<(String, String)> = w
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(CONTENT_TYPE))
                .filter(|h| !sent_by_all.contains(h))
                .cloned()
                .collect();
            let files: Vec<&str> = w.files.iter().map(String::as_str).collect();
            w.draft.headers = clean_headers(
                extra,
                &format!("panel {}", w.draft.id),
                Some(&w.draft.id),
                &files,
                &mut self.lint,
            );
        }
        (auth, default.filter(|m| m != NO_AUTH))
    }
}

/// Reads an AURORA L2 repository's plan, intents, capabilities and scenarios into a
/// registry draft, with lint for everything a person should check.
///
/// Only files that are not YAML, and a plan without `domains:`, are errors; everything else
/// (missing, contradictory or malformed values) becomes lint.
pub fn import_aurora(sources: &AuroraSources) -> Result<AuroraImport, AuroraError> {
    let mut lint = Lints::default();
    let repo = Repo::read(sources, &mut lint)?;
    let mut import = Import {
        repo: &repo,
        lint,
        untranslated: Vec::new(),
        derived: BTreeMap::new(),
    };
    import.lint_sources();
    let (slots, domains) = import.slots();
    let mut works: Vec<Work> = slots.iter().filter_map(|slot| import.panel(slot)).collect();
    import.lint_capability_files(&works);
    let (auth, default_auth) = import.settle_auth(&mut works);
    let panels: Vec<PanelDraft> = works.into_iter().map(|w| w.draft).collect();

    // Capabilities worth declaring: derived ones, and those with an AURORA file (status noted).
    let mut declared = std::mem::take(&mut import.derived);
    for p in &panels {
        if let Some(c) = repo.capability(&p.capability) {
            declared
                .entry(c.id.clone())
                .or_insert_with(|| CapabilityDraft {
                    id: c.id.clone(),
                    derived: false,
                    deprecated: c.status.as_deref() == Some(DEPRECATED),
                    note: Some(format!(
                        "AURORA status {}",
                        c.status.as_deref().unwrap_or("unset")
                    )),
                });
        }
    }

    let mut lint = import.lint.0;
    lint.sort_by_key(|l| l.kind);
    let untranslated = import.untranslated;
    let counts = AuroraCounts {
        plan_panels: repo.plan.iter().map(|d| d.panels.len()).sum(),
        intents: repo.intent_files,
        capabilities: repo.capabilities.len(),
        scenarios: repo.scenario_files,
        scenarios_attached: slots.iter().map(|s| s.scenarios.len()).sum(),
        panels: panels.len(),
        invariants: panels.iter().map(|p| p.invariants.len()).sum(),
        untranslated: untranslated.len(),
    };
    let draft = RegistryDraft {
        header: vec![
            format!(
                "Imported by `hisar import aurora` from {}, {} intents, {} capabilities and {} scenarios.",
                repo.plan_file, counts.intents, counts.capabilities, counts.scenarios
            ),
            format!(
                "{} of {} plan panels; {} lint findings and {} untranslated assertions to review before sweeping.",
                counts.panels,
                counts.plan_panels,
                lint.len(),
                counts.untranslated
            ),
        ],
        routes: sources.openapi.clone(),
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
        untranslated,
        counts,
        lifecycle: repo.model.lifecycle.clone(),
    })
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
