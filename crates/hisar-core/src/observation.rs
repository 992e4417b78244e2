//! Observations: what one probe saw. Plain data; the classifier never performs I/O.

use std::fmt;
use std::sync::OnceLock;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a request got no HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportErrorKind {
    /// The connection was refused.
    Refused,
    /// The host name did not resolve.
    Dns,
    /// Connecting or reading took longer than allowed.
    Timeout,
    /// The TLS handshake failed.
    Tls,
    /// The connection was reset or closed early.
    Reset,
    /// Any other transport failure.
    Other,
}

impl TransportErrorKind {
    /// A short phrase for reports.
    pub fn describe(self) -> &'static str {
        match self {
            TransportErrorKind::Refused => "connection refused",
            TransportErrorKind::Dns => "DNS lookup failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Tls => "TLS failure",
            TransportErrorKind::Reset => "connection reset",
            TransportErrorKind::Other => "transport error",
        }
    }
}

/// A transport failure, with a message that must not contain credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportFailure {
    /// The kind of failure.
    pub kind: TransportErrorKind,
    /// Detail from the client library.
    pub message: String,
}

/// A response body: the raw bytes and, parsed at most once on demand, its JSON value.
pub struct Body {
    bytes: Vec<u8>,
    truncated_at: Option<usize>,
    json: OnceLock<Result<Value, String>>,
}

impl Body {
    /// A complete body.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: bytes.into(),
            truncated_at: None,
            json: OnceLock::new(),
        }
    }

    /// A body cut at the probe's size cap.
    pub fn truncated(bytes: impl Into<Vec<u8>>, cap: usize) -> Self {
        Self {
            bytes: bytes.into(),
            truncated_at: Some(cap),
            json: OnceLock::new(),
        }
    }

    /// A body whose JSON value is already known (for callers that parsed it themselves).
    pub fn from_json(value: Value) -> Self {
        let bytes = serde_json::to_vec(&value).unwrap_or_default();
        let json = OnceLock::new();
        let _ = json.set(Ok(value));
        Self {
            bytes,
            truncated_at: None,
            json,
        }
    }

    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the body is empty or only white space.
    pub fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    /// The cap at which the body was cut, if it was.
    pub fn truncated_at(&self) -> Option<usize> {
        self.truncated_at
    }

    /// The body parsed as JSON, parsed once and cached. A leading UTF-8 byte order mark is
    /// skipped, as the decoders browsers read JSON with do (RFC 8259 §8.1 lets a parser
    /// ignore it): a panel rendered by `fetch(...).json()` sees the document.
    pub fn json(&self) -> Result<&Value, &str> {
        self.json
            .get_or_init(|| {
                let bytes = self
                    .bytes
                    .strip_prefix(b"\xEF\xBB\xBF")
                    .unwrap_or(&self.bytes);
                serde_json::from_slice(bytes).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

impl Clone for Body {
    fn clone(&self) -> Self {
        Self {
            bytes: self.bytes.clone(),
            truncated_at: self.truncated_at,
            json: self.json.clone(),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("len", &self.bytes.len())
            .field("truncated_at", &self.truncated_at)
            .finish_non_exhaustive()
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers with lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

impl Response {
    /// A response with a JSON body and `content-type: application/json`.
    pub fn json(status: u16, value: Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Body::from_json(value),
        }
    }

    /// A response with the given content type and raw body.
    pub fn raw(status: u16, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: content_type
                .map(|ct| vec![("content-type".to_owned(), ct.to_owned())])
                .unwrap_or_default(),
            body: Body::new(body),
        }
    }

    /// Adds a header (name lower-cased).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
}

/// The transport outcome of a probe.
#[derive(Debug, Clone)]
pub enum Transport {
    /// The server answered.
    Answered(Response),
    /// No HTTP answer.
    Failed(TransportFailure),
}

/// What one probe saw.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The URL that was probed (masked), when the probe knows it.
    pub url: Option<String>,
    /// The transport outcome.
    pub transport: Transport,
    /// Time from sending to the end of the body, in milliseconds, for the last attempt.
    pub elapsed_ms: u64,
    /// Retries used (0 when the first attempt decided).
    pub retries: u32,
    /// When the answer arrived; used to reject provenance dated in the future.
    pub observed_at: Option<Timestamp>,
    /// Names of credential variables the auth mode needed but the environment lacked.
    pub missing_credentials: Vec<String>,
    /// The auth mode's token flow renewed the token after a 401 and the probe was repeated
    /// (SPEC §4.1): a 401 now is the backend refusing a fresh token.
    pub renewed_token: bool,
}

impl Observation {
    /// An observation of an answer.
    pub fn answered(response: Response) -> Self {
        Self {
            url: None,
            transport: Transport::Answered(response),
            elapsed_ms: 0,
            retries: 0,
            observed_at: None,
            missing_credentials: Vec::new(),
            renewed_token: false,
        }
    }

    /// An observation of a transport failure.
    pub fn failed(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            url: None,
            transport: Transport::Failed(TransportFailure {
                kind,
                message: message.into(),
            }),
            elapsed_ms: 0,
            retries: 0,
            observed_at: None,
            missing_credentials: Vec::new(),
            renewed_token: false,
        }
    }

    /// Sets the elapsed time.
    #[must_use]
    pub fn with_elapsed(mut self, ms: u64) -> Self {
        self.elapsed_ms = ms;
        self
    }

    /// Sets the time of arrival.
    #[must_use]
    pub fn at(mut self, at: Timestamp) -> Self {
        self.observed_at = Some(at);
        self
    }

    /// The response, when there was one.
    pub fn response(&self) -> Option<&Response> {
        match &self.transport {
            Transport::Answered(r) => Some(r),
            Transport::Failed(_) => None,
        }
    }
}
