//! The service's shared state: the registry, the history store, the sweep runner, the
//! sweep running now, and history derived once per change of the store.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hisar_core::Registry;
use hisar_core::history::{Selection, SweepRecord, TrackerState, derive};
use hisar_probe::{SelectionError, SweepError, select};
use hisar_report::{Report, SeriesPoint, series};
use hisar_store::{HistoryStore, StateLock, StoreError, SweepStatus};

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
    /// What `/healthz` says, kept apart from the derived history so that the health check
    /// never waits for a derivation or a long read of the store; cleared when a sweep is recorded.
    pub(crate) health: Mutex<Option<Health>>,
    pub(crate) today: fn() -> jiff::civil::Date,
    pub(crate) recheck: std::sync::OnceLock<String>,
    /// Receivers told of sweeps that changed gaps (`--webhook`), when any.
    pub(crate) webhooks: std::sync::OnceLock<crate::webhook::Webhooks>,
    /// The state directory whose writer lock each sweep takes, when there is one.
    pub(crate) state_dir: std::sync::OnceLock<std::path::PathBuf>,
}

/// The store as `/healthz` shows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Health {
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

/// History as the API shows it, derived once per change of the store.
pub(crate) struct Derived {
    key: (usize, Option<u64>),
    pub(crate) sweeps: Vec<SweepRecord>,
    pub(crate) state: TrackerState,
    pub(crate) series: Vec<SeriesPoint>,
    pub(crate) timelines: std::collections::BTreeMap<String, Vec<hisar_report::TimelineEntry>>,
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
                health: Mutex::new(None),
                today: || hisar_core::history::day(jiff::Timestamp::now()),
                recheck: std::sync::OnceLock::new(),
                webhooks: std::sync::OnceLock::new(),
                state_dir: std::sync::OnceLock::new(),
            }),
        }
    }

    pub(crate) fn derived(&self) -> Result<Arc<Derived>, ApiError> {
        let summaries = self.inner.store.summaries()?;
        let complete: Vec<u64> = summaries
            .iter()
            .filter(|s| s.status == SweepStatus::Complete)
            .map(|s| s.id)
            .collect();
        let key = (complete.len(), complete.last().copied());
        let mut cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = cache.as_ref().filter(|d| d.key == key) {
            return Ok(Arc::clone(d));
        }
        let sweeps = self.inner.store.sweeps()?;
        let (state, _) = derive(&self.inner.registry, &sweeps);
        let series = series(&self.inner.registry, &sweeps);
        let timelines = hisar_report::timelines(&sweeps);
        let d = Arc::new(Derived {
            key,
            sweeps,
            state,
            series,
            timelines,
        });
        *cache = Some(Arc::clone(&d));
        Ok(d)
    }

    /// What `/healthz` says: from memory, or from one short read of the store after a sweep.
    pub(crate) fn health(&self) -> Result<Health, ApiError> {
        let mut health = self
            .inner
            .health
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(h) = *health {
            return Ok(h);
        }
        let summaries = self.inner.store.summaries()?;
        let mut complete = summaries
            .iter()
            .filter(|s| s.status == SweepStatus::Complete);
        let h = Health {
            sweeps: complete.clone().count(),
            last_sweep: complete.next_back().map(|s| s.started_at),
        };
        *health = Some(h);
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
    fn notify(&self, record: &SweepRecord) {
        let Some(webhooks) = self.inner.webhooks.get() else {
            return;
        };
        // What the sweep changed: history before it, folded, then the sweep applied.
        let changes = self.inner.store.sweeps().map(|sweeps| {
            let mut ledger = hisar_core::history::Ledger::replay(
                self.inner.registry.trust().clone(),
                sweeps.iter().filter(|s| s.id < record.id),
            );
            ledger.apply(record)
        });
        match changes {
            Ok(changes) => webhooks.notify(record, &changes),
            Err(e) => tracing::error!("webhook event of sweep #{}: {e}", record.id),
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
        *self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a sweep in the background; `Err(id)` when one is already running.
    pub fn start_sweep(&self, selection: Selection) -> Result<u64, StartError> {
        select(&self.inner.registry, &selection)?;
        let mut running = self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = *running {
            return Err(StartError::Running(id));
        }
        // One writer at a time: a CLI sweep recording here now makes this one wait its turn.
        let writer = match self.inner.state_dir.get() {
            Some(dir) => Some(
                StateLock::try_acquire(dir, "hisar serve's sweep")
                    .map_err(|e| StartError::Busy(e.to_string()))?,
            ),
            None => None,
        };
        let id = self.inner.store.begin(jiff::Timestamp::now(), &selection)?;
        *running = Some(id);
        drop(running);
        tracing::info!("sweep #{id} started ({})", selection.describe());
        let state = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = state.inner.runner.sweep(selection).await;
            let elapsed = started.elapsed();
            let mut recorded = None;
            match outcome.map_err(SweepFailed::from).and_then(|sweep| {
                // Forgotten in the same critical section as the store changes: nobody reads
                // the old count once the new sweep can be seen.
                let mut health = state
                    .inner
                    .health
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let recorded = state.inner.store.finish(id, sweep);
                *health = None;
                recorded.map_err(SweepFailed::from)
            }) {
                Ok(record) => {
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
                    recorded = Some(record);
                }
                Err(e) => {
                    state
                        .inner
                        .metrics
                        .sweep_done(false, elapsed, std::iter::empty());
                    let _ = state.inner.store.abandon_running();
                    tracing::error!("sweep #{id} failed: {e}");
                }
            }
            // The writer's lock is held until the sweep is recorded (or given up).
            drop(writer);
            // Webhook events are built in sweep order: this sweep holds the turn before it frees
            // the running slot, so the next sweep's event waits for this one's. Building reads
            // history (off the runtime); queueing never waits on a receiver.
            let turn = match (&recorded, state.inner.webhooks.get()) {
                (Some(_), Some(webhooks)) => Some(webhooks.order.lock().await),
                _ => None,
            };
            *state
                .inner
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
            if let (Some(record), Some(_turn)) = (recorded, turn) {
                let notifier = state.clone();
                let _ = tokio::task::spawn_blocking(move || notifier.notify(&record)).await;
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
                match state.start_sweep(Selection::default()) {
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
