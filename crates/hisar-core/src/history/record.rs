//! What a sweep stores: its coverage, and one record per panel probed.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::model::Panel;
use crate::verdict::{Status, Verdict};

/// What a sweep covered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Selection {
    /// Panels named with `--panel`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub panels: Vec<String>,
    /// Domains named with `--domain`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
}

impl Selection {
    /// Whether the sweep covered every panel.
    pub fn is_all(&self) -> bool {
        self.panels.is_empty() && self.domains.is_empty()
    }

    /// A short description: `all panels`, or the panels and domains named.
    pub fn describe(&self) -> String {
        if self.is_all() {
            return "all panels".to_owned();
        }
        let mut parts = Vec::new();
        if !self.domains.is_empty() {
            parts.push(format!("domain {}", self.domains.join(", ")));
        }
        if !self.panels.is_empty() {
            parts.push(format!("panel {}", self.panels.join(", ")));
        }
        parts.join("; ")
    }
}

/// One panel's verdict as stored in a sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelRecord {
    /// The panel id.
    pub panel: String,
    /// The capability it used at the time.
    pub capability: String,
    /// The endpoint it read at the time (`GET /path`).
    pub endpoint: String,
    /// Fingerprint of its invariant set at the time.
    pub invariants_fingerprint: u64,
    /// The verdict.
    pub verdict: Verdict,
}

impl PanelRecord {
    /// A record of a verdict on a panel.
    pub fn new(panel: &Panel, verdict: Verdict) -> Self {
        Self {
            panel: panel.id.to_string(),
            capability: panel.capability.to_string(),
            endpoint: panel.endpoint.to_string(),
            invariants_fingerprint: panel.invariants_fingerprint(),
            verdict,
        }
    }
}

/// A stored sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepRecord {
    /// Sequence number, increasing.
    pub id: u64,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Timestamp,
    /// What it covered.
    pub selection: Selection,
    /// One record per panel probed, in registry order.
    pub records: Vec<PanelRecord>,
}

impl SweepRecord {
    /// The record of a sweep once its id is known.
    pub fn from_new(id: u64, sweep: NewSweep) -> Self {
        Self {
            id,
            started_at: sweep.started_at,
            finished_at: sweep.finished_at,
            selection: sweep.selection,
            records: sweep.records,
        }
    }

    /// Counts of (bound, blocked, unverified).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for r in &self.records {
            match r.verdict.status() {
                Status::Bound => c.0 += 1,
                Status::Blocked => c.1 += 1,
                Status::Unverified => c.2 += 1,
            }
        }
        c
    }
}

/// A sweep to append (its id is assigned by the store).
#[derive(Debug, Clone)]
pub struct NewSweep {
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Timestamp,
    /// What it covered.
    pub selection: Selection,
    /// Its records, in registry order.
    pub records: Vec<PanelRecord>,
}

/// The calendar day of a timestamp in UTC, as reports show it.
pub fn day(ts: Timestamp) -> Date {
    ts.to_zoned_datetime(TimeZone::UTC).date()
}
