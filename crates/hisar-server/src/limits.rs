//! Request limits of the service's routes (issue 11), as tower and tower-http layers:
//!
//! - routes that read and render history (the API, the dashboard, the tracker) run at most
//!   [`Limits::heavy_concurrency`] at once (tower's `GlobalConcurrencyLimit`, one budget shared
//!   by every such route); more are refused at once with 503 and `Retry-After` (tower's
//!   `LoadShed`) rather than queued; and they run on the blocking pool ([`Offload`]), so that
//!   rendering ten thousand panels never holds the runtime's worker threads;
//! - `/healthz` and `/metrics` sit outside that budget and stay fast under load;
//! - a request body has [`Limits::max_body`] bytes and [`Limits::body_timeout`] to arrive
//!   (tower-http's `RequestBodyLimit` and `Timeout`, and `RequestBodyTimeout` between its
//!   frames);
//! - the token of a mutating route is checked before its body is read (the `Authorized`
//!   extractor of the API reads only the request's head).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::{Layer, Service, ServiceBuilder};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// Limits of the service's routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Requests that read and render history in progress at once; more get 503 at once.
    pub heavy_concurrency: usize,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Time a request body has to arrive whole (and the longest pause between its parts).
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            heavy_concurrency: (2 * cores).max(2),
            max_body: 64 * 1024,
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// `routes` sharing one budget of [`Limits::heavy_concurrency`] requests in progress, run on
/// the blocking pool; a request beyond the budget gets 503 at once.
pub(crate) fn shed<S>(routes: Router<S>, limits: &Limits) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    routes.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(overloaded))
            .layer(LoadShedLayer::new())
            .layer(GlobalConcurrencyLimitLayer::new(
                limits.heavy_concurrency.max(1),
            ))
            .layer(OffloadLayer),
    )
}

/// `routes` with request bodies capped at [`Limits::max_body`] bytes (413 beyond, from the
/// `Content-Length` alone when there is one) and [`Limits::body_timeout`] between their parts.
pub(crate) fn bound_bodies<S>(routes: Router<S>, limits: &Limits) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    routes.layer(
        ServiceBuilder::new()
            .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
            .layer(RequestBodyLimitLayer::new(limits.max_body)),
    )
}

/// The answer to a request shed under load.
pub(crate) async fn overloaded(_: tower::BoxError) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, HeaderValue::from_static("1"))],
        axum::Json(serde_json::json!({
            "error": "overloaded: too many requests in progress; retry in a moment"
        })),
    )
        .into_response()
}

/// Runs each request's handler on the blocking thread pool instead of a runtime worker.
///
/// The API's handlers derive and render history synchronously: for a large registry that is
/// tens of milliseconds of CPU each, and a few in parallel on the runtime's workers would
/// starve every other request, `/healthz` included. No tower or tower-http layer moves a
/// service's future off the workers, hence this one: the future is driven to completion by
/// `Handle::block_on` inside `spawn_blocking` (the blocking pool's threads may block; its size
/// is bounded by the concurrency limit in front of this layer).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OffloadLayer;

impl<S> Layer<S> for OffloadLayer {
    type Service = Offload<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Offload(inner)
    }
}

/// See [`OffloadLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Offload<S>(S);

impl<S> Service<Request> for Offload<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let future = self.0.call(request);
        Box::pin(async move {
            let handle = tokio::runtime::Handle::current();
            match tokio::task::spawn_blocking(move || handle.block_on(future)).await {
                Ok(response) => response,
                Err(e) => {
                    tracing::error!("request handler failed: {e}");
                    Ok((
                        StatusCode::INTERNAL_SERVER_ERROR,
                        axum::Json(
                            serde_json::json!({"error": "internal error; see the service log"}),
                        ),
                    )
                        .into_response())
                }
            }
        })
    }
}
