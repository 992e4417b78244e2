//! The conformance corpus: a backend of awkward behaviours beyond the demo's, to sweep in tests.
//!
//! Each route of [`CorpusBackend`] does one thing real backends do and a verifier can get wrong:
//! a list where one item lacks a field, a path parameter that would climb out of its segment,
//! a query value with `+` and `&` in it, an action behind `POST`, a literal segment only a
//! parameter route would take, a credential echoed in an error, a Location or a header, a JSON
//! body with a byte order mark, a problem document or an error object under a 200, a 204 for a
//! list, duplicate keys, numbers as strings, huge integers, content types with parameters or in
//! capitals, a redirect to a sign-in page with a query or to the path with a slash added, a
//! `HEAD` that answers differently from `GET`, a token endpoint and a route that echo the
//! secrets a token flow sends and obtains. Mounted under a prefix (`Router::nest`), it
//! behaves the same, so a sweep through a base URL with a path finds the same verdicts. [`CORPUS_REGISTRY`] declares one panel per behaviour; what HISAR must conclude about
//! each is written in the tests that sweep it, never here.
//!
//! Like the demo backend, this module shares no code with HISAR.
//!
//! ```
//! use axum::body::Body;
//! use axum::http::Request;
//! use hisar_demo::corpus::CorpusBackend;
//! use tower::ServiceExt;
//!
//! let backend = CorpusBackend::default();
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let status = rt.block_on(async {
//!     let request = Request::post("/c/lessons/convert").body(Body::empty()).unwrap();
//!     backend.router().oneshot(request).await.unwrap().status()
//! });
//! assert_eq!(status, 200);
//! assert_eq!(backend.unsafe_requests(), 1, "the corpus counts every state-changing request");
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{OriginalUri, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

/// The corpus registry: one panel per behaviour.
pub const CORPUS_REGISTRY: &str = include_str!("corpus/registry.yaml");

/// The header the corpus reads the probe's credential from (auth mode `corpus`).
pub const CORPUS_KEY_HEADER: &str = "x-corpus-key";

/// The header the corpus reads the probe's tenant from (auth mode `corpus`), a number.
pub const CORPUS_TENANT_HEADER: &str = "x-corpus-tenant";

/// The OAuth2 client the corpus's token endpoint knows (any non-empty secret will do); every
/// other client is refused with an error that quotes the secret it was sent.
pub const CORPUS_CLIENT_ID: &str = "corpus-probe";

/// The corpus backend. Clones share their counters.
#[derive(Debug, Clone, Default)]
pub struct CorpusBackend {
    unsafe_hits: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
    tokens: Arc<Mutex<Vec<String>>>,
}

impl CorpusBackend {
    /// Requests that would change state (`POST /c/lessons/convert`, `DELETE` on an item).
    pub fn unsafe_requests(&self) -> usize {
        self.unsafe_hits.load(Ordering::SeqCst)
    }

    /// Every request received, as `METHOD /path?query` with the path as sent.
    pub fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every token the token endpoint issued.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The router.
    pub fn router(&self) -> Router {
        let items = get(|| async {
            json_body(
                200,
                &json!({"items": [
                    {"id": 1, "kind": "run"},
                    {"kind": "run", "name": "a run without id"},
                    {"id": 3, "kind": "job"}
                ]}),
            )
        })
        .delete(|State(b): State<Self>| async move {
            b.unsafe_hits.fetch_add(1, Ordering::SeqCst);
            json_body(200, &json!({"deleted": true}))
        });
        Router::new()
            .route("/openapi.json", get(|| async { json_body(200, &openapi()) }))
            .route("/c/items/some-ids", items)
            .route(
                "/c/items/some-costs",
                get(|| async {
                    json_body(200, &json!({"items": [{"cost": 1}, {"name": "no cost"}, {"cost": 2}]}))
                }),
            )
            .route(
                "/c/groups",
                get(|| async {
                    json_body(
                        200,
                        &json!({"groups": [
                            {"items": [{"id": 1}]},
                            {"items": []},
                            {"items": [{"id": 2}, {"name": "no id"}]}
                        ]}),
                    )
                }),
            )
            .route("/c/top-array", get(|| async { json_body(200, &json!([{"id": 1}, {}])) }))
            .route("/c/no-items", get(|| async { json_body(200, &json!({"data": []})) }))
            .route("/c/empty-items", get(|| async { json_body(200, &json!({"items": []})) }))
            .route("/c/admin/{id}", get(admin))
            .route("/c/secret", get(|| async { json_body(200, &json!({"ok": true})) }))
            .route("/c/echo-query", get(echo_query))
            .route(
                "/c/lessons/convert",
                post(|State(b): State<Self>| async move {
                    b.unsafe_hits.fetch_add(1, Ordering::SeqCst);
                    json_body(200, &json!({"converted": true}))
                }),
            )
            .route("/c/search", post(|| async { json_body(200, &json!({"items": []})) }))
            .route("/c/incidents/{incident_id}", get(incident))
            .route("/c/echo/{how}", get(echo))
            .route("/c/echo-header/{name}", get(echo_header))
            .route("/c/oauth/token", post(token))
            .route("/c/bom", get(|| async { raw(200, Some("application/json"), b"\xEF\xBB\xBF{\"items\": []}") }))
            .route(
                "/c/problem",
                get(|| async {
                    raw(
                        200,
                        Some("application/problem+json"),
                        br#"{"type": "about:blank", "title": "Service warming up", "status": 200}"#,
                    )
                }),
            )
            .route("/c/error-200", get(|| async { json_body(200, &json!({"error": "database unavailable"})) }))
            .route("/c/no-content", get(|| async { raw(204, None, b"") }))
            .route("/c/null", get(|| async { raw(200, Some("application/json"), b"null") }))
            .route("/c/dup/last-bad", get(|| async { raw(200, Some("application/json"), br#"{"total": 5, "total": "n/a"}"#) }))
            .route("/c/dup/last-good", get(|| async { raw(200, Some("application/json"), br#"{"total": "n/a", "total": 5}"#) }))
            .route("/c/num-string", get(|| async { json_body(200, &json!({"total": "42"})) }))
            .route(
                "/c/huge",
                get(|| async {
                    raw(
                        200,
                        Some("application/json"),
                        br#"{"total": 100000000000000000000000, "id": 18446744073709551616}"#,
                    )
                }),
            )
            .route("/c/nan", get(|| async { raw(200, Some("application/json"), br#"{"total": NaN}"#) }))
            .route("/c/truncated", get(|| async { raw(200, Some("application/json"), br#"{"items": [1, 2"#) }))
            .route(
                "/c/ct/params",
                get(|| async {
                    raw(200, Some(r#"application/json; charset=utf-8; profile="https://x.example/p""#), br#"{"items": []}"#)
                }),
            )
            .route("/c/ct/upper", get(|| async { raw(200, Some("Application/JSON"), br#"{"items": []}"#) }))
            .route("/c/ct/none", get(|| async { raw(200, None, br#"{"items": []}"#) }))
            .route("/c/ct/html-json", get(|| async { raw(200, Some("text/html"), br#"{"items": []}"#) }))
            .route("/c/jsonp", get(|| async { raw(200, Some("application/javascript"), br#"cb({"items": []})"#) }))
            .route(
                "/c/login-redirect",
                get(|| async {
                    redirect("https://sso.corp.example/oauth2/authorize?client=ui&next=%2Fc%2Flogin-redirect")
                }),
            )
            .route("/c/query-redirect", get(|| async { redirect("/c/query-redirect?page=1") }))
            .route(
                "/c/head-differs",
                get(|| async { json_body(500, &json!({"detail": "renderer crashed"})) })
                    .head(|| async { raw(200, Some("application/json"), b"") }),
            )
            .route(
                "/c/keyed",
                get(|| async {
                    json_body(200, &json!({"items": {"a": {"id": 1}, "b": {"name": "no id"}}}))
                }),
            )
            .route("/c/users/{name}", get(|Path(name): Path<String>| async move { json_body(200, &json!({ "name": name })) }))
            .route("/c/slash", get(slash_redirect))
            .route("/c/post-only", post(|| async { json_body(200, &json!({"items": []})) }))
            .route(
                "/c/throttled",
                get(|| async {
                    Response::builder()
                        .status(429)
                        .header(header::RETRY_AFTER, "0")
                        .body(Body::from("slow down"))
                        .unwrap_or_default()
                }),
            )
            .fallback(|| async { json_body(404, &json!({"detail": "Not Found"})) })
            .layer(middleware::from_fn_with_state(self.clone(), record))
            .with_state(self.clone())
    }
}

/// Records every request as sent.
async fn record(State(b): State<CorpusBackend>, request: Request, next: Next) -> Response {
    let line = format!(
        "{} {}",
        request.method(),
        request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_owned(), ToString::to_string)
    );
    b.seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(line);
    next.run(request).await
}

/// Redirects to the same path with a slash added, as an absolute URL that keeps whatever
/// prefix the corpus is mounted under (Starlette's `redirect_slashes` does the same).
async fn slash_redirect(OriginalUri(uri): OriginalUri, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    redirect(&format!("http://{host}{}/", uri.path()))
}

async fn admin(Path(id): Path<String>) -> Response {
    if id == "x" {
        json_body(200, &json!({"ok": true}))
    } else {
        json_body(404, &json!({"detail": "no such admin"}))
    }
}

async fn incident(Path(id): Path<String>) -> Response {
    if id == "inc-1" {
        json_body(200, &json!({"id": id}))
    } else {
        json_body(404, &json!({"detail": format!("no incident {id}")}))
    }
}

/// Echoes the `q` query value decoded as RFC 3986 says: `%XX` only, `+` is a plus.
async fn echo_query(RawQuery(query): RawQuery) -> Response {
    let q = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("q="))
        .map(|v| percent_decode_str(v).decode_utf8_lossy().into_owned());
    json_body(200, &json!({ "q": q }))
}

/// Echoes the credential it was sent, the way careless backends do.
async fn echo(Path(how): Path<String>, headers: HeaderMap) -> Response {
    let key = headers
        .get(CORPUS_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match how.as_str() {
        "detail" => {
            let authorization = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none");
            json_body(
                500,
                &json!({"detail": format!("key {key} is not allowed here (authorization: {authorization})")}),
            )
        }
        "found" => json_body(200, &json!({"token": key, "items": []})),
        "location" => redirect(&format!("/c/elsewhere?key={key}")),
        "header" => Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-echo", key)
            .body(Body::from(r#"{"ok": true}"#))
            .unwrap_or_default(),
        "text" => raw(
            500,
            Some("text/plain"),
            format!("upstream rejected key {key}").as_bytes(),
        ),
        // The tenant the probe names, as the number it is: a resolved header value that the
        // data legitimately holds.
        "number" => match headers
            .get(CORPUS_TENANT_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
        {
            Some(tenant) => json_body(
                200,
                &json!({"tenant_id": tenant, "total": tenant.saturating_mul(10).saturating_add(7), "label": format!("tenant {tenant}")}),
            ),
            None => json_body(
                400,
                &json!({"detail": "a numeric tenant header is required"}),
            ),
        },
        _ => json_body(404, &json!({"detail": "Not Found"})),
    }
}

/// Echoes the request header it is named after in an error, as careless backends do with a
/// token, a gateway key, or what a proxy forwarded.
async fn echo_header(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let value = headers.get(name.as_str()).map_or_else(
        || "none".to_owned(),
        |v| String::from_utf8_lossy(v.as_bytes()).into_owned(),
    );
    json_body(500, &json!({"detail": format!("refused {name}: {value}")}))
}

/// An OAuth2 client-credentials token endpoint (HTTP Basic or body client authentication):
/// [`CORPUS_CLIENT_ID`] gets a fresh token; any other client a 401 `invalid_client` whose
/// description quotes the secret it was sent.
async fn token(State(b): State<CorpusBackend>, headers: HeaderMap, body: String) -> Response {
    use base64::Engine as _;
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let (id, secret) = match basic {
        Some(text) => {
            let (id, secret) = text.split_once(':').unwrap_or((text.as_str(), ""));
            let decode = |s: &str| -> String {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (decode(id), decode(secret))
        }
        None => (field("client_id"), field("client_secret")),
    };
    if field("grant_type") != "client_credentials" {
        return json_body(400, &json!({"error": "unsupported_grant_type"}));
    }
    if id != CORPUS_CLIENT_ID || secret.is_empty() {
        return json_body(
            401,
            &json!({"error": "invalid_client", "error_description": format!("client {id} with secret {secret} is unknown")}),
        );
    }
    let token = {
        let mut tokens = b.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let token = format!("corpus-token-{}-{:x}", tokens.len() + 1, std::process::id());
        tokens.push(token.clone());
        token
    };
    json_body(
        200,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}),
    )
}

fn json_body(status: u16, value: &Value) -> Response {
    raw(
        status,
        Some("application/json"),
        value.to_string().as_bytes(),
    )
}

fn raw(status: u16, content_type: Option<&str>, body: &[u8]) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    builder.body(Body::from(body.to_vec())).unwrap_or_default()
}

fn redirect(location: &str) -> Response {
    Response::builder()
        .status(302)
        .header(header::LOCATION, location)
        .body(Body::empty())
        .unwrap_or_default()
}

/// The corpus's own route table: what it serves, as a router sees it.
fn openapi() -> Value {
    let get_only = [
        "/c/items/some-costs",
        "/c/groups",
        "/c/top-array",
        "/c/no-items",
        "/c/empty-items",
        "/c/admin/{id}",
        "/c/secret",
        "/c/echo-query",
        "/c/incidents/{incident_id}",
        "/c/echo/detail",
        "/c/echo/found",
        "/c/echo/location",
        "/c/echo/header",
        "/c/echo/text",
        "/c/echo/number",
        "/c/bom",
        "/c/problem",
        "/c/error-200",
        "/c/no-content",
        "/c/null",
        "/c/dup/last-bad",
        "/c/dup/last-good",
        "/c/num-string",
        "/c/huge",
        "/c/nan",
        "/c/truncated",
        "/c/ct/params",
        "/c/ct/upper",
        "/c/ct/none",
        "/c/ct/html-json",
        "/c/jsonp",
        "/c/login-redirect",
        "/c/query-redirect",
        "/c/head-differs",
        "/c/throttled",
        "/c/keyed",
        "/c/users/{name}",
        "/c/slash",
        "/c/echo-header/{name}",
    ];
    let mut paths = serde_json::Map::new();
    for path in get_only {
        paths.insert(path.to_owned(), json!({"get": {}}));
    }
    // The table says GET only here; the router also deletes (a stale table).
    paths.insert("/c/items/some-ids".to_owned(), json!({"get": {}}));
    paths.insert("/c/lessons/convert".to_owned(), json!({"post": {}}));
    paths.insert("/c/search".to_owned(), json!({"post": {}}));
    paths.insert("/c/post-only".to_owned(), json!({"post": {}}));
    paths.insert("/c/oauth/token".to_owned(), json!({"post": {}}));
    json!({"openapi": "3.1.0", "info": {"title": "corpus", "version": "1"}, "paths": paths})
}
