//! The fold as stores run it: the snapshot's key and encoding, and one sweep folded with what a
//! store records beside it. Shared by every [`HistoryStore`](crate::HistoryStore), so a second
//! backend stores bytes and keys and never re-implements any of it.

use hisar_core::history::{Change, FOLD_VERSION, Ledger, ProbeIdentity, SweepRecord, Tracked};
use hisar_core::{Registry, TrustPolicy};

use crate::{TrackedCounts, Transition};

/// What a snapshot was folded with: the fold's version and the trust policy (the only part of
/// the registry the fold reads). A snapshot is used only under the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotKey {
    /// [`FOLD_VERSION`] of the code that wrote it.
    pub fold_version: u32,
    /// The trust policy, as text.
    pub policy: String,
}

impl SnapshotKey {
    /// The key of the running code under a trust policy.
    pub fn current(policy: &TrustPolicy) -> Self {
        Self {
            fold_version: FOLD_VERSION,
            policy: format!(
                "window={}s min_verified={} min_bound_rate={} max_consecutive_failures={} demote_below_rate={} demote_after_failures={}",
                policy.window.as_secs(),
                policy.min_verified,
                policy.min_bound_rate,
                policy.max_consecutive_failures,
                policy.demote_below_rate,
                policy.demote_after_failures
            ),
        }
    }
}

/// How a stored snapshot stands against the running fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Same key: use it.
    Fresh,
    /// Older fold or another trust policy: rebuild it from the stored sweeps.
    Stale,
    /// Written by a newer fold: this code must not touch it.
    Newer,
}

/// One sweep folded: what it changed, and what a store records beside it.
#[derive(Debug, Clone)]
pub struct Advance {
    /// Its changes, as the gate reads them.
    pub changes: Vec<Change>,
    /// The panels whose tracked status or probe identity it changed, as they are after it.
    pub transitions: Vec<Transition>,
    /// The tracked counts over the registry after it.
    pub counts: TrackedCounts,
}

/// The fold a store runs: the registry's trust policy and panels, and the snapshot format.
///
/// Snapshots are JSON: self-describing, so a field added to the ledger reads with its default
/// from an older snapshot, and readable in any database (`jsonb` in PostgreSQL, `TEXT` or a
/// blob in SQLite).
#[derive(Debug, Clone)]
pub struct Fold<'a> {
    registry: &'a Registry,
    key: SnapshotKey,
}

impl<'a> Fold<'a> {
    /// The fold for a registry.
    pub fn new(registry: &'a Registry) -> Self {
        Self {
            registry,
            key: SnapshotKey::current(registry.trust()),
        }
    }

    /// The registry.
    pub fn registry(&self) -> &'a Registry {
        self.registry
    }

    /// The key snapshots written by this fold carry.
    pub fn key(&self) -> &SnapshotKey {
        &self.key
    }

    /// How a stored snapshot's key stands against this fold.
    pub fn freshness(&self, stored: &SnapshotKey) -> Freshness {
        if stored.fold_version > self.key.fold_version {
            Freshness::Newer
        } else if *stored == self.key {
            Freshness::Fresh
        } else {
            Freshness::Stale
        }
    }

    /// An empty ledger under the registry's policy.
    pub fn empty(&self) -> Ledger {
        Ledger::new(self.registry.trust().clone())
    }

    /// A snapshot's bytes.
    pub fn encode(&self, ledger: &Ledger) -> Vec<u8> {
        // A ledger holds strings, numbers, timestamps and maps with string keys: it always
        // serializes.
        serde_json::to_vec(ledger).unwrap_or_default()
    }

    /// A ledger from a snapshot's bytes, under the registry's policy.
    pub fn decode(&self, bytes: &[u8]) -> Result<Ledger, serde_json::Error> {
        Ledger::from_snapshot(
            self.registry.trust().clone(),
            &mut serde_json::Deserializer::from_slice(bytes),
        )
    }

    /// Folds one sweep into the ledger.
    pub fn advance(&self, ledger: &mut Ledger, sweep: &SweepRecord) -> Advance {
        type Seen = (Tracked, String, Option<ProbeIdentity>);
        let seen = |ledger: &Ledger, panel: &str| -> Option<Seen> {
            ledger
                .panel_identity(panel)
                .map(|(state, endpoint, identity)| {
                    (Tracked::of(state), endpoint.to_owned(), identity.cloned())
                })
        };
        let before: Vec<Option<Seen>> = sweep
            .records
            .iter()
            .map(|r| seen(ledger, &r.panel))
            .collect();
        let changes = ledger.apply(sweep);
        let mut transitions = Vec::new();
        for (record, before) in sweep.records.iter().zip(before) {
            if let Some((tracked, endpoint, identity)) = seen(ledger, &record.panel)
                && before.as_ref().is_none_or(|b| {
                    (b.0, b.1.as_str(), b.2.as_ref())
                        != (tracked, endpoint.as_str(), identity.as_ref())
                })
            {
                transitions.push(Transition {
                    sweep: sweep.id,
                    panel: record.panel.clone(),
                    tracked,
                    endpoint,
                    identity,
                });
            }
        }
        let (bound, blocked, _) = ledger.counts(self.registry);
        Advance {
            changes,
            transitions,
            counts: TrackedCounts {
                bound,
                blocked,
                total: self.registry.panels().len(),
            },
        }
    }
}
