//! Policies the registry declares and history applies: waivers, the gate, trust thresholds.
//!
//! A leaf: it names no registry and no history, so both can depend on it.

use std::time::Duration;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::id::PanelId;
use crate::verdict::GapCode;

/// Thresholds of the trust policy (SPEC §5.4), configurable under `trust:` in the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustPolicy {
    /// The window of sweeps considered.
    pub window: Duration,
    /// Verifications needed in the window to become trusted.
    pub min_verified: u32,
    /// Bound share needed in the window to become trusted.
    pub min_bound_rate: f64,
    /// Most failures in a row allowed in the window to become trusted.
    pub max_consecutive_failures: u32,
    /// Bound share in the window below which a trusted capability is demoted.
    pub demote_below_rate: f64,
    /// Failures in a row that demote a trusted capability.
    pub demote_after_failures: u32,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(7 * 86_400),
            min_verified: 10,
            min_bound_rate: 0.98,
            max_consecutive_failures: 1,
            demote_below_rate: 0.90,
            demote_after_failures: 3,
        }
    }
}

/// What the gate fails on (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum FailOn {
    /// A bound panel became blocked.
    #[default]
    Regressed,
    /// Any gap not there before (new, regressed or changed code).
    New,
    /// Any blocked panel.
    Blocked,
    /// Never.
    Never,
}

/// A waiver: a known gap kept in the tracker but out of the gate until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The panel.
    pub panel: PanelId,
    /// The gap code waived.
    pub code: GapCode,
    /// Who owns the gap.
    pub owner: String,
    /// Last day the waiver applies (inclusive).
    pub expires: Date,
    /// Why.
    pub reason: String,
}

impl Waiver {
    /// Whether the waiver applies on `today`.
    pub fn active_on(&self, today: Date) -> bool {
        today <= self.expires
    }
}

/// Gate settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GatePolicy {
    /// Share of unverified panels above which a sweep is degraded (exit 3).
    pub max_unverified_share: f64,
}

impl Default for GatePolicy {
    fn default() -> Self {
        Self {
            max_unverified_share: 0.5,
        }
    }
}
