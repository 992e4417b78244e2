use async_trait::async_trait;
use hisar_core::history::{Ledger, NewSweep, PanelRecord, Selection};
use hisar_core::{Evidence, Outcome, Verdict};
use jiff::Timestamp;
use rusqlite::Connection;

use super::*;
use crate::conformance::{self, Fresh, registry};

/// Fresh SQLite stores, each in a directory of its own under one temporary directory.
struct Sqlite(tempfile::TempDir);

#[async_trait]
impl Fresh for Sqlite {
    async fn fresh(&self) -> Box<dyn HistoryStore> {
        let dir = tempfile::tempdir_in(self.0.path()).unwrap().keep();
        Box::new(SqliteStore::open_dir(&dir).unwrap())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

#[test]
fn sqlite_passes_the_conformance_suite() {
    runtime().block_on(conformance::run(&Sqlite(tempfile::tempdir().unwrap())));
}

/// The suite also passes on a multi-threaded runtime, where the store hands its worker's
/// other tasks over while it blocks.
#[test]
fn sqlite_passes_the_conformance_suite_on_a_multi_threaded_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let stores = Sqlite(tempfile::tempdir().unwrap());
    rt.block_on(async {
        let store = stores.fresh().await;
        conformance::the_snapshot_continues_as_a_replay_would(&*store).await;
    });
}

fn auth_failure() -> Outcome {
    Outcome::Blocked(hisar_core::Gap {
        code: hisar_core::GapCode::AuthFailure,
        stage: hisar_core::Stage::Status,
        detail: "401".into(),
        fix: None,
    })
}

fn verdict_text(outcome: Outcome) -> String {
    serde_json::to_string(&Verdict {
        outcome,
        findings: vec![],
        evidence: Evidence::default(),
    })
    .unwrap()
}

fn record(panel: &str, outcome: Outcome) -> PanelRecord {
    PanelRecord {
        panel: panel.into(),
        capability: "a.one".into(),
        endpoint: "GET /x".into(),
        invariants_fingerprint: u64::MAX - 3,
        identity: None,
        verdict: Verdict {
            outcome,
            findings: vec![],
            evidence: Evidence::default(),
        },
    }
}

/// Writes a database as the first hisar did: schema 1 without a version, two sweeps.
fn first_schema_database(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    let Step::Sql(first) = MIGRATIONS[0] else {
        panic!("the first schema is SQL")
    };
    conn.execute_batch(first).unwrap();
    for (id, status) in [(1, "BOUND"), (2, "BLOCKED")] {
        conn.execute(
            "INSERT INTO sweeps (id, status, started_at, finished_at, selection, panels, bound, blocked, unverified)
             VALUES (?1, 'complete', ?2, ?2, '{}', 1, 0, 0, 0)",
            params![id, format!("2026-01-1{id}T08:00:00Z")],
        )
        .unwrap();
        let verdict = if status == "BOUND" {
            verdict_text(Outcome::Bound)
        } else {
            verdict_text(auth_failure())
        };
        conn.execute(
            "INSERT INTO verdicts (sweep_id, seq, panel, capability, endpoint, fingerprint, status, code, verdict)
             VALUES (?1, 0, 'AAA-X-Y-O1', 'a.one', 'GET /a/1', 7, ?2, NULL, ?3)",
            params![id, status, verdict],
        )
        .unwrap();
    }
}

#[test]
fn a_first_schema_database_migrates_and_its_snapshot_is_built_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SqliteStore::FILE);
    first_schema_database(&path);
    let store = SqliteStore::open(&path).unwrap();
    let version: u32 = store
        .writer()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    let registry = registry();
    let fold = Fold::new(&registry);
    runtime().block_on(async {
        let sweeps = [
            store.sweep(1).await.unwrap().unwrap(),
            store.sweep(2).await.unwrap().unwrap(),
        ];
        let view = store.view(&fold).await.unwrap();
        let replayed = Ledger::replay(registry.trust().clone(), &sweeps);
        assert_eq!(
            serde_json::to_value(&view.ledger).unwrap(),
            serde_json::to_value(&replayed).unwrap()
        );
        assert_eq!(
            view.summaries[1].tracked.map(|t| (t.bound, t.blocked)),
            Some((0, 1))
        );
        let again = store.view(&fold).await.unwrap();
        assert_eq!(again.version, view.version, "built once");
        let d = crate::diff(&store, &registry, 1, 2).await.unwrap().unwrap();
        assert_eq!(d.len(), 1, "{d:?}");
    });
    drop(store);
    // Opening again migrates nothing.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(runtime().block_on(store.summaries()).unwrap().len(), 2);
}

#[test]
fn a_sweep_recorded_by_a_hisar_without_snapshots_is_folded_on_the_next_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    let registry = registry();
    let fold = Fold::new(&registry);
    let at: Timestamp = "2026-01-15T07:58:01Z".parse().unwrap();
    let sweep = |outcome| NewSweep {
        started_at: at,
        finished_at: at,
        selection: Selection::default(),
        records: vec![record("AAA-X-Y-O1", outcome)],
    };
    runtime().block_on(async {
        store.append(sweep(Outcome::Bound), &fold).await.unwrap();
        // What the first hisar's append wrote: a sweep row and its verdicts, nothing else.
        {
            let conn = store.writer();
            conn.execute(
                "INSERT INTO sweeps (status, started_at, finished_at, selection, panels, bound, blocked, unverified)
                 VALUES ('complete', '2026-01-16T08:00:00Z', '2026-01-16T08:00:00Z', '{}', 1, 0, 1, 0)",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO verdicts (sweep_id, seq, panel, capability, endpoint, fingerprint, status, code, verdict)
                 VALUES (2, 0, 'AAA-X-Y-O1', 'a.one', 'GET /a/1', 7, 'BLOCKED', 'AUTH_FAILURE', ?1)",
                [verdict_text(auth_failure())],
            )
            .unwrap();
        }
        let view = store.view(&fold).await.unwrap();
        assert_eq!(view.ledger.sweeps(), 2);
        assert_eq!(
            view.ledger.panel("AAA-X-Y-O1").map(|p| p.status),
            Some(hisar_core::Status::Blocked),
            "the regression recorded behind the snapshot's back is in the state"
        );
    });
}

#[test]
fn a_newer_schema_or_fold_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(SqliteStore::FILE);
    drop(SqliteStore::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SqliteStore::SCHEMA_VERSION + 1)
        .unwrap();
    let err = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("written by a newer hisar (schema version 4"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    let registry = registry();
    let fold = Fold::new(&registry);
    runtime().block_on(async {
        let at: Timestamp = "2026-01-15T07:58:01Z".parse().unwrap();
        let new = NewSweep {
            started_at: at,
            finished_at: at,
            selection: Selection::default(),
            records: vec![record("AAA-X-Y-O1", Outcome::Bound)],
        };
        store.append(new.clone(), &fold).await.unwrap();
        store
            .writer()
            .execute("UPDATE snapshots SET fold_version = fold_version + 1", [])
            .unwrap();
        let err = store.view(&fold).await.unwrap_err().to_string();
        assert!(err.contains("newer hisar (fold version"), "{err}");
        assert!(store.append(new, &fold).await.is_err());
        assert_eq!(store.summaries().await.unwrap().len(), 1, "nothing written");
    });
}

#[test]
fn an_unreadable_snapshot_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    let registry = registry();
    let fold = Fold::new(&registry);
    runtime().block_on(async {
        let at: Timestamp = "2026-01-15T07:58:01Z".parse().unwrap();
        let new = NewSweep {
            started_at: at,
            finished_at: at,
            selection: Selection::default(),
            records: vec![],
        };
        store.append(new, &fold).await.unwrap();
        store
            .writer()
            .execute("UPDATE snapshots SET ledger = X'7b7b'", [])
            .unwrap();
        let err = store.view(&fold).await.unwrap_err().to_string();
        assert!(
            err.contains("history.db")
                && err.contains("snapshot of the tracked state is unreadable"),
            "{err}"
        );
    });
}

#[test]
fn the_write_ahead_log_is_cut_back_instead_of_growing_with_history() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry();
    let fold = Fold::new(&registry);
    let wal = dir.path().join(format!("{}-wal", SqliteStore::FILE));
    let at: Timestamp = "2026-01-15T07:58:01Z".parse().unwrap();
    let sweep = || NewSweep {
        started_at: at,
        finished_at: at,
        selection: Selection::default(),
        records: (0..400)
            .map(|i| record(&format!("AAA-X-Y-O{i}"), Outcome::Bound))
            .collect(),
    };
    let mut largest = 0;
    for _ in 0..12 {
        // As the CLI does: one process, one sweep.
        let mut store = SqliteStore::open_dir(dir.path()).unwrap();
        store.wal_trim = 512 * 1024;
        runtime().block_on(store.append(sweep(), &fold)).unwrap();
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    let store = SqliteStore::open_dir(dir.path()).unwrap();
    assert_eq!(runtime().block_on(store.summaries()).unwrap().len(), 12);
    // Each sweep writes about 150 KiB to the log; twelve of them would be 1.8 MiB.
    assert!(largest < 800 * 1024, "the log reached {largest} bytes");
}
