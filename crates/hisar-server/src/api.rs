//! The service's routes: the API under `/api/v1`, the dashboard and tracker pages, and the
//! operations endpoints. Each handler carries its OpenAPI description (`utoipa`), and the
//! router is built from the same annotated handlers (`utoipa-axum`), so the served document
//! lists exactly the routes served.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use hisar_core::history::Selection;
use hisar_core::{GapCode, Outcome, Status};
use hisar_report::{GapFilter, PanelJson, json_report, render_html, write_markdown};
use hisar_store::SweepStatus;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use subtle::ConstantTimeEq as _;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::limits::{Limits, bound_bodies, shed};
use crate::state::{AppState, StartError};
use crate::webhook::Webhooks;

/// What the document says beyond the handlers.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "HISAR service API",
        version = "1",
        description = "The living gaps tracker as a service. Read routes are open; POST /api/v1/sweeps needs `Authorization: Bearer <token>` (the token comes from the environment variable named by --token-env; without one, mutating routes are refused). Panel, gap and fix shapes are those of the JSON report (docs/report.schema.json). Filters ignore case."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// An error answer.
#[derive(Serialize, utoipa::ToSchema)]
struct ErrorBody {
    /// What went wrong, for a person.
    error: String,
}

/// Declares the bearer token scheme that `POST /api/v1/sweeps` needs.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The routes that read and render history: they share one concurrency budget.
fn heavy() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(panels))
        .routes(routes!(panel))
        .routes(routes!(gaps))
        .routes(routes!(fixes))
        .routes(routes!(sweeps))
        .routes(routes!(sweep))
        .routes(routes!(render_plan))
        .routes(routes!(openapi_json))
        .routes(routes!(dashboard))
        .routes(routes!(tracker))
}

/// The one route that reads a request body.
fn with_body() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_sweep))
}

/// The operations routes, kept out of the heavy routes' budget so they stay fast.
fn ops() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(metrics_text))
}

/// Every route, with its description: one list for the router and the document.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(heavy())
        .merge(with_body())
        .merge(ops())
}

/// The OpenAPI document of the service's own API, generated from its handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().into_openapi()
}

/// The document as served, rendered once.
static OPENAPI_JSON: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| openapi().to_pretty_json().unwrap_or_default());

/// The service's router: API, dashboard and operations, with the default [`Limits`].
pub fn router(state: AppState) -> Router {
    router_with(state, &Limits::default())
}

/// The service's router within `limits`: the routes that render history share one
/// concurrency budget and shed what exceeds it (503); `/healthz` and `/metrics` stay outside
/// it; request bodies are capped in size and time, and the token is checked before a body is
/// read.
pub fn router_with(state: AppState, limits: &Limits) -> Router {
    let (heavy, _) = heavy().split_for_parts();
    let (with_body, _) = with_body().split_for_parts();
    let (ops, _) = ops().split_for_parts();
    // A body has `body_timeout` to arrive whole.
    let with_body = with_body.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.body_timeout,
    ));
    let routes = shed(heavy, limits).merge(with_body).merge(ops);
    // One compression layer for every route (gzip when the client accepts it), and a span per
    // request in the service log.
    bound_bodies(routes, limits)
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}

#[derive(Debug, Deserialize)]
struct PanelFilter {
    domain: Option<String>,
    status: Option<Status>,
    gap: Option<GapCode>,
}

/// Panels with their tracked verdicts.
#[utoipa::path(get, path = "/api/v1/panels", tag = "panels",
    params(
        ("domain" = Option<String>, Query, description = "A domain code such as OVR (any case)."),
        ("status" = Option<String>, Query, description = "BOUND, BLOCKED or UNVERIFIED (any case)."),
        ("gap" = Option<String>, Query, description = "A gap code such as AUTH_FAILURE (any case)."),
    ),
    responses(
        (status = 200, description = "Matching panels: `count` and `panels`", body = Object),
        (status = 400, description = "An unknown status or gap", body = ErrorBody),
    )
)]
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
        .filter(|p| {
            filter
                .domain
                .as_deref()
                .is_none_or(|x| p.domain.eq_ignore_ascii_case(x))
        })
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

/// One panel: verdict, evidence and its history.
#[utoipa::path(get, path = "/api/v1/panels/{id}", tag = "panels",
    params(("id" = String, Path, description = "The panel id.")),
    responses(
        (status = 200, description = "The panel and its history", body = Object),
        (status = 404, description = "No such panel", body = ErrorBody),
    )
)]
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

/// Blocked panels, most urgent first.
#[utoipa::path(get, path = "/api/v1/gaps", tag = "panels",
    responses((status = 200, description = "`count`, `by_code` and `gaps`", body = Object))
)]
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

/// Priority fixes, P0 to P4.
#[utoipa::path(get, path = "/api/v1/fixes", tag = "panels",
    responses((status = 200, description = "The priority tables", body = Object))
)]
async fn fixes(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = state.derived()?;
    Ok(Json(
        serde_json::to_value(&state.report(&d).fixes).unwrap_or_default(),
    ))
}

/// Recorded sweeps (the CLI and the service share one history).
#[utoipa::path(get, path = "/api/v1/sweeps", tag = "sweeps",
    responses((status = 200, description = "`running`, `count` and `sweeps`", body = Object))
)]
async fn sweeps(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let summaries = state.inner.store.summaries()?;
    Ok(Json(
        json!({"running": state.running(), "count": summaries.len(), "sweeps": summaries}),
    ))
}

/// One sweep and its verdicts.
#[utoipa::path(get, path = "/api/v1/sweeps/{id}", tag = "sweeps",
    params(("id" = u64, Path, description = "The sweep id.")),
    responses(
        (status = 200, description = "The sweep and, once complete, its verdicts", body = Object),
        (status = 404, description = "No such sweep", body = ErrorBody),
    )
)]
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
    // Constant time (`subtle`): how long the comparison takes says nothing about the token.
    if bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// Starts a sweep (`{"panels": [...], "domains": [...]}`, both optional).
#[utoipa::path(post, path = "/api/v1/sweeps", tag = "sweeps",
    request_body(content = Object, description = "`panels` and `domains` to sweep; empty sweeps all", content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Started: `sweep`, `status`, `href`", body = Object),
        (status = 400, description = "A bad body or an unknown panel or domain", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "No token configured: mutating routes are off", body = ErrorBody),
        (status = 409, description = "A sweep is running, or another process records into the state directory", body = ErrorBody),
    )
)]
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
        Err(StartError::Busy(why)) => Err(ApiError::Busy(why)),
        Err(StartError::Selection(why)) => Err(ApiError::BadRequest(why.to_string())),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// Which panels the UI may render: only those whose latest verified verdict is BOUND and
/// whose capability is OBSERVED or TRUSTED.
#[utoipa::path(get, path = "/api/v1/render-plan", tag = "panels",
    responses((status = 200, description = "`sweep`, `renderable` and a row per panel", body = Object))
)]
async fn render_plan(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let d = state.derived()?;
    let panels = hisar_core::history::render_plan(&state.inner.registry, &d.state);
    let renderable = panels.iter().filter(|p| p.render).count();
    Ok(Json(json!({
        "sweep": d.state.latest.as_ref().map(|l| l.id),
        "renderable": renderable,
        "panels": panels,
    })))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON.as_str(),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct DashboardQuery {
    domain: Option<String>,
    code: Option<GapCode>,
}

/// The HTML dashboard (`?domain=&code=` filter the active gaps).
#[utoipa::path(get, path = "/", tag = "pages",
    params(
        ("domain" = Option<String>, Query, description = "A domain code (any case)."),
        ("code" = Option<String>, Query, description = "A gap code (any case)."),
    ),
    responses((status = 200, description = "The dashboard", content_type = "text/html", body = String))
)]
async fn dashboard(
    State(state): State<AppState>,
    Query(q): Query<DashboardQuery>,
) -> Result<Html<String>, ApiError> {
    let d = state.derived()?;
    let mut report = state.report(&d);
    report.timelines = d.timelines.clone();
    let filter = GapFilter {
        domain: q.domain,
        code: q.code,
    };
    Ok(Html(render_html(&report, &d.series, &filter)))
}

/// The Markdown tracker.
#[utoipa::path(get, path = "/tracker.md", tag = "pages",
    responses((status = 200, description = "The tracker", content_type = "text/markdown", body = String))
)]
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

/// Liveness, with the number of sweeps and the one running.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "`status`, `sweeps`, `running`, `last_sweep`", body = Object))
)]
async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let health = state.health()?;
    Ok(Json(
        json!({"status": "ok", "sweeps": health.sweeps, "running": state.running(),
                   "last_sweep": health.last_sweep}),
    ))
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
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
    let webhooks = state.inner.webhooks.get().map(Webhooks::metrics_text);
    let text = text + webhooks.as_deref().unwrap_or_default();
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
