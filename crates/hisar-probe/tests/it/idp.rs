//! A test identity provider and the backend it guards, on one loopback port: an OAuth2 token
//! endpoint whose tokens live as long as the test says, a login route (JSON token or cookie),
//! and protected routes that check the token when a request arrives, then answer after a delay.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use futures::StreamExt as _;
use hisar_core::Registry;
use hisar_core::history::Selection;
use hisar_probe::{HttpOptions, HttpProbe, SweepOptions, Sweeper, Swept, Target};
use serde_json::json;

pub(crate) const CLIENT_ID: &str = "hisar-probe";
pub(crate) const CLIENT_SECRET: &str = "s3cret-client-Secret";

#[derive(Debug, Default)]
pub(crate) struct Settings {
    /// Lifetime of issued tokens (`expires_in`); none: no `expires_in`.
    pub(crate) lifetime: Option<Duration>,
    /// Delay before protected routes answer.
    pub(crate) delay: Duration,
    /// Revoke every token issued so far after this many accepted probes.
    pub(crate) revoke_after: Option<usize>,
    /// The token endpoint redirects instead of answering.
    pub(crate) redirect: bool,
    /// The token endpoint's error answer echoes what the client sent.
    pub(crate) echo_secret: bool,
}

#[derive(Debug, Default)]
struct Inner {
    settings: Settings,
    token_calls: AtomicUsize,
    accepted: AtomicUsize,
    /// token -> expiry (None: never).
    tokens: Mutex<HashMap<String, Option<Instant>>>,
    hits: Mutex<BTreeMap<String, usize>>,
    forms: Mutex<Vec<Vec<(String, String)>>>,
    last: Mutex<String>,
}

/// The running provider.
#[derive(Debug, Clone)]
pub(crate) struct Idp {
    inner: Arc<Inner>,
    pub(crate) url: String,
}

impl Idp {
    pub(crate) async fn start(settings: Settings) -> Self {
        let inner = Arc::new(Inner {
            settings,
            ..Inner::default()
        });
        let router = Router::new()
            .route("/oauth/token", post(token))
            .route("/login", post(login))
            .route("/login-cookie", post(login_cookie))
            .route("/items/{n}", get(item))
            .route("/forbidden", get(forbidden))
            .route("/elsewhere", post(elsewhere))
            .route("/oauth/huge", post(huge))
            .route("/login-stall", post(stall))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { inner, url }
    }

    pub(crate) fn token_calls(&self) -> usize {
        self.inner.token_calls.load(Ordering::SeqCst)
    }

    pub(crate) fn hits(&self, path: &str) -> usize {
        self.inner
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn last_token(&self) -> String {
        self.inner.last.lock().unwrap().clone()
    }

    pub(crate) fn forms(&self) -> Vec<Vec<(String, String)>> {
        self.inner.forms.lock().unwrap().clone()
    }
}

fn issue(inner: &Inner) -> (String, Option<u64>) {
    let n = inner.token_calls.load(Ordering::SeqCst);
    let token = format!("tok-{n}-{:x}", std::process::id());
    let lifetime = inner.settings.lifetime;
    token.clone_into(&mut inner.last.lock().unwrap());
    inner
        .tokens
        .lock()
        .unwrap()
        .insert(token.clone(), lifetime.map(|l| Instant::now() + l));
    (token, lifetime.map(|l| l.as_secs()))
}

async fn token(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> Response {
    inner.token_calls.fetch_add(1, Ordering::SeqCst);
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    inner.forms.lock().unwrap().push(form.clone());
    if inner.settings.redirect {
        return (
            StatusCode::FOUND,
            [(header::LOCATION, "/elsewhere")],
            "moved",
        )
            .into_response();
    }
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (id, secret) = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        Some(basic) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic)
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&decoded).into_owned();
            let (id, secret) = text.split_once(':').unwrap_or_default();
            let decode = |s: &str| {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (decode(id), decode(secret))
        }
        None => (
            field("client_id").unwrap_or_default(),
            field("client_secret").unwrap_or_default(),
        ),
    };
    let form_ok = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/x-www-form-urlencoded")
        && field("grant_type").as_deref() == Some("client_credentials");
    if !form_ok {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    if id != CLIENT_ID || secret != CLIENT_SECRET {
        let description = if inner.settings.echo_secret {
            format!("client {id} with secret {secret} is unknown")
        } else {
            "Client authentication failed".to_owned()
        };
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client", "error_description": description})),
        )
            .into_response();
    }
    let (token, expires_in) = issue(&inner);
    let mut body = json!({"access_token": token, "token_type": "Bearer"});
    if let Some(secs) = expires_in {
        body["expires_in"] = json!(secs);
    }
    axum::Json(body).into_response()
}

async fn login(State(inner): State<Arc<Inner>>, body: String) -> Response {
    inner.token_calls.fetch_add(1, Ordering::SeqCst);
    let creds: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    if creds["username"] != "probe" || creds["password"] != "pa55word!" {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "bad credentials"})),
        )
            .into_response();
    }
    let (token, _) = issue(&inner);
    axum::Json(json!({"data": {"token": token}})).into_response()
}

async fn login_cookie(State(inner): State<Arc<Inner>>, body: String) -> Response {
    inner.token_calls.fetch_add(1, Ordering::SeqCst);
    let form: BTreeMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if form.get("user").map(String::as_str) != Some("probe") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let (token, _) = issue(&inner);
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/home".to_owned()),
            (header::SET_COOKIE, format!("sid={token}; Path=/; HttpOnly")),
        ],
    )
        .into_response()
}

/// Whether the request carries a live token, checked on arrival as a gateway does.
fn authorised(inner: &Inner, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let cookie = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("sid="));
    let Some(token) = bearer.or(cookie) else {
        return false;
    };
    let tokens = inner.tokens.lock().unwrap();
    matches!(tokens.get(token), Some(expiry) if expiry.is_none_or(|e| Instant::now() < e))
}

fn hit(inner: &Inner, path: &str) {
    *inner
        .hits
        .lock()
        .unwrap()
        .entry(path.to_owned())
        .or_default() += 1;
}

async fn item(
    State(inner): State<Arc<Inner>>,
    Path(n): Path<String>,
    headers: HeaderMap,
) -> Response {
    hit(&inner, &format!("/items/{n}"));
    if !authorised(&inner, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "invalid token"})),
        )
            .into_response();
    }
    let accepted = inner.accepted.fetch_add(1, Ordering::SeqCst) + 1;
    if inner.settings.revoke_after == Some(accepted) {
        inner.tokens.lock().unwrap().clear();
    }
    tokio::time::sleep(inner.settings.delay).await;
    axum::Json(json!({"items": []})).into_response()
}

async fn forbidden(State(inner): State<Arc<Inner>>) -> Response {
    hit(&inner, "/forbidden");
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"detail": "not for the verifier"})),
    )
        .into_response()
}

async fn elsewhere(State(inner): State<Arc<Inner>>) -> Response {
    hit(&inner, "/elsewhere");
    axum::Json(json!({"access_token": "stolen"})).into_response()
}

/// A token answer of 128 KiB, streamed without a length: an honest token is never that large,
/// and a flow reading it whole would hold whatever a broken endpoint sends.
async fn huge(State(inner): State<Arc<Inner>>) -> Response {
    inner.token_calls.fetch_add(1, Ordering::SeqCst);
    let head = futures::stream::once(async {
        Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"access_token\": \""))
    });
    let filler =
        futures::stream::iter((0..128).map(|_| Ok(axum::body::Bytes::from(vec![b'a'; 1024]))));
    let tail = futures::stream::once(async { Ok(axum::body::Bytes::from_static(b"\"}")) });
    (
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(head.chain(filler).chain(tail)),
    )
        .into_response()
}

/// A login that sends its head and the start of a body, then nothing more, ever.
async fn stall(State(inner): State<Arc<Inner>>) -> Response {
    inner.token_calls.fetch_add(1, Ordering::SeqCst);
    let start = futures::stream::once(async {
        Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"data\": "))
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(start.chain(futures::stream::pending())),
    )
        .into_response()
}

/// Sweeps `registry` against `base_url` with `env`, `jobs` requests in flight.
pub(crate) async fn sweep(
    registry: &str,
    base_url: &str,
    env: &[(&str, &str)],
    jobs: usize,
) -> Swept {
    let registry = Registry::from_yaml(registry, "hisar.yaml").unwrap_or_else(|e| panic!("{e}"));
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let target = Target {
        base_url: Some(base_url.to_owned()),
        routes: None,
    };
    let options = SweepOptions {
        jobs,
        retries: 0,
        ..SweepOptions::default()
    };
    let http = HttpProbe::new(HttpOptions::default()).unwrap();
    Sweeper::new(Arc::new(registry), http, Arc::new(env), target, options)
        .sweep(Selection::default(), &|_, _| {})
        .await
        .unwrap()
}
