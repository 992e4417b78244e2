//! `hisar-probe`: HISAR's edge to the backend.
//!
//! A [`Probe`] sends one request and returns an [`hisar_core::Observation`]; [`HttpProbe`] does
//! it over HTTP with reqwest (rustls, a connection pool, no redirect following, a time limit and
//! a body-size cap). [`plan`] turns selected panels into unique requests, so an endpoint read by
//! several panels is probed once; [`run`] sends them with bounded concurrency and retries, and
//! classifies each panel as its answer arrives, returning verdicts in registry order.
//!
//! # Example
//!
//! A probe is a trait, so tests (and other tools) can bring their own:
//!
//! ```
//! use std::collections::BTreeMap;
//! use async_trait::async_trait;
//! use hisar_core::{Observation, Registry, Response, Status};
//! use hisar_probe::{plan, run, Probe, ProbeRequest, SweepOptions};
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
//! let plan = plan(&registry, registry.panels.iter().collect(), "http://127.0.0.1:8000",
//!                 &BTreeMap::<String, String>::new(), None).unwrap();
//! assert_eq!(plan.requests.len(), 1, "one request serves both panels");
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let result = rt.block_on(run(&Canned, &plan, None, &SweepOptions::default(), &|_, _| {}));
//! assert!(result.verdicts.iter().all(|v| v.status() == Status::Bound));
//! ```

mod error;
mod http;
mod plan;
mod probe;
mod sweep;

pub use error::ProbeError;
pub use http::{HttpOptions, HttpProbe};
pub use plan::{PlannedRequest, SweepPlan, plan};
pub use probe::{Probe, ProbeRequest, Secret};
pub use sweep::{SweepOptions, SweepResult, probe_with_retries, run};
