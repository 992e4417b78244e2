//! The data every rendering shows, computed once from a registry and its tracked state, and the
//! tracked counts over sweeps that the history chart draws.

use hisar_core::history::{Ledger, PanelState, SweepRecord, TrackerState, day};
use hisar_core::{Gap, GapCode, Panel, PriorityFixes, Registry, Status, Waiver, priority_fixes};
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
    let mut ledger = Ledger::new(registry.trust.clone());
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
                total: registry.panels.len(),
            }
        })
        .collect()
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
    /// The registry file as the user names it, for commands shown in reports.
    pub registry_path: String,
    /// Tracked counts after each sweep, for the history chart (empty unless set).
    pub series: Vec<SeriesPoint>,
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
            series: Vec::new(),
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

    /// The title every rendering heads with: the registry's, or [`DEFAULT_TITLE`].
    pub fn title(&self) -> &'a str {
        self.registry.title.as_deref().unwrap_or(DEFAULT_TITLE)
    }

    /// Every panel with its state, in registry order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'a>> + 'a {
        self.registry
            .panels
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
            .domains
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
            .waivers
            .iter()
            .filter(move |w| !w.active_on(today))
    }

    /// The command that re-checks one panel.
    pub fn recheck_command(&self) -> String {
        format!(
            "hisar check --registry {} --panel <PANEL_ID>",
            self.registry_path
        )
    }

    /// The date a timestamp falls on, as reports show it.
    pub fn date(ts: Timestamp) -> String {
        day(ts).to_string()
    }
}
