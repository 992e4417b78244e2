//! `hisar-store`: where HISAR keeps its history.
//!
//! [`HistoryStore`] is the edge trait every command and the service go through: append a
//! finished sweep whole or not at all, reserve an id for a sweep that is running, read the
//! tracked state back. Beside each sweep a store keeps what folding it gives (a snapshot of the
//! tracked state, the per-sweep tracked counts the dashboard charts, the panels whose status
//! each sweep changed), written in the same transaction, so nothing ever replays history.
//! [`Fold`] is that fold, shared by every implementation; [`SqliteStore`] keeps it all in one
//! SQLite file in the state directory. [`StateLock`] makes one process at a time the writer of
//! a state directory. `conformance` (feature `conformance`) is the test suite any
//! implementation must pass.
//!
//! # Implementing another store
//!
//! A store keeps, per sweep, its header and its panel records; per history, a `current`
//! snapshot (key, history position, bytes) and, once pruned, a `base` one; per sweep, the
//! tracked counts after it; per (panel, sweep), the transitions; and a history version. Every
//! write that records a sweep runs in one transaction that first takes the store's write lock
//! (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a row lock or an advisory lock) and then:
//!
//! 1. reads the `current` snapshot and its key, and asks [`Fold::freshness`]: `Fresh` decodes
//!    it ([`Fold::decode`]), `Stale` rebuilds it by folding the `base` snapshot (or
//!    [`Fold::empty`]) onwards over the stored sweeps in history order with [`Fold::advance`],
//!    rewriting their transitions and counts, and `Newer` refuses
//!    ([`StoreError::Newer`]);
//! 2. gives the sweep the next history position, writes it and its records;
//! 3. calls [`Fold::advance`] and writes what it returns (transitions, counts) and the new
//!    snapshot ([`Fold::encode`], keyed by [`Fold::key`]);
//! 4. bumps the history version.
//!
//! Reads need no lock beyond a consistent snapshot of the database. `SqliteStore` is the
//! reference; `conformance::run` checks the rest against the pure fold.
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
mod lock;
mod sqlite;
mod store;

pub use error::StoreError;
pub use fold::{Advance, Fold, Freshness, SnapshotKey};
pub use lock::{LockError, StateLock};
pub use sqlite::SqliteStore;
pub use store::{
    HistoryStore, PanelEntry, Pruned, Recorded, SweepStatus, SweepSummary, TrackedCounts,
    Transition, View, diff,
};
