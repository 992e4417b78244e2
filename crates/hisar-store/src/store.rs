//! The store trait and what it hands back.

use hisar_core::history::{NewSweep, Selection, SweepRecord};
use jiff::Timestamp;

use crate::StoreError;

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
}

/// Where sweeps are kept.
pub trait HistoryStore: Send + Sync {
    /// Appends a finished sweep atomically and returns it with its id.
    fn append(&self, sweep: NewSweep) -> Result<SweepRecord, StoreError>;
    /// Reserves an id for a sweep that starts now; it is not part of history until finished.
    fn begin(&self, started_at: Timestamp, selection: &Selection) -> Result<u64, StoreError>;
    /// Records a begun sweep whole, atomically.
    fn finish(&self, id: u64, sweep: NewSweep) -> Result<SweepRecord, StoreError>;
    /// Marks every running sweep abandoned (its process stopped); returns how many.
    fn abandon_running(&self) -> Result<usize, StoreError>;
    /// Every complete sweep with its records, oldest first.
    fn sweeps(&self) -> Result<Vec<SweepRecord>, StoreError>;
    /// One complete sweep with its records.
    fn sweep(&self, id: u64) -> Result<Option<SweepRecord>, StoreError>;
    /// Sweep headers and counts, every status, oldest first.
    fn summaries(&self) -> Result<Vec<SweepSummary>, StoreError>;
    /// A setting kept with the history (such as the tracker file last written).
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores a setting.
    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;
}
