//! The JSON report: a stable schema (`schema_version` 1, documented by
//! `docs/report.schema.json`), deterministic for the same history. [`JsonReport`] and its rows
//! are the schema as Rust types, for callers that filter rows before serializing them.

use std::io::{self, Write};

use hisar_core::history::{CapabilityStatus, Resolution, RetiredPanel, Selection};
use hisar_core::{Evidence, Finding, Gap, GapCode, PriorityFixes, Status, Waiver};
use jiff::Timestamp;
use serde::Serialize;

use crate::model::{DomainRow, Report};

/// The schema version written in every JSON report.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON report, typed: what [`write_json`] serializes, field for field.
///
/// Callers that serve parts of the report (the service's `/panels` and `/gaps`) filter these
/// typed rows and serialize what they keep; every type here serializes exactly as the same
/// part of [`write_json`]'s output. Build one with [`json_report`].
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JsonReport<'a> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `hisar` and its version.
    pub generator: String,
    /// The report's title.
    pub title: &'a str,
    /// The registry file as the user names it.
    pub registry: &'a str,
    /// The latest sweep, if any.
    pub sweep: Option<SweepJson<'a>>,
    /// Sweeps in the history.
    pub sweeps_recorded: usize,
    /// Counts overall, per domain and per gap code.
    pub summary: SummaryJson,
    /// Every panel, in registry order.
    pub panels: Vec<PanelJson<'a>>,
    /// Every tracked capability, by id.
    pub capabilities: Vec<CapabilityJson<'a>>,
    /// The priority fixes of the blocked panels.
    pub fixes: &'a PriorityFixes,
    /// Panels that were bound and are blocked again.
    pub regressions: Vec<RegressionJson<'a>>,
    /// Panels the latest sweep got no evidence for.
    pub unverified: Vec<UnverifiedJson<'a>>,
    /// Resolved gaps, as tracked (superseded gaps included, with `closed: superseded`).
    pub resolved: &'a [Resolution],
    /// Panels the registry no longer has, retired in the last 30 days.
    pub retired: &'a [RetiredPanel],
    /// Waivers past their date.
    pub expired_waivers: Vec<WaiverJson<'a>>,
}

/// The latest sweep.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SweepJson<'a> {
    /// Its id.
    pub id: u64,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Timestamp,
    /// What it covered.
    pub selection: &'a Selection,
    /// Panels it probed.
    pub panels: usize,
}

/// Panel counts, with completion as BOUND ÷ total, a whole percent rounded down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CountsJson {
    /// Panels.
    pub total: usize,
    /// Bound panels.
    pub bound: usize,
    /// Blocked panels.
    pub blocked: usize,
    /// Panels never verified.
    pub unverified: usize,
    /// Completion, percent.
    pub completion: usize,
}

impl From<&DomainRow> for CountsJson {
    fn from(d: &DomainRow) -> Self {
        Self {
            total: d.total,
            bound: d.bound,
            blocked: d.blocked,
            unverified: d.unverified,
            completion: d.completion(),
        }
    }
}

/// One domain's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DomainJson {
    /// Domain code.
    pub code: String,
    /// Domain name.
    pub name: String,
    /// Its counts, serialized inline.
    #[serde(flatten)]
    pub counts: CountsJson,
}

/// Counts overall, per domain and per gap code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SummaryJson {
    /// Counts over every panel, serialized inline.
    #[serde(flatten)]
    pub counts: CountsJson,
    /// Per domain, in declaration order.
    pub domains: Vec<DomainJson>,
    /// Per gap code, in priority order.
    pub gaps: Vec<GapCountJson>,
}

/// Blocked panels of one gap code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GapCountJson {
    /// The code.
    pub code: GapCode,
    /// Its priority (0 first).
    pub priority: u8,
    /// Blocked panels with it as primary gap.
    pub panels: usize,
}

/// A waiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WaiverJson<'a> {
    /// The panel waived.
    pub panel: &'a str,
    /// The gap code waived.
    pub code: GapCode,
    /// Who owns the gap.
    pub owner: &'a str,
    /// Last day it applies (`YYYY-MM-DD`).
    pub expires: String,
    /// Why.
    pub reason: &'a str,
}

impl<'a> From<&'a Waiver> for WaiverJson<'a> {
    fn from(w: &'a Waiver) -> Self {
        Self {
            panel: w.panel.as_str(),
            code: w.code,
            owner: &w.owner,
            expires: w.expires.to_string(),
            reason: &w.reason,
        }
    }
}

/// One panel with its tracked state.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct PanelJson<'a> {
    /// Panel id.
    pub id: &'a str,
    /// Its domain code.
    pub domain: &'a str,
    /// Its capability.
    pub capability: &'a str,
    /// The capability's tracked status.
    pub capability_status: CapabilityStatus,
    /// Its endpoint (`GET /path`).
    pub endpoint: String,
    /// Its class.
    pub class: &'a str,
    /// Tracked status.
    pub status: Status,
    /// The primary gap, when blocked.
    pub gap: Option<&'a Gap>,
    /// Secondary findings of the last verified verdict.
    pub findings: &'a [Finding],
    /// Evidence of the last verified verdict.
    pub evidence: Option<&'a Evidence>,
    /// The sweep that gave that verdict.
    pub verified_in: Option<u64>,
    /// When that sweep ran.
    pub verified_at: Option<Timestamp>,
    /// Start of the current spell.
    pub since: Option<Timestamp>,
    /// Whole days from `since` to the latest sweep, when blocked.
    pub gap_age_days: Option<i64>,
    /// Why the latest sweep got no evidence, when it got none.
    pub unverified_now: Option<&'a str>,
    /// The active waiver covering its gap.
    pub waiver: Option<WaiverJson<'a>>,
}

impl PanelJson<'_> {
    /// The primary gap's code, when blocked.
    pub fn code(&self) -> Option<GapCode> {
        self.gap.map(|g| g.code)
    }
}

/// A tracked capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CapabilityJson<'a> {
    /// Capability id.
    pub id: &'a str,
    /// Tracked status.
    pub status: CapabilityStatus,
    /// Sweeps in the trust window that verified it.
    pub verified_in_window: u32,
    /// Share of those that found it bound.
    pub bound_rate: f64,
    /// When it was last verified.
    pub last_verified: Option<Timestamp>,
}

/// A regression: a panel that was bound and is blocked again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RegressionJson<'a> {
    /// The panel.
    pub panel: &'a str,
    /// Its gap code now.
    pub code: GapCode,
    /// When the regression was seen.
    pub regressed_at: Option<Timestamp>,
    /// What was seen.
    pub detail: &'a str,
}

/// A panel the latest sweep got no evidence for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnverifiedJson<'a> {
    /// The panel.
    pub panel: &'a str,
    /// Why.
    pub reason: String,
}

/// Writes the JSON report (pretty, with a final newline).
pub fn write_json(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &json_report(report)).map_err(io::Error::other)?;
    writeln!(w)
}

/// The JSON report as a value: [`json_report`], serialized.
pub fn json_value(report: &Report<'_>) -> serde_json::Value {
    serde_json::to_value(json_report(report)).unwrap_or_default()
}

/// The JSON report, typed, borrowing from `report`.
///
/// ```
/// # use hisar_core::history::{Ledger, PanelRecord, Selection, SweepRecord};
/// # use hisar_core::{classify, GapCode, Observation, Registry, Response, Status};
/// # let registry = Registry::from_yaml(r#"
/// # version: 1
/// # domains: [{ code: LOG, name: LOGS }]
/// # panels:
/// #   - { id: LOG-REC-SYS-O2, capability: logs.health_check, endpoint: /health, class: evidence }
/// #   - { id: LOG-REC-SYS-O3, capability: logs.ready_check, endpoint: /health/ready, class: evidence }
/// # "#, "hisar.yaml").unwrap();
/// # let ok = Observation::answered(Response::json(200, serde_json::json!({"status": "ok"})));
/// # let denied = Observation::answered(Response::json(401, serde_json::json!({"detail": "no"})));
/// # let at = "2026-01-15T07:58:01Z".parse().unwrap();
/// # let sweep = SweepRecord {
/// #     id: 1, started_at: at, finished_at: at, selection: Selection::default(),
/// #     records: vec![
/// #         PanelRecord::new(&registry.panels()[0], classify(&registry.panels()[0], Some(&ok), None)),
/// #         PanelRecord::new(&registry.panels()[1], classify(&registry.panels()[1], Some(&denied), None)),
/// #     ],
/// # };
/// # let state = Ledger::replay(registry.trust().clone(), [&sweep]).state(&registry);
/// use hisar_report::{Report, json_report};
///
/// // One bound and one blocked panel, as in the crate example.
/// let report = Report::new(&registry, &state, jiff::civil::date(2026, 1, 15), "hisar.yaml");
/// let doc = json_report(&report);
/// let blocked: Vec<_> = doc.panels.iter().filter(|p| p.status == Status::Blocked).collect();
/// assert_eq!(blocked.len(), 1);
/// assert_eq!(blocked[0].code(), Some(GapCode::AuthFailure));
/// let row = serde_json::to_value(blocked[0]).unwrap();
/// assert_eq!(row["gap"]["code"], "AUTH_FAILURE");
/// ```
pub fn json_report<'a>(report: &'a Report<'_>) -> JsonReport<'a> {
    let state = report.state;
    let (domains, total) = report.dashboard();
    let latest_time = state.latest.as_ref().map(|l| l.started_at);
    let panels = report
        .rows()
        .map(|r| {
            let gap = r.gap();
            let gap_age_days = match (gap, r.state.since, latest_time) {
                (Some(_), Some(since), Some(now)) => {
                    Some(now.duration_since(since).as_hours().div_euclid(24))
                }
                _ => None,
            };
            PanelJson {
                id: r.panel.id.as_str(),
                domain: r.panel.id.domain().as_str(),
                capability: r.panel.capability.as_str(),
                capability_status: state
                    .capabilities
                    .get(&r.panel.capability)
                    .map_or(CapabilityStatus::Declared, |c| c.status),
                endpoint: r.panel.endpoint.to_string(),
                class: r.panel.class.as_str(),
                status: r.state.status,
                gap,
                findings: r
                    .state
                    .verdict
                    .as_ref()
                    .map_or(&[], |v| v.findings.as_slice()),
                evidence: r.state.verdict.as_ref().map(|v| &v.evidence),
                verified_in: r.state.verified_in,
                verified_at: r.state.verified_at,
                since: r.state.since,
                gap_age_days,
                unverified_now: r.state.unverified_now.as_deref(),
                waiver: report.waiver(&r).map(WaiverJson::from),
            }
        })
        .collect();
    JsonReport {
        schema_version: SCHEMA_VERSION,
        generator: format!("hisar {}", env!("CARGO_PKG_VERSION")),
        title: report.title(),
        registry: &report.registry_path,
        sweep: state.latest.as_ref().map(|l| SweepJson {
            id: l.id,
            started_at: l.started_at,
            finished_at: l.finished_at,
            selection: &l.selection,
            panels: l.panels,
        }),
        sweeps_recorded: state.sweeps,
        summary: SummaryJson {
            counts: CountsJson::from(&total),
            domains: domains
                .into_iter()
                .map(|d| DomainJson {
                    counts: CountsJson::from(&d),
                    code: d.code,
                    name: d.name,
                })
                .collect(),
            gaps: GapCode::ALL
                .into_iter()
                .map(|code| GapCountJson {
                    code,
                    priority: code.priority(),
                    panels: report.gap_count(code),
                })
                .collect(),
        },
        panels,
        capabilities: state
            .capabilities
            .iter()
            .map(|(id, c)| CapabilityJson {
                id: id.as_str(),
                status: c.status,
                verified_in_window: c.verified_in_window,
                bound_rate: c.bound_rate,
                last_verified: c.last_verified,
            })
            .collect(),
        fixes: &report.fixes,
        regressions: state
            .regressions()
            .into_iter()
            .filter_map(|p| {
                let gap = p.verdict.as_ref()?.gap()?;
                Some(RegressionJson {
                    panel: &p.panel,
                    code: gap.code,
                    regressed_at: p.regressed_at,
                    detail: &gap.detail,
                })
            })
            .collect(),
        unverified: state
            .unverified_now()
            .into_iter()
            .map(|(panel, reason)| UnverifiedJson { panel, reason })
            .collect(),
        resolved: &state.resolutions,
        retired: &state.retired,
        expired_waivers: report.expired_waivers().map(WaiverJson::from).collect(),
    }
}
