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
    /// The disk holding the store is full: SQLite says so (`SQLITE_FULL`), or it failed to
    /// write (`SQLITE_IOERR_*`, which is what a full disk gives when the WAL index must grow)
    /// on a file system with no space left.
    #[error(
        "history store {path}: the disk is full (no space left on device); free space there and run again"
    )]
    DiskFull {
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

impl StoreError {
    /// The error for what SQLite said about the database at `path`: a full disk is named as
    /// such, whatever SQLite's own words for it.
    pub(crate) fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> Self {
        let path_text = path.display().to_string();
        if is_disk_full(path, &source) {
            StoreError::DiskFull {
                path: path_text,
                source,
            }
        } else {
            StoreError::Sqlite {
                path: path_text,
                source,
            }
        }
    }
}

fn is_disk_full(path: &std::path::Path, error: &rusqlite::Error) -> bool {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => true,
        Some(rusqlite::ErrorCode::SystemIoFailure) => no_space_left(path),
        _ => false,
    }
}

/// Whether the file system holding `path` has (almost) no space or no inodes left.
#[cfg(unix)]
pub(crate) fn no_space_left(path: &std::path::Path) -> bool {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    rustix::fs::statvfs(dir).is_ok_and(|s| {
        s.f_bavail.saturating_mul(s.f_frsize) < 64 * 1024 || (s.f_files > 0 && s.f_favail == 0)
    })
}

/// Without statvfs, only SQLite's own `SQLITE_FULL` names a full disk.
#[cfg(not(unix))]
pub(crate) fn no_space_left(_path: &std::path::Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_disk_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("history.db");
        let full = StoreError::sqlite(&db, failure(rusqlite::ffi::SQLITE_FULL));
        assert!(matches!(full, StoreError::DiskFull { .. }));
        assert_eq!(
            full.to_string(),
            format!(
                "history store {}: the disk is full (no space left on device); free space there and run again",
                db.display()
            )
        );
        // An I/O error on a disk with room is not a full disk.
        let io = StoreError::sqlite(&db, failure(rusqlite::ffi::SQLITE_IOERR_SHMSIZE));
        assert!(matches!(io, StoreError::Sqlite { .. }), "{io}");
        let busy = StoreError::sqlite(&db, failure(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(busy, StoreError::Sqlite { .. }));
    }
}
