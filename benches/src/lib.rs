//! `hisar-benches`: the data HISAR's benchmarks run on.
//!
//! Speed is measured here and never asserted in tests (`BENCHMARKS.md` at the workspace root
//! has the figures and how to reproduce them). This crate holds:
//!
//! - the criterion benches in `benches/` (classification, parse + classify against a
//!   parse-only baseline, invariant parsing, registry loading, priority fixes and Markdown
//!   rendering), run with `cargo bench -p hisar-benches`; they never touch the network;
//! - [`Synthetic`]: a registry of any number of panels, a configurable share of which read an
//!   endpoint another panel already reads, and the answers a backend must give so that most
//!   panels bind (some endpoints are missing and some answers lack provenance, as in life);
//! - [`sized_body`]: realistic JSON list bodies of a given size;
//! - [`tracker`]: a registry and two sweeps of verdicts of every kind, for the rendering benches;
//! - [`hurl_files`]: the same sweep as Hurl files with equivalent asserts, for
//!   `benches/hurl.sh`;
//! - the `hisar-bench-backend` binary, which writes a synthetic registry (or its Hurl files)
//!   and serves its endpoints on loopback for `benches/sweep.sh`, `benches/hurl.sh` and
//!   `benches/history.sh`, and an axum hello-world for `benches/service.sh`.
//!
//! # Example
//!
//! ```
//! use hisar_benches::Synthetic;
//! use hisar_core::Registry;
//!
//! let synthetic = Synthetic { panels: 100, shared_percent: 50 };
//! let registry = Registry::from_yaml(&synthetic.registry_yaml(), "synthetic").unwrap();
//! assert_eq!(registry.panels().len(), 100);
//! assert_eq!(synthetic.endpoints().len(), 50, "half the panels share an endpoint");
//! ```

mod body;
mod hurl;
mod synthetic;
pub mod tracker;

pub use body::{BOUND_PANEL, RUNS_OPENAPI, sized_body};
pub use hurl::hurl_files;
pub use synthetic::{DOMAINS, Synthetic, SyntheticEndpoint};
