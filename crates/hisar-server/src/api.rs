//! The service's routes: the API under `/api/v1`, the dashboard and tracker pages, and the
//! operations endpoints.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hisar_core::history::Selection;
use hisar_core::{CapabilityId, GapCode, Outcome, Status};
use hisar_report::{GapFilter, PanelJson, json_report, render_html, write_markdown};
use hisar_store::SweepStatus;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower_http::timeout::TimeoutLayer;

use crate::error::ApiError;
use crate::limits::{Limits, bound_bodies, shed};
use crate::state::{AppState, StartError};

/// The OpenAPI document of the service's own API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The service's router: API, dashboard and operations, with the default [`Limits`].
pub fn router(state: AppState) -> Router {
    router_with(state, &Limits::default())
}

/// The service's router within `limits`: the routes that render history share one
/// concurrency budget and shed what exceeds it (503); `/healthz` and `/metrics` stay outside
/// it; request bodies are capped in size and time.
pub fn router_with(state: AppState, limits: &Limits) -> Router {
    // A body has `body_timeout` to arrive whole; the token is checked before it is read.
    let post_sweeps = post(post_sweep).layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.body_timeout,
    ));
    let api = Router::new()
        .route("/api/v1/panels", get(panels))
        .route("/api/v1/panels/{id}", get(panel))
        .route("/api/v1/gaps", get(gaps))
        .route("/api/v1/fixes", get(fixes))
        .route("/api/v1/sweeps", get(sweeps).merge(post_sweeps))
        .route("/api/v1/sweeps/{id}", get(sweep))
        .route("/api/v1/render-plan", get(render_plan))
        .route("/api/v1/openapi.json", get(openapi));
    let pages = Router::new()
        .route("/", get(dashboard))
        .route("/tracker.md", get(tracker));
    let ops = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text));
    bound_bodies(shed(api.merge(pages), limits).merge(ops), limits).with_state(state)
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
    let d = state.derived()?;
    let report = state.report(&d);
    let doc = json_report(&report);
    let items: Vec<&PanelJson<'_>> = doc
        .panels
        .iter()
        .filter(|p| filter.domain.as_deref().is_none_or(|x| p.domain == x))
        .filter(|p| filter.status.is_none_or(|s| p.status == s))
        .filter(|p| filter.gap.is_none_or(|g| p.code() == Some(g)))
        .collect();
    Ok(Json(json!({"count": items.len(), "panels": items})))
}

/// One sweep's verdict on a panel, as its history shows it.
#[derive(Serialize)]
struct HistoryEntry<'a> {
    sweep: u64,
    at: jiff::Timestamp,
    status: Status,
    gap: Option<&'a hisar_core::Gap>,
    evidence: &'a hisar_core::Evidence,
    endpoint: &'a str,
    unverified_reason: Option<&'a str>,
}

/// A panel with its history.
#[derive(Serialize)]
struct PanelWithHistory<'a> {
    #[serde(flatten)]
    panel: &'a PanelJson<'a>,
    history: Vec<HistoryEntry<'a>>,
}

async fn panel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let d = state.derived()?;
    let report = state.report(&d);
    let doc = json_report(&report);
    let panel = doc
        .panels
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("panel {id}")))?;
    let history = d
        .sweeps
        .iter()
        .filter_map(|s| {
            let r = s.records.iter().find(|r| r.panel == id)?;
            Some(HistoryEntry {
                sweep: s.id,
                at: s.started_at,
                status: r.verdict.status(),
                gap: r.verdict.gap(),
                evidence: &r.verdict.evidence,
                endpoint: &r.endpoint,
                unverified_reason: match &r.verdict.outcome {
                    Outcome::Unverified { reason } => Some(reason),
                    _ => None,
                },
            })
        })
        .collect();
    to_json(&PanelWithHistory { panel, history })
}

async fn gaps(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = state.derived()?;
    let report = state.report(&d);
    let doc = json_report(&report);
    let mut items: Vec<&PanelJson<'_>> = doc
        .panels
        .iter()
        .filter(|p| p.status == Status::Blocked)
        .collect();
    items.sort_by_key(|p| p.code().map_or(u8::MAX, GapCode::priority));
    Ok(Json(
        json!({"count": items.len(), "by_code": doc.summary.gaps, "gaps": items}),
    ))
}

fn to_json(value: &impl Serialize) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(value)
        .map(Json)
        .map_err(|e| ApiError::Internal(format!("serialize a response: {e}")))
}

async fn fixes(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = state.derived()?;
    Ok(Json(
        serde_json::to_value(&state.report(&d).fixes).unwrap_or_default(),
    ))
}

async fn sweeps(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let summaries = state.inner.store.summaries()?;
    Ok(Json(
        json!({"running": state.running(), "count": summaries.len(), "sweeps": summaries}),
    ))
}

async fn sweep(
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<Value>, ApiError> {
    let summaries = state.inner.store.summaries()?;
    let summary = summaries
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("sweep {id}")))?;
    let records = match summary.status {
        SweepStatus::Complete => state.inner.store.sweep(id)?.map(|s| s.records),
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

/// A request whose bearer token is the service's, checked from the request's head alone:
/// a handler that takes it first refuses a request before reading its body.
struct Authorized;

impl FromRequestParts<AppState> for Authorized {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authorize(state, &parts.headers).map(|()| Authorized)
    }
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
    _: Authorized,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
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
        Err(StartError::Selection(why)) => Err(ApiError::BadRequest(why.to_string())),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

async fn render_plan(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = state.derived()?;
    let capability = |id: &CapabilityId| d.state.capabilities.get(id).map(|c| c.status);
    let mut renderable = 0;
    let panels: Vec<Value> = state
        .inner
        .registry
        .panels()
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
    let d = state.derived()?;
    let report = state.report(&d);
    let filter = GapFilter {
        domain: q.domain,
        code: q.code,
    };
    Ok(Html(render_html(&report, &d.series, &filter)))
}

async fn tracker(State(state): State<AppState>) -> Result<Response, ApiError> {
    let d = state.derived()?;
    let mut out = Vec::new();
    write_markdown(&state.report(&d), &mut out).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        out,
    )
        .into_response())
}

async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let health = state.health()?;
    Ok(Json(
        json!({"status": "ok", "sweeps": health.sweeps, "running": state.running(),
                   "last_sweep": health.last_sweep}),
    ))
}

async fn metrics_text(State(state): State<AppState>) -> Result<Response, ApiError> {
    let d = state.derived()?;
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
