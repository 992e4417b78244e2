//! Writing history: a sweep with its fold in one transaction, rebuilding a stale snapshot, and
//! pruning with the snapshot intact.

use hisar_core::history::{Ledger, NewSweep, SweepRecord};
use hisar_core::{GapCode, Status};
use jiff::Timestamp;
use rusqlite::{Transaction, params};

use super::{SqliteStore, count, selection_text, to_i64, to_u64};
use crate::fold::Advance;
use crate::{Fold, Pruned, Recorded, StoreError};

impl SqliteStore {
    /// Records a sweep (a new row, or the row a begun sweep reserved) with its verdicts, folds
    /// it into the snapshot and writes what folding gives.
    pub(super) fn record(
        &self,
        tx: &Transaction<'_>,
        reserved: Option<u64>,
        sweep: NewSweep,
        fold: &Fold<'_>,
    ) -> Result<Recorded, StoreError> {
        let mut ledger = self.current(tx, fold)?;
        let (end, _) = self.history_end(tx)?;
        let seq = end + 1;
        let (mut bound, mut blocked, mut unverified) = (0, 0, 0);
        for r in &sweep.records {
            match r.verdict.status() {
                Status::Bound => bound += 1,
                Status::Blocked => blocked += 1,
                Status::Unverified => unverified += 1,
            }
        }
        let values = params![
            sweep.started_at.to_string(),
            sweep.finished_at.to_string(),
            selection_text(&sweep.selection),
            count(sweep.records.len()),
            bound,
            blocked,
            unverified,
            to_i64(seq),
        ];
        let id = match reserved {
            None => {
                tx.execute(
                    "INSERT INTO sweeps (status, started_at, finished_at, selection, panels, bound, blocked, unverified, seq)
                     VALUES ('complete', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    values,
                )
                .map_err(|e| self.err(e))?;
                to_u64(tx.last_insert_rowid())
            }
            Some(id) => {
                let changed = tx
                    .execute(
                        "UPDATE sweeps SET status = 'complete', started_at = ?1, finished_at = ?2, selection = ?3,
                         panels = ?4, bound = ?5, blocked = ?6, unverified = ?7, seq = ?8 WHERE id = ?9 AND status = 'running'",
                        params![
                            sweep.started_at.to_string(),
                            sweep.finished_at.to_string(),
                            selection_text(&sweep.selection),
                            count(sweep.records.len()),
                            bound,
                            blocked,
                            unverified,
                            to_i64(seq),
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
                .prepare_cached(
                    "INSERT INTO verdicts (sweep_id, seq, panel, capability, endpoint, fingerprint, status, code, verdict, identity)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(|e| self.err(e))?;
            for (i, r) in sweep.records.iter().enumerate() {
                let text = serde_json::to_string(&r.verdict)
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
                        count(i),
                        r.panel,
                        r.capability,
                        r.endpoint,
                        to_i64(r.invariants_fingerprint),
                        r.verdict.status().as_str(),
                        r.verdict.code().map(GapCode::as_str),
                        text,
                        identity
                    ])
                    .map_err(|e| self.err(e))?;
            }
        }
        let sweep = SweepRecord::from_new(id, sweep);
        let advance = fold.advance(&mut ledger, &sweep);
        self.write_advance(tx, id, seq, &advance)?;
        self.write_snapshot(tx, "current", fold, seq, &ledger)?;
        self.bump_version(tx)?;
        Ok(Recorded {
            sweep,
            changes: advance.changes,
            ledger,
        })
    }

    /// The ledger after the latest sweep: the stored snapshot when it is fresh, or rebuilt
    /// from the base (where pruned history ends) and the stored sweeps, and stored again.
    pub(super) fn current(
        &self,
        tx: &Transaction<'_>,
        fold: &Fold<'_>,
    ) -> Result<Ledger, StoreError> {
        let snapshot = self.read_snapshot(tx, "current")?;
        if self.usable(tx, snapshot.as_ref(), fold)? {
            let bytes = snapshot.map(|s| s.bytes).unwrap_or_default();
            return self.decode(fold, "current", &bytes);
        }
        self.rebuild(tx, fold)
    }

    /// Folds every stored sweep after the base again, rewriting the transitions, the tracked
    /// counts and the current snapshot.
    fn rebuild(&self, tx: &Transaction<'_>, fold: &Fold<'_>) -> Result<Ledger, StoreError> {
        // Sweeps recorded by a hisar that kept no snapshot join history in id order.
        let (end, unsequenced) = self.history_end(tx)?;
        if unsequenced {
            let ids: Vec<i64> = tx
                .prepare(
                    "SELECT id FROM sweeps WHERE status = 'complete' AND seq IS NULL ORDER BY id",
                )
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .map_err(|e| self.err(e))?;
            for (i, id) in ids.into_iter().enumerate() {
                tx.execute(
                    "UPDATE sweeps SET seq = ?1 WHERE id = ?2",
                    params![to_i64(end + 1 + i as u64), id],
                )
                .map_err(|e| self.err(e))?;
            }
        }
        let (mut ledger, base) = match self.read_snapshot(tx, "base")? {
            Some(base) => (self.decode(fold, "base", &base.bytes)?, base.seq),
            None => (fold.empty(), 0),
        };
        tx.execute("DELETE FROM transitions WHERE seq > ?1", [to_i64(base)])
            .map_err(|e| self.err(e))?;
        tx.execute("DELETE FROM changes WHERE seq > ?1", [to_i64(base)])
            .map_err(|e| self.err(e))?;
        let sweeps = self.sequenced_after(tx, base)?;
        let mut last = base;
        for (id, seq) in sweeps {
            let Some(sweep) = self.load_sweep(tx, id)? else {
                continue;
            };
            let advance = fold.advance(&mut ledger, &sweep);
            self.write_advance(tx, id, seq, &advance)?;
            last = seq;
        }
        self.write_snapshot(tx, "current", fold, last, &ledger)?;
        self.bump_version(tx)?;
        Ok(ledger)
    }

    /// (id, seq) of the complete sweeps after a history position, in history order.
    fn sequenced_after(
        &self,
        tx: &Transaction<'_>,
        after: u64,
    ) -> Result<Vec<(u64, u64)>, StoreError> {
        tx.prepare_cached(
            "SELECT id, seq FROM sweeps WHERE status = 'complete' AND seq > ?1 ORDER BY seq",
        )
        .and_then(|mut s| {
            s.query_map([to_i64(after)], |r| {
                Ok((to_u64(r.get(0)?), to_u64(r.get(1)?)))
            })?
            .collect()
        })
        .map_err(|e| self.err(e))
    }

    fn write_advance(
        &self,
        tx: &Transaction<'_>,
        id: u64,
        seq: u64,
        advance: &Advance,
    ) -> Result<(), StoreError> {
        let mut insert = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO transitions (panel, seq, sweep_id, status, code, endpoint, identity)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(|e| self.err(e))?;
        for t in &advance.transitions {
            let identity = t
                .identity
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| self.corrupt(id, e.to_string()))?;
            insert
                .execute(params![
                    t.panel,
                    to_i64(seq),
                    to_i64(id),
                    t.tracked.status.as_str(),
                    t.tracked.code.map(GapCode::as_str),
                    t.endpoint,
                    identity
                ])
                .map_err(|e| self.err(e))?;
        }
        let mut insert = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO changes (seq, n, sweep_id, change) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(|e| self.err(e))?;
        for (n, change) in advance.changes.iter().enumerate() {
            let text =
                serde_json::to_string(change).map_err(|e| self.corrupt(id, e.to_string()))?;
            insert
                .execute(params![to_i64(seq), count(n), to_i64(id), text])
                .map_err(|e| self.err(e))?;
        }
        tx.prepare_cached(
            "UPDATE sweeps SET tracked_bound = ?1, tracked_blocked = ?2, tracked_total = ?3 WHERE id = ?4",
        )
        .and_then(|mut s| {
            s.execute(params![
                count(advance.counts.bound),
                count(advance.counts.blocked),
                count(advance.counts.total),
                to_i64(id)
            ])
        })
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn write_snapshot(
        &self,
        tx: &Transaction<'_>,
        which: &str,
        fold: &Fold<'_>,
        seq: u64,
        ledger: &Ledger,
    ) -> Result<(), StoreError> {
        tx.prepare_cached(
            "INSERT INTO snapshots (which, fold_version, policy, seq, ledger) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(which) DO UPDATE SET fold_version = excluded.fold_version, policy = excluded.policy,
             seq = excluded.seq, ledger = excluded.ledger",
        )
        .and_then(|mut s| {
            s.execute(params![
                which,
                fold.key().fold_version,
                fold.key().policy,
                to_i64(seq),
                fold.encode(ledger)
            ])
        })
        .map(|_| ())
        .map_err(|e| self.err(e))
    }

    fn bump_version(&self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        tx.prepare_cached("UPDATE meta SET value = value + 1 WHERE key = 'history_version'")
            .and_then(|mut s| s.execute([]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Removes the longest run of sweeps at the start of history that all started before
    /// `before`, never the latest; folds them into the base snapshot first, so a later rebuild
    /// starts where they end. The current snapshot is untouched.
    pub(super) fn prune_before(
        &self,
        tx: &Transaction<'_>,
        before: Timestamp,
        fold: &Fold<'_>,
    ) -> Result<Pruned, StoreError> {
        // Bring the current snapshot up to date first: after the prune, what it folded can no
        // longer be folded again.
        self.current(tx, fold)?;
        let (mut base, base_seq) = match self.read_snapshot(tx, "base")? {
            Some(b) => (self.decode(fold, "base", &b.bytes)?, b.seq),
            None => (fold.empty(), 0),
        };
        let history: Vec<(u64, u64, String)> = tx
            .prepare(
                "SELECT id, seq, started_at FROM sweeps WHERE status = 'complete' AND seq > ?1 ORDER BY seq",
            )
            .and_then(|mut s| {
                s.query_map([to_i64(base_seq)], |r| {
                    Ok((to_u64(r.get(0)?), to_u64(r.get(1)?), r.get(2)?))
                })?
                .collect()
            })
            .map_err(|e| self.err(e))?;
        let mut cut = Vec::new();
        for (id, seq, started) in history.iter().take(history.len().saturating_sub(1)) {
            if self.time(*id, started)? >= before {
                break;
            }
            cut.push((*id, *seq));
        }
        let mut pruned = Pruned::default();
        if let Some(&(_, cut_seq)) = cut.last() {
            for &(id, _) in &cut {
                if let Some(sweep) = self.load_sweep(tx, id)? {
                    pruned.records += sweep.records.len();
                    base.apply(&sweep);
                }
                tx.execute("DELETE FROM verdicts WHERE sweep_id = ?1", [to_i64(id)])
                    .map_err(|e| self.err(e))?;
                tx.execute("DELETE FROM sweeps WHERE id = ?1", [to_i64(id)])
                    .map_err(|e| self.err(e))?;
                pruned.sweeps += 1;
            }
            self.write_snapshot(tx, "base", fold, cut_seq, &base)?;
            tx.execute("DELETE FROM changes WHERE seq <= ?1", [to_i64(cut_seq)])
                .map_err(|e| self.err(e))?;
            // Keep each panel's latest transition up to the cut: its tracked status there.
            tx.execute(
                "DELETE FROM transitions WHERE seq <= ?1 AND seq < (
                     SELECT MAX(t.seq) FROM transitions t WHERE t.panel = transitions.panel AND t.seq <= ?1)",
                [to_i64(cut_seq)],
            )
            .map_err(|e| self.err(e))?;
        }
        // Abandoned sweeps are not history; drop the old ones with their (empty) records.
        let abandoned: Vec<(u64, String)> = tx
            .prepare("SELECT id, started_at FROM sweeps WHERE status = 'abandoned'")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((to_u64(r.get(0)?), r.get(1)?)))?
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        for (id, started) in abandoned {
            if self.time(id, &started)? < before {
                tx.execute("DELETE FROM sweeps WHERE id = ?1", [to_i64(id)])
                    .map_err(|e| self.err(e))?;
            }
        }
        if pruned.sweeps > 0 {
            self.bump_version(tx)?;
        }
        Ok(pruned)
    }
}
