//! `hisar-probe`: HISAR's edge to the backend, and the sweep.
//!
//! A [`Probe`] sends one request and returns an [`hisar_core::Observation`]; [`HttpProbe`] does
//! it over HTTP with reqwest (rustls, a connection pool, no redirect following, a time limit and
//! a body-size cap). A [`Sweeper`] is the one place a sweep is orchestrated: it [`select`]s
//! panels, loads the route table ([`load_routes`]), [`plan`]s unique requests (an endpoint read
//! by several panels is probed once), [`run`]s them with bounded concurrency and retries,
//! classifies each panel as its answer arrives, and returns the sweep to record ([`Swept`]),
//! verdicts in registry order. The CLI and the service both call it.
//!
//! Every read is bounded: bodies by a size cap and the request's time limit, documents read
//! whole (route tables, token answers) by [`send_bounded`], local files by [`read_text_file`]
//! (regular files only, under a cap), and the whole sweep by a deadline
//! ([`SweepOptions::deadline`]) after which unfinished panels are UNVERIFIED.
//!
//! # Example
//!
//! A probe is a trait, so tests (and other tools) can bring their own:
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use hisar_core::history::Selection;
//! use hisar_core::{Observation, Registry, Response, Status};
//! use hisar_probe::{HttpOptions, HttpProbe, Probe, ProbeRequest, SweepOptions, Sweeper, Target};
//!
//! struct Canned;
//! #[async_trait]
//! impl Probe for Canned {
//!     async fn probe(&self, _: &ProbeRequest) -> Observation {
//!         Observation::answered(Response::json(200, serde_json::json!({"status": "ok"})))
//!     }
//! }
//!
//! let registry = Registry::from_yaml(r#"
//! version: 1
//! domains: [{ code: LOG, name: LOGS }]
//! panels:
//!   - { id: LOG-REC-SYS-O2, capability: logs.health_check, endpoint: /health, class: evidence,
//!       invariants: ['$.status == "ok"'] }
//!   - { id: LOG-REC-SYS-O6, capability: logs.health_again, endpoint: /health, class: evidence }
//! "#, "hisar.yaml").unwrap();
//! let target = Target { base_url: Some("http://127.0.0.1:8000".into()), routes: None };
//! let http = HttpProbe::new(HttpOptions::default()).unwrap();
//! let env = Arc::new(BTreeMap::<String, String>::new());
//! let sweeper = Sweeper::new(Arc::new(registry), http, env, target, SweepOptions::default())
//!     .with_probe(Arc::new(Canned));
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let swept = rt.block_on(sweeper.sweep(Selection::default(), &|_, _| {})).unwrap();
//! assert_eq!(swept.requests, 1, "one request serves both panels");
//! assert!(swept.sweep.records.iter().all(|r| r.verdict.status() == Status::Bound));
//! ```

mod auth;
mod bounded;
pub mod defaults;
mod error;
mod http;
mod live;
mod mask;
mod network;
mod plan;
mod probe;
mod routes;
mod run;
mod sweep;
mod tls;

pub use auth::{Authenticator, FlowFailure};
pub use bounded::{
    BoundedResponse, CappedBody, FileReadError, ReadLimits, read_capped, read_text_file,
    send_bounded,
};
pub use error::{FetchError, ProbeError};
pub use http::{HttpOptions, HttpProbe};
pub use mask::SweepMasker;
pub use network::{ClientIdentity, Network, parse_header};
pub use plan::{PlannedRequest, SweepPlan, plan};
pub use probe::{Probe, ProbeRequest, Secret};
pub use routes::{RouteLoadError, RouteSource, load_routes};
pub use run::{RunResult, SweepOptions, probe_with_retries, run};
pub use sweep::{SelectionError, SweepError, Sweeper, Swept, Target, is_degraded, select};
