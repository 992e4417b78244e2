//! The service's routes: the API under `/api/v1`, the dashboard and tracker pages, and the
//! operations endpoints. Each handler carries its OpenAPI description (`utoipa`), and the
//! router is built from the same annotated handlers (`utoipa-axum`), so the served document
//! lists exactly the routes served.
//!
//! Read routes answer from the history's derived state ([`Derived`]): each distinct response
//! (path and query) is rendered once per version of history and served from bytes after that,
//! with a weak `ETag` naming that version; a client sending it back in `If-None-Match` gets
//! `304 Not Modified`. Bodies are typed rows serialized straight to bytes, and compressed
//! (gzip) for clients that accept it.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use hisar_core::history::{RenderEntry, Selection};
use hisar_core::{GapCode, Outcome, Status, Verdict};
use hisar_report::{GapCountJson, GapFilter, PanelJson, json_report, render_html, write_markdown};
use hisar_store::{SweepStatus, SweepSummary};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::limits::{Limits, bound_bodies, shed};
use crate::state::{AppState, Derived, StartError};
use crate::webhook::Webhooks;

/// A panel's history in `GET /api/v1/panels/{id}`: its newest records, at most this many.
const PANEL_HISTORY: usize = 500;

const JSON: &str = "application/json";
const HTML: &str = "text/html; charset=utf-8";
const MARKDOWN: &str = "text/markdown; charset=utf-8";

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
    // request in the service log. Responses are rendered once per version of history and
    // kept; compressing them is per request, at the fastest level: most of gzip's gain on
    // JSON for a fraction of its default level's time. The cached responses are served by
    // the same routes as any other, so within the same concurrency budget and shedding.
    bound_bodies(routes, limits)
        .with_state(state)
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(TraceLayer::new_for_http())
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

/// Whether the client accepts a gzip body (`Accept-Encoding`, q-values honoured: `gzip;q=0`
/// refuses it, `*` stands for it when it is not named).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let (mut gzip, mut any) = (None, None);
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("gzip") {
            gzip = Some(q);
        } else if coding == "*" {
            any = Some(q);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

/// A response from the derived state's cache: `304` when the client holds it, the cached
/// bytes when rendered before, else `render`'s bytes, kept for the next request. A client
/// that accepts gzip gets the cached body's gzip form, compressed once (the compression layer
/// leaves a response that is already encoded alone).
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
        None => d.keep(key.to_owned(), Bytes::from(render()?)),
    };
    let mut response = if accepts_gzip(headers) {
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            body.gzip(),
        )
            .into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type)], body.plain.clone()).into_response()
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(cache_headers(response))
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
        (status = 304, description = "Not modified: `If-None-Match` holds the current tag"),
    )
)]
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
            .filter(|p| {
                filter
                    .domain
                    .as_deref()
                    .is_none_or(|x| p.domain.eq_ignore_ascii_case(x))
            })
            .filter(|p| filter.status.is_none_or(|s| p.status == s))
            .filter(|p| filter.gap.is_none_or(|g| p.code() == Some(g)))
            .collect();
        to_vec(&PanelList {
            count: panels.len(),
            panels,
        })
    })
}

/// `GET /api/v1/panels`.
#[derive(Serialize)]
struct PanelList<'a> {
    count: usize,
    panels: Vec<&'a PanelJson<'a>>,
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
        (status = 304, description = "Not modified: `If-None-Match` holds the current tag"),
    )
)]
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

/// Blocked panels, most urgent first.
#[utoipa::path(get, path = "/api/v1/gaps", tag = "panels",
    responses(
        (status = 200, description = "`count`, `by_code` and `gaps`", body = Object),
        (status = 304, description = "Not modified: `If-None-Match` holds the current tag"),
    )
)]
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

/// Priority fixes, P0 to P4.
#[utoipa::path(get, path = "/api/v1/fixes", tag = "panels",
    responses(
        (status = 200, description = "The priority tables", body = Object),
        (status = 304, description = "Not modified: `If-None-Match` holds the current tag"),
    )
)]
async fn fixes(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, JSON, || to_vec(&state.report(&d).fixes))
}

/// Recorded sweeps (the CLI and the service share one history).
#[utoipa::path(get, path = "/api/v1/sweeps", tag = "sweeps",
    responses((status = 200, description = "`running`, `count` and `sweeps`", body = Object))
)]
async fn sweeps(State(state): State<AppState>) -> Result<Response, ApiError> {
    // Not cached: running sweeps are not history, and this lists them.
    let summaries = state.inner.store.summaries().await?;
    json_response(&SweepList {
        running: state.running(),
        count: summaries.len(),
        sweeps: &summaries,
    })
}

/// One sweep and its verdicts.
#[utoipa::path(get, path = "/api/v1/sweeps/{id}", tag = "sweeps",
    params(("id" = u64, Path, description = "The sweep id.")),
    responses(
        (status = 200, description = "The sweep and, once complete, its verdicts", body = Object),
        (status = 404, description = "No such sweep", body = ErrorBody),
    )
)]
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
    body: Bytes,
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
        Err(StartError::Busy(why)) => Err(ApiError::Busy(why)),
        Err(StartError::Selection(why)) => Err(ApiError::BadRequest(why.to_string())),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

/// Which panels the UI may render: only those whose latest verified verdict is BOUND and
/// whose capability is OBSERVED or TRUSTED.
#[utoipa::path(get, path = "/api/v1/render-plan", tag = "panels",
    responses(
        (status = 200, description = "`sweep`, `renderable` and a row per panel", body = Object),
        (status = 304, description = "Not modified: `If-None-Match` holds the current tag"),
    )
)]
async fn render_plan(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    cached(&d, &headers, &uri, JSON, || {
        let panels = hisar_core::history::render_plan(&state.inner.registry, &d.state);
        to_vec(&RenderPlan {
            sweep: d.state.latest.as_ref().map(|l| l.id),
            renderable: panels.iter().filter(|p| p.render).count(),
            panels,
        })
    })
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
    responses(
        (status = 200, description = "The dashboard", content_type = "text/html", body = String),
        (status = 304, description = "Not modified: `If-None-Match` holds the current tag"),
    )
)]
async fn dashboard(
    State(state): State<AppState>,
    Query(q): Query<DashboardQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = state.derived().await?;
    let key = uri.path_and_query().map_or("/", |p| p.as_str());
    let timelines = if not_modified(&d, &headers) || d.cached(key).is_some() {
        BTreeMap::new()
    } else {
        d.timelines(&state).await?.clone()
    };
    cached(&d, &headers, &uri, HTML, || {
        let mut report = state.report(&d);
        report.timelines = timelines;
        let filter = GapFilter {
            domain: q.domain,
            code: q.code,
        };
        Ok(render_html(&report, &d.series, &filter).into_bytes())
    })
}

/// The Markdown tracker.
#[utoipa::path(get, path = "/tracker.md", tag = "pages",
    responses(
        (status = 200, description = "The tracker", content_type = "text/markdown", body = String),
        (status = 304, description = "Not modified: `If-None-Match` holds the current tag"),
    )
)]
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

/// Liveness, with the number of sweeps and the one running.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "`status`, `sweeps`, `running`, `last_sweep`", body = Object))
)]
async fn healthz(State(state): State<AppState>) -> Result<Response, ApiError> {
    let health = state.health().await?;
    json_response(&Health {
        status: "ok",
        sweeps: health.sweeps,
        running: state.running(),
        last_sweep: health.last_sweep,
    })
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
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

/// `GET /api/v1/gaps`.
#[derive(Serialize)]
struct GapList<'a> {
    count: usize,
    by_code: &'a [GapCountJson],
    gaps: Vec<&'a PanelJson<'a>>,
}

/// `GET /api/v1/sweeps`.
#[derive(Serialize)]
struct SweepList<'a> {
    running: Option<u64>,
    count: usize,
    sweeps: &'a [SweepSummary],
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

/// `202` to `POST /api/v1/sweeps`.
#[derive(Serialize)]
struct Started {
    sweep: u64,
    status: &'static str,
    href: String,
}

/// `GET /api/v1/render-plan`: what a UI shell may render.
#[derive(Serialize)]
struct RenderPlan {
    sweep: Option<u64>,
    renderable: usize,
    panels: Vec<RenderEntry>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_as_the_client_says() {
        let accepts = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            accepts_gzip(&headers)
        };
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0, *"), "refused by name");
        assert!(!accepts("br, deflate"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
