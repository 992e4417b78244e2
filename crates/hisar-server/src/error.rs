//! The crate's error type.

/// What can go wrong in the service side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The selection names unknown panels or domains.
    #[error(transparent)]
    Selection(#[from] crate::sweeper::SelectionError),
    /// The sweep could not be planned.
    #[error(transparent)]
    Probe(#[from] hisar_probe::ProbeError),
    /// The history store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
