//! The HTTP probe on reqwest: rustls, connection pooling, no redirect following, timeouts and a
//! body-size cap. Bodies in flight share a memory budget: past 1 MiB a body needs one of a few
//! permits (32 MiB worth of caps), so sixteen endless bodies cost sixteen MiB and a few caps,
//! not sixteen caps.

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use hisar_core::{Body, Method, Observation, Response, TransportErrorKind};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::bounded::{LargeBodies, ReadLimits, read_capped_within, send_bounded};
use crate::error::{FetchError, ProbeError};
use crate::network::Network;
use crate::probe::{Probe, ProbeRequest};
use crate::tls::{self, LazyVerifier};

/// Bytes of a body over the cap kept as evidence.
const TRUNCATED_EVIDENCE: usize = 64 * 1024;
/// A body up to this size is read whatever the others do; past it, it needs one of the
/// large-body permits.
const SMALL_BODY: usize = 1024 * 1024;
/// Memory for the bodies past [`SMALL_BODY`] read at once: as many caps as fit in it, and at
/// least one.
const LARGE_BODIES_BUDGET: usize = 32 * 1024 * 1024;

/// Settings of the HTTP probe.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Time allowed to connect (`--connect-timeout`).
    pub connect_timeout: Duration,
    /// Time allowed for a whole exchange (`--max-time`), unless a request sets its own.
    pub max_time: Duration,
    /// Bodies larger than this are cut and reported as such.
    pub max_body: usize,
    /// Documents read whole (a route table) larger than this are refused.
    pub max_document: usize,
    /// Idle connections kept per host.
    pub pool_per_host: usize,
    /// Headers for every probe, TLS and proxy settings (curl's flags).
    pub network: Network,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            connect_timeout: crate::defaults::CONNECT_TIMEOUT,
            max_time: crate::defaults::MAX_TIME,
            max_body: crate::defaults::MAX_BODY,
            max_document: crate::defaults::MAX_DOCUMENT,
            pool_per_host: 64,
            network: Network::default(),
        }
    }
}

/// A [`Probe`] that speaks HTTP through one pooled client.
#[derive(Debug, Clone)]
pub struct HttpProbe {
    client: reqwest::Client,
    options: HttpOptions,
    large: LargeBodies,
    verifier: Arc<LazyVerifier>,
}

impl HttpProbe {
    /// Builds the client. Nothing is read from the system here: the CA store is read on the
    /// first `https://` handshake, and not at all with `--cacert` or `-k` (see `tls.rs`).
    pub fn new(options: HttpOptions) -> Result<Self, ProbeError> {
        // rustls needs one process-wide crypto provider; a second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (tls, verifier) = tls::client_config(&options.network)?;
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.connect_timeout)
            .pool_max_idle_per_host(options.pool_per_host)
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .user_agent(concat!("hisar/", env!("CARGO_PKG_VERSION")));
        let client = options
            .network
            .apply_proxy(builder)?
            .build()
            .map_err(|e| ProbeError::Client(describe(&e)))?;
        let large = LargeBodies {
            permits: Arc::new(tokio::sync::Semaphore::new(
                (LARGE_BODIES_BUDGET / options.max_body.max(1)).max(1),
            )),
            small: SMALL_BODY,
        };
        Ok(Self {
            client,
            options,
            large,
            verifier,
        })
    }

    /// Whether the system's CA store has been read (by a first `https://` handshake).
    pub fn tls_roots_loaded(&self) -> bool {
        self.verifier.loaded()
    }

    /// Fetches a document (such as a route table) with a plain GET and returns its text: at
    /// most `max_document` bytes (a larger one is refused, not cut) within `max_time`.
    pub async fn get_text(&self, url: &str) -> Result<String, FetchError> {
        let limits = ReadLimits {
            max_bytes: self.options.max_document,
            deadline: self.options.max_time,
        };
        let answer = send_bounded(self.client.get(url), limits).await?;
        if !(200..300).contains(&answer.status) {
            return Err(FetchError::Status(answer.status));
        }
        if answer.body.truncated {
            return Err(FetchError::TooLarge(limits.max_bytes));
        }
        Ok(String::from_utf8_lossy(&answer.body.bytes).into_owned())
    }

    /// The pooled client (no redirects, rustls, the sweep's TLS and proxy settings), for the
    /// token flows' own requests; read their answers with [`send_bounded`].
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The options the probe was built with.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    async fn attempt(
        &self,
        request: &ProbeRequest,
    ) -> Result<(Response, u64), (TransportErrorKind, String, u64)> {
        let started = Instant::now();
        let elapsed =
            |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Options => reqwest::Method::OPTIONS,
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                (
                    TransportErrorKind::Other,
                    format!("invalid header name `{name}`"),
                    0,
                )
            })?;
            let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
                (
                    TransportErrorKind::Other,
                    format!("header `{name}` has a value that is not valid in HTTP"),
                    0,
                )
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        // `-H` headers replace the registry's of the same name: the operator's word is last.
        for (name, value) in &self.options.network.headers {
            if let (Ok(name), Ok(mut value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value.expose()),
            ) {
                value.set_sensitive(true);
                headers.insert(name, value);
            }
        }
        let mut builder = self
            .client
            .request(method, &request.url)
            .headers(headers)
            .timeout(self.options.max_time);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let send = builder.send();
        let mut response = send.await.map_err(|e| {
            let (kind, message) = classify_error(&e);
            (kind, message, elapsed(started))
        })?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = self.options.max_body;
        let read = read_capped_within(&mut response, cap, Some(&self.large))
            .await
            .map_err(|e| {
                let (kind, message) = classify_error(&e);
                (
                    kind,
                    format!("while reading the body: {message}"),
                    elapsed(started),
                )
            })?;
        let body = if read.truncated {
            // A body over the cap fails the contract unread: keep only its first bytes as
            // evidence, so that sixteen endless bodies in flight do not hold sixteen caps
            // until their panels are judged.
            let mut bytes = read.bytes;
            bytes.truncate(TRUNCATED_EVIDENCE.min(cap));
            bytes.shrink_to_fit();
            Body::truncated(bytes, cap)
        } else {
            Body::new(read.bytes)
        };
        Ok((
            Response {
                status,
                headers,
                body,
            },
            elapsed(started),
        ))
    }
}

#[async_trait]
impl Probe for HttpProbe {
    async fn probe(&self, request: &ProbeRequest) -> Observation {
        // The exchange runs as a task of its own, beside the connection task that serves it,
        // rather than in the caller's task: a sweep polls all its probes from one task (on the
        // CLI, the thread that blocks on the runtime), and waking that thread for every response
        // head and body chunk cost a fifth of the sweep's requests/s on two cores
        // (benches/sweep.sh). The guard aborts the task if the caller drops the probe.
        let mut task = AbortOnDrop({
            let probe = self.clone();
            let request = request.clone();
            tokio::spawn(async move { probe.attempt(&request).await })
        });
        let attempt = match (&mut task.0).await {
            Ok(attempt) => attempt,
            Err(e) => Err((
                TransportErrorKind::Other,
                format!("probe task failed: {e}"),
                0,
            )),
        };
        let mut observation = match attempt {
            Ok((response, ms)) => Observation::answered(response).with_elapsed(ms),
            Err((kind, message, ms)) => Observation::failed(kind, message).with_elapsed(ms),
        };
        observation.observed_at = Some(jiff::Timestamp::now());
        observation
            .missing_credentials
            .clone_from(&request.missing_credentials);
        observation
    }
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The error's chain as one line, without the URL.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = e.source();
    }
    let head = if error.is_timeout() {
        "operation timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if error.is_body() || error.is_decode() {
        "body could not be read".to_owned()
    } else {
        "request failed".to_owned()
    };
    if parts.is_empty() {
        head
    } else {
        format!("{head}: {}", parts.join(": "))
    }
}

fn classify_error(error: &reqwest::Error) -> (TransportErrorKind, String) {
    let message = describe(error);
    let lower = message.to_ascii_lowercase();
    let io_kind = {
        let mut source = error.source();
        let mut kind = None;
        while let Some(e) = source {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                kind = Some(io.kind());
            }
            source = e.source();
        }
        kind
    };
    let kind = if error.is_timeout() || lower.contains("timed out") {
        TransportErrorKind::Timeout
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused)
        || lower.contains("connection refused")
    {
        TransportErrorKind::Refused
    } else if lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        TransportErrorKind::Dns
    } else if lower.contains("tls") || lower.contains("certificate") || lower.contains("handshake")
    {
        TransportErrorKind::Tls
    } else if matches!(
        io_kind,
        Some(
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe
        )
    ) || lower.contains("reset")
        || lower.contains("connection closed")
        || lower.contains("incomplete message")
    {
        TransportErrorKind::Reset
    } else {
        TransportErrorKind::Other
    };
    (kind, message)
}
