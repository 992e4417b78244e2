//! Capability trust (SPEC §5.4): `DECLARED`, `OBSERVED`, `TRUSTED`, by the trust policy.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::policy::TrustPolicy;

crate::named_enum! {
    /// A capability's status (SPEC §2).
    pub enum CapabilityStatus("capability status") {
        /// In the registry, not seen working in its latest verification.
        Declared = "DECLARED",
        /// A panel using it was bound in the latest sweep that verified it.
        Observed = "OBSERVED",
        /// Stable over history.
        Trusted = "TRUSTED",
        /// Declared deprecated in the registry.
        Deprecated = "DEPRECATED",
    }
}

/// A trust summary of one capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapabilityState {
    /// The status.
    pub status: CapabilityStatus,
    /// Verifications in the window ending at its latest verification.
    pub verified_in_window: u32,
    /// Bound share in that window.
    pub bound_rate: f64,
    /// When it was last verified.
    pub last_verified: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct CapTrack {
    /// (time, bound, fingerprint) per verification, within the window ending at the latest:
    /// older ones can count in no later window (sweeps are folded in time order), so they are
    /// dropped as the window moves on, and the ledger stays the same size however long the
    /// history.
    pub(super) events: Vec<(Timestamp, bool, u64)>,
    /// Failing verifications in a row up to the latest, kept apart from `events` because a
    /// streak can outlast the window.
    pub(super) failing: u32,
    pub(super) trusted: bool,
    pub(super) last_any_bound: bool,
}

impl CapTrack {
    /// Records a verification and forgets the ones that left the window.
    pub(super) fn record(&mut self, policy: &TrustPolicy, at: Timestamp, bound: bool, print: u64) {
        self.events.push((at, bound, print));
        self.failing = if bound {
            0
        } else {
            self.failing.saturating_add(1)
        };
        let start = window_start(policy, at);
        let gone = self
            .events
            .iter()
            .take_while(|(t, _, _)| *t <= start)
            .count();
        if gone > 0 {
            self.events.drain(..gone);
        }
    }
}

/// The exclusive start of the window that ends at `end`.
fn window_start(policy: &TrustPolicy, end: Timestamp) -> Timestamp {
    let window = jiff::SignedDuration::try_from(policy.window).unwrap_or(jiff::SignedDuration::MAX);
    end.checked_sub(window).unwrap_or(Timestamp::MIN)
}

/// ((verified, bound rate), most failures in a row, fingerprints constant) over the window
/// ending at the latest event.
pub(super) fn window_stats(policy: &TrustPolicy, track: &CapTrack) -> ((u32, f64), u32, bool) {
    let Some(&(end, _, last_print)) = track.events.last() else {
        return ((0, 0.0), 0, true);
    };
    let start = window_start(policy, end);
    let events: Vec<_> = track.events.iter().filter(|(t, _, _)| *t > start).collect();
    let verified = u32::try_from(events.len()).unwrap_or(u32::MAX);
    let bound = events.iter().filter(|(_, b, _)| *b).count();
    #[expect(clippy::cast_precision_loss, reason = "counts are small")]
    let rate = if events.is_empty() {
        0.0
    } else {
        bound as f64 / events.len() as f64
    };
    let mut run = 0u32;
    let mut max_run = 0u32;
    for (_, b, _) in &events {
        run = if *b { 0 } else { run + 1 };
        max_run = max_run.max(run);
    }
    let stable = events.iter().all(|(_, _, p)| *p == last_print);
    ((verified, rate), max_run, stable)
}

pub(super) fn next_trust(policy: &TrustPolicy, track: &CapTrack) -> bool {
    let ((verified, rate), max_run, stable) = window_stats(policy, track);
    let streak = track.failing;
    if track.trusted {
        !(rate < policy.demote_below_rate || streak >= policy.demote_after_failures || !stable)
    } else {
        let latest_bound = track.events.last().is_some_and(|e| e.1);
        latest_bound
            && verified >= policy.min_verified
            && rate >= policy.min_bound_rate
            && max_run <= policy.max_consecutive_failures
            && stable
    }
}
