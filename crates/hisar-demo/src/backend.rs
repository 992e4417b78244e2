//! The demo backend: an axum router that behaves per panel as the reference backend did on its
//! sweep date, for real reasons — a gateway that refuses the verifier outside its public paths,
//! routes not shipped yet, routes served with another method only, and answers that break the
//! panels' contracts. It serves its own OpenAPI document at `/openapi.json`.
//!
//! Everything is mutable at run time ([`DemoBackend::fix`], [`DemoBackend::break_route`],
//! [`DemoBackend::set_delay`]) so tests can move gaps and watch history follow.

mod auth;
mod routes;
mod schema;

pub use self::auth::{DEMO_CLIENT_ID, DEMO_LOGIN_USER};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use self::routes::{Access, Ctx, DemoRoute, Fault};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The bundled demo registry: the 87 reference panels.
pub const DEMO_REGISTRY: &str = include_str!("backend/registry.yaml");

/// The header that carries the verifier's key on public paths.
pub const OBSERVER_KEY_HEADER: &str = "x-aos-key";

#[derive(Debug, Clone)]
struct RouteState {
    deployed: bool,
    healed: bool,
    broken: bool,
    methods: Vec<String>,
    delay: Option<Duration>,
}

#[derive(Debug)]
struct Inner {
    routes: Vec<DemoRoute>,
    /// Literal paths → route index; templated routes are matched segment by segment.
    literal: BTreeMap<&'static str, usize>,
    templated: Vec<usize>,
    observer_key: String,
    user_token: String,
    /// Drawn at start; incident ids carry it.
    instance: String,
    issued: auth::Issued,
    state: RwLock<Mutable>,
}

/// An entry of the gateway's public paths.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PublicEntry {
    /// One route (its template) or one path.
    Exact(String),
    /// Every path starting with the text.
    Prefix(String),
    /// Segments with `*` standing for any one segment.
    Pattern(String),
}

impl PublicEntry {
    fn matches(&self, template: &str, path: &str) -> bool {
        match self {
            PublicEntry::Exact(e) => e == template || e == path,
            PublicEntry::Prefix(p) => path.starts_with(p.as_str()),
            PublicEntry::Pattern(p) => {
                let e: Vec<&str> = p.trim_end_matches('/').split('/').collect();
                let s: Vec<&str> = path.split('/').collect();
                let prefix = p.ends_with('/');
                (e.len() == s.len() || (prefix && e.len() < s.len()))
                    && e.iter().zip(&s).all(|(a, b)| *a == "*" || a == b)
            }
        }
    }
}

#[derive(Debug)]
struct Mutable {
    routes: Vec<RouteState>,
    public: BTreeSet<PublicEntry>,
    delay: Duration,
}

/// The demo backend. Cheap to clone: clones share state.
#[derive(Debug, Clone)]
pub struct DemoBackend {
    inner: Arc<Inner>,
}

impl DemoBackend {
    /// A backend that accepts `observer_key` in `X-AOS-Key` on its public paths.
    pub fn new(observer_key: impl Into<String>) -> Self {
        let routes = routes::routes();
        let mut literal = BTreeMap::new();
        let mut templated = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            if r.path.contains('{') {
                templated.push(i);
            } else {
                literal.insert(r.path, i);
            }
        }
        let public = routes
            .iter()
            .filter(|r| r.access == Access::Public)
            .map(|r| PublicEntry::Exact(r.path.to_owned()))
            .collect();
        let states = routes
            .iter()
            .map(|r| RouteState {
                deployed: r.deployed,
                healed: false,
                broken: false,
                methods: r.methods.iter().map(|m| (*m).to_owned()).collect(),
                delay: None,
            })
            .collect();
        Self {
            inner: Arc::new(Inner {
                routes,
                literal,
                templated,
                observer_key: observer_key.into(),
                user_token: format!("user-session-{:x}", std::process::id()),
                instance: instance_tag(),
                issued: auth::Issued::default(),
                state: RwLock::new(Mutable {
                    routes: states,
                    public,
                    delay: Duration::ZERO,
                }),
            }),
        }
    }

    /// The key the backend accepts from the verifier.
    pub fn observer_key(&self) -> &str {
        &self.inner.observer_key
    }

    /// The axum router.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/openapi.json", get(openapi))
            .route("/oauth/token", post(auth::token))
            .route("/auth/login", post(auth::login))
            .fallback(dispatch)
            .with_state(self.clone())
    }

    /// The OpenAPI document the backend serves at `/openapi.json`: its shipped routes now, each
    /// GET with the response schema of its healthy answer (so a sweep checks answers against
    /// the backend's own contract, SPEC §3.7).
    pub fn openapi(&self) -> Value {
        let s = self
            .inner
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut paths = serde_json::Map::new();
        let mut order: Vec<usize> = (0..self.inner.routes.len()).collect();
        order.sort_by_key(|&i| self.inner.routes[i].path);
        for i in order {
            let (route, state) = (&self.inner.routes[i], &s.routes[i]);
            if !state.deployed {
                continue;
            }
            let mut item = serde_json::Map::new();
            for m in &state.methods {
                let responses = if m == "GET" {
                    let schema = schema::response_schema(
                        &(route.healthy)(&routes::Ctx::default()),
                        route.provenance.is_some(),
                    );
                    json!({"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}})
                } else {
                    json!({"202": {"description": "Accepted", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["accepted"], "properties": {"accepted": {"type": "boolean"}}}}}}})
                };
                item.insert(
                    m.to_ascii_lowercase(),
                    json!({"summary": format!("{m} {}", route.path), "responses": responses}),
                );
            }
            paths.insert(route.path.to_owned(), Value::Object(item));
        }
        json!({
            "openapi": "3.1.0",
            "info": {"title": "AOS demo backend", "version": "2026.01.15"},
            "paths": paths,
        })
    }

    /// Every route path the backend knows, shipped or planned.
    pub fn paths(&self) -> Vec<&'static str> {
        self.inner.routes.iter().map(|r| r.path).collect()
    }

    fn index(&self, path: &str) -> Option<usize> {
        self.inner.routes.iter().position(|r| r.path == path)
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut Mutable) -> T) -> T {
        let mut state = self
            .inner
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut state)
    }

    /// Does whatever the backend team would do to make `path` serve its panels: publish it on
    /// the gateway, ship it, heal its fault, serve GET. Returns false for an unknown path.
    pub fn fix(&self, path: &str) -> bool {
        let Some(i) = self.index(path) else {
            return false;
        };
        self.with_state(|s| {
            s.public.insert(PublicEntry::Exact(path.to_owned()));
            let r = &mut s.routes[i];
            r.deployed = true;
            r.healed = true;
            r.broken = false;
            if !r.methods.iter().any(|m| m == "GET") {
                r.methods.push("GET".to_owned());
            }
        });
        true
    }

    /// Adds an entry to the gateway's public paths, read as P0 of the tracker writes them: a
    /// pattern when it has `*` segments, a prefix when it ends with `/`, otherwise exact.
    pub fn publish(&self, entry: &str) {
        let entry = if entry.contains('*') {
            PublicEntry::Pattern(entry.to_owned())
        } else if entry.ends_with('/') {
            PublicEntry::Prefix(entry.to_owned())
        } else {
            PublicEntry::Exact(entry.to_owned())
        };
        self.with_state(|s| s.public.insert(entry));
    }

    /// Adds a prefix entry: every path starting with `prefix` becomes public.
    pub fn publish_prefix(&self, prefix: &str) {
        self.with_state(|s| s.public.insert(PublicEntry::Prefix(prefix.to_owned())));
    }

    /// Makes a route answer 500 until fixed. Returns false for an unknown path.
    pub fn break_route(&self, path: &str) -> bool {
        let Some(i) = self.index(path) else {
            return false;
        };
        self.with_state(|s| s.routes[i].broken = true);
        true
    }

    /// Delays every answer (`path` = `None`) or one route's answers.
    pub fn set_delay(&self, path: Option<&str>, delay: Duration) -> bool {
        match path {
            None => {
                self.with_state(|s| s.delay = delay);
                true
            }
            Some(p) => {
                let Some(i) = self.index(p) else { return false };
                self.with_state(|s| s.routes[i].delay = (!delay.is_zero()).then_some(delay));
                true
            }
        }
    }

    fn find(&self, path: &str) -> Option<(usize, BTreeMap<String, String>)> {
        if let Some(&i) = self.inner.literal.get(path) {
            return Some((i, BTreeMap::new()));
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for &i in &self.inner.templated {
            let template: Vec<&str> = self.inner.routes[i]
                .path
                .trim_start_matches('/')
                .split('/')
                .collect();
            if template.len() != segments.len() {
                continue;
            }
            let mut params = BTreeMap::new();
            let ok = template.iter().zip(&segments).all(|(t, s)| {
                match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(name) => {
                        params.insert(name.to_owned(), percent_decode(s));
                        !s.is_empty()
                    }
                    None => t == s,
                }
            });
            if ok {
                return Some((i, params));
            }
        }
        None
    }
}

/// Eight hex digits drawn per backend: the standard library's per-instance random hash keys
/// are randomness enough for ids no registry may guess (no cryptographic use).
fn instance_tag() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:08x}", hasher.finish() & 0xffff_ffff)
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&segment[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn detail(status: StatusCode, text: &str) -> Response {
    (status, axum::Json(json!({ "detail": text }))).into_response()
}

async fn dispatch(State(demo): State<DemoBackend>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query: BTreeMap<String, String> = request
        .uri()
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|pair| {
                    pair.split_once('=')
                        .map(|(k, v)| (percent_decode(k), percent_decode(&v.replace('+', " "))))
                })
                .collect()
        })
        .unwrap_or_default();
    let headers = request.headers().clone();
    dispatch_to(&demo, &method, &path, query, &headers).await
}

async fn dispatch_to(
    demo: &DemoBackend,
    method: &str,
    path: &str,
    query: BTreeMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let found = demo.find(path);
    let (global_delay, route_state, public) = {
        let s = demo
            .inner
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let route_state = found.as_ref().map(|(i, _)| s.routes[*i].clone());
        let public = found.as_ref().is_some_and(|(i, _)| {
            s.public
                .iter()
                .any(|e| e.matches(demo.inner.routes[*i].path, path))
        });
        (s.delay, route_state, public)
    };
    let delay = global_delay
        + route_state
            .as_ref()
            .and_then(|r| r.delay)
            .unwrap_or_default();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (Some((index, path_params)), Some(state)) = (found, route_state) else {
        return detail(StatusCode::NOT_FOUND, "Not Found");
    };
    if !state.deployed {
        return detail(StatusCode::NOT_FOUND, "Not Found");
    }
    let route = &demo.inner.routes[index];
    if !state.methods.iter().any(|m| m == method) {
        let mut response = detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        if let Ok(allow) = HeaderValue::from_str(&state.methods.join(", ")) {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        return response;
    }
    // The gateway.
    if public {
        let key = headers
            .get(OBSERVER_KEY_HEADER)
            .and_then(|v| v.to_str().ok());
        // The verifier's key, or a token the demo's identity provider issued.
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| demo.inner.issued.accepts(t));
        if key != Some(demo.inner.observer_key.as_str()) && !token {
            return detail(StatusCode::UNAUTHORIZED, "invalid or missing X-AOS-Key");
        }
    } else {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if bearer != Some(format!("Bearer {}", demo.inner.user_token).as_str()) {
            let mut response = detail(StatusCode::UNAUTHORIZED, "Not authenticated");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    if method == "POST" && route.methods.contains(&"POST") {
        return (StatusCode::ACCEPTED, axum::Json(json!({"accepted": true}))).into_response();
    }
    if state.broken {
        return detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    }
    let ctx = Ctx {
        query,
        path_params,
        instance: demo.inner.instance.clone(),
    };
    // A detail route knows only this instance's incidents: a placeholder id is a 404.
    if let Some(id) = ctx.path_params.get("incident_id")
        && !ctx.knows_incident(id)
    {
        return detail(StatusCode::NOT_FOUND, "no such incident");
    }
    let tenant = headers
        .get("x-tenant-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("demo-tenant")
        .to_owned();
    let with_provenance = |mut body: Value| {
        if let (Some(aggregation), Value::Object(map)) = (route.provenance, &mut body) {
            map.insert(
                "provenance".to_owned(),
                json!({"generated_at": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                       "aggregation": aggregation, "source": "aos-demo-engine", "tenant_id": tenant}),
            );
        }
        body
    };
    let fault = if state.healed { None } else { route.fault };
    match fault {
        None => (StatusCode::OK, axum::Json(with_provenance((route.healthy)(&ctx)))).into_response(),
        Some(Fault::Body(f)) => (StatusCode::OK, axum::Json(with_provenance(f(&ctx)))).into_response(),
        Some(Fault::NoProvenance) => (StatusCode::OK, axum::Json((route.healthy)(&ctx))).into_response(),
        Some(Fault::Status(code, text)) => detail(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), text),
        Some(Fault::Html) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><html><head><title>AOS Console</title></head><body><div id=\"root\"></div></body></html>",
        )
            .into_response(),
        Some(Fault::NoContent) => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn openapi(State(demo): State<DemoBackend>) -> Response {
    axum::Json(demo.openapi()).into_response()
}

#[cfg(test)]
mod tests;
