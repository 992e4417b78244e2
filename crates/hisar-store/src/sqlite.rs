//! History in one SQLite file (`STATE_DIR/history.db`), shared by the CLI and the service. A
//! sweep is written in one transaction after it completes, in WAL mode with full
//! synchronisation: a process killed at any point leaves the previous history intact and
//! readable.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use hisar_core::history::{NewSweep, PanelRecord, Selection, SweepRecord};

use crate::{HistoryStore, StoreError, SweepStatus, SweepSummary};
use hisar_core::{Status, Verdict};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

/// History in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
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
";

/// Columns added after the first schema, created on open when a database lacks them: (table,
/// column, declaration). Rows written before keep `NULL`.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    // The probe identity besides the endpoint (SPEC §5.2), as JSON.
    ("verdicts", "identity", "TEXT"),
];

impl SqliteStore {
    /// The database file inside a state directory.
    pub const FILE: &'static str = "history.db";

    /// Opens (creating if needed) `DIR/history.db`.
    pub fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        Self::open(&dir.join(Self::FILE))
    }

    /// Opens (creating if needed) a database file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let err = |source| StoreError::sqlite(path, source);
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        for (table, column, declaration) in ADDED_COLUMNS {
            let present: bool = conn
                .prepare(&format!(
                    "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
                ))
                .and_then(|mut stmt| stmt.exists([column]))
                .map_err(err)?;
            if !present {
                conn.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
                ))
                .map_err(err)?;
            }
        }
        Ok(Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, source)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn corrupt(&self, sweep: u64, reason: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: self.path.display().to_string(),
            sweep,
            reason: reason.into(),
        }
    }
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

type SummaryRow = (i64, String, String, String, String, i64, i64, i64, i64);

impl SqliteStore {
    fn summary_from(&self, row: SummaryRow) -> Result<SweepSummary, StoreError> {
        let (id, status, started, finished, selection, panels, bound, blocked, unverified) = row;
        let id = to_u64(id);
        let status = match status.as_str() {
            "running" => SweepStatus::Running,
            "abandoned" => SweepStatus::Abandoned,
            "complete" => SweepStatus::Complete,
            other => return Err(self.corrupt(id, format!("status {other:?}"))),
        };
        let time = |text: &str| {
            text.parse::<Timestamp>()
                .map_err(|e| self.corrupt(id, format!("time {text:?}: {e}")))
        };
        Ok(SweepSummary {
            id,
            status,
            started_at: time(&started)?,
            finished_at: time(&finished)?,
            selection: serde_json::from_str(&selection)
                .map_err(|e| self.corrupt(id, format!("selection: {e}")))?,
            panels: usize::try_from(panels).unwrap_or_default(),
            bound: usize::try_from(bound).unwrap_or_default(),
            blocked: usize::try_from(blocked).unwrap_or_default(),
            unverified: usize::try_from(unverified).unwrap_or_default(),
        })
    }
}

impl SqliteStore {
    /// Writes a sweep's row (insert, or update of a begun one) and its verdicts in one
    /// transaction.
    fn write(&self, reserved: Option<u64>, sweep: NewSweep) -> Result<SweepRecord, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let (mut bound, mut blocked, mut unverified) = (0, 0, 0);
        for r in &sweep.records {
            match r.verdict.status() {
                Status::Bound => bound += 1,
                Status::Blocked => blocked += 1,
                Status::Unverified => unverified += 1,
            }
        }
        let selection = serde_json::to_string(&sweep.selection).unwrap_or_else(|_| "{}".to_owned());
        let values = params![
            sweep.started_at.to_string(),
            sweep.finished_at.to_string(),
            selection,
            count(sweep.records.len()),
            bound,
            blocked,
            unverified
        ];
        let id = match reserved {
            None => {
                tx.execute(
                    "INSERT INTO sweeps (status, started_at, finished_at, selection, panels, bound, blocked, unverified)
                     VALUES ('complete', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    values,
                )
                .map_err(|e| self.err(e))?;
                to_u64(tx.last_insert_rowid())
            }
            Some(id) => {
                let changed = tx
                    .execute(
                        "UPDATE sweeps SET status = 'complete', started_at = ?1, finished_at = ?2, selection = ?3,
                         panels = ?4, bound = ?5, blocked = ?6, unverified = ?7 WHERE id = ?8 AND status = 'running'",
                        params![
                            sweep.started_at.to_string(),
                            sweep.finished_at.to_string(),
                            serde_json::to_string(&sweep.selection).unwrap_or_else(|_| "{}".to_owned()),
                            count(sweep.records.len()),
                            bound,
                            blocked,
                            unverified,
                            to_i64(id)
                        ],
                    )
                    .map_err(|e| self.err(e))?;
                if changed != 1 {
                    return Err(self.corrupt(id, "finish of a sweep that is not running"));
                }
                id
            }
        };
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO verdicts (sweep_id, seq, panel, capability, endpoint, fingerprint, status, code, verdict, identity)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(|e| self.err(e))?;
            for (seq, r) in sweep.records.iter().enumerate() {
                let verdict = serde_json::to_string(&r.verdict)
                    .map_err(|e| self.corrupt(id, e.to_string()))?;
                let identity = r
                    .identity
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| self.corrupt(id, e.to_string()))?;
                insert
                    .execute(params![
                        to_i64(id),
                        count(seq),
                        r.panel,
                        r.capability,
                        r.endpoint,
                        to_i64(r.invariants_fingerprint),
                        r.verdict.status().as_str(),
                        r.verdict.code().map(hisar_core::GapCode::as_str),
                        verdict,
                        identity
                    ])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(SweepRecord::from_new(id, sweep))
    }

    fn load(&self, only: Option<u64>) -> Result<Vec<SweepRecord>, StoreError> {
        let summaries: Vec<SweepSummary> = self
            .summaries()?
            .into_iter()
            .filter(|s| s.status == SweepStatus::Complete && only.is_none_or(|id| id == s.id))
            .collect();
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT v.sweep_id, v.panel, v.capability, v.endpoint, v.fingerprint, v.verdict, v.identity
                 FROM verdicts v JOIN sweeps s ON s.id = v.sweep_id
                 WHERE s.status = 'complete' AND (?1 IS NULL OR v.sweep_id = ?1)
                 ORDER BY v.sweep_id, v.seq",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([only.map(to_i64)]).map_err(|e| self.err(e))?;
        let mut sweeps: Vec<SweepRecord> = summaries
            .into_iter()
            .map(|s| SweepRecord {
                id: s.id,
                started_at: s.started_at,
                finished_at: s.finished_at,
                selection: s.selection,
                records: Vec::with_capacity(s.panels),
            })
            .collect();
        let mut at = 0;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let sweep = to_u64(row.get(0).map_err(|e| self.err(e))?);
            while at < sweeps.len() && sweeps[at].id != sweep {
                at += 1;
            }
            let Some(target) = sweeps.get_mut(at) else {
                return Err(self.corrupt(sweep, "verdicts of an unknown sweep"));
            };
            let verdict_text: String = row.get(5).map_err(|e| self.err(e))?;
            let verdict: Verdict = serde_json::from_str(&verdict_text)
                .map_err(|e| self.corrupt(sweep, e.to_string()))?;
            let identity_text: Option<String> = row.get(6).map_err(|e| self.err(e))?;
            let identity = identity_text
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| self.corrupt(sweep, format!("identity: {e}")))?;
            target.records.push(PanelRecord {
                panel: row.get(1).map_err(|e| self.err(e))?,
                capability: row.get(2).map_err(|e| self.err(e))?,
                endpoint: row.get(3).map_err(|e| self.err(e))?,
                invariants_fingerprint: to_u64(row.get(4).map_err(|e| self.err(e))?),
                identity,
                verdict,
            });
        }
        Ok(sweeps)
    }
}

impl HistoryStore for SqliteStore {
    fn append(&self, sweep: NewSweep) -> Result<SweepRecord, StoreError> {
        self.write(None, sweep)
    }

    fn begin(&self, started_at: Timestamp, selection: &Selection) -> Result<u64, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO sweeps (status, started_at, finished_at, selection, panels, bound, blocked, unverified)
             VALUES ('running', ?1, ?1, ?2, 0, 0, 0, 0)",
            params![started_at.to_string(), serde_json::to_string(selection).unwrap_or_else(|_| "{}".to_owned())],
        )
        .map_err(|e| self.err(e))?;
        Ok(to_u64(conn.last_insert_rowid()))
    }

    fn finish(&self, id: u64, sweep: NewSweep) -> Result<SweepRecord, StoreError> {
        self.write(Some(id), sweep)
    }

    fn abandon_running(&self) -> Result<usize, StoreError> {
        self.lock()
            .execute(
                "UPDATE sweeps SET status = 'abandoned' WHERE status = 'running'",
                [],
            )
            .map_err(|e| self.err(e))
    }

    fn sweeps(&self) -> Result<Vec<SweepRecord>, StoreError> {
        self.load(None)
    }

    fn sweep(&self, id: u64) -> Result<Option<SweepRecord>, StoreError> {
        Ok(self.load(Some(id))?.pop())
    }

    fn summaries(&self) -> Result<Vec<SweepSummary>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, status, started_at, finished_at, selection, panels, bound, blocked, unverified FROM sweeps ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows: Vec<SummaryRow> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        drop(stmt);
        drop(conn);
        rows.into_iter().map(|row| self.summary_from(row)).collect()
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.lock()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use hisar_core::{Evidence, Outcome};

    use super::*;

    fn record(panel: &str, outcome: Outcome) -> PanelRecord {
        PanelRecord {
            panel: panel.into(),
            capability: "a.b".into(),
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

    #[test]
    fn begun_sweeps_join_history_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(dir.path()).unwrap();
        let at: Timestamp = "2026-01-15T07:58:01Z".parse().unwrap();
        let id = store.begin(at, &Selection::default()).unwrap();
        assert_eq!(store.summaries().unwrap()[0].status, SweepStatus::Running);
        assert!(
            store.sweeps().unwrap().is_empty(),
            "a running sweep is not history"
        );
        let new = NewSweep {
            started_at: at,
            finished_at: at,
            selection: Selection::default(),
            records: vec![record("A-B-C-O1", Outcome::Bound)],
        };
        let done = store.finish(id, new.clone()).unwrap();
        assert_eq!(done.id, id);
        assert!(store.finish(id, new.clone()).is_err(), "finished once");
        assert_eq!(store.sweeps().unwrap().len(), 1);
        let other = store.begin(at, &Selection::default()).unwrap();
        assert_eq!(store.abandon_running().unwrap(), 1);
        let summaries = store.summaries().unwrap();
        assert_eq!(summaries[1].status, SweepStatus::Abandoned);
        assert!(
            store.finish(other, new).is_err(),
            "an abandoned sweep stays out of history"
        );
        assert_eq!(store.sweeps().unwrap().len(), 1);
    }

    #[test]
    fn appends_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_dir(&dir.path().join("state")).unwrap();
        let at: Timestamp = "2026-01-15T07:58:01.5Z".parse().unwrap();
        let first = store
            .append(NewSweep {
                started_at: at,
                finished_at: at,
                selection: Selection::default(),
                records: vec![
                    record("A-B-C-O1", Outcome::Bound),
                    record(
                        "A-B-C-O2",
                        Outcome::Unverified {
                            reason: "down".into(),
                        },
                    ),
                ],
            })
            .unwrap();
        assert_eq!(first.id, 1);
        let second = store
            .append(NewSweep {
                started_at: at,
                finished_at: at,
                selection: Selection {
                    panels: vec!["A-B-C-O1".into()],
                    domains: vec![],
                },
                // The probe identity is stored with the verdict (SPEC §5.2).
                records: vec![PanelRecord {
                    identity: Some(hisar_core::history::ProbeIdentity {
                        auth: "observer".into(),
                        params: u64::MAX - 1,
                    }),
                    ..record("A-B-C-O1", Outcome::Bound)
                }],
            })
            .unwrap();
        assert_eq!(second.id, 2);
        drop(store);
        let store = SqliteStore::open_dir(&dir.path().join("state")).unwrap();
        let sweeps = store.sweeps().unwrap();
        assert_eq!(sweeps, vec![first, second]);
        let summaries = store.summaries().unwrap();
        assert_eq!((summaries[0].bound, summaries[0].unverified), (1, 1));
        assert_eq!(store.sweep(2).unwrap().unwrap().records.len(), 1);
        assert_eq!(store.sweep(9).unwrap(), None);
        assert_eq!(store.setting("tracker").unwrap(), None);
        store.set_setting("tracker", "a.md").unwrap();
        store.set_setting("tracker", "b.md").unwrap();
        assert_eq!(store.setting("tracker").unwrap().as_deref(), Some("b.md"));
    }
}
