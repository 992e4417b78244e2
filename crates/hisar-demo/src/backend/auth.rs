//! The demo's identity provider: an OAuth2 client-credentials token endpoint
//! (`POST /oauth/token`, RFC 6749 §4.4, HTTP Basic or body client authentication) and a login
//! route (`POST /auth/login`, JSON credentials, a token in the answer). The gateway accepts
//! the tokens they issue on its public paths, as it accepts the verifier's key there; the
//! protected paths still want a user's session, so a service token changes no verdict.

use std::collections::BTreeSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use super::DemoBackend;

/// The OAuth2 client the demo registry's `service` mode authenticates as.
pub const DEMO_CLIENT_ID: &str = "hisar-verifier";
/// The user the demo registry's `session` mode logs in as.
pub const DEMO_LOGIN_USER: &str = "hisar-probe";
/// Lifetime of the tokens issued, in seconds.
const TOKEN_LIFETIME: u64 = 300;

/// Tokens issued so far (a demo lives minutes: they are never purged).
#[derive(Debug)]
pub(super) struct Issued {
    tokens: Mutex<BTreeSet<String>>,
    counter: AtomicU64,
    seed: RandomState,
}

impl Default for Issued {
    fn default() -> Self {
        Self {
            tokens: Mutex::new(BTreeSet::new()),
            counter: AtomicU64::new(0),
            seed: RandomState::new(),
        }
    }
}

impl Issued {
    fn issue(&self, kind: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let token = format!(
            "{kind}-{:016x}{:016x}",
            self.seed.hash_one(n),
            self.seed.hash_one((n, kind))
        );
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.clone());
        token
    }

    /// Whether the token was issued here.
    pub(super) fn accepts(&self, token: &str) -> bool {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(token)
    }

    /// Tokens issued so far.
    pub(super) fn count(&self) -> u64 {
        self.counter.load(Ordering::SeqCst)
    }
}

impl DemoBackend {
    /// The secret of the OAuth2 client [`DEMO_CLIENT_ID`]: the verifier's key, so the demo
    /// needs one credential variable (`AOS_API_KEY`) whatever the mode.
    pub fn client_secret(&self) -> &str {
        &self.inner.observer_key
    }

    /// The password of the login user [`DEMO_LOGIN_USER`]: the verifier's key too.
    pub fn login_password(&self) -> &str {
        &self.inner.observer_key
    }

    /// Tokens the identity provider issued so far (OAuth2 and login).
    pub fn tokens_issued(&self) -> u64 {
        self.inner.issued.count()
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Decodes one form-encoded component (RFC 6749 §2.3.1 encodes the client id and secret so
/// before HTTP Basic).
fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("v={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `POST /oauth/token`: client credentials only.
pub(super) async fn token(
    State(demo): State<DemoBackend>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match basic {
        Some(pair) => {
            let (id, secret) = pair.split_once(':').unwrap_or((pair.as_str(), ""));
            (form_decode(id), form_decode(secret))
        }
        None => (
            field("client_id").unwrap_or_default(),
            field("client_secret").unwrap_or_default(),
        ),
    };
    if id != DEMO_CLIENT_ID || secret != demo.client_secret() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    let token = demo.inner.issued.issue("svc");
    axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "scope": field("scope").unwrap_or_default(),
    }))
    .into_response()
}

/// `POST /auth/login`: `{"username", "password"}` in, `{"access_token", "expires_in"}` out.
pub(super) async fn login(State(demo): State<DemoBackend>, body: String) -> Response {
    let credentials: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    if credentials["username"] != DEMO_LOGIN_USER
        || credentials["password"].as_str() != Some(demo.login_password())
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "Incorrect username or password"})),
        )
            .into_response();
    }
    let token = demo.inner.issued.issue("session");
    axum::Json(json!({"access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME}))
        .into_response()
}
