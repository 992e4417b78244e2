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
}
