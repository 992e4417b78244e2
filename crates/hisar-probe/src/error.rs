//! Errors of the probe crate.

/// What can stop a sweep before it sends anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The HTTP client could not be built.
    #[error("build the HTTP client: {0}")]
    Client(String),
    /// The base URL is not a URL.
    #[error("invalid base URL `{0}`: {1}")]
    BaseUrl(String, String),
    /// A panel's URL could not be built.
    #[error("panel {panel}: invalid URL `{url}`: {reason}")]
    PanelUrl {
        /// The panel.
        panel: String,
        /// The URL (without credentials: they travel in headers).
        url: String,
        /// Why.
        reason: String,
    },
}

/// A document (such as a route table) that could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// No HTTP answer: what the transport said.
    #[error("{0}")]
    Transport(String),
    /// An answer, but not a success.
    #[error("HTTP {0}")]
    Status(u16),
    /// The answer did not end within the time allowed.
    #[error("no complete answer within {}", hisar_core::HumanDuration(*.0))]
    Deadline(std::time::Duration),
    /// The answer was larger than the cap: refused rather than read whole.
    #[error("larger than the {0}-byte cap")]
    TooLarge(usize),
}
