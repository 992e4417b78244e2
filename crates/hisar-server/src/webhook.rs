//! Webhooks (`hisar serve --webhook URL`, SPEC §5.5): after a sweep that regressed, added or
//! resolved gaps, a JSON [`Event`] is posted to every receiver: service, environment, sweep id,
//! the lists, and a `text` that Slack-compatible receivers show.
//!
//! Delivery never touches a sweep: [`Webhooks::notify`] only queues the event (a bounded queue
//! per receiver; a full queue drops the event and says so), and one background task per
//! receiver posts it, each request under a timeout, retried with exponential backoff a bounded
//! number of times (on a transport failure, 408, 429 or 5xx; another answer is final). A dead
//! or slow receiver therefore delays only its own later events, never a sweep, history or
//! another receiver. Every failure is logged with `tracing`, never panics.
//!
//! A receiver's URL often is its credential (a Slack hook's path, a `?token=`): it is never
//! logged or shown. Logs name a receiver by its number and origin (`#1 https://hooks.slack.com`),
//! and every error text passes through a [`Masker`] holding the URL, its path segments and its
//! query. The event itself is masked with the sweep's masker before it is queued.
//!
//! ```
//! use hisar_server::webhook::WebhookTarget;
//! let target = WebhookTarget::parse(1, "https://hooks.slack.com/services/T0/B0/s3cr3t-t0ken").unwrap();
//! assert_eq!(target.label(), "#1 https://hooks.slack.com");
//! assert!(WebhookTarget::parse(2, "hooks.slack.com/services").is_err());
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use hisar_core::history::{Change, ChangeKind, SweepRecord};
use hisar_core::{GapCode, Masker};
use hisar_report::ChangeRow;
use serde::Serialize;
use tokio::sync::mpsc;

/// Most panel ids the `text` names per list; the structured lists are whole.
const TEXT_IDS: usize = 20;

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Attempts per event and receiver, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request.
    pub timeout: Duration,
    /// Events waiting per receiver before new ones are dropped.
    pub queue: usize,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            attempts: 4,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            queue: 32,
        }
    }
}

/// Why a webhook URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Not an absolute `http(s)://` URL. The URL itself is not quoted: it may hold a token.
    #[error("webhook #{index} is not an http(s) URL: {why}")]
    Url {
        /// Its position among the receivers, from 1.
        index: usize,
        /// What is wrong with it.
        why: String,
    },
    /// The HTTP client could not be built.
    #[error("webhook client: {0}")]
    Client(String),
}

/// One receiver.
#[derive(Clone)]
pub struct WebhookTarget {
    url: url::Url,
    label: String,
    /// Hides the URL's secrets in what is logged.
    masker: Masker,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl WebhookTarget {
    /// Checks receiver number `index` (from 1): an absolute `http://` or `https://` URL with a
    /// host. The error never quotes the URL.
    pub fn parse(index: usize, value: &str) -> Result<Self, WebhookError> {
        let fail = |why: String| WebhookError::Url { index, why };
        let url = url::Url::parse(value.trim()).map_err(|e| fail(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(fail(format!(
                "the scheme is {:?}, not http or https",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(fail("no host".to_owned()));
        }
        let mut masker = Masker::default();
        masker
            .add(value.trim())
            .add(url.as_str())
            .add_url(url.as_str());
        if url.path() != "/" {
            masker.add(url.path());
        }
        for segment in url.path().split('/') {
            masker.add(segment);
        }
        if let Some(query) = url.query() {
            masker.add(query);
        }
        let label = format!("#{index} {}", url.origin().ascii_serialization());
        Ok(Self { url, label, masker })
    }

    /// How logs name it: its number and origin, never its path or query.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// Where the sweeps come from, as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The service (the registry's name).
    pub service: String,
    /// The environment swept.
    pub environment: String,
}

/// A panel in one of an event's lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventItem {
    /// The panel.
    pub panel: String,
    /// What it probed (`GET /path`).
    pub endpoint: String,
    /// The gap: the new one, or the one resolved or closed.
    pub code: GapCode,
    /// The gap's detail, or for a resolution what was seen.
    pub detail: String,
    /// For a changed gap, the code before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<GapCode>,
}

/// Verdict counts of the sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// BOUND panels.
    pub bound: usize,
    /// BLOCKED panels.
    pub blocked: usize,
    /// UNVERIFIED panels.
    pub unverified: usize,
}

/// What a webhook receives after a sweep that regressed, added or resolved gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Always `sweep.changed`.
    pub event: &'static str,
    /// The version of this shape.
    pub schema_version: u32,
    /// Service and environment.
    #[serde(flatten)]
    pub source: Source,
    /// The sweep's id.
    pub sweep: u64,
    /// When it started.
    pub started_at: jiff::Timestamp,
    /// Its verdict counts (of the panels it probed).
    pub counts: Counts,
    /// BOUND panels now BLOCKED.
    pub regressed: Vec<EventItem>,
    /// Gaps seen for the first time.
    pub new: Vec<EventItem>,
    /// BLOCKED panels now BOUND.
    pub resolved: Vec<EventItem>,
    /// Blocked panels whose gap code changed.
    pub changed: Vec<EventItem>,
    /// Gaps closed because the registry changed or dropped their panel.
    pub closed: Vec<EventItem>,
    /// A summary naming the panels, for Slack-compatible receivers (`mrkdwn`-escaped).
    pub text: String,
}

impl Event {
    /// The event of `record`, whose recording made `changes`; `None` when it regressed, added
    /// and resolved nothing (SPEC §5.5: no event then). Every text is masked with `masker`.
    pub fn new(
        source: &Source,
        record: &SweepRecord,
        changes: &[Change],
        masker: &Masker,
    ) -> Option<Self> {
        let (mut regressed, mut new, mut resolved, mut recoded, mut closed) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for row in ChangeRow::rows(changes, &record.records) {
            let from = match &row.kind {
                ChangeKind::CodeChanged { from } => Some(*from),
                _ => None,
            };
            let item = EventItem {
                panel: masker.mask(&row.panel).into_owned(),
                endpoint: masker.mask(&row.endpoint).into_owned(),
                code: row.code,
                detail: masker.mask(&row.detail).into_owned(),
                from,
            };
            match row.kind {
                ChangeKind::Regressed => regressed.push(item),
                ChangeKind::New => new.push(item),
                ChangeKind::Resolved => resolved.push(item),
                ChangeKind::CodeChanged { .. } => recoded.push(item),
                ChangeKind::Superseded | ChangeKind::Retired => closed.push(item),
            }
        }
        if regressed.is_empty() && new.is_empty() && resolved.is_empty() {
            return None;
        }
        let (bound, blocked, unverified) = record.counts();
        let mut event = Self {
            event: "sweep.changed",
            schema_version: 1,
            source: source.clone(),
            sweep: record.id,
            started_at: record.started_at,
            counts: Counts {
                bound,
                blocked,
                unverified,
            },
            regressed,
            new,
            resolved,
            changed: recoded,
            closed,
            text: String::new(),
        };
        event.text = masker.mask(&event.summary()).into_owned();
        Some(event)
    }

    /// The `text`: a headline with the counts, then one line per non-empty list naming its
    /// panels (at most [`TEXT_IDS`] each) and their codes.
    fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.regressed.len(), "regressed"),
            (self.new.len(), "new"),
            (self.resolved.len(), "resolved"),
            (self.changed.len(), "changed"),
            (self.closed.len(), "closed"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let mut text = format!(
            "HISAR {} ({}), sweep #{}: {} — now {} bound, {} blocked, {} unverified",
            self.source.service,
            self.source.environment,
            self.sweep,
            parts.join(", "),
            self.counts.bound,
            self.counts.blocked,
            self.counts.unverified
        );
        for (title, items) in [
            ("Regressed", &self.regressed),
            ("New gaps", &self.new),
            ("Resolved", &self.resolved),
            ("Gap changed", &self.changed),
            ("Closed", &self.closed),
        ] {
            if items.is_empty() {
                continue;
            }
            let named: Vec<String> = items
                .iter()
                .take(TEXT_IDS)
                .map(|i| match i.from {
                    Some(from) => format!("{} ({from} → {})", i.panel, i.code),
                    None => format!("{} ({})", i.panel, i.code),
                })
                .collect();
            text.push_str(&format!("\n{title}: {}", named.join(", ")));
            if items.len() > TEXT_IDS {
                text.push_str(&format!(" and {} more", items.len() - TEXT_IDS));
            }
        }
        slack_escape(&text)
    }
}

/// Slack's `mrkdwn` control characters escaped, as its docs ask (`&`, `<`, `>`).
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What became of the events, since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Events a receiver accepted (2xx).
    pub delivered: u64,
    /// Events given up on after their attempts, or refused by the receiver.
    pub failed: u64,
    /// Events dropped because a receiver's queue was full.
    pub dropped: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

/// The receivers and their delivery tasks.
#[derive(Debug)]
pub struct Webhooks {
    source: Source,
    masker: Masker,
    queues: Vec<(String, mpsc::Sender<Arc<Queued>>)>,
    counters: Arc<Counters>,
    /// Held by a finished sweep while its event is built, so events queue in sweep order.
    pub(crate) order: tokio::sync::Mutex<()>,
}

/// An event, serialized once for every receiver.
#[derive(Debug)]
struct Queued {
    sweep: u64,
    body: Bytes,
}

impl Webhooks {
    /// Starts one delivery task per receiver (call it inside a tokio runtime). Events name
    /// `source`; their texts are masked with `masker` (the sweeps' secrets).
    pub fn start(
        targets: Vec<WebhookTarget>,
        source: Source,
        masker: Masker,
        options: &DeliveryOptions,
    ) -> Result<Self, WebhookError> {
        let probe = hisar_probe::HttpProbe::new(hisar_probe::HttpOptions {
            connect_timeout: options.connect_timeout,
            max_time: options.timeout,
            pool_per_host: 2,
            ..hisar_probe::HttpOptions::default()
        })
        .map_err(|e| WebhookError::Client(e.to_string()))?;
        let client = probe.client().clone();
        let counters = Arc::new(Counters::default());
        let queues = targets
            .into_iter()
            .map(|target| {
                let (tx, rx) = mpsc::channel(options.queue.max(1));
                let label = target.label.clone();
                tokio::spawn(deliver_all(
                    target,
                    client.clone(),
                    options.clone(),
                    rx,
                    Arc::clone(&counters),
                ));
                (label, tx)
            })
            .collect();
        Ok(Self {
            source,
            masker,
            queues,
            counters,
            order: tokio::sync::Mutex::new(()),
        })
    }

    /// The receivers, as logs name them.
    pub fn labels(&self) -> Vec<&str> {
        self.queues.iter().map(|(l, _)| l.as_str()).collect()
    }

    /// Queues the event of `record` (whose recording made `changes`) for every receiver, when
    /// it regressed, added or resolved gaps; returns at once.
    pub fn notify(&self, record: &SweepRecord, changes: &[Change]) {
        let Some(event) = Event::new(&self.source, record, changes, &self.masker) else {
            tracing::debug!("sweep #{} changed no gap: no webhook", record.id);
            return;
        };
        let body = match serde_json::to_vec(&event) {
            Ok(body) => Bytes::from(body),
            Err(e) => {
                tracing::error!("webhook event of sweep #{}: {e}", record.id);
                return;
            }
        };
        let queued = Arc::new(Queued {
            sweep: record.id,
            body,
        });
        for (label, tx) in &self.queues {
            match tx.try_send(Arc::clone(&queued)) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        "webhook {label}: its queue is full (the receiver is slow or down); the event of sweep #{} is dropped",
                        record.id
                    );
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(
                        "webhook {label}: its delivery task stopped; the event of sweep #{} is dropped",
                        record.id
                    );
                }
            }
        }
    }

    /// The delivery counters in Prometheus text, for `/metrics`.
    pub(crate) fn metrics_text(&self) -> String {
        let stats = self.stats();
        let mut out = String::from(
            "# HELP hisar_webhook_events_total Webhook events, by what became of them (per receiver).\n# TYPE hisar_webhook_events_total counter\n",
        );
        for (result, n) in [
            ("delivered", stats.delivered),
            ("failed", stats.failed),
            ("dropped", stats.dropped),
        ] {
            out.push_str(&format!(
                "hisar_webhook_events_total{{result=\"{result}\"}} {n}\n"
            ));
        }
        out
    }

    /// What became of the events so far.
    pub fn stats(&self) -> DeliveryStats {
        DeliveryStats {
            delivered: self.counters.delivered.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Posts every queued event to one receiver, in order, until the queue closes.
async fn deliver_all(
    target: WebhookTarget,
    client: reqwest::Client,
    options: DeliveryOptions,
    mut rx: mpsc::Receiver<Arc<Queued>>,
    counters: Arc<Counters>,
) {
    while let Some(event) = rx.recv().await {
        let counter = if deliver(&target, &client, &options, &event).await {
            &counters.delivered
        } else {
            &counters.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Posts one event with retries; whether the receiver accepted it.
async fn deliver(
    target: &WebhookTarget,
    client: &reqwest::Client,
    options: &DeliveryOptions,
    event: &Queued,
) -> bool {
    let attempts = options.attempts.max(1);
    let mut wait = options.backoff;
    for attempt in 1..=attempts {
        let sent = client
            .post(target.url.clone())
            .timeout(options.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(event.body.clone())
            .send()
            .await;
        // The answer's body is never read: only its status matters.
        let (why, retry) = match sent {
            Ok(answer) if answer.status().is_success() => {
                tracing::info!(
                    "webhook {}: sweep #{} delivered (HTTP {})",
                    target.label,
                    event.sweep,
                    answer.status().as_u16()
                );
                return true;
            }
            Ok(answer) => {
                let status = answer.status();
                let retry = status.is_server_error()
                    || status == reqwest::StatusCode::TOO_MANY_REQUESTS
                    || status == reqwest::StatusCode::REQUEST_TIMEOUT;
                (format!("HTTP {}", status.as_u16()), retry)
            }
            Err(e) => (describe(&e.without_url()), true),
        };
        let why = target.masker.mask(&why).into_owned();
        if !retry {
            tracing::error!(
                "webhook {}: sweep #{} refused ({why}); not retried: the receiver would refuse it again",
                target.label,
                event.sweep
            );
            return false;
        }
        if attempt == attempts {
            tracing::error!(
                "webhook {}: gave up on sweep #{} after {attempts} attempts: {why}",
                target.label,
                event.sweep
            );
            return false;
        }
        tracing::warn!(
            "webhook {}: attempt {attempt}/{attempts} for sweep #{} failed: {why}; retrying in {}",
            target.label,
            event.sweep,
            hisar_core::HumanDuration(wait)
        );
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(options.max_backoff);
    }
    false
}

/// A request error as one line: its kind and its causes (the URL already removed).
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let head = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = head.to_owned();
    let mut source = error.source();
    // Bounded: error chains are short, but a loop over foreign data still gets a bound.
    for _ in 0..8 {
        let Some(e) = source else { break };
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests;
