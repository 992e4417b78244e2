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

use std::collections::BTreeMap;

use serde::Serialize;

use crate::draft::{CapabilityDraft, PanelDraft, RegistryDraft};

mod auth;
mod crosscheck;
mod endpoint;
mod import;
mod lint;
mod nodes;
mod panel;
mod read;
mod repo;
mod scenario;
mod status;
#[cfg(test)]
mod tests;
mod translate;

pub use translate::translate_assertion;

use import::{Import, Work};
use lint::Lints;
use repo::Repo;
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

hisar_core::named_enum! {
    /// The kinds of [`LintFinding`].
    #[non_exhaustive]
    pub enum LintKind("lint kind") {
        /// A plan panel has no intent.
        PanelWithoutIntent = "panel_without_intent",
        /// An intent names a panel that is not in the plan.
        IntentWithoutPanel = "intent_without_panel",
        /// A plan panel has no endpoint from any source: it is left out of the registry.
        PanelWithoutEndpoint = "panel_without_endpoint",
        /// The intent's endpoint differs from its capability file's.
        CapabilityEndpointMismatch = "capability_endpoint_mismatch",
        /// A scenario requests another endpoint than the panel's.
        ScenarioEndpointMismatch = "scenario_endpoint_mismatch",
        /// Two sources give a panel different classes (plan or scenario versus intent).
        ClassMismatch = "class_mismatch",
        /// Two sources tie a panel to different capabilities (plan, scenario or a capability's
        /// `source_panels` versus the intent).
        CapabilityMismatch = "capability_mismatch",
        /// A capability's status is outside the lifecycle.
        CapabilityStatusOutsideLifecycle = "capability_status_outside_lifecycle",
        /// The plan's state of a panel contradicts its capability's status.
        StateMismatch = "state_mismatch",
        /// A panel's capability has no capability file.
        CapabilityMissing = "capability_missing",
        /// A path parameter got a placeholder value.
        PathParamPlaceholder = "path_param_placeholder",
        /// A scenario names no plan panel: it is not imported.
        OrphanScenario = "orphan_scenario",
        /// A capability file is used by no plan panel.
        OrphanCapability = "orphan_capability",
        /// An auth mode's headers come from HISAR's template, not from the data.
        AuthTemplate = "auth_template",
        /// A credential header had a literal value, replaced by a `${VAR}` reference.
        LiteralCredential = "literal_credential",
        /// A second definition of the same panel, intent or capability: the first one is kept.
        Duplicate = "duplicate",
        /// A value HISAR cannot use (malformed id, endpoint, class, header...): the next source
        /// is used instead, or the value is skipped.
        InvalidValue = "invalid_value",
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
