//! Cross-origin reads (`hisar serve --cors-origin ORIGIN`): a UI shell served from another
//! origin may read the API, and only read it.
//!
//! [`CorsOrigins::parse`] checks each origin once, at start-up: an origin is exactly what a
//! browser sends in `Origin` (`scheme://host[:port]`, lower case, no default port, no path), so
//! `https://ui.example/` or `HTTPS://UI.example` would never match and are refused with the
//! form that would. [`CorsOrigins::layer`] is tower-http's [`CorsLayer`] over them: a preflight
//! is answered; the origin is allowed only for `GET`/`HEAD` (and for a preflight asking for
//! one of them), so a page elsewhere can read the render plan but never start a sweep: a
//! preflight for `POST /api/v1/sweeps` gets no `Access-Control-Allow-Origin` and the browser
//! stops there. No origin configured means no layer at all: no CORS header on any answer.

use std::sync::Arc;

use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(600);

/// The origins allowed to read the API, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsOrigins {
    /// Serialized origins (`https://ui.example`); empty with `any`.
    origins: Vec<String>,
    /// `*`: every origin may read.
    any: bool,
}

/// Why an origin was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not an origin: {why}")]
pub struct OriginError {
    /// The value as given.
    pub value: String,
    /// What is wrong, and what to write instead when there is an answer.
    pub why: String,
}

impl CorsOrigins {
    /// Checks `values` (each `scheme://host[:port]`, or `*` for any origin). Blank values are
    /// ignored; `None` when none is left (no CORS at all).
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Option<Self>, OriginError> {
        let mut origins = Vec::new();
        let mut any = false;
        for value in values.iter().map(|v| v.as_ref().trim()) {
            if value.is_empty() {
                continue;
            }
            if value == "*" {
                any = true;
                continue;
            }
            let origin = parse_origin(value)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        if any {
            origins.clear();
        }
        Ok((any || !origins.is_empty()).then_some(Self { origins, any }))
    }

    /// The origins, as browsers send them (`*` when any origin may read).
    pub fn origins(&self) -> Vec<&str> {
        if self.any {
            vec!["*"]
        } else {
            self.origins.iter().map(String::as_str).collect()
        }
    }

    /// Whether a request from `origin` may read the answer: the origin is allowed and the
    /// request reads (`GET`, `HEAD`, or a preflight asking for one of them).
    fn allows(&self, origin: &HeaderValue, parts: &Parts) -> bool {
        let method = if parts.method == Method::OPTIONS {
            match parts
                .headers
                .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                .and_then(|m| m.to_str().ok())
            {
                Some(m) => Method::from_bytes(m.as_bytes()).unwrap_or(Method::OPTIONS),
                None => Method::OPTIONS,
            }
        } else {
            parts.method.clone()
        };
        let reads = method == Method::GET || method == Method::HEAD;
        reads
            && (self.any
                || origin
                    .to_str()
                    .is_ok_and(|o| self.origins.iter().any(|allowed| allowed == o)))
    }

    /// tower-http's CORS layer for these origins: preflights answered (and cached by the
    /// browser for ten minutes), `GET`/`HEAD` only, no credentials, `ETag` readable.
    pub fn layer(&self) -> CorsLayer {
        let this = Arc::new(self.clone());
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, parts| {
                this.allows(origin, parts)
            }))
            .allow_methods([Method::GET, Method::HEAD])
            .expose_headers([header::ETAG])
            .max_age(PREFLIGHT_MAX_AGE)
    }
}

/// `value` as a browser's `Origin`, or why it cannot be one.
fn parse_origin(value: &str) -> Result<String, OriginError> {
    let fail = |why: String| OriginError {
        value: value.to_owned(),
        why,
    };
    let url = url::Url::parse(value).map_err(|e| {
        fail(format!(
            "{e} (write scheme://host[:port], such as https://ui.example or http://localhost:3000)"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(fail(format!(
            "the scheme is {:?}; only http and https pages are served to browsers from an origin",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(fail("no host".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail("an origin has no user or password".to_owned()));
    }
    let origin = url.origin().ascii_serialization();
    if origin != value {
        let extra = if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            "an origin has no path, query or fragment"
        } else if value.ends_with('/') {
            "an origin has no trailing slash"
        } else {
            "browsers send it lower case and without the scheme's default port"
        };
        return Err(fail(format!("{extra}; did you mean {origin}?")));
    }
    Ok(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exactly_what_browsers_send() {
        let ok = CorsOrigins::parse(&["https://ui.example", " http://localhost:3000 ", ""])
            .unwrap()
            .unwrap();
        assert_eq!(
            ok.origins(),
            ["https://ui.example", "http://localhost:3000"]
        );
        assert_eq!(CorsOrigins::parse::<&str>(&[]).unwrap(), None);
        assert_eq!(CorsOrigins::parse(&["", "  "]).unwrap(), None);
        assert_eq!(
            CorsOrigins::parse(&["*", "https://a.example"])
                .unwrap()
                .unwrap()
                .origins(),
            ["*"]
        );
        for (bad, says) in [
            ("https://ui.example/", "did you mean https://ui.example?"),
            ("https://ui.example/app", "no path"),
            ("HTTPS://UI.example", "did you mean https://ui.example?"),
            ("https://ui.example:443", "did you mean https://ui.example?"),
            ("ui.example", "relative URL without a base"),
            ("ftp://ui.example", "the scheme is \"ftp\""),
            ("https://user:pw@ui.example", "no user or password"),
            ("http://", "empty host"),
        ] {
            let e = CorsOrigins::parse(&[bad]).unwrap_err();
            assert_eq!(e.value, bad);
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    struct Nothing;
    #[async_trait::async_trait]
    impl crate::SweepRunner for Nothing {
        async fn sweep(
            &self,
            _: hisar_core::history::Selection,
        ) -> Result<hisar_core::history::NewSweep, hisar_probe::SweepError> {
            Err(hisar_probe::SweepError::NoBaseUrl)
        }
    }

    /// The service's router over an empty history, with `origins` as `--cors-origin`.
    fn app(dir: &std::path::Path, origins: &[&str]) -> axum::Router {
        let registry = hisar_core::Registry::from_yaml(
            "version: 1\ndomains: [{code: LOG, name: LOGS}]\npanels:\n  - {id: LOG-REC-SYS-O2, capability: logs.health, endpoint: /health, class: evidence}\n",
            "hisar.yaml",
        )
        .unwrap();
        let store = hisar_store::SqliteStore::open_dir(dir).unwrap();
        let state = crate::AppState::new(
            registry,
            "hisar.yaml",
            Arc::new(store),
            Arc::new(Nothing),
            Some("t0ken-for-posts".into()),
        );
        let router = crate::router(state);
        match CorsOrigins::parse(origins).unwrap() {
            Some(cors) => router.layer(cors.layer()),
            None => router,
        }
    }

    /// Status and headers of one request.
    async fn send(
        app: &axum::Router,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> (u16, axum::http::HeaderMap) {
        use tower::ServiceExt as _;
        let mut request = axum::http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let answer = app
            .clone()
            .oneshot(request.body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap();
        (answer.status().as_u16(), answer.headers().clone())
    }

    fn allow_origin(headers: &axum::http::HeaderMap) -> Option<&str> {
        headers
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap())
    }

    const UI: &str = "http://ui.example:3000";

    #[tokio::test]
    async fn allowed_origins_read_and_only_read() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), &[UI]);
        let preflight = |origin: &'static str, method: &'static str| {
            let app = app.clone();
            async move {
                send(
                    &app,
                    "OPTIONS",
                    "/api/v1/render-plan",
                    &[
                        ("origin", origin),
                        ("access-control-request-method", method),
                    ],
                )
                .await
            }
        };
        // The allowed origin's preflight for a read is answered and allowed.
        let (status, h) = preflight(UI, "GET").await;
        assert_eq!((status, allow_origin(&h)), (200, Some(UI)));
        let methods = h["access-control-allow-methods"].to_str().unwrap();
        assert!(
            methods.contains("GET") && !methods.contains("POST"),
            "{methods}"
        );
        assert_eq!(h["access-control-max-age"], "600");
        // Another origin, or a preflight for starting a sweep: answered, never allowed.
        assert_eq!(
            allow_origin(&preflight("http://evil.example", "GET").await.1),
            None
        );
        assert_eq!(allow_origin(&preflight(UI, "POST").await.1), None);
        let (_, h) = send(
            &app,
            "OPTIONS",
            "/api/v1/sweeps",
            &[
                ("origin", UI),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "authorization"),
            ],
        )
        .await;
        assert_eq!(
            allow_origin(&h),
            None,
            "a cross-origin page cannot start a sweep"
        );

        // The read itself carries the origin; another origin's does not.
        let (status, h) = send(&app, "GET", "/api/v1/render-plan", &[("origin", UI)]).await;
        assert_eq!((status, allow_origin(&h)), (200, Some(UI)));
        assert!(
            h.get_all("vary").iter().any(|v| v
                .to_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("origin")),
            "caches keep one answer per origin: {h:?}"
        );
        let (status, h) = send(
            &app,
            "GET",
            "/api/v1/render-plan",
            &[("origin", "http://ui.example:3001")],
        )
        .await;
        assert_eq!((status, allow_origin(&h)), (200, None));
        // A POST from the allowed origin is answered as ever (401 here) but not exposed.
        let (status, h) = send(&app, "POST", "/api/v1/sweeps", &[("origin", UI)]).await;
        assert_eq!((status, allow_origin(&h)), (401, None));
    }

    #[tokio::test]
    async fn no_origin_configured_means_no_cors_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), &[]);
        let (status, h) = send(
            &app,
            "OPTIONS",
            "/api/v1/render-plan",
            &[("origin", UI), ("access-control-request-method", "GET")],
        )
        .await;
        assert_eq!(status, 405, "no preflight answered");
        assert!(
            h.keys().all(|k| !k.as_str().starts_with("access-control-")),
            "{h:?}"
        );
        let (status, h) = send(&app, "GET", "/api/v1/render-plan", &[("origin", UI)]).await;
        assert_eq!(status, 200);
        assert!(
            h.keys().all(|k| !k.as_str().starts_with("access-control-")),
            "{h:?}"
        );
    }

    #[tokio::test]
    async fn any_origin_with_a_star_still_only_reads() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), &["*"]);
        let (_, h) = send(
            &app,
            "GET",
            "/api/v1/panels",
            &[("origin", "http://a.example")],
        )
        .await;
        assert_eq!(allow_origin(&h), Some("http://a.example"));
        let (_, h) = send(
            &app,
            "OPTIONS",
            "/api/v1/sweeps",
            &[
                ("origin", "http://a.example"),
                ("access-control-request-method", "POST"),
            ],
        )
        .await;
        assert_eq!(allow_origin(&h), None);
    }
    /// Responses served from the cache of rendered bodies (gzip form, `304 Not Modified`) pass
    /// through the CORS layer like any other: the allowed origin can read them, another cannot.
    #[tokio::test]
    async fn cached_responses_carry_the_origin_too() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), &[UI]);
        let gzip = [("origin", UI), ("accept-encoding", "gzip")];
        let (status, first) = send(&app, "GET", "/api/v1/render-plan", &gzip).await;
        assert_eq!((status, allow_origin(&first)), (200, Some(UI)));
        // Rendered before: served from the cache, gzip form included.
        let (status, h) = send(&app, "GET", "/api/v1/render-plan", &gzip).await;
        assert_eq!((status, allow_origin(&h)), (200, Some(UI)));
        assert_eq!(h["content-encoding"], "gzip");
        let etag = first["etag"].to_str().unwrap();
        let (status, h) = send(
            &app,
            "GET",
            "/api/v1/render-plan",
            &[("origin", UI), ("if-none-match", etag)],
        )
        .await;
        assert_eq!((status, allow_origin(&h)), (304, Some(UI)));
        let (status, h) = send(
            &app,
            "GET",
            "/api/v1/render-plan",
            &[("origin", "http://evil.example"), ("if-none-match", etag)],
        )
        .await;
        assert_eq!((status, allow_origin(&h)), (304, None));
    }
}
