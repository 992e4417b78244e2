//! `hisar-server`: `hisar serve`, the tracker as a service.
//!
//! [`router`] builds the axum router from an [`AppState`] holding `Arc<dyn …>` handles: the
//! history store ([`hisar_store::HistoryStore`]) and the sweep runner ([`SweepRunner`],
//! implemented by `hisar-probe`'s [`Sweeper`](hisar_probe::Sweeper)). Routes:
//!
//! - `GET /` the HTML dashboard (`?domain=&code=` filter the gaps), `GET /tracker.md`;
//! - `GET /api/v1/panels` (`?domain=&status=&gap=`), `GET /api/v1/panels/{id}` (with history),
//!   `GET /api/v1/gaps`, `GET /api/v1/fixes`, `GET /api/v1/sweeps`, `GET /api/v1/sweeps/{id}`,
//!   `GET /api/v1/render-plan`, `GET /api/v1/openapi.json`;
//! - `POST /api/v1/sweeps` (`{panels, domains}` optional): 202 with the sweep id; needs
//!   `Authorization: Bearer <token>`; refused (403) when no token is configured; 409 with the
//!   running sweep's id while one runs;
//! - `GET /healthz`, `GET /metrics` (Prometheus text).
//!
//! The OpenAPI document ([`openapi`]) is generated from the handlers the router is built from,
//! so it lists exactly the routes served. Responses are gzip-compressed when the client accepts
//! it, and every request is traced (`tower-http`). Responses never carry credentials or the
//! token. What the service does is logged with
//! `tracing`; [`net`] serves a router on a socket until stopped.
//!
//! Hostile or careless clients are bounded: [`Limits`] caps request bodies (size and time)
//! and sheds load on the routes that render history so `/healthz` and `/metrics` stay fast,
//! the token is checked before a body is read, and [`net`] limits connections, times out
//! request heads and stops within a grace period whatever clients do.
//!
//! Two options of `hisar serve` (SPEC §5.5): [`cors`] lets pages from named origins read (only
//! read) the API, a tower-http layer over the router; [`webhook`] posts an event after each
//! sweep that regressed, added or resolved gaps ([`AppState::set_webhooks`]), from background
//! tasks that never hold a sweep back.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use axum::body::Body;
//! use axum::http::Request;
//! use hisar_core::history::{NewSweep, Selection};
//! use hisar_probe::SweepError;
//! use hisar_server::{AppState, SweepRunner, router};
//! use tower::ServiceExt;
//!
//! struct Nothing;
//! #[async_trait]
//! impl SweepRunner for Nothing {
//!     async fn sweep(&self, _: Selection) -> Result<NewSweep, SweepError> {
//!         Err(SweepError::NoBaseUrl)
//!     }
//! }
//!
//! let registry = hisar_core::Registry::from_yaml(
//!     "version: 1\ndomains: [{code: LOG, name: LOGS}]\npanels:\n  - {id: LOG-REC-SYS-O2, capability: logs.health, endpoint: /health, class: evidence}\n",
//!     "hisar.yaml",
//! ).unwrap();
//! let dir = tempfile::tempdir().unwrap();
//! let store = hisar_store::SqliteStore::open_dir(dir.path()).unwrap();
//! let state = AppState::new(registry, "hisar.yaml", Arc::new(store), Arc::new(Nothing), None);
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let status = rt.block_on(async {
//!     let request = Request::get("/healthz").body(Body::empty()).unwrap();
//!     router(state).oneshot(request).await.unwrap().status()
//! });
//! assert_eq!(status, 200);
//! ```

mod api;
pub mod cors;
mod error;
mod limits;
mod metrics;
pub mod net;
mod runner;
mod state;
pub mod webhook;

pub use api::{openapi, router, router_with};
pub use limits::Limits;
pub use runner::SweepRunner;
pub use state::{AppState, StartError, ZeroPeriod};

#[cfg(test)]
mod tests;
