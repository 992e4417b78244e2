//! History in one SQLite file (`STATE_DIR/history.db`), shared by the CLI and the service.
//!
//! A sweep is written in one transaction with what folding it gives (the snapshot of the
//! tracked state, its transitions, the tracked counts after it), in WAL mode: a process killed
//! at any point leaves the previous history intact and readable. Commits are not flushed to the
//! disk one by one (`synchronous=NORMAL`): a killed process loses nothing committed, and a
//! power cut at worst the last sweeps, never the file's integrity (SQLite's WAL guarantee).
//!
//! The write-ahead log is kept between processes, not checkpointed on every close: a run that
//! records one small sweep then costs no fsync at all, where creating the log and
//! checkpointing it on close cost four. A writer that leaves the log above [`WAL_TRIM`]
//! checkpoints it and cuts it back, so it never grows with history.
//!
//! Two connections: one writes (a write transaction takes SQLite's lock first, `BEGIN
//! IMMEDIATE`, so the snapshot read and rewritten in it cannot change under it), one reads,
//! so readers (the service's API) never wait for a sweep being written.

mod fold;
mod read;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use hisar_core::history::{Change, NewSweep, PanelRecord, Selection, SweepRecord};
use jiff::Timestamp;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::{
    Fold, HistoryStore, PanelEntry, Pruned, Recorded, StoreError, SweepSummary, Transition, View,
};

/// History in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    write: Mutex<Connection>,
    read: Mutex<Connection>,
    /// [`WAL_TRIM`], lower in tests.
    wal_trim: u64,
}

/// One step of the schema.
enum Step {
    /// Statements run as they are.
    Sql(&'static str),
    /// A column added unless present (the first schemas added columns without a version
    /// number): table, column, declaration.
    Column(&'static str, &'static str, &'static str),
}

/// The schema, one migration per version (`PRAGMA user_version` counts those applied). Never
/// edit one that shipped: add the next.
const MIGRATIONS: &[Step] = &[
    // 1: sweeps and their verdicts (the first schema, created without a version number).
    Step::Sql(
        "
    CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS sweeps (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL DEFAULT 'complete',
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        selection TEXT NOT NULL,
        panels INTEGER NOT NULL,
        bound INTEGER NOT NULL,
        blocked INTEGER NOT NULL,
        unverified INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS verdicts (
        sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
        seq INTEGER NOT NULL,
        panel TEXT NOT NULL,
        capability TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        fingerprint INTEGER NOT NULL,
        status TEXT NOT NULL,
        code TEXT,
        verdict TEXT NOT NULL,
        PRIMARY KEY (sweep_id, seq)
    );
    CREATE INDEX IF NOT EXISTS verdicts_by_panel ON verdicts(panel, sweep_id);
    ",
    ),
    // 2: the probe identity besides the endpoint (SPEC §5.2), as JSON; `NULL` in rows written
    // before it was kept.
    Step::Column("verdicts", "identity", "TEXT"),
    // 3: the fold stored beside the sweeps. `sweeps.seq` is the history order (the order sweeps
    // were recorded and folded in) and `tracked_*` the tracked counts after each; `transitions`
    // holds, per sweep, the panels whose tracked status or probe identity it changed, and
    // `changes` what it changed (as the gate reads it); `snapshots` the ledger after the latest
    // sweep (`current`) and where pruned history ends (`base`); `meta.history_version` changes
    // with history. A panel's records are found sweep by sweep: an index led by the panel put
    // each sweep's rows on as many pages as it has panels (10,000 pages of the log rewritten per
    // sweep of 10,000 panels once history was long); led by the sweep, they are appended.
    Step::Sql(
        "
    ALTER TABLE sweeps ADD COLUMN seq INTEGER;
    ALTER TABLE sweeps ADD COLUMN tracked_bound INTEGER;
    ALTER TABLE sweeps ADD COLUMN tracked_blocked INTEGER;
    ALTER TABLE sweeps ADD COLUMN tracked_total INTEGER;
    UPDATE sweeps SET seq = id WHERE status = 'complete';
    CREATE UNIQUE INDEX sweeps_by_seq ON sweeps(seq);
    CREATE TABLE transitions (
        panel TEXT NOT NULL,
        seq INTEGER NOT NULL,
        sweep_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        code TEXT,
        endpoint TEXT NOT NULL,
        identity TEXT,
        PRIMARY KEY (panel, seq)
    ) WITHOUT ROWID;
    CREATE INDEX transitions_by_seq ON transitions(seq);
    CREATE TABLE changes (
        seq INTEGER NOT NULL,
        n INTEGER NOT NULL,
        sweep_id INTEGER NOT NULL,
        change TEXT NOT NULL,
        PRIMARY KEY (seq, n)
    ) WITHOUT ROWID;
    CREATE TABLE snapshots (
        which TEXT PRIMARY KEY,
        fold_version INTEGER NOT NULL,
        policy TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ledger BLOB NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('history_version', 1);
    DROP INDEX IF EXISTS verdicts_by_panel;
    CREATE INDEX verdicts_by_sweep_panel ON verdicts(sweep_id, panel);
    ",
    ),
];

/// The write-ahead log's size beyond which a writer checkpoints it and truncates it. SQLite's
/// own automatic checkpoint copies the log into the database but leaves the file as large as
/// it grew, and when every process writes once and closes without checkpointing, it is never
/// restarted: the log would grow by every sweep. Kept small because the first connection of
/// every process reads the whole log back and checksums it (SQLite's WAL recovery): with the
/// log at 5.5 MB that was a tenth of an 87-panel sweep's CPU (perf), while a trim (a
/// checkpoint and its fsyncs) comes once every few dozen sweeps of that size.
const WAL_TRIM: u64 = 4 * 1024 * 1024;

/// [`HistoryStore::recent_records`] reads back at most this many times `limit` sweeps.
const RECENT_LOOKBACK: usize = 10;

/// Runs blocking database work without stalling the async runtime's other tasks: on a
/// multi-threaded runtime the worker hands its other tasks over first (`block_in_place`);
/// elsewhere (a test's single-threaded runtime, no runtime) it just runs.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

impl SqliteStore {
    /// The database file inside a state directory.
    pub const FILE: &'static str = "history.db";

    /// The newest schema version this code knows.
    pub const SCHEMA_VERSION: u32 = 3;

    /// Opens (creating if needed) `DIR/history.db`.
    pub fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        Self::open(&dir.join(Self::FILE))
    }

    /// Opens (creating if needed) a database file, migrating its schema to this version in one
    /// transaction.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let err = |source| StoreError::sqlite(path, source);
        let mut write = Connection::open(path).map_err(err)?;
        write
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        write
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        write
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        // After a checkpoint, the log is cut back to this size (64 MiB) at most.
        write
            .pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)
            .map_err(err)?;
        write
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(err)?;
        migrate(&mut write, path)?;
        let read = Connection::open(path).map_err(err)?;
        read.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        read.pragma_update(None, "query_only", true).map_err(err)?;
        read.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(err)?;
        Ok(Self {
            path: path.to_owned(),
            write: Mutex::new(write),
            read: Mutex::new(read),
            wal_trim: WAL_TRIM,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, source)
    }

    fn corrupt(&self, sweep: u64, reason: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: self.path.display().to_string(),
            sweep,
            reason: reason.into(),
        }
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.write.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.read.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` in a write transaction taken up front, and commits it.
    fn write_tx<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        blocking(|| {
            let mut conn = self.writer();
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| self.err(e))?;
            let out = work(&tx)?;
            tx.commit().map_err(|e| self.err(e))?;
            self.trim_wal(&conn);
            Ok(out)
        })
    }

    /// Checkpoints the log into the database and truncates it, when it grew past
    /// [`WAL_TRIM`]. Best effort: a reader in the middle of a read keeps its part, and the next
    /// writer tries again.
    fn trim_wal(&self, conn: &Connection) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > self.wal_trim) {
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }

    /// Runs `work` in a read transaction: everything it reads is of one moment.
    fn read_tx<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        blocking(|| {
            let mut conn = self.reader();
            let tx = conn.transaction().map_err(|e| self.err(e))?;
            work(&tx)
        })
    }
}

/// Brings a database to [`SqliteStore::SCHEMA_VERSION`], every step in one transaction.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = |source| StoreError::sqlite(path, source);
    let known = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    let version = |conn: &Connection| -> Result<u32, StoreError> {
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0))
            .map_err(err)
    };
    let newer = |found| StoreError::Newer {
        path: path.display().to_string(),
        what: "schema",
        found,
        known,
    };
    let found = version(conn)?;
    if found == known {
        return Ok(());
    }
    if found > known {
        return Err(newer(found));
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    // Another process may have migrated it while this one waited for the lock.
    let found = version(&tx)?;
    if found > known {
        return Err(newer(found));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        match step {
            Step::Sql(sql) => tx.execute_batch(sql).map_err(err)?,
            Step::Column(table, column, declaration) => {
                let present = tx
                    .prepare(&format!(
                        "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
                    ))
                    .and_then(|mut stmt| stmt.exists([column]))
                    .map_err(err)?;
                if !present {
                    tx.execute_batch(&format!(
                        "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
                    ))
                    .map_err(err)?;
                }
            }
        }
        tx.pragma_update(
            None,
            "user_version",
            u32::try_from(i + 1).unwrap_or(u32::MAX),
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

fn to_i64(n: u64) -> i64 {
    i64::from_ne_bytes(n.to_ne_bytes())
}

fn to_u64(n: i64) -> u64 {
    u64::from_ne_bytes(n.to_ne_bytes())
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn selection_text(selection: &Selection) -> String {
    serde_json::to_string(selection).unwrap_or_else(|_| "{}".to_owned())
}

#[async_trait]
impl HistoryStore for SqliteStore {
    async fn append(&self, sweep: NewSweep, fold: &Fold<'_>) -> Result<Recorded, StoreError> {
        self.write_tx(|tx| self.record(tx, None, sweep, fold))
    }

    async fn begin(&self, started_at: Timestamp, selection: &Selection) -> Result<u64, StoreError> {
        blocking(|| {
            let conn = self.writer();
            conn.execute(
                "INSERT INTO sweeps (status, started_at, finished_at, selection, panels, bound, blocked, unverified)
                 VALUES ('running', ?1, ?1, ?2, 0, 0, 0, 0)",
                params![started_at.to_string(), selection_text(selection)],
            )
            .map_err(|e| self.err(e))?;
            Ok(to_u64(conn.last_insert_rowid()))
        })
    }

    async fn finish(
        &self,
        id: u64,
        sweep: NewSweep,
        fold: &Fold<'_>,
    ) -> Result<Recorded, StoreError> {
        self.write_tx(|tx| self.record(tx, Some(id), sweep, fold))
    }

    async fn abandon_running(&self) -> Result<usize, StoreError> {
        blocking(|| {
            self.writer()
                .execute(
                    "UPDATE sweeps SET status = 'abandoned' WHERE status = 'running'",
                    [],
                )
                .map_err(|e| self.err(e))
        })
    }

    async fn view(&self, fold: &Fold<'_>) -> Result<View, StoreError> {
        let fresh = match self.read_tx(|tx| self.fresh_view(tx, fold))? {
            Some(fresh) => fresh,
            None => {
                // The snapshot is stale or missing: rebuild it, once, under the write lock.
                self.write_tx(|tx| self.current(tx, fold).map(|_| ()))?;
                self.read_tx(|tx| self.fresh_view(tx, fold))?
                    .ok_or_else(|| StoreError::Snapshot {
                        path: self.path.display().to_string(),
                        which: "current",
                        reason: "stale again right after a rebuild: another hisar with another trust policy is writing this history".to_owned(),
                    })?
            }
        };
        let (version, summaries, bytes) = fresh;
        let ledger = blocking(|| self.decode(fold, "current", &bytes))?;
        Ok(View {
            version,
            ledger,
            summaries,
        })
    }

    async fn summaries(&self) -> Result<Vec<SweepSummary>, StoreError> {
        self.read_tx(|tx| self.read_summaries(tx))
    }

    async fn sweep(&self, id: u64) -> Result<Option<SweepRecord>, StoreError> {
        self.read_tx(|tx| self.load_sweep(tx, id))
    }

    async fn panel_history(
        &self,
        panel: &str,
        limit: usize,
    ) -> Result<Vec<PanelEntry>, StoreError> {
        self.read_tx(|tx| self.read_panel_history(tx, panel, limit))
    }

    async fn record(&self, sweep: u64, panel: &str) -> Result<Option<PanelRecord>, StoreError> {
        self.read_tx(|tx| self.read_record(tx, sweep, panel))
    }

    async fn recent_records(
        &self,
        panels: &[String],
        limit: usize,
    ) -> Result<std::collections::BTreeMap<String, Vec<PanelEntry>>, StoreError> {
        let lookback = limit.saturating_mul(RECENT_LOOKBACK);
        self.read_tx(|tx| self.read_recent_records(tx, panels, limit, lookback))
    }

    async fn tracked_at(
        &self,
        at: u64,
        panels: &[String],
    ) -> Result<Option<Vec<Transition>>, StoreError> {
        self.read_tx(|tx| self.read_tracked_at(tx, at, panels))
    }

    async fn changes(&self, from: u64, to: u64) -> Result<Option<Vec<Change>>, StoreError> {
        self.read_tx(|tx| self.read_changes(tx, from, to))
    }

    async fn transitions(&self, from: u64, to: u64) -> Result<Option<Vec<Transition>>, StoreError> {
        self.read_tx(|tx| self.read_transitions(tx, from, to))
    }

    async fn prune(&self, before: Timestamp, fold: &Fold<'_>) -> Result<Pruned, StoreError> {
        self.write_tx(|tx| self.prune_before(tx, before, fold))
    }

    async fn version(&self) -> Result<u64, StoreError> {
        let conn = self.reader();
        read::history_version(&conn).map_err(|e| self.err(e))
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        blocking(|| {
            self.reader()
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| self.err(e))
        })
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        blocking(|| {
            self.writer()
                .execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )
                .map(|_| ())
                .map_err(|e| self.err(e))
        })
    }
}
