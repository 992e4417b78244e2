//! Reading rows back: summaries, sweeps, a panel's records, transitions, the snapshot.

use hisar_core::history::{Change, PanelRecord, ProbeIdentity, SweepRecord, Tracked};
use hisar_core::{GapCode, Status, Verdict};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{SqliteStore, to_i64, to_u64};
use crate::fold::{Freshness, SnapshotKey};
use crate::{Fold, PanelEntry, StoreError, SweepStatus, SweepSummary, TrackedCounts, Transition};

/// What a view reads in one transaction: the history version, the summaries, the snapshot's
/// bytes.
pub(super) type FreshView = (u64, Vec<SweepSummary>, Vec<u8>);

/// A stored snapshot: its key, the history position it is at, and its bytes.
pub(super) struct StoredSnapshot {
    pub(super) key: SnapshotKey,
    pub(super) seq: u64,
    pub(super) bytes: Vec<u8>,
}

pub(super) fn history_version(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = 'history_version'")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(to_u64)
}

const SUMMARY_COLUMNS: &str = "id, status, started_at, finished_at, selection, panels, bound, blocked, unverified, tracked_bound, tracked_blocked, tracked_total";

type SummaryRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
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
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ))
}

fn size(n: i64) -> usize {
    usize::try_from(n).unwrap_or_default()
}

impl SqliteStore {
    pub(super) fn time(&self, sweep: u64, text: &str) -> Result<Timestamp, StoreError> {
        text.parse::<Timestamp>()
            .map_err(|e| self.corrupt(sweep, format!("time {text:?}: {e}")))
    }

    fn summary_from(&self, row: SummaryRow) -> Result<SweepSummary, StoreError> {
        let (
            id,
            status,
            started,
            finished,
            selection,
            panels,
            bound,
            blocked,
            unverified,
            tb,
            tk,
            tt,
        ) = row;
        let id = to_u64(id);
        let status = match status.as_str() {
            "running" => SweepStatus::Running,
            "abandoned" => SweepStatus::Abandoned,
            "complete" => SweepStatus::Complete,
            other => return Err(self.corrupt(id, format!("status {other:?}"))),
        };
        let tracked = match (status, tb, tk, tt) {
            (SweepStatus::Complete, Some(bound), Some(blocked), Some(total)) => {
                Some(TrackedCounts {
                    bound: size(bound),
                    blocked: size(blocked),
                    total: size(total),
                })
            }
            _ => None,
        };
        Ok(SweepSummary {
            id,
            status,
            started_at: self.time(id, &started)?,
            finished_at: self.time(id, &finished)?,
            selection: serde_json::from_str(&selection)
                .map_err(|e| self.corrupt(id, format!("selection: {e}")))?,
            panels: size(panels),
            bound: size(bound),
            blocked: size(blocked),
            unverified: size(unverified),
            tracked,
        })
    }

    pub(super) fn read_summaries(
        &self,
        tx: &Transaction<'_>,
    ) -> Result<Vec<SweepSummary>, StoreError> {
        let mut stmt = tx
            .prepare_cached(&format!("SELECT {SUMMARY_COLUMNS} FROM sweeps ORDER BY id"))
            .map_err(|e| self.err(e))?;
        let rows: Vec<SummaryRow> = stmt
            .query_map([], summary_row)
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter().map(|row| self.summary_from(row)).collect()
    }

    /// One complete sweep with its records.
    pub(super) fn load_sweep(
        &self,
        tx: &Transaction<'_>,
        id: u64,
    ) -> Result<Option<SweepRecord>, StoreError> {
        let row = tx
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM sweeps WHERE id = ?1 AND status = 'complete'"
            ))
            .map_err(|e| self.err(e))?
            .query_row([to_i64(id)], summary_row)
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let summary = self.summary_from(row)?;
        let mut stmt = tx
            .prepare_cached(
                "SELECT panel, capability, endpoint, fingerprint, verdict, identity FROM verdicts
                 WHERE sweep_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([to_i64(id)]).map_err(|e| self.err(e))?;
        let mut records = Vec::with_capacity(summary.panels);
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            records.push(self.panel_record(id, row, 0)?);
        }
        Ok(Some(SweepRecord {
            id,
            started_at: summary.started_at,
            finished_at: summary.finished_at,
            selection: summary.selection,
            records,
        }))
    }

    /// A panel record from five columns starting at `at`: panel, capability, endpoint,
    /// fingerprint, verdict.
    fn panel_record(
        &self,
        sweep: u64,
        row: &rusqlite::Row<'_>,
        at: usize,
    ) -> Result<PanelRecord, StoreError> {
        let verdict_text: String = row.get(at + 4).map_err(|e| self.err(e))?;
        let verdict: Verdict =
            serde_json::from_str(&verdict_text).map_err(|e| self.corrupt(sweep, e.to_string()))?;
        let identity_text: Option<String> = row.get(at + 5).map_err(|e| self.err(e))?;
        Ok(PanelRecord {
            panel: row.get(at).map_err(|e| self.err(e))?,
            capability: row.get(at + 1).map_err(|e| self.err(e))?,
            endpoint: row.get(at + 2).map_err(|e| self.err(e))?,
            invariants_fingerprint: to_u64(row.get(at + 3).map_err(|e| self.err(e))?),
            identity: self.identity(sweep, identity_text)?,
            verdict,
        })
    }

    fn identity(
        &self,
        sweep: u64,
        text: Option<String>,
    ) -> Result<Option<ProbeIdentity>, StoreError> {
        text.map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| self.corrupt(sweep, format!("identity: {e}")))
    }

    /// Complete sweeps, newest first: (id, started at).
    fn newest_sweeps(&self, tx: &Transaction<'_>) -> Result<Vec<(u64, String)>, StoreError> {
        tx.prepare_cached(
            "SELECT id, started_at FROM sweeps WHERE status = 'complete' ORDER BY id DESC",
        )
        .and_then(|mut s| {
            s.query_map([], |r| Ok((to_u64(r.get(0)?), r.get(1)?)))?
                .collect()
        })
        .map_err(|e| self.err(e))
    }

    /// A panel's newest records: one lookup per sweep, newest first, by `(sweep_id, panel)`.
    pub(super) fn read_panel_history(
        &self,
        tx: &Transaction<'_>,
        panel: &str,
        limit: usize,
    ) -> Result<Vec<PanelEntry>, StoreError> {
        let mut out = Vec::new();
        for (sweep, at) in self.newest_sweeps(tx)? {
            if out.len() >= limit {
                break;
            }
            if let Some(record) = self.read_record(tx, sweep, panel)? {
                out.push(PanelEntry {
                    sweep,
                    at: self.time(sweep, &at)?,
                    record,
                });
            }
        }
        Ok(out)
    }

    /// Many panels' newest records at once: whole sweeps read newest first, in key order, until
    /// every panel has `limit` or `lookback` sweeps were read.
    pub(super) fn read_recent_records(
        &self,
        tx: &Transaction<'_>,
        panels: &[String],
        limit: usize,
        lookback: usize,
    ) -> Result<std::collections::BTreeMap<String, Vec<PanelEntry>>, StoreError> {
        let mut wanted: std::collections::HashMap<&str, usize> =
            panels.iter().map(|p| (p.as_str(), 0)).collect();
        let mut out: std::collections::BTreeMap<String, Vec<PanelEntry>> =
            std::collections::BTreeMap::new();
        let mut unfinished = if limit == 0 { 0 } else { wanted.len() };
        let mut stmt = tx
            .prepare_cached(
                "SELECT panel, capability, endpoint, fingerprint, verdict, identity FROM verdicts
                 WHERE sweep_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        for (sweep, at) in self.newest_sweeps(tx)?.into_iter().take(lookback) {
            if unfinished == 0 {
                break;
            }
            let at = self.time(sweep, &at)?;
            let mut rows = stmt.query([to_i64(sweep)]).map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                let panel: String = row.get(0).map_err(|e| self.err(e))?;
                let Some(count) = wanted.get_mut(panel.as_str()) else {
                    continue;
                };
                if *count >= limit {
                    continue;
                }
                *count += 1;
                if *count == limit {
                    unfinished -= 1;
                }
                let record = self.panel_record(sweep, row, 0)?;
                out.entry(panel)
                    .or_default()
                    .push(PanelEntry { sweep, at, record });
            }
        }
        Ok(out)
    }

    pub(super) fn read_record(
        &self,
        tx: &Transaction<'_>,
        sweep: u64,
        panel: &str,
    ) -> Result<Option<PanelRecord>, StoreError> {
        let mut stmt = tx
            .prepare_cached(
                "SELECT v.panel, v.capability, v.endpoint, v.fingerprint, v.verdict, v.identity
                 FROM verdicts v JOIN sweeps s ON s.id = v.sweep_id
                 WHERE v.sweep_id = ?2 AND v.panel = ?1 AND s.status = 'complete' LIMIT 1",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![panel, to_i64(sweep)])
            .map_err(|e| self.err(e))?;
        match rows.next().map_err(|e| self.err(e))? {
            Some(row) => self.panel_record(sweep, row, 0).map(Some),
            None => Ok(None),
        }
    }

    /// The history position of a complete sweep.
    pub(super) fn seq_of(&self, tx: &Transaction<'_>, id: u64) -> Result<Option<u64>, StoreError> {
        tx.prepare_cached("SELECT seq FROM sweeps WHERE id = ?1 AND status = 'complete'")
            .map_err(|e| self.err(e))?
            .query_row([to_i64(id)], |r| r.get::<_, Option<i64>>(0))
            .optional()
            .map(|seq| seq.flatten().map(to_u64))
            .map_err(|e| self.err(e))
    }

    fn tracked_from(
        &self,
        sweep: u64,
        status: &str,
        code: Option<&str>,
    ) -> Result<Tracked, StoreError> {
        let status: Status = status
            .parse()
            .map_err(|_| self.corrupt(sweep, format!("transition status {status:?}")))?;
        let code = code
            .map(|c| {
                c.parse::<GapCode>()
                    .map_err(|_| self.corrupt(sweep, format!("transition code {c:?}")))
            })
            .transpose()?;
        Ok(Tracked { status, code })
    }

    /// A transition from its row: sweep id, panel, status, code, endpoint, identity.
    fn transition(&self, row: &rusqlite::Row<'_>) -> Result<Transition, StoreError> {
        let sweep = to_u64(row.get(0).map_err(|e| self.err(e))?);
        let status: String = row.get(2).map_err(|e| self.err(e))?;
        let code: Option<String> = row.get(3).map_err(|e| self.err(e))?;
        Ok(Transition {
            sweep,
            panel: row.get(1).map_err(|e| self.err(e))?,
            tracked: self.tracked_from(sweep, &status, code.as_deref())?,
            endpoint: row.get(4).map_err(|e| self.err(e))?,
            identity: self.identity(sweep, row.get(5).map_err(|e| self.err(e))?)?,
        })
    }

    pub(super) fn read_tracked_at(
        &self,
        tx: &Transaction<'_>,
        at: u64,
        panels: &[String],
    ) -> Result<Option<Vec<Transition>>, StoreError> {
        let Some(seq) = self.seq_of(tx, at)? else {
            return Ok(None);
        };
        let mut stmt = tx
            .prepare_cached(
                "SELECT sweep_id, panel, status, code, endpoint, identity FROM transitions
                 WHERE panel = ?1 AND seq <= ?2 ORDER BY seq DESC LIMIT 1",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for panel in panels {
            let mut rows = stmt
                .query(params![panel, to_i64(seq)])
                .map_err(|e| self.err(e))?;
            if let Some(row) = rows.next().map_err(|e| self.err(e))? {
                out.push(self.transition(row)?);
            }
        }
        Ok(Some(out))
    }

    pub(super) fn read_transitions(
        &self,
        tx: &Transaction<'_>,
        from: u64,
        to: u64,
    ) -> Result<Option<Vec<Transition>>, StoreError> {
        let (Some(a), Some(b)) = (self.seq_of(tx, from)?, self.seq_of(tx, to)?) else {
            return Ok(None);
        };
        let (lo, hi) = (a.min(b), a.max(b));
        let mut stmt = tx
            .prepare_cached(
                "SELECT sweep_id, panel, status, code, endpoint, identity FROM transitions
                 WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, panel",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![to_i64(lo), to_i64(hi)])
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            out.push(self.transition(row)?);
        }
        Ok(Some(out))
    }

    pub(super) fn read_changes(
        &self,
        tx: &Transaction<'_>,
        from: u64,
        to: u64,
    ) -> Result<Option<Vec<Change>>, StoreError> {
        let (Some(a), Some(b)) = (self.seq_of(tx, from)?, self.seq_of(tx, to)?) else {
            return Ok(None);
        };
        let mut stmt = tx
            .prepare_cached(
                "SELECT sweep_id, change FROM changes WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, n",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![to_i64(a), to_i64(b)])
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let sweep = to_u64(row.get(0).map_err(|e| self.err(e))?);
            let text: String = row.get(1).map_err(|e| self.err(e))?;
            out.push(
                serde_json::from_str(&text)
                    .map_err(|e| self.corrupt(sweep, format!("change: {e}")))?,
            );
        }
        Ok(Some(out))
    }

    pub(super) fn read_snapshot(
        &self,
        tx: &Transaction<'_>,
        which: &str,
    ) -> Result<Option<StoredSnapshot>, StoreError> {
        tx.prepare_cached(
            "SELECT fold_version, policy, seq, ledger FROM snapshots WHERE which = ?1",
        )
        .map_err(|e| self.err(e))?
        .query_row([which], |r| {
            Ok(StoredSnapshot {
                key: SnapshotKey {
                    fold_version: r.get(0)?,
                    policy: r.get(1)?,
                },
                seq: to_u64(r.get(2)?),
                bytes: r.get(3)?,
            })
        })
        .optional()
        .map_err(|e| self.err(e))
    }

    /// The latest history position, and whether complete sweeps without one exist (recorded
    /// by a hisar that kept no snapshot).
    pub(super) fn history_end(&self, tx: &Transaction<'_>) -> Result<(u64, bool), StoreError> {
        tx.prepare_cached(
            "SELECT COALESCE(MAX(seq), 0), COUNT(*) FILTER (WHERE seq IS NULL AND status = 'complete') FROM sweeps",
        )
        .map_err(|e| self.err(e))?
        .query_row([], |r| Ok((to_u64(r.get(0)?), r.get::<_, i64>(1)? > 0)))
        .map_err(|e| self.err(e))
    }

    /// Whether the current snapshot can be used as it is.
    pub(super) fn usable(
        &self,
        tx: &Transaction<'_>,
        snapshot: Option<&StoredSnapshot>,
        fold: &Fold<'_>,
    ) -> Result<bool, StoreError> {
        let Some(snapshot) = snapshot else {
            return Ok(false);
        };
        match fold.freshness(&snapshot.key) {
            Freshness::Newer => Err(StoreError::Newer {
                path: self.path.display().to_string(),
                what: "fold",
                found: snapshot.key.fold_version,
                known: fold.key().fold_version,
            }),
            Freshness::Stale => Ok(false),
            Freshness::Fresh => {
                let (end, unsequenced) = self.history_end(tx)?;
                Ok(snapshot.seq == end && !unsequenced)
            }
        }
    }

    pub(super) fn decode(
        &self,
        fold: &Fold<'_>,
        which: &'static str,
        bytes: &[u8],
    ) -> Result<hisar_core::history::Ledger, StoreError> {
        fold.decode(bytes).map_err(|e| StoreError::Snapshot {
            path: self.path.display().to_string(),
            which,
            reason: e.to_string(),
        })
    }

    /// The history version, the summaries and the snapshot's bytes, if the stored snapshot is
    /// fresh. The bytes are decoded by the caller, after the read connection is released.
    pub(super) fn fresh_view(
        &self,
        tx: &Transaction<'_>,
        fold: &Fold<'_>,
    ) -> Result<Option<FreshView>, StoreError> {
        let snapshot = self.read_snapshot(tx, "current")?;
        if !self.usable(tx, snapshot.as_ref(), fold)? {
            return Ok(None);
        }
        let version = history_version(tx).map_err(|e| self.err(e))?;
        let summaries = self.read_summaries(tx)?;
        Ok(snapshot.map(|s| (version, summaries, s.bytes)))
    }
}
