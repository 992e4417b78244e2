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

/// The window is kept in this many slots: a capability's trust state is at most this many
/// summaries (plus one) however often it is verified, where a list of every verification in
/// the window grew with the sweeps (a sweep a minute: 10,080 per capability per week).
const SLOTS: u64 = 24;

/// Verifications of one capability within one slot of the window, summarised: as much as the
/// trust rules need of them (counts, failure runs, whether the invariant set stayed one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Span {
    /// The slot: seconds since the epoch divided by the slot's length.
    #[serde(rename = "s")]
    slot: i64,
    /// When its latest verification happened.
    #[serde(rename = "t")]
    last_at: Option<Timestamp>,
    /// Verifications.
    #[serde(rename = "v")]
    verified: u32,
    /// Bound ones.
    #[serde(rename = "b")]
    bound: u32,
    /// Failures before its first bound verification (all of them when none was bound).
    #[serde(rename = "l")]
    lead: u32,
    /// Failures after its last bound verification.
    #[serde(rename = "r")]
    trail: u32,
    /// Its longest run of failures.
    #[serde(rename = "m")]
    run: u32,
    /// The invariant-set fingerprint all its verifications had; `None` when they differed.
    #[serde(rename = "p")]
    print: Option<u64>,
}

impl Span {
    fn add(&mut self, at: Timestamp, bound: bool, print: u64) {
        self.print = if self.verified == 0 || self.print == Some(print) {
            Some(print)
        } else {
            None
        };
        if bound {
            self.bound += 1;
            self.trail = 0;
        } else {
            if self.bound == 0 {
                self.lead += 1;
            }
            self.trail += 1;
            self.run = self.run.max(self.trail);
        }
        self.verified += 1;
        self.last_at = Some(at);
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct CapTrack {
    /// Verifications within the window ending at the latest, by slot, oldest first: slots
    /// whose latest verification left the window can count in no later one (sweeps are folded
    /// in time order), so they are dropped as it moves on.
    pub(super) spans: Vec<Span>,
    /// The latest verification: (time, bound, fingerprint).
    pub(super) last: Option<(Timestamp, bool, u64)>,
    /// Failing verifications in a row up to the latest, kept apart from the spans because a
    /// streak can outlast the window.
    pub(super) failing: u32,
    pub(super) trusted: bool,
    pub(super) last_any_bound: bool,
}

impl CapTrack {
    /// Records a verification and forgets the slots that left the window.
    pub(super) fn record(&mut self, policy: &TrustPolicy, at: Timestamp, bound: bool, print: u64) {
        let slot = at.as_second().div_euclid(slot_seconds(policy));
        match self.spans.last_mut() {
            Some(span) if span.slot == slot => span.add(at, bound, print),
            _ => {
                let mut span = Span {
                    slot,
                    ..Span::default()
                };
                span.add(at, bound, print);
                self.spans.push(span);
            }
        }
        self.last = Some((at, bound, print));
        self.failing = if bound {
            0
        } else {
            self.failing.saturating_add(1)
        };
        let start = window_start(policy, at);
        let gone = self
            .spans
            .iter()
            .take_while(|s| s.last_at.is_none_or(|t| t <= start))
            .count();
        if gone > 0 {
            self.spans.drain(..gone);
        }
    }

    /// When it was last verified.
    pub(super) fn last_verified(&self) -> Option<Timestamp> {
        self.last.map(|l| l.0)
    }
}

/// The length of a slot: a [`SLOTS`]th of the window, at least a second.
fn slot_seconds(policy: &TrustPolicy) -> i64 {
    i64::try_from(policy.window.as_secs() / SLOTS)
        .unwrap_or(i64::MAX)
        .max(1)
}

/// The exclusive start of the window that ends at `end`.
fn window_start(policy: &TrustPolicy, end: Timestamp) -> Timestamp {
    let window = jiff::SignedDuration::try_from(policy.window).unwrap_or(jiff::SignedDuration::MAX);
    end.checked_sub(window).unwrap_or(Timestamp::MIN)
}

/// ((verified, bound rate), most failures in a row, fingerprints constant) over the window
/// ending at the latest verification. The window holds whole slots: a slot counts while its
/// latest verification is in the window, so the window reaches back up to one slot (a 24th of
/// it) further than its length.
pub(super) fn window_stats(policy: &TrustPolicy, track: &CapTrack) -> ((u32, f64), u32, bool) {
    let Some((end, _, last_print)) = track.last else {
        return ((0, 0.0), 0, true);
    };
    let start = window_start(policy, end);
    let spans: Vec<&Span> = track
        .spans
        .iter()
        .filter(|s| s.last_at.is_some_and(|t| t > start))
        .collect();
    let verified: u32 = spans.iter().map(|s| s.verified).sum();
    let bound: u32 = spans.iter().map(|s| s.bound).sum();
    let rate = if verified == 0 {
        0.0
    } else {
        f64::from(bound) / f64::from(verified)
    };
    // Failure runs join across slots: a slot without a bound verification extends the run it
    // continues.
    let (mut run, mut longest) = (0u32, 0u32);
    for s in &spans {
        if s.bound == 0 {
            run += s.verified;
        } else {
            longest = longest.max(run + s.lead).max(s.run);
            run = s.trail;
        }
        longest = longest.max(run);
    }
    let stable = spans.iter().all(|s| s.print == Some(last_print));
    ((verified, rate), longest, stable)
}

pub(super) fn next_trust(policy: &TrustPolicy, track: &CapTrack) -> bool {
    let ((verified, rate), max_run, stable) = window_stats(policy, track);
    let streak = track.failing;
    if track.trusted {
        !(rate < policy.demote_below_rate || streak >= policy.demote_after_failures || !stable)
    } else {
        let latest_bound = track.last.is_some_and(|e| e.1);
        latest_bound
            && verified >= policy.min_verified
            && rate >= policy.min_bound_rate
            && max_run <= policy.max_consecutive_failures
            && stable
    }
}
