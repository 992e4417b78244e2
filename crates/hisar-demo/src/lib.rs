//! `hisar-demo`: a backend to sweep when you have none at hand.
//!
//! [`DemoBackend`] is an axum [`Router`](axum::Router) that behaves, panel by panel, as the
//! reference backend did on its sweep date: a gateway that refuses the verifier outside its
//! public paths, routes not shipped yet, routes served with POST only, answers without
//! provenance or in the wrong shape. [`DEMO_REGISTRY`] is the bundled registry of the 87
//! reference panels that `hisar demo` sweeps against it.
//!
//! [`corpus`] is the conformance corpus: a second backend of awkward behaviours beyond the
//! demo's, with one panel per behaviour, that tests sweep to hunt false verdicts.
//!
//! This crate depends on no other HISAR crate: it simulates someone else's backend, and what
//! HISAR concludes about it must come from probing it, never from sharing code with it. Its
//! mutators ([`DemoBackend::fix`], [`DemoBackend::break_route`], [`DemoBackend::set_delay`],
//! [`DemoBackend::publish`]) are test controls for moving gaps and watching history follow.
//!
//! # Example
//!
//! ```
//! use axum::body::Body;
//! use axum::http::Request;
//! use hisar_demo::DemoBackend;
//! use tower::ServiceExt;
//!
//! let backend = DemoBackend::new("demo-key");
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let status = rt.block_on(async {
//!     let request = Request::get("/health").header("X-AOS-Key", "demo-key").body(Body::empty());
//!     backend.router().oneshot(request.unwrap()).await.unwrap().status()
//! });
//! assert_eq!(status, 200);
//! assert!(hisar_demo::DEMO_REGISTRY.contains("LOG-REC-SYS-O2"));
//! ```

mod backend;
pub mod corpus;

pub use backend::{
    DEMO_CLIENT_ID, DEMO_LOGIN_USER, DEMO_REGISTRY, DemoBackend, OBSERVER_KEY_HEADER,
};
