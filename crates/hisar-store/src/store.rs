//! The store trait and what it hands back.

use async_trait::async_trait;
use hisar_core::Registry;
use hisar_core::history::{
    Change, Ledger, NewSweep, PanelRecord, ProbeIdentity, Selection, SweepRecord, Tracked,
    closed_by_the_registry, diff_tracked, identity_change,
};
use jiff::Timestamp;

use crate::{Fold, StoreError};

/// Where a sweep stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepStatus {
    /// Started and not finished yet.
    Running,
    /// Recorded whole: part of history.
    Complete,
    /// Started by a process that stopped before finishing: not part of history.
    Abandoned,
}

/// The tracked counts over the registry's panels after a sweep was folded: one point of the
/// dashboard's history chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct TrackedCounts {
    /// Panels tracked bound.
    pub bound: usize,
    /// Panels tracked blocked.
    pub blocked: usize,
    /// Panels in the registry.
    pub total: usize,
}

/// A sweep's header and counts, without its records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SweepSummary {
    /// Id.
    pub id: u64,
    /// Running, complete or abandoned.
    pub status: SweepStatus,
    /// Start.
    pub started_at: Timestamp,
    /// End.
    pub finished_at: Timestamp,
    /// Coverage.
    pub selection: Selection,
    /// Panels probed.
    pub panels: usize,
    /// Bound panels.
    pub bound: usize,
    /// Blocked panels.
    pub blocked: usize,
    /// Unverified panels.
    pub unverified: usize,
    /// The tracked counts after it (complete sweeps only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked: Option<TrackedCounts>,
}

/// A sweep just recorded, with the tracked state after it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The sweep with its id.
    pub sweep: SweepRecord,
    /// What it changed.
    pub changes: Vec<Change>,
    /// The tracked state after it (the snapshot the store now holds).
    pub ledger: Ledger,
}

/// The tracked state as stored: what reports, lists and the service read.
#[derive(Debug, Clone)]
pub struct View {
    /// The history version it was read at (see [`HistoryStore::version`]).
    pub version: u64,
    /// The tracked state after the latest folded sweep.
    pub ledger: Ledger,
    /// Every sweep's header and counts, oldest first.
    pub summaries: Vec<SweepSummary>,
}

/// One sweep's record of a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelEntry {
    /// The sweep.
    pub sweep: u64,
    /// When it started.
    pub at: Timestamp,
    /// Its record of the panel.
    pub record: PanelRecord,
}

/// A change of a panel's tracked status or probe identity, made by a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The sweep that made it.
    pub sweep: u64,
    /// The panel.
    pub panel: String,
    /// Its tracked status after that sweep.
    pub tracked: Tracked,
    /// The endpoint it was tracked as after that sweep.
    pub endpoint: String,
    /// The rest of its probe identity, when the record kept it.
    pub identity: Option<ProbeIdentity>,
}

impl Transition {
    /// The tracked status as a registry sees it: `None` when the registry declares the panel
    /// as another probe identity (its old verdict says nothing of the new one) or not at all.
    pub fn under(&self, registry: &Registry) -> Option<Tracked> {
        let panel = registry.panel(&self.panel)?;
        identity_change(
            (self.endpoint.as_str(), self.identity.as_ref()),
            (&panel.endpoint.to_string(), Some(&ProbeIdentity::of(panel))),
        )
        .is_none()
        .then_some(self.tracked)
    }
}

/// What a prune removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Sweeps removed.
    pub sweeps: usize,
    /// Panel records removed with them.
    pub records: usize,
}

/// Where history is kept.
///
/// A store holds the sweeps, and beside them what folding them gives, written in the same
/// transaction as each sweep: a snapshot of the [`Ledger`] after the latest sweep, the tracked
/// counts after each sweep, and each sweep's [`Transition`]s. Reading the tracked state, the
/// dashboard's series or a diff therefore never replays history.
///
/// History order is the order sweeps were recorded in (appended or finished), which is also the
/// order they are folded in; ids are assigned when a sweep is appended or begun.
///
/// The fold itself (how a snapshot is encoded, checked and advanced) is [`Fold`]'s, shared by
/// every implementation: a store keeps bytes and keys, and calls [`Fold`] inside its
/// transactions. A snapshot whose key differs from the fold's (another fold version, another
/// trust policy) is rebuilt from the stored sweeps, once, by whichever call meets it first.
///
/// `conformance` (feature `conformance`) holds the test suite every implementation passes.
#[async_trait]
pub trait HistoryStore: Send + Sync + std::fmt::Debug {
    /// Appends a finished sweep, folds it into the snapshot, and records both atomically.
    async fn append(&self, sweep: NewSweep, fold: &Fold<'_>) -> Result<Recorded, StoreError>;
    /// Reserves an id for a sweep that starts now; it is not part of history until finished.
    async fn begin(&self, started_at: Timestamp, selection: &Selection) -> Result<u64, StoreError>;
    /// Records a begun sweep whole and folds it, atomically.
    async fn finish(
        &self,
        id: u64,
        sweep: NewSweep,
        fold: &Fold<'_>,
    ) -> Result<Recorded, StoreError>;
    /// Marks every running sweep abandoned (its process stopped); returns how many.
    async fn abandon_running(&self) -> Result<usize, StoreError>;
    /// The tracked state and every sweep's summary, read together.
    async fn view(&self, fold: &Fold<'_>) -> Result<View, StoreError>;
    /// Sweep headers and counts, every status, by id.
    async fn summaries(&self) -> Result<Vec<SweepSummary>, StoreError>;
    /// One complete sweep with its records.
    async fn sweep(&self, id: u64) -> Result<Option<SweepRecord>, StoreError>;
    /// A panel's records in complete sweeps, newest (highest id) first, at most `limit`.
    async fn panel_history(&self, panel: &str, limit: usize)
    -> Result<Vec<PanelEntry>, StoreError>;
    /// One panel's record in one complete sweep.
    async fn record(&self, sweep: u64, panel: &str) -> Result<Option<PanelRecord>, StoreError>;
    /// [`HistoryStore::panel_history`] of many panels at once, by panel (panels with no record
    /// are left out), looking no further back than ten times `limit` complete sweeps: as much
    /// work after a year of sweeps as after a month.
    async fn recent_records(
        &self,
        panels: &[String],
        limit: usize,
    ) -> Result<std::collections::BTreeMap<String, Vec<PanelEntry>>, StoreError>;
    /// For each panel named, its tracked status after sweep `at` (the latest transition folded
    /// no later than that sweep); panels never verified by then are left out. `Ok(None)` when
    /// `at` is not a complete sweep.
    async fn tracked_at(
        &self,
        at: u64,
        panels: &[String],
    ) -> Result<Option<Vec<Transition>>, StoreError>;
    /// The changes (as [`Recorded::changes`]) folded after sweep `from` up to sweep `to`
    /// included, in history order; none when `to` does not come after `from`. `Ok(None)` when
    /// either is not a complete sweep.
    async fn changes(&self, from: u64, to: u64) -> Result<Option<Vec<Change>>, StoreError>;
    /// The transitions folded after the earlier of two sweeps up to the later one included (in
    /// history order, whatever the order of the arguments), in history order. `Ok(None)` when
    /// either is not a complete sweep.
    async fn transitions(&self, from: u64, to: u64) -> Result<Option<Vec<Transition>>, StoreError>;
    /// Removes the sweeps that started before `before`, oldest first in history order and
    /// never the latest, keeping the snapshot (and the state at the cut, for rebuilds).
    async fn prune(&self, before: Timestamp, fold: &Fold<'_>) -> Result<Pruned, StoreError>;
    /// A number that changes whenever history does (a sweep recorded, a prune, a rebuild):
    /// cheap, for caches to key on.
    async fn version(&self) -> Result<u64, StoreError>;
    /// A setting kept with the history (such as the tracker file last written).
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores a setting.
    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// What changed between the tracked state after sweep `from` and after sweep `to`, over the
/// registry's panels, without replaying history: the net change of each panel (those that
/// changed in between are read from the stored transitions, and their status at both ends by
/// one lookup each, as the registry sees it), then the gaps the sweeps in between closed
/// because the registry changed (superseded or retired). What [`hisar_core::history::diff`]
/// gives by replaying. `Ok(None)` when either sweep is not a complete sweep of the store.
pub async fn diff(
    store: &dyn HistoryStore,
    registry: &Registry,
    from: u64,
    to: u64,
) -> Result<Option<Vec<Change>>, StoreError> {
    let Some(between) = store.transitions(from, to).await? else {
        return Ok(None);
    };
    let mut panels: Vec<String> = between.into_iter().map(|t| t.panel).collect();
    panels.sort_unstable();
    panels.dedup();
    let panels = &panels;
    let at = |sweep| async move {
        Ok::<_, StoreError>(store.tracked_at(sweep, panels).await?.map(|found| {
            found
                .into_iter()
                .filter_map(|t| Some((t.panel.clone(), t.under(registry)?)))
                .collect::<std::collections::HashMap<String, Tracked>>()
        }))
    };
    let (Some(before), Some(after), Some(changes)) = (
        at(from).await?,
        at(to).await?,
        store.changes(from, to).await?,
    ) else {
        return Ok(None);
    };
    let mut diff = diff_tracked(
        registry,
        |id| before.get(id).copied(),
        |id| after.get(id).copied(),
    );
    diff.extend(changes.into_iter().filter(closed_by_the_registry));
    Ok(Some(diff))
}
