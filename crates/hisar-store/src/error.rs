//! The store's error type.

/// A failure of the history store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened or written.
    #[error("history store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The state directory could not be created.
    #[error("create state directory {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A stored row could not be read back.
    #[error("history store {path}: sweep {sweep} has an unreadable row: {reason}")]
    Corrupt {
        /// The database file.
        path: String,
        /// The sweep.
        sweep: u64,
        /// Why.
        reason: String,
    },
    /// The stored snapshot of the tracked state could not be read back.
    #[error(
        "history store {path}: the {which} snapshot of the tracked state is unreadable: {reason}"
    )]
    Snapshot {
        /// The database file.
        path: String,
        /// `current` or `base` (the state where pruned history ends).
        which: &'static str,
        /// Why.
        reason: String,
    },
    /// The store was written by a newer HISAR: its schema or its fold is one this one does not
    /// know, and writing to it could lose what the newer one recorded.
    #[error(
        "history store {path}: written by a newer hisar ({what} version {found}; this hisar knows up to {known}); upgrade hisar to use it"
    )]
    Newer {
        /// The database file.
        path: String,
        /// `schema` or `fold`.
        what: &'static str,
        /// The version found.
        found: u32,
        /// The newest this code knows.
        known: u32,
    },
}
