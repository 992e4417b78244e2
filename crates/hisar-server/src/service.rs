//! `hisar serve`: the tracker as a service.
//!
//! [`router`] builds the axum router from an [`AppState`] holding `Arc<dyn …>` handles: the
//! history store, the sweep runner and a logger. Routes:
//!
//! - `GET /` the HTML dashboard (`?domain=&code=` filter the gaps), `GET /tracker.md`;
//! - `GET /api/v1/panels` (`?domain=&status=&gap=`), `GET /api/v1/panels/{id}` (with history),
//!   `GET /api/v1/gaps`, `GET /api/v1/fixes`, `GET /api/v1/sweeps`, `GET /api/v1/sweeps/{id}`,
//!   `GET /api/v1/render-plan`, `GET /api/v1/openapi.json`;
//! - `POST /api/v1/sweeps` (`{panels, domains}` optional): 202 with the sweep id; needs
//!   `Authorization: Bearer <token>`; refused (403) when no token is configured; 409 with the
//!   running sweep's id while one runs;
//! - `GET /healthz`, `GET /metrics` (Prometheus text).
//!
//! Responses never carry credentials or the token.

mod metrics;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hisar_core::history::{Selection, SweepRecord, TrackerState, derive};
use hisar_core::{CapabilityId, GapCode, Registry, Status};
use hisar_report::{
    GapFilter, Report, SeriesPoint, json_value, render_html, series, write_markdown,
};
use serde::Deserialize;
use serde_json::{Value, json};

use self::metrics::Metrics;
use crate::store::{HistoryStore, NewSweep, StoreError, SweepStatus};
use crate::sweeper::select;

/// The OpenAPI document of the service's own API.
pub const OPENAPI: &str = include_str!("service/openapi.json");

/// Runs one sweep of a selection and returns it, ready to record.
#[async_trait]
pub trait SweepRunner: Send + Sync {
    /// Probes the selected panels.
    async fn sweep(&self, selection: Selection) -> Result<NewSweep, String>;
}

/// Where the service writes what it does (never a credential).
pub type Logger = Arc<dyn Fn(&str) + Send + Sync>;

/// The service's shared state.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Arc<Registry>,
    registry_path: String,
    store: Arc<dyn HistoryStore>,
    runner: Arc<dyn SweepRunner>,
    token: Option<String>,
    log: Logger,
    running: Mutex<Option<u64>>,
    metrics: Metrics,
    cache: Mutex<Option<Arc<Derived>>>,
    today: fn() -> jiff::civil::Date,
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
struct Derived {
    key: (usize, Option<u64>),
    sweeps: Vec<SweepRecord>,
    state: TrackerState,
    series: Vec<SeriesPoint>,
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
        log: Logger,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                registry: Arc::new(registry),
                registry_path: registry_path.into(),
                store,
                runner,
                token: token.filter(|t| !t.is_empty()),
                log,
                running: Mutex::new(None),
                metrics: Metrics::default(),
                cache: Mutex::new(None),
                today: || hisar_core::history::day(jiff::Timestamp::now()),
            }),
        }
    }

    fn derived(&self) -> Result<Arc<Derived>, ApiError> {
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
        let d = Arc::new(Derived {
            key,
            sweeps,
            state,
            series,
        });
        *cache = Some(Arc::clone(&d));
        Ok(d)
    }

    fn report<'a>(&'a self, d: &'a Derived) -> Report<'a> {
        Report::new(
            &self.inner.registry,
            &d.state,
            (self.inner.today)(),
            self.inner.registry_path.clone(),
        )
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
        select(&self.inner.registry, &selection)
            .map_err(|e| StartError::Selection(e.to_string()))?;
        let mut running = self
            .inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = *running {
            return Err(StartError::Running(id));
        }
        let id = self
            .inner
            .store
            .begin(jiff::Timestamp::now(), &selection)
            .map_err(|e| StartError::Store(e.to_string()))?;
        *running = Some(id);
        drop(running);
        (self.inner.log)(&format!("sweep #{id} started ({})", selection.describe()));
        let state = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = state.inner.runner.sweep(selection).await;
            let elapsed = started.elapsed();
            match outcome.and_then(|sweep| {
                state
                    .inner
                    .store
                    .finish(id, sweep)
                    .map_err(|e| e.to_string())
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
                    let degraded = crate::sweeper::is_degraded(
                        record.records.iter().map(|r| &r.verdict),
                        state.inner.registry.gate.max_unverified_share,
                    );
                    (state.inner.log)(&format!(
                        "sweep #{id} finished in {:.2}s: {bound} bound, {blocked} blocked, {unverified} unverified{}",
                        elapsed.as_secs_f64(),
                        if degraded {
                            " (degraded: is the backend reachable?)"
                        } else {
                            ""
                        }
                    ));
                }
                Err(e) => {
                    state
                        .inner
                        .metrics
                        .sweep_done(false, elapsed, std::iter::empty());
                    let _ = state.inner.store.abandon_running();
                    (state.inner.log)(&format!("sweep #{id} failed: {e}"));
                }
            }
            *state
                .inner
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        });
        Ok(id)
    }

    /// Sweeps every `every` in the background, skipping a turn while a sweep runs.
    pub fn schedule(&self, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                ticks.tick().await;
                if let Err(StartError::Running(id)) = state.start_sweep(Selection::default()) {
                    (state.inner.log)(&format!(
                        "scheduled sweep skipped: sweep #{id} is still running"
                    ));
                }
            }
        });
    }
}

/// Why a sweep did not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A sweep is running.
    #[error("sweep #{0} is running")]
    Running(u64),
    /// The selection names unknown panels or domains.
    #[error("{0}")]
    Selection(String),
    /// The store failed.
    #[error("{0}")]
    Store(String),
}

/// The API's one error type.
#[derive(Debug)]
enum ApiError {
    NotFound(String),
    BadRequest(String),
    Unauthorized,
    Forbidden,
    Conflict(u64),
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                json!({"error": format!("not found: {what}")}),
            ),
            ApiError::BadRequest(why) => (StatusCode::BAD_REQUEST, json!({"error": why})),
            ApiError::Unauthorized => {
                let mut r = (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"error": "a valid `Authorization: Bearer <token>` is required"})),
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return r;
            }
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"error": "mutating routes are disabled: start the service with a token in the environment (--token-env)"}),
            ),
            ApiError::Conflict(id) => (
                StatusCode::CONFLICT,
                json!({"error": "a sweep is already running", "sweep": id, "href": format!("/api/v1/sweeps/{id}")}),
            ),
            // 5xx bodies say little; the log says all.
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "internal error; see the service log"}),
            ),
        };
        (status, Json(body)).into_response()
    }
}

fn internal(state: &AppState, error: ApiError) -> ApiError {
    if let ApiError::Internal(detail) = &error {
        (state.inner.log)(&format!("internal error: {detail}"));
    }
    error
}

/// The service's router: API, dashboard and operations.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/panels", get(panels))
        .route("/api/v1/panels/{id}", get(panel))
        .route("/api/v1/gaps", get(gaps))
        .route("/api/v1/fixes", get(fixes))
        .route("/api/v1/sweeps", get(sweeps).post(post_sweep))
        .route("/api/v1/sweeps/{id}", get(sweep))
        .route("/api/v1/render-plan", get(render_plan))
        .route("/api/v1/openapi.json", get(openapi));
    let pages = Router::new()
        .route("/", get(dashboard))
        .route("/tracker.md", get(tracker));
    let ops = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text));
    api.merge(pages).merge(ops).with_state(state)
}

fn derived(state: &AppState) -> Result<Arc<Derived>, ApiError> {
    state.derived().map_err(|e| internal(state, e))
}

#[derive(Debug, Deserialize)]
struct PanelFilter {
    domain: Option<String>,
    status: Option<Status>,
    gap: Option<GapCode>,
}

async fn panels(
    State(state): State<AppState>,
    Query(filter): Query<PanelFilter>,
) -> Result<Json<Value>, ApiError> {
    let d = derived(&state)?;
    let doc = json_value(&state.report(&d));
    let items: Vec<Value> = doc["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| filter.domain.as_deref().is_none_or(|x| p["domain"] == x))
        .filter(|p| filter.status.is_none_or(|s| p["status"] == s.as_str()))
        .filter(|p| filter.gap.is_none_or(|g| p["gap"]["code"] == g.as_str()))
        .cloned()
        .collect();
    Ok(Json(json!({"count": items.len(), "panels": items})))
}

async fn panel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let d = derived(&state)?;
    let doc = json_value(&state.report(&d));
    let mut item = doc["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"] == id.as_str())
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("panel {id}")))?;
    let history: Vec<Value> = d
        .sweeps
        .iter()
        .filter_map(|s| {
            let r = s.records.iter().find(|r| r.panel == id)?;
            Some(json!({
                "sweep": s.id, "at": s.started_at, "status": r.verdict.status(),
                "gap": r.verdict.gap(), "evidence": r.verdict.evidence, "endpoint": r.endpoint,
                "unverified_reason": match &r.verdict.outcome { hisar_core::Outcome::Unverified { reason } => Some(reason), _ => None },
            }))
        })
        .collect();
    item["history"] = Value::from(history);
    Ok(Json(item))
}

async fn gaps(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = derived(&state)?;
    let doc = json_value(&state.report(&d));
    let mut items: Vec<Value> = doc["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["status"] == "BLOCKED")
        .cloned()
        .collect();
    let priority = |p: &Value| {
        p["gap"]["code"]
            .as_str()
            .and_then(|c| c.parse::<GapCode>().ok())
            .map_or(9, GapCode::priority)
    };
    items.sort_by_key(|p| priority(p));
    Ok(Json(
        json!({"count": items.len(), "by_code": doc["summary"]["gaps"], "gaps": items}),
    ))
}

async fn fixes(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = derived(&state)?;
    Ok(Json(
        serde_json::to_value(&state.report(&d).fixes).unwrap_or_default(),
    ))
}

async fn sweeps(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let summaries = state
        .inner
        .store
        .summaries()
        .map_err(|e| internal(&state, e.into()))?;
    Ok(Json(
        json!({"running": state.running(), "count": summaries.len(), "sweeps": summaries}),
    ))
}

async fn sweep(
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<Value>, ApiError> {
    let summaries = state
        .inner
        .store
        .summaries()
        .map_err(|e| internal(&state, e.into()))?;
    let summary = summaries
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("sweep {id}")))?;
    let records = match summary.status {
        SweepStatus::Complete => state
            .inner
            .store
            .sweep(id)
            .map_err(|e| internal(&state, e.into()))?
            .map(|s| s.records),
        _ => None,
    };
    let verdicts: Option<Vec<Value>> = records.map(|rs| {
        rs.iter()
            .map(|r| json!({"panel": r.panel, "endpoint": r.endpoint, "capability": r.capability, "verdict": r.verdict}))
            .collect()
    });
    Ok(Json(json!({"sweep": summary, "verdicts": verdicts})))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepBody {
    #[serde(default)]
    panels: Vec<String>,
    #[serde(default)]
    domains: Vec<String>,
}

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &state.inner.token else {
        return Err(ApiError::Forbidden);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compare without an early exit, so timing says nothing about the token.
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let mut diff = u8::from(a.len() != b.len());
    for (i, byte) in b.iter().enumerate() {
        diff |= byte ^ a.get(i).copied().unwrap_or(0);
    }
    if diff == 0 {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

async fn post_sweep(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let body: SweepBody = if body.iter().all(u8::is_ascii_whitespace) {
        SweepBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("invalid body: {e}")))?
    };
    let selection = Selection {
        panels: body.panels,
        domains: body.domains,
    };
    match state.start_sweep(selection) {
        Ok(id) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({"sweep": id, "status": "running", "href": format!("/api/v1/sweeps/{id}")})),
        )
            .into_response()),
        Err(StartError::Running(id)) => Err(ApiError::Conflict(id)),
        Err(StartError::Selection(why)) => Err(ApiError::BadRequest(why)),
        Err(StartError::Store(why)) => Err(internal(&state, ApiError::Internal(why))),
    }
}

async fn render_plan(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = derived(&state)?;
    let capability = |id: &CapabilityId| d.state.capabilities.get(id).map(|c| c.status);
    let mut renderable = 0;
    let panels: Vec<Value> = state
        .inner
        .registry
        .panels
        .iter()
        .zip(&d.state.panels)
        .map(|(p, s)| {
            let cap = capability(&p.capability);
            let cap_ok = matches!(
                cap,
                Some(
                    hisar_core::history::CapabilityStatus::Observed
                        | hisar_core::history::CapabilityStatus::Trusted
                )
            );
            let (render, reason) = match (s.status, &s.verdict) {
                (Status::Bound, _) if cap_ok => {
                    let mut why = format!("bound in sweep #{}", s.verified_in.unwrap_or_default());
                    if let Some(r) = &s.unverified_now {
                        why.push_str(&format!("; not re-verified in the latest sweep ({r})"));
                    }
                    (true, why)
                }
                (Status::Bound, _) => (
                    false,
                    format!(
                        "capability {} is {}",
                        p.capability,
                        cap.map_or("DECLARED", |c| c.as_str())
                    ),
                ),
                (Status::Blocked, Some(v)) => (
                    false,
                    v.gap()
                        .map_or_else(String::new, |g| format!("blocked: {} {}", g.code, g.detail)),
                ),
                _ => (false, "never verified".to_owned()),
            };
            if render {
                renderable += 1;
            }
            json!({"id": p.id.as_str(), "render": render, "reason": reason, "status": s.status,
                   "capability": p.capability.as_str(), "capability_status": cap})
        })
        .collect();
    Ok(Json(json!({
        "sweep": d.state.latest.as_ref().map(|l| l.id),
        "renderable": renderable,
        "panels": panels,
    })))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Debug, Deserialize)]
struct DashboardQuery {
    domain: Option<String>,
    code: Option<GapCode>,
}

async fn dashboard(
    State(state): State<AppState>,
    Query(q): Query<DashboardQuery>,
) -> Result<Html<String>, ApiError> {
    let d = derived(&state)?;
    let report = state.report(&d);
    let filter = GapFilter {
        domain: q.domain,
        code: q.code,
    };
    Ok(Html(render_html(&report, &d.series, &filter)))
}

async fn tracker(State(state): State<AppState>) -> Result<Response, ApiError> {
    let d = derived(&state)?;
    let mut out = Vec::new();
    write_markdown(&state.report(&d), &mut out)
        .map_err(|e| internal(&state, ApiError::Internal(e.to_string())))?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        out,
    )
        .into_response())
}

async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = derived(&state)?;
    Ok(Json(
        json!({"status": "ok", "sweeps": d.sweeps.len(), "running": state.running(),
                   "last_sweep": d.state.latest.as_ref().map(|l| l.started_at)}),
    ))
}

async fn metrics_text(State(state): State<AppState>) -> Result<Response, ApiError> {
    let d = derived(&state)?;
    let report = state.report(&d);
    let (_, total) = report.dashboard();
    let mut panels = BTreeMap::new();
    panels.insert("BOUND", total.bound);
    panels.insert("BLOCKED", total.blocked);
    panels.insert("UNVERIFIED", total.unverified);
    let gaps: Vec<(GapCode, usize)> = GapCode::ALL
        .iter()
        .map(|c| (*c, report.gap_count(*c)))
        .collect();
    let text = state.inner.metrics.render(&panels, &gaps, d.sweeps.len());
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests;
