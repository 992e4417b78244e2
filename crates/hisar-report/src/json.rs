//! The JSON report: a stable schema (`schema_version` 1, documented by
//! `docs/report.schema.json`), deterministic for the same history.

use std::io::{self, Write};

use hisar_core::history::{CapabilityStatus, Resolution};
use hisar_core::{Evidence, Finding, Gap, GapCode, Status};
use jiff::Timestamp;
use serde::Serialize;

use crate::model::Report;

/// The schema version written in every JSON report.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    generator: String,
    title: &'a str,
    registry: &'a str,
    sweep: Option<SweepJson<'a>>,
    sweeps_recorded: usize,
    summary: Summary,
    panels: Vec<PanelJson<'a>>,
    capabilities: Vec<CapabilityJson<'a>>,
    fixes: &'a hisar_core::PriorityFixes,
    regressions: Vec<RegressionJson<'a>>,
    unverified: Vec<UnverifiedJson<'a>>,
    resolved: &'a [Resolution],
    expired_waivers: Vec<WaiverJson<'a>>,
}

#[derive(Serialize)]
struct SweepJson<'a> {
    id: u64,
    started_at: Timestamp,
    finished_at: Timestamp,
    selection: &'a hisar_core::history::Selection,
    panels: usize,
}

#[derive(Serialize)]
struct Counts {
    total: usize,
    bound: usize,
    blocked: usize,
    unverified: usize,
    completion: usize,
}

#[derive(Serialize)]
struct DomainJson {
    code: String,
    name: String,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    counts: Counts,
    domains: Vec<DomainJson>,
    gaps: Vec<GapCount>,
}

#[derive(Serialize)]
struct GapCount {
    code: GapCode,
    priority: u8,
    panels: usize,
}

#[derive(Serialize)]
struct WaiverJson<'a> {
    panel: &'a str,
    code: GapCode,
    owner: &'a str,
    expires: String,
    reason: &'a str,
}

#[derive(Serialize)]
struct PanelJson<'a> {
    id: &'a str,
    domain: &'a str,
    capability: &'a str,
    capability_status: CapabilityStatus,
    endpoint: String,
    class: &'a str,
    status: Status,
    gap: Option<&'a Gap>,
    findings: &'a [Finding],
    evidence: Option<&'a Evidence>,
    verified_in: Option<u64>,
    verified_at: Option<Timestamp>,
    since: Option<Timestamp>,
    gap_age_days: Option<i64>,
    unverified_now: Option<&'a str>,
    waiver: Option<WaiverJson<'a>>,
}

#[derive(Serialize)]
struct CapabilityJson<'a> {
    id: &'a str,
    status: CapabilityStatus,
    verified_in_window: u32,
    bound_rate: f64,
    last_verified: Option<Timestamp>,
}

#[derive(Serialize)]
struct RegressionJson<'a> {
    panel: &'a str,
    code: GapCode,
    regressed_at: Option<Timestamp>,
    detail: &'a str,
}

#[derive(Serialize)]
struct UnverifiedJson<'a> {
    panel: &'a str,
    reason: &'a str,
}

fn counts(total: usize, bound: usize, blocked: usize, unverified: usize) -> Counts {
    Counts {
        total,
        bound,
        blocked,
        unverified,
        completion: (bound * 100).checked_div(total).unwrap_or(0),
    }
}

/// Writes the JSON report (pretty, with a final newline).
pub fn write_json(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &document(report)).map_err(io::Error::other)?;
    writeln!(w)
}

/// The JSON report as a value (the service serves parts of it).
pub fn json_value(report: &Report<'_>) -> serde_json::Value {
    serde_json::to_value(document(report)).unwrap_or_default()
}

fn document<'a>(report: &'a Report<'_>) -> Document<'a> {
    let state = report.state;
    let (domains, total) = report.dashboard();
    let latest_time = state.latest.as_ref().map(|l| l.started_at);
    let panels = report
        .rows()
        .map(|r| {
            let gap = r.gap();
            let waiver = report.waiver(&r).map(|w| WaiverJson {
                panel: w.panel.as_str(),
                code: w.code,
                owner: &w.owner,
                expires: w.expires.to_string(),
                reason: &w.reason,
            });
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
                waiver,
            }
        })
        .collect();
    Document {
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
        summary: Summary {
            counts: counts(total.total, total.bound, total.blocked, total.unverified),
            domains: domains
                .into_iter()
                .map(|d| DomainJson {
                    counts: counts(d.total, d.bound, d.blocked, d.unverified),
                    code: d.code,
                    name: d.name,
                })
                .collect(),
            gaps: GapCode::ALL
                .into_iter()
                .map(|code| GapCount {
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
        expired_waivers: report
            .expired_waivers()
            .map(|w| WaiverJson {
                panel: w.panel.as_str(),
                code: w.code,
                owner: &w.owner,
                expires: w.expires.to_string(),
                reason: &w.reason,
            })
            .collect(),
    }
}
