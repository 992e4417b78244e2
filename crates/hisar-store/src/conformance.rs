//! The test suite every [`HistoryStore`] passes (feature `conformance`).
//!
//! Each check takes a fresh, empty store and panics with a message on the first difference;
//! [`run`] runs them all. Most compare the store with the pure fold: the tracked state read
//! from the store must equal [`Ledger::replay`] of the sweeps recorded, after every sweep,
//! whatever the history (histories here are generated from fixed seeds, so a failure
//! reproduces).
//!
//! ```no_run
//! # async fn example() {
//! use hisar_store::conformance::{Fresh, run};
//! use hisar_store::{HistoryStore, SqliteStore};
//!
//! struct Sqlite(tempfile::TempDir);
//!
//! #[async_trait::async_trait]
//! impl Fresh for Sqlite {
//!     async fn fresh(&self) -> Box<dyn HistoryStore> {
//!         let dir = tempfile::tempdir_in(self.0.path()).unwrap();
//!         Box::new(SqliteStore::open_dir(&dir.keep()).unwrap())
//!     }
//! }
//!
//! run(&Sqlite(tempfile::tempdir().unwrap())).await;
//! # }
//! ```

use async_trait::async_trait;
use hisar_core::history::{
    Ledger, NewSweep, PanelRecord, ProbeIdentity, Selection, SweepRecord, diff as replayed_diff,
};
use hisar_core::{Evidence, Gap, GapCode, Outcome, Registry, Stage, Verdict};
use jiff::Timestamp;
use serde_json::Value;

use crate::{Fold, HistoryStore, SweepStatus, diff};

/// Makes fresh, empty stores of one implementation.
#[async_trait]
pub trait Fresh: Sync {
    /// A new store with no history.
    async fn fresh(&self) -> Box<dyn HistoryStore>;
}

/// Runs every check, each on a fresh store.
pub async fn run(stores: &dyn Fresh) {
    appends_and_reads_back(&*stores.fresh().await).await;
    begun_sweeps_join_history_only_when_finished(&*stores.fresh().await).await;
    history_order_is_the_order_sweeps_are_recorded(&*stores.fresh().await).await;
    the_snapshot_continues_as_a_replay_would(&*stores.fresh().await).await;
    diffs_equal_diffs_of_replays(&*stores.fresh().await).await;
    another_trust_policy_rebuilds_the_snapshot_once(&*stores.fresh().await).await;
    pruning_keeps_the_snapshot(&*stores.fresh().await).await;
    panel_history_is_newest_first(&*stores.fresh().await).await;
    settings_are_kept(&*stores.fresh().await).await;
}

const REGISTRY: &str = "
version: 1
domains: [{ code: AAA, name: ALPHA }, { code: BBB, name: BETA }]
defaults: { class: evidence }
panels:
  - { id: AAA-X-Y-O1, capability: a.one, endpoint: /a/1 }
  - { id: AAA-X-Y-O2, capability: a.one, endpoint: /a/2 }
  - { id: AAA-X-Y-O3, capability: a.two, endpoint: /a/3 }
  - { id: BBB-X-Y-O1, capability: b.one, endpoint: /b/1 }
  - { id: BBB-X-Y-O2, capability: b.two, endpoint: /b/2 }
trust: { window: 2d, min_verified: 3 }
";

/// The registry every check folds with.
pub fn registry() -> Registry {
    Registry::from_yaml(REGISTRY, "conformance.yaml").expect("the conformance registry loads")
}

/// The same registry under another trust policy.
pub fn registry_with_other_trust() -> Registry {
    let text = REGISTRY.replace("min_verified: 3", "min_verified: 2");
    Registry::from_yaml(&text, "conformance.yaml").expect("the conformance registry loads")
}

const PANELS: [(&str, &str); 6] = [
    ("AAA-X-Y-O1", "a.one"),
    ("AAA-X-Y-O2", "a.one"),
    ("AAA-X-Y-O3", "a.two"),
    ("BBB-X-Y-O1", "b.one"),
    ("BBB-X-Y-O2", "b.two"),
    // Removed from the registry: its history is kept all the same.
    ("AAA-X-Y-O9", "a.two"),
];

fn at(hours: i64) -> Timestamp {
    // 2026-01-15T00:00:00Z
    Timestamp::from_second(1_768_435_200 + hours * 3600).expect("in range")
}

fn verdict(kind: u64) -> Verdict {
    let evidence = Evidence {
        status: Some(200),
        elapsed_ms: Some(kind * 3),
        invariants_passed: Some(1),
        invariants_total: 1,
        ..Evidence::default()
    };
    let blocked = |code: GapCode| Verdict {
        outcome: Outcome::Blocked(Gap {
            code,
            stage: Stage::Status,
            detail: format!("{code} seen"),
            fix: Some("fix it".into()),
        }),
        findings: vec![],
        evidence: Evidence {
            status: Some(404),
            ..Evidence::default()
        },
    };
    match kind % 10 {
        0..=3 => Verdict {
            outcome: Outcome::Bound,
            findings: vec![],
            evidence,
        },
        4 => blocked(GapCode::AuthFailure),
        5 => blocked(GapCode::EndpointMissing),
        6 => blocked(GapCode::SdsrFailed),
        7 => blocked(GapCode::CoherencyFailed),
        8 => blocked(GapCode::ProvenanceMissing),
        _ => Verdict {
            outcome: Outcome::Unverified {
                reason: "connection refused".into(),
            },
            findings: vec![],
            evidence: Evidence::default(),
        },
    }
}

/// A small deterministic generator (xorshift64*), so a failing history reproduces.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A history of `n` sweeps from a seed: partial and full sweeps, every outcome, changes of
/// invariant fingerprints, panels probed as another endpoint than the registry's (re-pointed)
/// and full sweeps without some panels (retired), 0 to 30 hours apart.
fn history(seed: u64, n: usize) -> Vec<NewSweep> {
    let registry = registry();
    let mut random = Random(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut hours = 0;
    (0..n)
        .map(|_| {
            hours += i64::try_from(random.below(31)).unwrap_or(0);
            let mut selection = Selection::default();
            let mut records = Vec::new();
            for (panel, capability) in PANELS {
                if random.below(5) == 0 {
                    continue;
                }
                let declared = registry.panel(panel);
                let moved = random.below(10) == 0;
                records.push(PanelRecord {
                    panel: panel.to_owned(),
                    capability: capability.to_owned(),
                    endpoint: match declared {
                        Some(p) if !moved => p.endpoint.to_string(),
                        _ => format!("GET /moved/{panel}"),
                    },
                    invariants_fingerprint: if random.below(10) == 0 { 2 } else { 1 },
                    identity: declared.map(ProbeIdentity::of),
                    verdict: verdict(random.below(10)),
                });
            }
            // A full sweep without some panels retires them; a partial one leaves them be.
            if records.len() < PANELS.len() && random.below(3) != 0 {
                selection.domains = vec!["AAA".into()];
            }
            NewSweep {
                started_at: at(hours),
                finished_at: at(hours),
                selection,
                records,
            }
        })
        .collect()
}

fn snapshot(ledger: &Ledger) -> Value {
    serde_json::to_value(ledger).expect("a ledger serializes")
}

/// Records sweeps one by one; returns them as recorded.
async fn record_all(
    store: &dyn HistoryStore,
    fold: &Fold<'_>,
    sweeps: Vec<NewSweep>,
) -> Vec<SweepRecord> {
    let mut recorded = Vec::new();
    for sweep in sweeps {
        recorded.push(store.append(sweep, fold).await.expect("append").sweep);
    }
    recorded
}

/// What a diff between the sweeps at two positions of `order` (history order) must give: the
/// net change of each registry panel between the states replayed up to each, then, going
/// forwards, the gaps the sweeps in between closed because the registry changed.
fn expected_diff(
    registry: &Registry,
    order: &[SweepRecord],
    from: usize,
    to: usize,
) -> Vec<hisar_core::history::Change> {
    let upto = |i: usize| Ledger::replay(registry.trust().clone(), &order[..=i]);
    let (a, b) = (upto(from).state(registry), upto(to).state(registry));
    let mut changes = hisar_core::history::diff_tracked(
        registry,
        |id| a.panel(id).map(hisar_core::history::Tracked::of),
        |id| b.panel(id).map(hisar_core::history::Tracked::of),
    );
    if to > from {
        let mut ledger = upto(from);
        for sweep in &order[from + 1..=to] {
            changes.extend(
                ledger
                    .apply(sweep)
                    .into_iter()
                    .filter(hisar_core::history::closed_by_the_registry),
            );
        }
    }
    changes
}

/// Sweeps and their records read back as they were appended; ids increase from 1.
pub async fn appends_and_reads_back(store: &dyn HistoryStore) {
    let registry = registry();
    let fold = Fold::new(&registry);
    let sweeps = history(1, 3);
    let recorded = record_all(store, &fold, sweeps.clone()).await;
    assert_eq!(
        recorded.iter().map(|s| s.id).collect::<Vec<_>>(),
        [1, 2, 3],
        "ids"
    );
    for (new, stored) in sweeps.iter().zip(&recorded) {
        for r in &stored.records {
            assert_eq!(
                store
                    .record(stored.id, &r.panel)
                    .await
                    .expect("read")
                    .as_ref(),
                Some(r)
            );
        }
        assert_eq!(store.record(stored.id, "NOPE").await.expect("read"), None);
        let read = store.sweep(stored.id).await.expect("read").expect("stored");
        assert_eq!(&read, stored, "sweep #{} reads back as recorded", stored.id);
        assert_eq!(read.records, new.records);
        assert_eq!(read.started_at, new.started_at);
    }
    assert_eq!(store.sweep(99).await.expect("read"), None, "unknown id");
    let summaries = store.summaries().await.expect("summaries");
    assert_eq!(summaries.len(), 3);
    for (summary, sweep) in summaries.iter().zip(&recorded) {
        let (bound, blocked, unverified) = sweep.counts();
        assert_eq!(
            (
                summary.id,
                summary.status,
                summary.panels,
                summary.bound,
                summary.blocked,
                summary.unverified
            ),
            (
                sweep.id,
                SweepStatus::Complete,
                sweep.records.len(),
                bound,
                blocked,
                unverified
            )
        );
        assert_eq!(summary.selection, sweep.selection);
    }
}

/// A begun sweep is not history until it is finished; an abandoned one never is.
pub async fn begun_sweeps_join_history_only_when_finished(store: &dyn HistoryStore) {
    let registry = registry();
    let fold = Fold::new(&registry);
    let mut sweeps = history(2, 2).into_iter();
    let first = sweeps.next().expect("two");
    let id = store
        .begin(first.started_at, &first.selection)
        .await
        .expect("begin");
    let summaries = store.summaries().await.expect("summaries");
    assert_eq!(summaries[0].status, SweepStatus::Running);
    assert_eq!(summaries[0].tracked, None);
    let view = store.view(&fold).await.expect("view");
    assert_eq!(view.ledger.sweeps(), 0, "a running sweep is not history");
    assert_eq!(store.sweep(id).await.expect("read"), None);

    let done = store
        .finish(id, first.clone(), &fold)
        .await
        .expect("finish");
    assert_eq!(done.sweep.id, id);
    assert!(
        store.finish(id, first.clone(), &fold).await.is_err(),
        "finished once"
    );
    let other = store
        .begin(first.started_at, &first.selection)
        .await
        .expect("begin");
    assert_eq!(store.abandon_running().await.expect("abandon"), 1);
    assert_eq!(
        store.summaries().await.expect("summaries")[1].status,
        SweepStatus::Abandoned
    );
    assert!(
        store.finish(other, first, &fold).await.is_err(),
        "an abandoned sweep stays out of history"
    );
    let view = store.view(&fold).await.expect("view");
    assert_eq!(view.ledger.sweeps(), 1);
    assert_eq!(snapshot(&view.ledger), snapshot(&done.ledger));
}

/// A sweep begun first and finished last is folded last, as it was recorded.
pub async fn history_order_is_the_order_sweeps_are_recorded(store: &dyn HistoryStore) {
    let registry = registry();
    let fold = Fold::new(&registry);
    let mut sweeps = history(3, 3).into_iter();
    let (a, b, c) = (
        sweeps.next().expect("3"),
        sweeps.next().expect("3"),
        sweeps.next().expect("3"),
    );
    let a_id = store
        .begin(a.started_at, &a.selection)
        .await
        .expect("begin");
    let b = store.append(b, &fold).await.expect("append").sweep;
    let a = store.finish(a_id, a, &fold).await.expect("finish").sweep;
    let c = store.append(c, &fold).await.expect("append");
    assert!(a.id < b.id, "a was begun first");
    let order = [b.clone(), a.clone(), c.sweep.clone()];
    let replayed = Ledger::replay(registry.trust().clone(), &order);
    let view = store.view(&fold).await.expect("view");
    assert_eq!(snapshot(&view.ledger), snapshot(&replayed));
    assert_eq!(view.ledger.latest().map(|l| l.id), Some(c.sweep.id));
    // The diff between b and a is the one of the states after each, in recording order.
    let expected = expected_diff(&registry, &order, 0, 1);
    let got = diff(store, &registry, b.id, a.id)
        .await
        .expect("diff")
        .expect("both complete");
    assert_eq!(got, expected);
}

/// After every sweep the stored state equals a replay of every sweep so far, its changes are
/// the replay's, and the stored tracked counts are the replayed state's.
pub async fn the_snapshot_continues_as_a_replay_would(store: &dyn HistoryStore) {
    let registry = registry();
    let fold = Fold::new(&registry);
    let mut recorded = Vec::new();
    let mut version = store.version().await.expect("version");
    for sweep in history(4, 40) {
        let done = store.append(sweep, &fold).await.expect("append");
        recorded.push(done.sweep.clone());
        let mut replayed =
            Ledger::replay(registry.trust().clone(), &recorded[..recorded.len() - 1]);
        let changes = replayed.apply(&done.sweep);
        assert_eq!(done.changes, changes, "changes of sweep #{}", done.sweep.id);
        assert_eq!(
            snapshot(&done.ledger),
            snapshot(&replayed),
            "after #{}",
            done.sweep.id
        );
        let view = store.view(&fold).await.expect("view");
        assert_eq!(
            snapshot(&view.ledger),
            snapshot(&replayed),
            "read after #{}",
            done.sweep.id
        );
        assert_eq!(view.ledger.state(&registry), replayed.state(&registry));
        assert!(view.version > version, "the version moves with history");
        version = view.version;
        let (bound, blocked, _) = replayed.counts(&registry);
        let last = view.summaries.last().expect("one per sweep");
        assert_eq!(
            last.tracked.map(|t| (t.bound, t.blocked, t.total)),
            Some((bound, blocked, registry.panels().len())),
            "tracked counts after #{}",
            done.sweep.id
        );
    }
    assert_eq!(
        store.version().await.expect("version"),
        version,
        "reads change nothing"
    );
}

/// A diff between any two sweeps equals the diff of the states replayed up to each.
pub async fn diffs_equal_diffs_of_replays(store: &dyn HistoryStore) {
    let registry = registry();
    let fold = Fold::new(&registry);
    let recorded = record_all(store, &fold, history(5, 12)).await;
    for from in &recorded {
        for to in &recorded {
            let got = diff(store, &registry, from.id, to.id)
                .await
                .expect("diff")
                .expect("both complete");
            let position = |id| recorded.iter().position(|s| s.id == id).expect("recorded");
            let expected = expected_diff(&registry, &recorded, position(from.id), position(to.id));
            if from.id < to.id {
                assert_eq!(
                    expected,
                    replayed_diff(&registry, &recorded, from.id, to.id),
                    "the pure diff agrees"
                );
            }
            assert_eq!(got, expected, "diff #{} -> #{}", from.id, to.id);
        }
    }
    assert_eq!(
        diff(store, &registry, 1, 99).await.expect("diff"),
        None,
        "unknown sweep"
    );
}

/// A snapshot folded under another trust policy is rebuilt from the stored sweeps on first
/// use, once.
pub async fn another_trust_policy_rebuilds_the_snapshot_once(store: &dyn HistoryStore) {
    let registry = registry();
    let recorded = record_all(store, &Fold::new(&registry), history(6, 15)).await;
    let other = registry_with_other_trust();
    let fold = Fold::new(&other);
    let before = store.version().await.expect("version");
    let view = store.view(&fold).await.expect("view");
    let replayed = Ledger::replay(other.trust().clone(), &recorded);
    assert_eq!(
        snapshot(&view.ledger),
        snapshot(&replayed),
        "rebuilt under the new policy"
    );
    assert!(view.version > before, "a rebuild is a change of history");
    let again = store.view(&fold).await.expect("view");
    assert_eq!(again.version, view.version, "rebuilt once");
    // And it goes on from there.
    let next = history(60, 1).pop().expect("one");
    let done = store.append(next, &fold).await.expect("append");
    let mut all = recorded;
    all.push(done.sweep);
    assert_eq!(
        snapshot(&done.ledger),
        snapshot(&Ledger::replay(other.trust().clone(), &all))
    );
}

/// Pruning removes old sweeps and their records, never the latest; the tracked state, the
/// diffs among kept sweeps and what later sweeps fold to are those of the whole history.
pub async fn pruning_keeps_the_snapshot(store: &dyn HistoryStore) {
    let registry = registry();
    let fold = Fold::new(&registry);
    let recorded = record_all(store, &fold, history(7, 20)).await;
    let before = store.view(&fold).await.expect("view");
    let cut = recorded[12].started_at;
    let pruned = store.prune(cut, &fold).await.expect("prune");
    let gone: Vec<&SweepRecord> = recorded.iter().filter(|s| s.started_at < cut).collect();
    assert!(!gone.is_empty(), "the history has sweeps before the cut");
    assert_eq!(pruned.sweeps, gone.len());
    assert_eq!(
        pruned.records,
        gone.iter().map(|s| s.records.len()).sum::<usize>()
    );
    let kept: Vec<u64> = store
        .summaries()
        .await
        .expect("summaries")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        kept,
        recorded
            .iter()
            .filter(|s| s.started_at >= cut)
            .map(|s| s.id)
            .collect::<Vec<_>>()
    );
    for s in &gone {
        assert_eq!(
            store.sweep(s.id).await.expect("read"),
            None,
            "#{} pruned",
            s.id
        );
    }
    let after = store.view(&fold).await.expect("view");
    assert_eq!(
        snapshot(&after.ledger),
        snapshot(&before.ledger),
        "snapshot intact"
    );
    assert!(after.version > before.version);
    for (i, from) in kept.iter().enumerate() {
        for to in &kept[i + 1..] {
            assert_eq!(
                diff(store, &registry, *from, *to).await.expect("diff"),
                Some(replayed_diff(&registry, &recorded, *from, *to)),
                "diff #{from} -> #{to} after the prune"
            );
        }
    }
    // Later sweeps fold onto the whole history, also after a rebuild under another policy
    // (which starts from the state where pruned history ends).
    let mut all = recorded.clone();
    all.extend(record_all(store, &fold, history(70, 3)).await);
    let view = store.view(&fold).await.expect("view");
    assert_eq!(
        snapshot(&view.ledger),
        snapshot(&Ledger::replay(registry.trust().clone(), &all))
    );
    let other = registry_with_other_trust();
    let rebuilt = store.view(&Fold::new(&other)).await.expect("view");
    let mut expected = Ledger::replay(
        registry.trust().clone(),
        &gone.iter().copied().cloned().collect::<Vec<_>>(),
    );
    let mut expected_json = snapshot(&expected);
    expected =
        Ledger::from_snapshot(other.trust().clone(), expected_json.take()).expect("restores");
    for s in all.iter().filter(|s| !gone.iter().any(|g| g.id == s.id)) {
        expected.apply(s);
    }
    assert_eq!(snapshot(&rebuilt.ledger), snapshot(&expected));
    // Pruning everything keeps the latest sweep.
    store.prune(at(100_000), &fold).await.expect("prune");
    let left = store.summaries().await.expect("summaries");
    assert_eq!(
        left.iter().map(|s| s.id).collect::<Vec<_>>(),
        [all.last().expect("some").id]
    );
}

/// A panel's records come newest first, bounded.
pub async fn panel_history_is_newest_first(store: &dyn HistoryStore) {
    let registry = registry();
    let recorded = record_all(store, &Fold::new(&registry), history(8, 10)).await;
    let expected: Vec<(u64, &PanelRecord)> = recorded
        .iter()
        .rev()
        .filter_map(|s| {
            s.records
                .iter()
                .find(|r| r.panel == "AAA-X-Y-O1")
                .map(|r| (s.id, r))
        })
        .collect();
    let got = store
        .panel_history("AAA-X-Y-O1", 100)
        .await
        .expect("history");
    assert_eq!(
        got.iter().map(|e| (e.sweep, &e.record)).collect::<Vec<_>>(),
        expected
    );
    let limited = store.panel_history("AAA-X-Y-O1", 2).await.expect("history");
    assert_eq!(limited.len(), 2.min(expected.len()));
    assert!(
        store
            .panel_history("NOPE", 10)
            .await
            .expect("history")
            .is_empty()
    );
}

/// Settings are kept and overwritten.
pub async fn settings_are_kept(store: &dyn HistoryStore) {
    assert_eq!(store.setting("tracker").await.expect("read"), None);
    store.set_setting("tracker", "a.md").await.expect("write");
    store.set_setting("tracker", "b.md").await.expect("write");
    assert_eq!(
        store.setting("tracker").await.expect("read").as_deref(),
        Some("b.md")
    );
}
