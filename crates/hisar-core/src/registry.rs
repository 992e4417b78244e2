//! The registry, `hisar.yaml` (SPEC §4): the type, read through accessors, and its loader
//! (`load`, `panels`), which reads text and reports every problem at once.

mod auth;
mod live;
mod load;
mod panels;
mod schema;
mod stream;

pub use schema::registry_schema;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::RegistryError;
use crate::id::{CapabilityId, PanelId};
use crate::index::IdIndex;
use crate::interpolate::Template;
use crate::live::SetupStep;
use crate::model::{
    AuthMode, CapabilityDecl, DeclaredStatus, Domain, Panel, PanelClass, SchemaPolicy,
};
use crate::policy::{GatePolicy, TrustPolicy, Waiver};
use crate::verdict::GapCode;

/// The auth mode that sends no credentials; always available.
pub const NO_AUTH: &str = "none";

/// Where the backend is and what routes it declares.
#[derive(Debug, Clone, Default)]
pub struct Backend {
    /// Base URL template (`--base-url` or `HISAR_BASE_URL` override it).
    pub base_url: Option<Template>,
    /// Route table source: a file path (relative to the registry) or an `http(s)://` URL.
    pub routes: Option<Template>,
    /// What sweeps do with the OpenAPI response schemas of the route table (SPEC §3.7).
    pub schema: SchemaPolicy,
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
    /// Schema policy for panels that name none: `backend.schema`.
    pub schema: SchemaPolicy,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            auth: NO_AUTH.to_owned(),
            timeout: None,
            class: None,
            schema: SchemaPolicy::Enforce,
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
    version: u32,
    /// Title heading the tracker.
    title: Option<String>,
    /// Backend location and routes.
    backend: Backend,
    /// Auth modes by name (`none` is implicit).
    auth: BTreeMap<String, AuthMode>,
    /// Defaults.
    defaults: Defaults,
    /// Domains in declaration order.
    domains: Vec<Domain>,
    /// Panels in declaration order.
    panels: Vec<Panel>,
    /// Setup steps, in the order they run (SPEC §4.2).
    setup: Vec<SetupStep>,
    /// Declared capabilities.
    capabilities: BTreeMap<CapabilityId, CapabilityDecl>,
    /// Waivers.
    waivers: Vec<Waiver>,
    /// Trust policy thresholds.
    trust: TrustPolicy,
    /// Gate settings.
    gate: GatePolicy,
    /// Tracker header and footer text.
    tracker: TrackerText,
    /// Panel positions by id, for [`Registry::panel`].
    panel_index: IdIndex,
}

impl Registry {
    /// Loads a registry from YAML text. `origin` names the source in error messages.
    ///
    /// Every problem is reported at once, each with line, column and panel id.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self, RegistryError> {
        load::load(text, origin)
    }

    /// Format version (1).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The title heading the tracker, when the registry gives one.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Where the backend is and what routes it declares.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Auth modes by name (`none` is implicit).
    pub fn auth_modes(&self) -> &BTreeMap<String, AuthMode> {
        &self.auth
    }

    /// Defaults applied to every panel.
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// Domains in declaration order.
    pub fn domains(&self) -> &[Domain] {
        &self.domains
    }

    /// Panels in declaration order.
    pub fn panels(&self) -> &[Panel] {
        &self.panels
    }

    /// Setup steps, in the order a sweep sends them (SPEC §4.2).
    pub fn setup(&self) -> &[SetupStep] {
        &self.setup
    }

    /// A setup step by id.
    pub fn setup_step(&self, id: &str) -> Option<&SetupStep> {
        self.setup.iter().find(|s| s.id == id)
    }

    /// Declared capabilities.
    pub fn capabilities(&self) -> &BTreeMap<CapabilityId, CapabilityDecl> {
        &self.capabilities
    }

    /// Waivers.
    pub fn waivers(&self) -> &[Waiver] {
        &self.waivers
    }

    /// Trust policy thresholds.
    pub fn trust(&self) -> &TrustPolicy {
        &self.trust
    }

    /// Gate settings.
    pub fn gate(&self) -> &GatePolicy {
        &self.gate
    }

    /// Text that heads and closes the tracker.
    pub fn tracker(&self) -> &TrackerText {
        &self.tracker
    }

    /// A panel by id.
    pub fn panel(&self, id: &str) -> Option<&Panel> {
        self.panel_index.find(&self.panels, id, |p| p.id.as_str())
    }

    /// A domain by code, whatever its case (`ovr` finds `OVR`: codes are upper-case, so the
    /// match is never ambiguous).
    pub fn domain(&self, code: &str) -> Option<&Domain> {
        self.domains
            .iter()
            .find(|d| d.code.as_str().eq_ignore_ascii_case(code))
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

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod tests;
