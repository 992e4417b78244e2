//! `hisar-store`: where HISAR keeps its history.
//!
//! [`HistoryStore`] is the edge trait every command and the service go through: append a
//! finished sweep whole or not at all, reserve an id for a sweep that is running, read the
//! tracked state back. Beside each sweep a store keeps what folding it gives (a snapshot of the
//! tracked state, the per-sweep tracked counts the dashboard charts, the panels whose status
//! each sweep changed), written in the same transaction, so nothing ever replays history.
//! [`Fold`] is that fold, shared by every implementation; [`SqliteStore`] keeps it all in one
//! SQLite file in the state directory. `conformance` (feature `conformance`) is the test suite
//! any implementation must pass.
//!
//! # Example
//!
//! ```
//! use hisar_core::Registry;
//! use hisar_core::history::{NewSweep, Selection};
//! use hisar_store::{Fold, HistoryStore, SqliteStore};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let registry = Registry::from_yaml(
//!     "version: 1\ndomains: [{ code: A, name: ALPHA }]\ndefaults: { class: evidence }\npanels: []\n",
//!     "hisar.yaml",
//! ).unwrap();
//! let fold = Fold::new(&registry);
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open_dir(dir.path()).unwrap();
//! let at = "2026-01-15T07:58:01Z".parse().unwrap();
//! let sweep = NewSweep { started_at: at, finished_at: at, selection: Selection::default(), records: vec![] };
//! let recorded = store.append(sweep, &fold).await.unwrap();
//! assert_eq!(recorded.sweep.id, 1);
//! let view = store.view(&fold).await.unwrap();
//! assert_eq!(view.ledger.sweeps(), 1);
//! assert_eq!(view.summaries.len(), 1);
//! # });
//! ```

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod error;
mod fold;
mod sqlite;
mod store;

pub use error::StoreError;
pub use fold::{Advance, Fold, Freshness, SnapshotKey};
pub use sqlite::SqliteStore;
pub use store::{
    HistoryStore, PanelEntry, Pruned, Recorded, SweepStatus, SweepSummary, TrackedCounts,
    Transition, View, diff,
};
