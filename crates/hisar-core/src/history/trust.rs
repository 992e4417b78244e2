//! Capability trust (SPEC §5.4): `DECLARED`, `OBSERVED`, `TRUSTED`, by the trust policy.
//!
//! The rules read every verification of a capability in the window that ends at its latest
//! one. The fold keeps them exactly, in a size that does not grow with the sweeps: one shared
//! [`Timeline`] of the sweeps' start times within reach of a window, and per capability
//! [`Run`]s of verifications in consecutive sweeps with one outcome (a capability bound in
//! every sweep of a week is one run, however often it was swept).

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};
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

/// How far before the latest sweep folded a later-folded sweep may have started while the
/// fold stays exact. Sweeps are folded in the order they are recorded, and one recorded later
/// may have started earlier (a long sweep finishing after a short one, an uploaded CI sweep);
/// the fold keeps what a window could reach from this far back. A sweep that started more than
/// this before one already folded sees, in its window, none of the verifications older than
/// the window plus this margin before that one (a full replay would count those it reaches).
const SKEW: SignedDuration = SignedDuration::from_hours(24);

/// The start times of the sweeps folded, numbered in fold order, from the oldest one a
/// window can still reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct Timeline {
    /// The fold number of `times[0]`.
    first: u64,
    /// Start times, in fold order.
    times: VecDeque<Timestamp>,
    /// The latest start time folded.
    latest: Option<Timestamp>,
}

/// The window ending at one sweep, over the timeline: which sweeps are in it.
pub(super) struct Window {
    /// The sweep's fold number.
    ordinal: u64,
    /// The fold number of the timeline's first sweep.
    first: u64,
    /// `prefix[i]`: sweeps in the window among the timeline's first `i`.
    prefix: Vec<u32>,
}

impl Window {
    /// Sweeps in the window among those numbered `from..to` (those the timeline forgot are
    /// out of every window).
    fn count(&self, from: u64, to: u64) -> u32 {
        let end = self.first + (self.prefix.len() as u64 - 1);
        let at = |o: u64| {
            let i = usize::try_from(o.clamp(self.first, end) - self.first).unwrap_or(usize::MAX);
            self.prefix.get(i).copied().unwrap_or(0)
        };
        at(to).saturating_sub(at(from))
    }
}

/// The exclusive start of the window that ends at `end`.
fn window_start(policy: &TrustPolicy, end: Timestamp) -> Timestamp {
    let window = SignedDuration::try_from(policy.window).unwrap_or(SignedDuration::MAX);
    end.checked_sub(window).unwrap_or(Timestamp::MIN)
}

impl Timeline {
    /// Appends a sweep that started at `at`, forgets the sweeps no window can reach any more,
    /// and returns the window ending at it.
    pub(super) fn push(&mut self, policy: &TrustPolicy, at: Timestamp) -> Window {
        self.times.push_back(at);
        let latest = self.latest.map_or(at, |l| l.max(at));
        self.latest = Some(latest);
        let reach = window_start(policy, latest.checked_sub(SKEW).unwrap_or(Timestamp::MIN));
        while self.times.len() > 1 && self.times.front().is_some_and(|t| *t <= reach) {
            self.times.pop_front();
            self.first += 1;
        }
        let start = window_start(policy, at);
        let mut prefix = Vec::with_capacity(self.times.len() + 1);
        let mut n = 0u32;
        prefix.push(0);
        for t in &self.times {
            n += u32::from(*t > start);
            prefix.push(n);
        }
        Window {
            ordinal: self.first + (self.times.len() as u64 - 1),
            first: self.first,
            prefix,
        }
    }
}

/// Verifications of one capability in consecutive sweeps with one outcome and one
/// invariant-set fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Run {
    /// The fold number of its first sweep.
    #[serde(rename = "o")]
    from: u64,
    /// Its sweeps: `from..from + n`.
    n: u64,
    /// Bound or not.
    #[serde(rename = "b")]
    bound: bool,
    /// The invariant-set fingerprint.
    #[serde(rename = "p")]
    print: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct CapTrack {
    /// Its verifications a window can still reach, oldest first.
    runs: Vec<Run>,
    /// When it was last verified.
    last: Option<Timestamp>,
    /// Failing verifications in a row up to the latest (a streak can outlast the window).
    failing: u32,
    /// Verifications in the window ending at the latest.
    verified: u32,
    /// Bound ones among them.
    bound: u32,
    pub(super) trusted: bool,
    pub(super) last_any_bound: bool,
}

impl CapTrack {
    /// Records a verification in the sweep `window` ends at, forgets the runs no window can
    /// reach, and decides trust.
    pub(super) fn record(
        &mut self,
        policy: &TrustPolicy,
        window: &Window,
        at: Timestamp,
        bound: bool,
        print: u64,
    ) {
        let ordinal = window.ordinal;
        match self.runs.last_mut() {
            Some(r) if r.from + r.n == ordinal && r.bound == bound && r.print == print => r.n += 1,
            _ => self.runs.push(Run {
                from: ordinal,
                n: 1,
                bound,
                print,
            }),
        }
        let gone = self
            .runs
            .iter()
            .take_while(|r| r.from + r.n <= window.first)
            .count();
        self.runs.drain(..gone);
        self.last = Some(at);
        self.failing = if bound {
            0
        } else {
            self.failing.saturating_add(1)
        };

        // The window's verifications in fold order: failures in a row join across runs the
        // window leaves out entirely.
        let (mut verified, mut bound_n, mut run, mut longest, mut stable) = (0, 0, 0u32, 0, true);
        for r in &self.runs {
            let k = window.count(r.from, r.from + r.n);
            if k == 0 {
                continue;
            }
            verified += k;
            stable &= r.print == print;
            if r.bound {
                bound_n += k;
                run = 0;
            } else {
                run += k;
                longest = longest.max(run);
            }
        }
        self.verified = verified;
        self.bound = bound_n;
        let rate = self.bound_rate();
        self.trusted = if self.trusted {
            !(rate < policy.demote_below_rate
                || self.failing >= policy.demote_after_failures
                || !stable)
        } else {
            bound
                && verified >= policy.min_verified
                && rate >= policy.min_bound_rate
                && longest <= policy.max_consecutive_failures
                && stable
        };
    }

    /// Bound share in the window ending at the latest verification.
    fn bound_rate(&self) -> f64 {
        if self.verified == 0 {
            0.0
        } else {
            f64::from(self.bound) / f64::from(self.verified)
        }
    }

    /// (verifications, bound share) in the window ending at the latest verification.
    pub(super) fn window(&self) -> (u32, f64) {
        (self.verified, self.bound_rate())
    }

    /// When it was last verified.
    pub(super) fn last_verified(&self) -> Option<Timestamp> {
        self.last
    }
}
