//! The service's shared state: the registry, the history store, the sweep runner, the
//! sweep running now, and what the API shows, derived once per version of history (the
//! stored snapshot read, never history replayed) with the response bytes cached beside it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use hisar_core::Registry;
use hisar_core::history::{Change, Selection, SweepRecord, TrackerState};
use hisar_probe::{SelectionError, SweepError, select};
use hisar_report::{Report, SeriesPoint, TIMELINE_LEN, TimelineEntry};
use hisar_store::{Fold, HistoryStore, StateLock, StoreError, SweepStatus, SweepSummary};

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::runner::SweepRunner;

/// The service's shared state.
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) registry: Arc<Registry>,
    pub(crate) registry_path: String,
    pub(crate) store: Arc<dyn HistoryStore>,
    pub(crate) runner: Arc<dyn SweepRunner>,
    pub(crate) token: Option<String>,
    pub(crate) running: Mutex<Option<u64>>,
    pub(crate) metrics: Metrics,
    pub(crate) cache: Mutex<Option<Arc<Derived>>>,
    /// Held while the derived state is rebuilt, so concurrent requests after a change of
    /// history wait for one rebuild instead of each making their own.
    pub(crate) refresh: tokio::sync::Mutex<()>,
    /// What `/healthz` says, kept apart from the derived history so that the health check
    /// never waits for a derivation (nor for `refresh`); read again from the sweeps'
    /// summaries when the history version changes (a sweep recorded, here or by the CLI).
    pub(crate) health: Mutex<Option<Health>>,
    pub(crate) today: fn() -> jiff::civil::Date,
    /// Tells this process's responses from another's (another registry, another build) in
    /// entity tags.
    pub(crate) instance: u64,
    pub(crate) recheck: std::sync::OnceLock<String>,
    /// Receivers told of sweeps that changed gaps (`--webhook`), when any.
    pub(crate) webhooks: std::sync::OnceLock<crate::webhook::Webhooks>,
    /// The state directory whose writer lock each sweep takes, when there is one.
    pub(crate) state_dir: std::sync::OnceLock<std::path::PathBuf>,
}

/// The store as `/healthz` shows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Health {
    /// The history version this was read at.
    version: u64,
    /// Complete sweeps recorded.
    pub(crate) sweeps: usize,
    /// When the latest complete sweep started.
    pub(crate) last_sweep: Option<jiff::Timestamp>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("registry_path", &self.inner.registry_path)
            .field("token", &self.inner.token.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// Most distinct responses (path and query) cached per version of history; others are
/// rendered on each request. Queries are the client's to choose: the cache stays bounded.
const MAX_CACHED_RESPONSES: usize = 256;

/// History as the API shows it, derived once per version of history and day (waivers expire
/// by the day), with the responses rendered from it.
pub(crate) struct Derived {
    version: u64,
    day: jiff::civil::Date,
    /// The entity tag of every response rendered from this state.
    pub(crate) etag: String,
    pub(crate) summaries: Vec<SweepSummary>,
    pub(crate) state: TrackerState,
    pub(crate) series: Vec<SeriesPoint>,
    /// Each panel's latest verdicts, for the dashboard: read from the store on first use.
    timelines: tokio::sync::OnceCell<Timelines>,
    responses: Mutex<HashMap<String, Arc<CachedBody>>>,
}

/// A response body rendered once, and its gzip form, compressed once, when a client asks for
/// it: a browser polling the render plan costs a map lookup, not a compression.
pub(crate) struct CachedBody {
    pub(crate) plain: Bytes,
    gzip: std::sync::OnceLock<Bytes>,
}

impl CachedBody {
    fn new(plain: Bytes) -> Self {
        Self {
            plain,
            gzip: std::sync::OnceLock::new(),
        }
    }

    /// The body, gzip-compressed.
    pub(crate) fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                use std::io::Write as _;
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.plain.len() / 4),
                    flate2::Compression::default(),
                );
                // Writing to memory cannot fail.
                let _ = encoder.write_all(&self.plain);
                Bytes::from(encoder.finish().unwrap_or_default())
            })
            .clone()
    }
}

/// Each panel's latest verdicts, oldest first.
pub(crate) type Timelines = BTreeMap<String, Vec<TimelineEntry>>;

impl Derived {
    /// Each registry panel's latest verdicts (at most [`TIMELINE_LEN`]), read by panel from the
    /// store once per version of history.
    pub(crate) async fn timelines(&self, state: &AppState) -> Result<&Timelines, ApiError> {
        self.timelines
            .get_or_try_init(|| async {
                let panels: Vec<String> = state
                    .inner
                    .registry
                    .panels()
                    .iter()
                    .map(|p| p.id.to_string())
                    .collect();
                let recent = state
                    .inner
                    .store
                    .recent_records(&panels, TIMELINE_LEN)
                    .await?;
                Ok::<_, ApiError>(
                    recent
                        .into_iter()
                        .map(|(panel, entries)| {
                            let line = entries
                                .into_iter()
                                .rev()
                                .map(|e| TimelineEntry {
                                    sweep: e.sweep,
                                    at: e.at,
                                    endpoint: e.record.endpoint,
                                    verdict: e.record.verdict,
                                })
                                .collect();
                            (panel, line)
                        })
                        .collect(),
                )
            })
            .await
    }

    /// A cached response body.
    pub(crate) fn cached(&self, key: &str) -> Option<Arc<CachedBody>> {
        self.responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// Responses cached.
    #[cfg(test)]
    pub(crate) fn cached_len(&self) -> usize {
        self.responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Caches a response body, while there is room, and returns it.
    pub(crate) fn keep(&self, key: String, body: Bytes) -> Arc<CachedBody> {
        let body = Arc::new(CachedBody::new(body));
        let mut responses = self
            .responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if responses.len() < MAX_CACHED_RESPONSES {
            responses.insert(key, Arc::clone(&body));
        }
        body
    }
}

impl AppState {
    /// A state over a registry, its history and a sweep runner. `token` guards mutating routes:
    /// without one they are refused.
    pub fn new(
        registry: Registry,
        registry_path: impl Into<String>,
        store: Arc<dyn HistoryStore>,
        runner: Arc<dyn SweepRunner>,
        token: Option<String>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                registry: Arc::new(registry),
                registry_path: registry_path.into(),
                store,
                runner,
                token: token.filter(|t| !t.is_empty()),
                running: Mutex::new(None),
                metrics: Metrics::default(),
                cache: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(()),
                health: Mutex::new(None),
                today: || hisar_core::history::day(jiff::Timestamp::now()),
                instance: instance_id(),
                recheck: std::sync::OnceLock::new(),
                webhooks: std::sync::OnceLock::new(),
                state_dir: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The derived state of the current version of history: one cheap read of the version,
    /// then the cached state, or the stored snapshot read once.
    pub(crate) async fn derived(&self) -> Result<Arc<Derived>, ApiError> {
        let version = self.inner.store.version().await?;
        let day = (self.inner.today)();
        if let Some(d) = self.cached(version, day) {
            return Ok(d);
        }
        let _one_at_a_time = self.inner.refresh.lock().await;
        if let Some(d) = self.cached(version, day) {
            return Ok(d);
        }
        let registry = &self.inner.registry;
        let view = self.inner.store.view(&Fold::new(registry)).await?;
        let series = view
            .summaries
            .iter()
            .filter_map(|s| {
                s.tracked.map(|t| SeriesPoint {
                    sweep: s.id,
                    at: s.started_at,
                    bound: t.bound,
                    blocked: t.blocked,
                    total: t.total,
                })
            })
            .collect();
        let d = Arc::new(Derived {
            version: view.version,
            day,
            etag: format!(
                "W/\"{:x}-{}-{}\"",
                self.inner.instance,
                view.version,
                day.strftime("%Y%m%d")
            ),
            state: view.ledger.state(registry),
            summaries: view.summaries,
            series,
            timelines: tokio::sync::OnceCell::new(),
            responses: Mutex::new(HashMap::new()),
        });
        *self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&d));
        Ok(d)
    }

    fn cached(&self, version: u64, day: jiff::civil::Date) -> Option<Arc<Derived>> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|d| d.version == version && d.day == day)
            .map(Arc::clone)
    }

    /// What `/healthz` says: one cheap read of the history version, then from memory, or from
    /// one short read of the sweeps' summaries when the version moved.
    pub(crate) async fn health(&self) -> Result<Health, ApiError> {
        let version = self.inner.store.version().await?;
        let known = *self
            .inner
            .health
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(h) = known.filter(|h| h.version == version) {
            return Ok(h);
        }
        let summaries = self.inner.store.summaries().await?;
        let mut complete = summaries
            .iter()
            .filter(|s| s.status == SweepStatus::Complete);
        // Read after the version: a sweep recorded in between is in these summaries, and the
        // next request reads them again (the version moved), so nothing stale is kept.
        let h = Health {
            version,
            sweeps: complete.clone().count(),
            last_sweep: complete.next_back().map(|s| s.started_at),
        };
        *self
            .inner
            .health
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(h);
        Ok(h)
    }

    /// Shows `command` (with `<PANEL_ID>`) as the re-check command, instead of `hisar check`;
    /// the first call wins.
    pub fn set_recheck(&self, command: String) {
        let _ = self.inner.recheck.set(command);
    }

    /// Posts an event to `webhooks` after every sweep this service records that regressed,
    /// added or resolved gaps (SPEC §5.5); the first call wins.
    pub fn set_webhooks(&self, webhooks: crate::webhook::Webhooks) {
        let _ = self.inner.webhooks.set(webhooks);
    }

    /// Queues the webhook event of a sweep just recorded, if webhooks are set: never waits on
    /// a receiver.
    fn notify(&self, record: &SweepRecord, changes: &[Change]) {
        if let Some(webhooks) = self.inner.webhooks.get() {
            webhooks.notify(record, changes);
        }
    }

    /// Makes each sweep the writer of the state directory `dir` while it runs (the lock a CLI
    /// sweep takes too, [`StateLock`]): a sweep does not start while another process records
    /// there. The first call wins.
    pub fn lock_writes_in(&self, dir: std::path::PathBuf) {
        let _ = self.inner.state_dir.set(dir);
    }

    pub(crate) fn report<'a>(&'a self, d: &'a Derived) -> Report<'a> {
        let report = Report::new(
            &self.inner.registry,
            &d.state,
            (self.inner.today)(),
            self.inner.registry_path.clone(),
        );
        match self.inner.recheck.get() {
            Some(command) => report.with_recheck(command.clone()),
            None => report,
        }
    }

    /// The id of the sweep running now, if any.
    pub fn running(&self) -> Option<u64> {
        self.inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .filter(|&id| id != 0)
    }

    /// Starts a sweep in the background; `Err(id)` when one is already running.
    pub async fn start_sweep(&self, selection: Selection) -> Result<u64, StartError> {
        select(&self.inner.registry, &selection)?;
        // Claim the slot before the store is asked for an id (an await), so two requests
        // cannot both start one; 0 stands for "being started".
        {
            let mut running = self
                .inner
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(id) = *running {
                return Err(StartError::Running(id));
            }
            *running = Some(0);
        }
        let release = || {
            *self
                .inner
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        };
        // One writer at a time: a CLI sweep recording here now makes this one wait its turn.
        let writer = match self.inner.state_dir.get() {
            Some(dir) => match StateLock::try_acquire(dir, "hisar serve's sweep") {
                Ok(lock) => Some(lock),
                Err(e) => {
                    release();
                    return Err(StartError::Busy(e.to_string()));
                }
            },
            None => None,
        };
        let id = match self
            .inner
            .store
            .begin(jiff::Timestamp::now(), &selection)
            .await
        {
            Ok(id) => id,
            Err(e) => {
                release();
                return Err(e.into());
            }
        };
        *self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(id);
        tracing::info!("sweep #{id} started ({})", selection.describe());
        let state = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = state.inner.runner.sweep(selection).await;
            let elapsed = started.elapsed();
            let outcome = match outcome {
                Ok(sweep) => state
                    .inner
                    .store
                    .finish(id, sweep, &Fold::new(&state.inner.registry))
                    .await
                    .map_err(SweepFailed::from),
                Err(e) => Err(SweepFailed::from(e)),
            };
            let mut recorded = None;
            match outcome {
                Ok(done) => {
                    let record = done.sweep;
                    let (bound, blocked, unverified) = record.counts();
                    state.inner.metrics.sweep_done(
                        true,
                        elapsed,
                        record
                            .records
                            .iter()
                            .filter_map(|r| r.verdict.evidence.elapsed_ms),
                    );
                    let degraded = hisar_probe::is_degraded(
                        record.records.iter().map(|r| &r.verdict),
                        state.inner.registry.gate().max_unverified_share,
                    );
                    tracing::info!(
                        "sweep #{id} finished in {:.2}s: {bound} bound, {blocked} blocked, {unverified} unverified{}",
                        elapsed.as_secs_f64(),
                        if degraded {
                            " (degraded: is the backend reachable?)"
                        } else {
                            ""
                        }
                    );
                    recorded = Some((record, done.changes));
                }
                Err(e) => {
                    state
                        .inner
                        .metrics
                        .sweep_done(false, elapsed, std::iter::empty());
                    let _ = state.inner.store.abandon_running().await;
                    tracing::error!("sweep #{id} failed: {e}");
                }
            }
            // The writer's lock is held until the sweep is recorded (or given up).
            drop(writer);
            // Webhook events are built in sweep order: this sweep holds the turn before it frees
            // the running slot, so the next sweep's event waits for this one's. Its changes are
            // those the store folded when it recorded the sweep (no replay of history); the
            // event is built off the runtime (masking walks every text); queueing never waits
            // on a receiver.
            let turn = match (&recorded, state.inner.webhooks.get()) {
                (Some(_), Some(webhooks)) => Some(webhooks.order.lock().await),
                _ => None,
            };
            *state
                .inner
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
            if let (Some((record, changes)), Some(_turn)) = (recorded, turn) {
                let notifier = state.clone();
                let _ =
                    tokio::task::spawn_blocking(move || notifier.notify(&record, &changes)).await;
            }
        });
        Ok(id)
    }

    /// Sweeps every `every` in the background, skipping a turn while a sweep runs. A period of
    /// zero is refused (it would sweep without pause).
    pub fn schedule(&self, every: Duration) -> Result<(), ZeroPeriod> {
        if every.is_zero() {
            return Err(ZeroPeriod);
        }
        let state = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                ticks.tick().await;
                match state.start_sweep(Selection::default()).await {
                    Err(StartError::Running(id)) => {
                        tracing::info!("scheduled sweep skipped: sweep #{id} is still running");
                    }
                    Err(StartError::Busy(why)) => {
                        tracing::info!("scheduled sweep skipped: {why}");
                    }
                    _ => {}
                }
            }
        });
        Ok(())
    }
}

/// A schedule with a period of zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the sweep period must be longer than zero")]
pub struct ZeroPeriod;

/// Why a sweep did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A sweep is running.
    #[error("sweep #{0} is running")]
    Running(u64),
    /// Another process records into the state directory now.
    #[error("{0}")]
    Busy(String),
    /// The selection names unknown panels or domains.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a started sweep was not recorded.
#[derive(Debug, thiserror::Error)]
enum SweepFailed {
    #[error(transparent)]
    Sweep(#[from] SweepError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A number that differs between processes (and between states in one process): the clock
/// at start mixed with the process id and a counter. Not a secret; only distinct.
fn instance_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let now = jiff::Timestamp::now();
    let mixed = (u64::try_from(now.as_second()).unwrap_or_default() << 30)
        ^ u64::try_from(now.subsec_nanosecond()).unwrap_or_default()
        ^ (u64::from(std::process::id()) << 32)
        ^ NEXT
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    mixed.wrapping_mul(0xff51_afd7_ed55_8ccd)
}
