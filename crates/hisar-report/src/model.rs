//! The data every rendering shows, computed once from a registry and its tracked state, and the
//! tracked counts over sweeps that the history chart draws.

use std::collections::BTreeMap;

use hisar_core::history::{Ledger, PanelState, SweepRecord, TrackerState, day};
use hisar_core::{
    Gap, GapCode, Panel, PriorityFixes, Registry, Status, Verdict, Waiver, priority_fixes,
};
use jiff::Timestamp;
use jiff::civil::Date;

/// The title when the registry gives none.
pub const DEFAULT_TITLE: &str = "HISAR Backend Gaps Tracker";

/// Counts of one domain (or of all, for the total row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRow {
    /// Domain code.
    pub code: String,
    /// Domain name.
    pub name: String,
    /// Panels.
    pub total: usize,
    /// Bound panels.
    pub bound: usize,
    /// Blocked panels.
    pub blocked: usize,
    /// Panels never verified.
    pub unverified: usize,
}

impl DomainRow {
    /// BOUND ÷ Total as a whole percent, rounded down.
    pub fn completion(&self) -> usize {
        (self.bound * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// A registry panel with its tracked state.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The panel as declared.
    pub panel: &'a Panel,
    /// Its tracked state.
    pub state: &'a PanelState,
}

impl<'a> Row<'a> {
    /// The primary gap, if blocked.
    pub fn gap(&self) -> Option<&'a Gap> {
        self.state.verdict.as_ref().and_then(|v| v.gap())
    }
}

/// One point of the history chart: the tracked state after a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesPoint {
    /// The sweep.
    pub sweep: u64,
    /// When it ran.
    pub at: Timestamp,
    /// Panels tracked bound after it.
    pub bound: usize,
    /// Panels tracked blocked after it.
    pub blocked: usize,
    /// Panels in the registry.
    pub total: usize,
}

/// The tracked counts after each sweep, replaying history once.
pub fn series(registry: &Registry, sweeps: &[SweepRecord]) -> Vec<SeriesPoint> {
    let mut ledger = Ledger::new(registry.trust().clone());
    sweeps
        .iter()
        .map(|s| {
            ledger.apply(s);
            let (bound, blocked, _) = ledger.counts(registry);
            SeriesPoint {
                sweep: s.id,
                at: s.started_at,
                bound,
                blocked,
                total: registry.panels().len(),
            }
        })
        .collect()
}

/// One verdict of a panel's timeline: what one sweep saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The sweep.
    pub sweep: u64,
    /// When it ran.
    pub at: Timestamp,
    /// The endpoint probed then (`GET /path`).
    pub endpoint: String,
    /// The verdict, evidence included.
    pub verdict: Verdict,
}

/// The most verdicts a panel's timeline keeps: the latest ones.
pub const TIMELINE_LEN: usize = 20;

/// Every panel's verdicts over sweeps, the latest [`TIMELINE_LEN`] of each, oldest first.
pub fn timelines(sweeps: &[SweepRecord]) -> BTreeMap<String, Vec<TimelineEntry>> {
    let mut out: BTreeMap<String, Vec<TimelineEntry>> = BTreeMap::new();
    for sweep in sweeps.iter().rev() {
        for r in &sweep.records {
            let line = out.entry(r.panel.clone()).or_default();
            if line.len() < TIMELINE_LEN {
                line.push(TimelineEntry {
                    sweep: sweep.id,
                    at: sweep.started_at,
                    endpoint: r.endpoint.clone(),
                    verdict: r.verdict.clone(),
                });
            }
        }
    }
    for line in out.values_mut() {
        line.reverse();
    }
    out
}

/// Everything a rendering needs.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The registry.
    pub registry: &'a Registry,
    /// The tracked state.
    pub state: &'a TrackerState,
    /// Priority fixes of the blocked panels.
    pub fixes: PriorityFixes,
    /// Today, for waivers.
    pub today: Date,
    /// The registry file as reports show it (relative to the tracker's folder), for commands.
    pub registry_path: String,
    /// The references section, as reports show it (by default the registry's).
    pub references: Vec<String>,
    /// The state directory as the re-check command must name it, when it is not the default
    /// `.hisar` of the folder the command is pasted in.
    pub state_path: Option<String>,
    /// Tracked counts after each sweep, for the history chart (empty unless set).
    pub series: Vec<SeriesPoint>,
    /// Each panel's verdicts over sweeps, for the dashboard (empty unless set).
    pub timelines: BTreeMap<String, Vec<TimelineEntry>>,
    /// The command that re-checks one panel, with `<PANEL_ID>` in it, when it is not the
    /// default `hisar check` (the demo's is `hisar demo`).
    pub recheck: Option<String>,
    /// The tracker's path relative to the HTML dashboard, when both are written together: the
    /// static dashboard links to it only then.
    pub tracker_link: Option<String>,
}

impl<'a> Report<'a> {
    /// Builds the report data.
    pub fn new(
        registry: &'a Registry,
        state: &'a TrackerState,
        today: Date,
        registry_path: impl Into<String>,
    ) -> Self {
        let mut report = Self {
            registry,
            state,
            fixes: PriorityFixes::default(),
            today,
            registry_path: registry_path.into(),
            references: registry.tracker().references.clone(),
            state_path: None,
            series: Vec::new(),
            timelines: BTreeMap::new(),
            recheck: None,
            tracker_link: None,
        };
        let blocked: Vec<(&Panel, &Gap)> = report
            .rows()
            .filter_map(|r| r.gap().map(|g| (r.panel, g)))
            .collect();
        report.fixes = priority_fixes(blocked);
        report
    }

    /// Adds the history chart's points.
    #[must_use]
    pub fn with_series(mut self, series: Vec<SeriesPoint>) -> Self {
        self.series = series;
        self
    }

    /// Shows `references` instead of the registry's own (paths re-expressed from the tracker's
    /// folder).
    #[must_use]
    pub fn with_references(mut self, references: Vec<String>) -> Self {
        self.references = references;
        self
    }

    /// Names `state` in the re-check command.
    #[must_use]
    pub fn with_state_path(mut self, state: impl Into<String>) -> Self {
        self.state_path = Some(state.into());
        self
    }

    /// Adds the chart's points and every panel's timeline, from the stored sweeps.
    #[must_use]
    pub fn with_history(mut self, sweeps: &[SweepRecord]) -> Self {
        self.series = series(self.registry, sweeps);
        self.timelines = timelines(sweeps);
        self
    }

    /// Replaces the re-check command (`<PANEL_ID>` stands for the panel).
    #[must_use]
    pub fn with_recheck(mut self, command: impl Into<String>) -> Self {
        self.recheck = Some(command.into());
        self
    }

    /// The title every rendering heads with: the registry's, or [`DEFAULT_TITLE`].
    pub fn title(&self) -> &'a str {
        self.registry.title().unwrap_or(DEFAULT_TITLE)
    }

    /// Every panel with its state, in registry order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'a>> + 'a {
        self.registry
            .panels()
            .iter()
            .zip(&self.state.panels)
            .map(|(panel, state)| Row { panel, state })
    }

    /// Rows of one status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = Row<'a>> + 'a {
        self.rows().filter(move |r| r.state.status == status)
    }

    /// Per-domain counts in declaration order, then the total.
    pub fn dashboard(&self) -> (Vec<DomainRow>, DomainRow) {
        let mut rows: Vec<DomainRow> = self
            .registry
            .domains()
            .iter()
            .map(|d| DomainRow {
                code: d.code.to_string(),
                name: d.name.clone(),
                total: 0,
                bound: 0,
                blocked: 0,
                unverified: 0,
            })
            .collect();
        for row in self.rows() {
            if let Some(d) = rows
                .iter_mut()
                .find(|d| d.code == row.panel.id.domain().as_str())
            {
                d.total += 1;
                match row.state.status {
                    Status::Bound => d.bound += 1,
                    Status::Blocked => d.blocked += 1,
                    Status::Unverified => d.unverified += 1,
                }
            }
        }
        let total = DomainRow {
            code: String::new(),
            name: "TOTAL".to_owned(),
            total: rows.iter().map(|d| d.total).sum(),
            bound: rows.iter().map(|d| d.bound).sum(),
            blocked: rows.iter().map(|d| d.blocked).sum(),
            unverified: rows.iter().map(|d| d.unverified).sum(),
        };
        (rows, total)
    }

    /// Blocked panels per code.
    pub fn gap_count(&self, code: GapCode) -> usize {
        self.fixes.panels.get(&code).copied().unwrap_or(0)
    }

    /// The active waiver covering a panel's current gap.
    pub fn waiver(&self, row: &Row<'_>) -> Option<&'a Waiver> {
        let code = row.gap()?.code;
        self.registry
            .waiver(&row.panel.id, code)
            .filter(|w| w.active_on(self.today))
    }

    /// Waivers past their date.
    pub fn expired_waivers(&self) -> impl Iterator<Item = &'a Waiver> + 'a {
        let today = self.today;
        self.registry
            .waivers()
            .iter()
            .filter(move |w| !w.active_on(today))
    }

    /// The command that re-checks one panel.
    pub fn recheck_command(&self) -> String {
        match &self.recheck {
            Some(command) => command.clone(),
            None => {
                let state = self
                    .state_path
                    .as_ref()
                    .map_or_else(String::new, |s| format!(" --state {s}"));
                format!(
                    "hisar check --registry {}{state} --panel <PANEL_ID>",
                    self.registry_path
                )
            }
        }
    }

    /// The date a timestamp falls on, as reports show it.
    pub fn date(ts: Timestamp) -> String {
        day(ts).to_string()
    }
}

#[cfg(test)]
mod tests {
    use hisar_core::history::{PanelRecord, Selection};
    use hisar_core::{Observation, Response, classify};
    use serde_json::json;

    use super::*;

    /// Domains declared B before A; panels listed A first.
    const REGISTRY: &str = r"
version: 1
defaults: { class: evidence }
domains:
  - { code: BBB, name: BETA }
  - { code: AAA, name: ALPHA }
panels:
  - { id: AAA-X-Y-O1, capability: a.one, endpoint: /one, invariants: ['$.n isNumber'] }
  - { id: AAA-X-Y-O2, capability: a.two, endpoint: /two }
  - id: AAA-X-Y-O3
    capability: a.three
    endpoint: /three
    class: interpretation
    provenance: { aggregation: summary }
    invariants: ['$.n isNumber']
  - { id: BBB-X-Y-O1, capability: b.one, endpoint: /b }
waivers:
  - { panel: AAA-X-Y-O2, code: AUTH_FAILURE, owner: team, expires: 2026-01-20, reason: known }
";

    fn registry(title: Option<&str>) -> Registry {
        let text = match title {
            Some(t) => format!("title: {t}\n{REGISTRY}"),
            None => REGISTRY.to_owned(),
        };
        Registry::from_yaml(&text, "hisar.yaml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn at(day: i64) -> Timestamp {
        Timestamp::from_second(1_768_464_000 + day * 86_400).expect("valid") // 2026-01-15T08:00Z
    }

    /// A sweep of the named panels, each answering a status and a JSON body.
    fn sweep(registry: &Registry, id: u64, seen: &[(&str, u16, serde_json::Value)]) -> SweepRecord {
        let started_at = at(i64::try_from(id).expect("small"));
        let records = seen
            .iter()
            .map(|(panel, status, body)| {
                let panel = registry.panel(panel).expect("declared");
                let seen = Observation::answered(Response::json(*status, body.clone()));
                PanelRecord::new(panel, classify(panel, Some(&seen), None))
            })
            .collect();
        SweepRecord {
            id,
            started_at,
            finished_at: started_at,
            selection: Selection::default(),
            records,
        }
    }

    /// A1 bound, A2 blocked (AUTH_FAILURE, waived), A3 blocked (SDSR_FAILED with a provenance
    /// finding), B1 never probed.
    fn first(registry: &Registry) -> SweepRecord {
        sweep(
            registry,
            1,
            &[
                ("AAA-X-Y-O1", 200, json!({"n": 1})),
                ("AAA-X-Y-O2", 401, json!({})),
                ("AAA-X-Y-O3", 200, json!({"n": "one"})),
            ],
        )
    }

    fn state(registry: &Registry, sweeps: &[SweepRecord]) -> TrackerState {
        Ledger::replay(registry.trust().clone(), sweeps).state(registry)
    }

    fn row(code: &str, total: usize, bound: usize) -> DomainRow {
        DomainRow {
            code: code.to_owned(),
            name: code.to_owned(),
            total,
            bound,
            blocked: total - bound,
            unverified: 0,
        }
    }

    #[test]
    fn completion_rounds_down_and_is_zero_without_panels() {
        assert_eq!(row("A", 3, 2).completion(), 66);
        assert_eq!(row("A", 3, 1).completion(), 33);
        assert_eq!(row("A", 200, 199).completion(), 99);
        assert_eq!(row("A", 7, 7).completion(), 100);
        assert_eq!(row("A", 0, 0).completion(), 0);
    }

    #[test]
    fn dashboard_counts_domains_in_declaration_order_then_the_total() {
        let registry = registry(None);
        let state = state(&registry, &[first(&registry)]);
        let report = Report::new(&registry, &state, jiff::civil::date(2026, 1, 16), "r.yaml");
        let (rows, total) = report.dashboard();
        let counts: Vec<_> = rows
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.name.as_str(),
                    d.total,
                    d.bound,
                    d.blocked,
                    d.unverified,
                )
            })
            .collect();
        assert_eq!(
            counts,
            [("BBB", "BETA", 1, 0, 0, 1), ("AAA", "ALPHA", 3, 1, 2, 0)]
        );
        assert_eq!((total.code.as_str(), total.name.as_str()), ("", "TOTAL"));
        assert_eq!(
            (total.total, total.bound, total.blocked, total.unverified),
            (4, 1, 2, 1)
        );
        assert_eq!(total.completion(), 25);
    }

    #[test]
    fn gap_count_counts_primary_gaps_only() {
        let registry = registry(None);
        let state = state(&registry, &[first(&registry)]);
        let report = Report::new(&registry, &state, jiff::civil::date(2026, 1, 16), "r.yaml");
        let a3 = report
            .rows()
            .find(|r| r.panel.id.as_str() == "AAA-X-Y-O3")
            .expect("declared");
        let secondary: Vec<_> = a3
            .state
            .verdict
            .iter()
            .flat_map(|v| &v.findings)
            .filter_map(|f| f.code)
            .collect();
        assert_eq!(secondary, [GapCode::ProvenanceMissing]);
        assert_eq!(report.gap_count(GapCode::AuthFailure), 1);
        assert_eq!(report.gap_count(GapCode::SdsrFailed), 1);
        assert_eq!(report.gap_count(GapCode::ProvenanceMissing), 0);
        assert_eq!(report.gap_count(GapCode::EndpointMissing), 0);
    }

    #[test]
    fn a_waiver_covers_its_gap_until_it_expires() {
        let registry = registry(None);
        let state = state(&registry, &[first(&registry)]);
        let waived = |today| {
            let report = Report::new(&registry, &state, today, "r.yaml");
            let waived: Vec<String> = report
                .rows()
                .filter(|r| report.waiver(r).is_some())
                .map(|r| r.panel.id.to_string())
                .collect();
            (waived, report.expired_waivers().count())
        };
        assert_eq!(
            waived(jiff::civil::date(2026, 1, 20)),
            (vec!["AAA-X-Y-O2".to_owned()], 0)
        );
        assert_eq!(waived(jiff::civil::date(2026, 1, 21)), (vec![], 1));
    }

    #[test]
    fn recheck_command_names_the_registry_as_given() {
        let registry = registry(None);
        let state = state(&registry, &[]);
        let report = Report::new(
            &registry,
            &state,
            jiff::civil::date(2026, 1, 16),
            "conf/hisar.yaml",
        );
        assert_eq!(
            report.recheck_command(),
            "hisar check --registry conf/hisar.yaml --panel <PANEL_ID>"
        );
    }

    #[test]
    fn title_is_the_registrys_or_the_default() {
        let state = state(&registry(None), &[]);
        let untitled = registry(None);
        let report = Report::new(&untitled, &state, jiff::civil::date(2026, 1, 16), "r.yaml");
        assert_eq!(report.title(), DEFAULT_TITLE);
        let titled = registry(Some("Console gaps"));
        let report = Report::new(&titled, &state, jiff::civil::date(2026, 1, 16), "r.yaml");
        assert_eq!(report.title(), "Console gaps");
    }

    #[test]
    fn series_has_a_point_per_sweep_with_the_tracked_counts_after_it() {
        let registry = registry(None);
        assert_eq!(series(&registry, &[]), []);
        // The second sweep probes A2 alone: A1 stays bound and A3 blocked.
        let second = sweep(&registry, 2, &[("AAA-X-Y-O2", 200, json!({}))]);
        let points = series(&registry, &[first(&registry), second]);
        let point = |sweep, day, bound, blocked| SeriesPoint {
            sweep,
            at: at(day),
            bound,
            blocked,
            total: 4,
        };
        assert_eq!(points, [point(1, 1, 1, 2), point(2, 2, 2, 1)]);
    }
}
