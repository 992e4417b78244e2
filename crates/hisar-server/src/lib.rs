//! `hisar-server`: HISAR's service side.
//!
//! - [`demo`]: the embedded demo backend that `hisar demo` sweeps, an axum router behaving as
//!   the reference backend did, with its bundled 87-panel registry.
//! - [`store`]: the history store shared by the CLI and the service (SQLite).
//! - [`sweeper`]: one sweep from selection to record, shared by the CLI and the service.
//! - [`service`]: `hisar serve`, the tracker as a service: API, dashboard, render plan, metrics.
//! - [`net`]: serving a router on a socket until stopped.
//!
//! # Example
//!
//! ```
//! use hisar_server::demo::{DemoBackend, DEMO_REGISTRY};
//! let registry = hisar_core::Registry::from_yaml(DEMO_REGISTRY, "demo.yaml").unwrap();
//! assert_eq!(registry.panels.len(), 87);
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! rt.block_on(async {
//!     let backend = DemoBackend::new("demo-key");
//!     let running = backend.spawn().await.unwrap();
//!     assert!(running.url().starts_with("http://127.0.0.1:"));
//!     running.stop().await;
//! });
//! ```

pub mod demo;
mod error;
pub mod net;
pub mod service;
pub mod store;
pub mod sweeper;

pub use error::Error;
