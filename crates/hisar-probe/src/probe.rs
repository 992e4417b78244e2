//! The `Probe` trait: one HTTP request in, one [`Observation`] out.

use std::fmt;

use async_trait::async_trait;
use hisar_core::{Method, Observation};

/// A header value that may hold a credential: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One request to send.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProbeRequest {
    /// The method.
    pub method: Method,
    /// The full URL, query string included.
    pub url: String,
    /// Headers with resolved values.
    pub headers: Vec<(String, Secret)>,
    /// The auth mode used (for reports).
    pub auth_mode: String,
    /// Credential variables the environment lacked.
    pub missing_credentials: Vec<String>,
    /// A body to send (a setup step's JSON, SPEC §4.2), with its `Content-Type` among the
    /// headers; panels send none.
    pub body: Option<Vec<u8>>,
}

/// Sends one request and reports what it saw. Implementations never retry: the sweep does.
#[async_trait]
pub trait Probe: Send + Sync {
    /// Performs one attempt.
    async fn probe(&self, request: &ProbeRequest) -> Observation;
}
