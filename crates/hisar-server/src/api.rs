//! The service's routes: the API under `/api/v1`, the dashboard and tracker pages, and the
//! operations endpoints.
//!
//! Read routes answer from the history's derived state ([`Derived`]): each distinct response
//! (path and query) is rendered once per version of history and served from bytes after that,
//! with a weak `ETag` naming that version; a client sending it back in `If-None-Match` gets
//! `304 Not Modified`. Bodies are compressed (gzip) for clients that accept it.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hisar_core::history::{CapabilityStatus, Selection};
use hisar_core::{Gap, GapCode, Outcome, Status, Verdict};
use hisar_report::{GapCountJson, GapFilter, PanelJson, json_report, render_html, write_markdown};
use hisar_store::{SweepStatus, SweepSummary};
use serde::{Deserialize, Serialize};
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::error::ApiError;
use crate::state::{AppState, Derived, StartError};

/// The OpenAPI document of the service's own API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// A panel's history in `GET /api/v1/panels/{id}`: its newest records, at most this many.
const PANEL_HISTORY: usize = 500;

const JSON: &str = "application/json";
const HTML: &str = "text/html; charset=utf-8";
const MARKDOWN: &str = "text/markdown; charset=utf-8";

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
    api.merge(pages)
        .merge(ops)
        .with_state(state)
        // Responses are rendered once per version of history and kept; compressing them is
        // per request, at the fastest level: most of gzip's gain on JSON for a fraction of
        // its default level's time.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
}

/// Whether the client already holds this representation.
fn not_modified(d: &Derived, headers: &HeaderMap) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| {
            tag == "*"
                || tag == d.etag
                || tag.strip_prefix("W/") == Some(d.etag.trim_start_matches("W/"))
        })
}

/// A response from the derived state's cache: `304` when the client holds it, the cached
/// bytes when rendered before, else `render`'s bytes, kept for the next request.
fn cached(
    d: &Derived,
    headers: &HeaderMap,
    key: &Uri,
    content_type: &'static str,
    render: impl FnOnce() -> Result<Vec<u8>, ApiError>,
) -> Result<Response, ApiError> {
    let etag = HeaderValue::from_str(&d.etag).ok();
    let cache_headers = |mut response: Response| {
        if let Some(etag) = &etag {
            response.headers_mut().insert(header::ETAG, etag.clone());
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    };
    if not_modified(d, headers) {
        return Ok(cache_headers(StatusCode::NOT_MODIFIED.into_response()));
    }
    let key = key.path_and_query().map_or("/", |p| p.as_str());
    let body = match d.cached(key) {
        Some(body) => body,
        None => {
            let body = Bytes::from(render()?);
            d.keep(key.to_owned(), body.clone());
            body
        }
    };
    Ok(cache_headers(
        ([(header::CONTENT_TYPE, content_type)], body).into_response(),
    ))
}

fn to_vec(value: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::Internal(format!("serialize a response: {e}")))
}

#[derive(Debug, Deserialize)]
struct PanelFilter {
    domain: Option<String>,
    status: Option<Status>,
    gap: Option<GapCode>,
}

/// `GET /api/v1/panels`.
#[derive(Serialize)]
struct PanelList<'a> {
    count: usize,
    panels: Vec<&'a PanelJson<'a>>,
}

async fn panels(
    State(state): State<AppState>,
    Query(filter): Query<PanelFilter>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, JSON, || {
        let report = state.report(&d);
        let doc = json_report(&report);
        let panels: Vec<&PanelJson<'_>> = doc
            .panels
            .iter()
            .filter(|p| filter.domain.as_deref().is_none_or(|x| p.domain == x))
            .filter(|p| filter.status.is_none_or(|s| p.status == s))
            .filter(|p| filter.gap.is_none_or(|g| p.code() == Some(g)))
            .collect();
        to_vec(&PanelList {
            count: panels.len(),
            panels,
        })
    })
}

/// One sweep's verdict on a panel, as its history shows it.
#[derive(Serialize)]
struct HistoryEntry<'a> {
    sweep: u64,
    at: jiff::Timestamp,
    status: Status,
    gap: Option<&'a Gap>,
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
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    if d.state.panel(&id).is_none() {
        return Err(ApiError::NotFound(format!("panel {id}")));
    }
    let key = uri.path_and_query().map_or("/", |p| p.as_str());
    let entries = if not_modified(&d, &headers) || d.cached(key).is_some() {
        Vec::new()
    } else {
        let mut entries = state.inner.store.panel_history(&id, PANEL_HISTORY).await?;
        entries.reverse();
        entries
    };
    cached(&d, &headers, &uri, JSON, || {
        let report = state.report(&d);
        let doc = json_report(&report);
        let panel = doc
            .panels
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ApiError::NotFound(format!("panel {id}")))?;
        let history = entries
            .iter()
            .map(|e| HistoryEntry {
                sweep: e.sweep,
                at: e.at,
                status: e.record.verdict.status(),
                gap: e.record.verdict.gap(),
                evidence: &e.record.verdict.evidence,
                endpoint: &e.record.endpoint,
                unverified_reason: match &e.record.verdict.outcome {
                    Outcome::Unverified { reason } => Some(reason),
                    _ => None,
                },
            })
            .collect();
        to_vec(&PanelWithHistory { panel, history })
    })
}

/// `GET /api/v1/gaps`.
#[derive(Serialize)]
struct GapList<'a> {
    count: usize,
    by_code: &'a [GapCountJson],
    gaps: Vec<&'a PanelJson<'a>>,
}

async fn gaps(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, JSON, || {
        let report = state.report(&d);
        let doc = json_report(&report);
        let mut gaps: Vec<&PanelJson<'_>> = doc
            .panels
            .iter()
            .filter(|p| p.status == Status::Blocked)
            .collect();
        gaps.sort_by_key(|p| p.code().map_or(u8::MAX, GapCode::priority));
        to_vec(&GapList {
            count: gaps.len(),
            by_code: &doc.summary.gaps,
            gaps,
        })
    })
}

async fn fixes(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, JSON, || to_vec(&state.report(&d).fixes))
}

/// `GET /api/v1/sweeps`.
#[derive(Serialize)]
struct SweepList<'a> {
    running: Option<u64>,
    count: usize,
    sweeps: &'a [SweepSummary],
}

async fn sweeps(State(state): State<AppState>) -> Result<Response, ApiError> {
    // Not cached: running sweeps are not history, and this lists them.
    let summaries = state.inner.store.summaries().await?;
    json_response(&SweepList {
        running: state.running(),
        count: summaries.len(),
        sweeps: &summaries,
    })
}

fn json_response(value: &impl Serialize) -> Result<Response, ApiError> {
    Ok(([(header::CONTENT_TYPE, JSON)], to_vec(value)?).into_response())
}

/// A verdict of one sweep.
#[derive(Serialize)]
struct SweepVerdict<'a> {
    panel: &'a str,
    endpoint: &'a str,
    capability: &'a str,
    verdict: &'a Verdict,
}

/// `GET /api/v1/sweeps/{id}`.
#[derive(Serialize)]
struct SweepDetail<'a> {
    sweep: &'a SweepSummary,
    verdicts: Option<Vec<SweepVerdict<'a>>>,
}

async fn sweep(State(state): State<AppState>, Path(id): Path<u64>) -> Result<Response, ApiError> {
    let summaries = state.inner.store.summaries().await?;
    let summary = summaries
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("sweep {id}")))?;
    let record = match summary.status {
        SweepStatus::Complete => state.inner.store.sweep(id).await?,
        _ => None,
    };
    json_response(&SweepDetail {
        sweep: summary,
        verdicts: record.as_ref().map(|s| {
            s.records
                .iter()
                .map(|r| SweepVerdict {
                    panel: &r.panel,
                    endpoint: &r.endpoint,
                    capability: &r.capability,
                    verdict: &r.verdict,
                })
                .collect()
        }),
    })
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

/// `202` to `POST /api/v1/sweeps`.
#[derive(Serialize)]
struct Started {
    sweep: u64,
    status: &'static str,
    href: String,
}

async fn post_sweep(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
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
    match state.start_sweep(selection).await {
        Ok(id) => Ok((
            StatusCode::ACCEPTED,
            Json(Started {
                sweep: id,
                status: "running",
                href: format!("/api/v1/sweeps/{id}"),
            }),
        )
            .into_response()),
        Err(StartError::Running(id)) => Err(ApiError::Conflict(id)),
        Err(StartError::Selection(why)) => Err(ApiError::BadRequest(why.to_string())),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// One panel of the render plan.
#[derive(Serialize)]
struct PlanRow<'a> {
    id: &'a str,
    render: bool,
    reason: String,
    status: Status,
    capability: &'a str,
    capability_status: Option<CapabilityStatus>,
}

/// `GET /api/v1/render-plan`: what a UI shell may render.
#[derive(Serialize)]
struct RenderPlan<'a> {
    sweep: Option<u64>,
    renderable: usize,
    panels: Vec<PlanRow<'a>>,
}

async fn render_plan(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, JSON, || {
        let panels: Vec<PlanRow<'_>> = state
            .inner
            .registry
            .panels()
            .iter()
            .zip(&d.state.panels)
            .map(|(p, s)| {
                let cap = d.state.capabilities.get(&p.capability).map(|c| c.status);
                let cap_ok = matches!(
                    cap,
                    Some(CapabilityStatus::Observed | CapabilityStatus::Trusted)
                );
                let (render, reason) = match (s.status, &s.verdict) {
                    (Status::Bound, _) if cap_ok => {
                        let mut why =
                            format!("bound in sweep #{}", s.verified_in.unwrap_or_default());
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
                        v.gap().map_or_else(String::new, |g| {
                            format!("blocked: {} {}", g.code, g.detail)
                        }),
                    ),
                    _ => (false, "never verified".to_owned()),
                };
                PlanRow {
                    id: p.id.as_str(),
                    render,
                    reason,
                    status: s.status,
                    capability: p.capability.as_str(),
                    capability_status: cap,
                }
            })
            .collect();
        to_vec(&RenderPlan {
            sweep: d.state.latest.as_ref().map(|l| l.id),
            renderable: panels.iter().filter(|p| p.render).count(),
            panels,
        })
    })
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, JSON)], OPENAPI).into_response()
}

#[derive(Debug, Deserialize)]
struct DashboardQuery {
    domain: Option<String>,
    code: Option<GapCode>,
}

async fn dashboard(
    State(state): State<AppState>,
    Query(q): Query<DashboardQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, HTML, || {
        let report = state.report(&d);
        let filter = GapFilter {
            domain: q.domain,
            code: q.code,
        };
        Ok(render_html(&report, &d.series, &filter).into_bytes())
    })
}

async fn tracker(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, MARKDOWN, || {
        let mut out = Vec::new();
        write_markdown(&state.report(&d), &mut out)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(out)
    })
}

/// `GET /healthz`.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    sweeps: usize,
    running: Option<u64>,
    last_sweep: Option<jiff::Timestamp>,
}

/// Complete sweeps in the stored history.
fn recorded(d: &Derived) -> usize {
    d.summaries
        .iter()
        .filter(|s| s.status == SweepStatus::Complete)
        .count()
}

async fn healthz(State(state): State<AppState>) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    json_response(&Health {
        status: "ok",
        sweeps: recorded(&d),
        running: state.running(),
        last_sweep: d.state.latest.as_ref().map(|l| l.started_at),
    })
}

async fn metrics_text(State(state): State<AppState>) -> Result<Response, ApiError> {
    let d = state.derived().await?;
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
    let text = state.inner.metrics.render(&panels, &gaps, recorded(&d));
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
