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

/// What a panel is verified as besides its endpoint (SPEC §5.2): with the method and path
/// template of [`PanelRecord::endpoint`], the probe identity. A verdict holds for one
/// identity; when the registry changes it, the old verdict no longer says anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeIdentity {
    /// The auth mode.
    pub auth: String,
    /// A fingerprint of the parameter values (path and query), so that values, which may be
    /// sensitive, are never stored.
    pub params: u64,
}

impl ProbeIdentity {
    /// The identity a panel is probed as now.
    pub fn of(panel: &Panel) -> Self {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |text: &str| {
            for byte in text.bytes().chain(std::iter::once(0)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for (name, value) in &panel.path_params {
            feed(name);
            feed(value);
        }
        feed("?");
        for (name, value) in &panel.params {
            feed(name);
            feed(value);
        }
        // Live values (SPEC §4.2) are identified by where they come from, not by the value a
        // sweep resolved: a new id each sweep is the same probe.
        for value in &panel.live {
            feed(value.place.as_str());
            feed(&value.name);
            feed(&value.source.to_string());
        }
        Self {
            auth: panel.auth.clone(),
            params: hash,
        }
    }
}

/// How the probe identity of (`endpoint`, `identity`) differs from `other`'s, in words
/// (`endpoint changed: GET /a → GET /b`), or `None` when it is the same. A record stored
/// before identities were (no identity) is compared by endpoint alone.
pub fn identity_change(
    from: (&str, Option<&ProbeIdentity>),
    to: (&str, Option<&ProbeIdentity>),
) -> Option<String> {
    if from.0 != to.0 {
        return Some(format!("endpoint changed: {} → {}", from.0, to.0));
    }
    let (Some(a), Some(b)) = (from.1, to.1) else {
        return None;
    };
    if a.auth != b.auth {
        return Some(format!("auth mode changed: {} → {}", a.auth, b.auth));
    }
    (a.params != b.params).then(|| "parameter values changed".to_owned())
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
    /// The rest of its probe identity at the time; `None` in records stored before HISAR kept
    /// it.
    #[serde(default)]
    pub identity: Option<ProbeIdentity>,
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
            identity: Some(ProbeIdentity::of(panel)),
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
