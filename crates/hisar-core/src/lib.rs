//! `hisar-core`: HISAR's pure model and rules.
//!
//! HISAR proves, from live evidence, which panels of a product's UI are served by its backend.
//! This crate holds everything that needs no I/O: the registry (`hisar.yaml`), the invariant
//! language, HIL v1 provenance, route tables and coherency, the classifier that turns
//! (panel, observation, route table) into a verdict, the history that turns stored sweeps into
//! a living tracker, and the priority fixes. It reads no files, no clock and no environment:
//! callers pass text, times and an [`Env`] in.
//!
//! # Example
//!
//! Classify one observation:
//!
//! ```
//! use hisar_core::{classify, GapCode, Observation, Registry, Response, RouteTable, Status};
//! use serde_json::json;
//!
//! let registry = Registry::from_yaml(r#"
//! version: 1
//! domains: [{ code: ACT, name: ACTIVITY }]
//! panels:
//!   - id: ACT-LLM-LIVE-O3
//!     capability: activity.jobs
//!     endpoint: GET /api/v1/agents/jobs
//!     class: evidence
//!     invariants: ["$.items isArray"]
//! "#, "hisar.yaml").expect("valid registry");
//! let panel = registry.panel("ACT-LLM-LIVE-O3").unwrap();
//!
//! // A live answer that satisfies the panel: BOUND.
//! let seen = Observation::answered(Response::json(200, json!({"items": []})));
//! assert_eq!(classify(panel, Some(&seen), None).status(), Status::Bound);
//!
//! // The backend only serves POST there: COHERENCY_FAILED, from the table and from the 405.
//! let routes = RouteTable::parse(r#"{"/api/v1/agents/jobs": ["POST"]}"#).unwrap();
//! let seen = Observation::answered(Response::json(405, json!({"detail": "Method Not Allowed"})));
//! let verdict = classify(panel, Some(&seen), Some(&routes));
//! assert_eq!(verdict.code(), Some(GapCode::CoherencyFailed));
//! assert_eq!(verdict.gap().unwrap().detail, "GET not served on /api/v1/agents/jobs; route allows POST");
//! ```

mod classify;
mod error;
mod fixes;
mod flow;
pub mod history;
mod id;
mod index;
mod interpolate;
mod invariant;
mod live;
mod mask;
mod model;
mod names;
mod observation;
mod openapi;
mod policy;
pub mod provenance;
mod query;
mod registry;
mod routes;
mod sanity;
mod suggest;
mod time;
mod verdict;
pub mod yaml;

pub use classify::{NotProbed, TRANSIENT_STATUSES, classify, classify_unprobed};
pub use error::{
    Diagnostic, DurationError, EndpointError, IdError, InvariantError, MissingPathParam,
    RegistryError, RouteTableError, TemplateError,
};
pub use fixes::{EntryKind, FixRow, MissingEndpoint, PriorityFixes, PublicPath, priority_fixes};
pub use flow::{
    ClientAuth, CommandFlow, JsonTemplate, LoginBody, LoginFlow, OAuth2Flow, TokenFlow, TokenPath,
    TokenSource,
};
pub use id::{CapabilityId, DomainCode, MAX_PANEL_ID_LEN, PanelId};
pub use interpolate::{Env, Resolved, Template};
pub use invariant::{Check, Invariant, Subject};
pub use live::{LiveValue, SetupStep, ValuePlace, ValueSource};
pub use mask::{ELLIPSIS, MASK, MIN_SECRET_CHARS, Masker, is_sensitive_name};
pub use model::{
    Aggregation, AuthMode, BodyKind, CapabilityDecl, DeclaredStatus, Domain, Endpoint, Method,
    Panel, PanelClass, PathTemplate, ProvenanceRequirement, SchemaPolicy, Segment,
    UncheckedInvariant,
};
pub use names::UnknownName;
pub use observation::{
    Body, Observation, Response, Transport, TransportErrorKind, TransportFailure,
};
pub use openapi::{SchemaWarning, schema_warnings};
pub use policy::{FailOn, GatePolicy, TrustPolicy, Waiver};
pub use query::JsonQuery;
pub use registry::{Backend, Defaults, NO_AUTH, Registry, TrackerText, registry_schema};
pub use routes::{NearKind, Route, RouteCheck, RouteTable};
pub use sanity::{
    AnswerDigest, MIN_MISDIRECTED_PATHS, MIN_MOSTLY_MISSING_PATHS, Misdirection, demote,
};
pub use time::HumanDuration;
pub use verdict::{
    CoherencyCheck, Evidence, Finding, Gap, GapCode, Outcome, Stage, Status, Verdict,
};
