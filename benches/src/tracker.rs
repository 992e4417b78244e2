//! A tracked registry of many verdicts of every kind, for the priority-fix and rendering
//! benches: two sweeps of a [`Synthetic`] registry, classified from canned observations.
//!
//! In the latest sweep, by panel index modulo 20: 13 in 20 panels are BOUND; one each is
//! blocked by `AUTH_FAILURE` (401), `ENDPOINT_MISSING` (404), `COHERENCY_FAILED` (405),
//! `PROVENANCE_MISSING` (no provenance block, on interpretation panels), `SDSR_FAILED` (500)
//! and `SDSR_FAILED` (a failing invariant); one is UNVERIFIED (connection refused). The first
//! sweep differs on 2% of the panels, so the history has resolutions and regressions.
//!
//! ```
//! use hisar_benches::tracker::{state, sweeps};
//! let (registry, sweeps) = sweeps(200);
//! let state = state(&registry, &sweeps);
//! assert_eq!(state.panels.len(), 200);
//! assert!(!state.resolutions.is_empty() && !state.regressions().is_empty());
//! ```

use hisar_core::history::{Ledger, PanelRecord, Selection, SweepRecord, TrackerState};
use hisar_core::{Observation, Registry, Response, TransportErrorKind, Verdict, classify};
use jiff::Timestamp;
use serde_json::json;

use crate::Synthetic;

/// The canned observations, by kind.
struct Canned {
    bound: Observation,
    unauthorized: Observation,
    missing: Observation,
    method: Observation,
    no_provenance: Observation,
    failing: Observation,
    broken: Observation,
    refused: Observation,
}

impl Canned {
    fn new() -> Self {
        let provenance = json!({"generated_at": "2026-01-15T07:58:01Z", "aggregation": "list", "source": "bench-engine"});
        let items = json!([{"id": "it_1", "state": "completed", "at": "2026-01-15T07:58:01Z", "cost": 0.25}]);
        let answer = |status, body| Observation::answered(Response::json(status, body));
        Self {
            bound: answer(
                200,
                json!({"items": items, "total": 1, "provenance": provenance}),
            ),
            unauthorized: answer(401, json!({"detail": "Not authenticated"})),
            missing: answer(404, json!({"detail": "Not Found"})),
            method: Observation::answered(
                Response::json(405, json!({"detail": "Method Not Allowed"}))
                    .with_header("allow", "POST"),
            ),
            no_provenance: answer(200, json!({"items": items, "total": 1})),
            failing: answer(
                200,
                json!({"items": [{"id": "it_1", "state": "paused", "at": "yesterday", "cost": -1}], "total": -1, "error": "partial", "provenance": provenance}),
            ),
            broken: answer(500, json!({"detail": "Internal Server Error"})),
            refused: Observation::failed(TransportErrorKind::Refused, "Connection refused")
                .with_elapsed(1),
        }
    }

    /// The observation of panel `i` in sweep 1 or 2.
    fn of(&self, i: usize, sweep: u8) -> &Observation {
        if sweep == 1 && i.is_multiple_of(100) {
            return &self.unauthorized; // resolved in sweep 2
        }
        if sweep == 1 && i % 100 == 13 {
            return &self.bound; // regresses in sweep 2
        }
        match i % 20 {
            12 => &self.unauthorized,
            13 => &self.missing,
            14 => &self.method,
            15 => &self.broken,
            16 => &self.failing,
            17 if i.is_multiple_of(3) => &self.no_provenance,
            18 => &self.refused,
            _ => &self.bound,
        }
    }
}

/// A registry of `panels` panels (a [`Synthetic`] one, 10% of panels sharing endpoints) and two
/// sweeps of it, oldest first.
pub fn sweeps(panels: usize) -> (Registry, [SweepRecord; 2]) {
    let synthetic = Synthetic {
        panels,
        shared_percent: 10,
    };
    let registry =
        Registry::from_yaml(&synthetic.registry_yaml(), "synthetic").expect("a valid registry");
    let canned = Canned::new();
    let sweep = |n: u8, at: &str| {
        let at: Timestamp = at.parse().expect("a timestamp");
        let records = registry
            .panels()
            .iter()
            .enumerate()
            .map(|(i, panel)| {
                let verdict: Verdict = classify(panel, Some(canned.of(i, n)), None);
                PanelRecord::new(panel, verdict)
            })
            .collect();
        SweepRecord {
            id: u64::from(n),
            started_at: at,
            finished_at: at,
            selection: Selection::default(),
            records,
        }
    };
    let first = sweep(1, "2026-01-14T07:58:01Z");
    let second = sweep(2, "2026-01-15T07:58:01Z");
    (registry, [first, second])
}

/// The tracked state after the sweeps.
pub fn state(registry: &Registry, sweeps: &[SweepRecord]) -> TrackerState {
    Ledger::replay(registry.trust().clone(), sweeps).state(registry)
}
