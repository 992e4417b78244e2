//! `hisar-store`: where HISAR keeps its history.
//!
//! [`HistoryStore`] is the edge trait every command and the service go through: append a
//! finished sweep whole or not at all, reserve an id for a sweep that is running, read sweeps
//! back. [`SqliteStore`] keeps it in one SQLite file in the state directory. [`StateLock`]
//! makes one process at a time the writer of a state directory.
//!
//! # Example
//!
//! ```
//! use hisar_core::history::{NewSweep, Selection};
//! use hisar_store::{HistoryStore, SqliteStore};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open_dir(dir.path()).unwrap();
//! let at = "2026-01-15T07:58:01Z".parse().unwrap();
//! let sweep = NewSweep { started_at: at, finished_at: at, selection: Selection::default(), records: vec![] };
//! let recorded = store.append(sweep).unwrap();
//! assert_eq!(recorded.id, 1);
//! assert_eq!(store.sweeps().unwrap().len(), 1);
//! ```

mod error;
mod lock;
mod sqlite;
mod store;

pub use error::StoreError;
pub use lock::{LockError, StateLock};
pub use sqlite::SqliteStore;
pub use store::{HistoryStore, SweepStatus, SweepSummary};
