//! `hisar-report`: renderings of a tracked registry.
//!
//! [`Report`] gathers what every rendering shows (dashboard, gaps, priority fixes, history);
//! the renderers write it to any [`std::io::Write`] and never choose file paths: the Markdown
//! tracker ([`write_markdown`]), JSON with a stable schema ([`write_json`], typed as
//! [`JsonReport`] by [`json_report`]), JUnit XML ([`write_junit`]), the HTML dashboard
//! ([`write_html`] for the static page, [`render_html`] for the served one), and what a sweep
//! changed in Markdown ([`write_changes_markdown`] for `hisar diff`, [`write_step_summary`] for
//! a CI job summary). The same history always renders the same bytes.
//!
//! # Example
//!
//! ```
//! use hisar_core::history::{Ledger, PanelRecord, Selection, SweepRecord};
//! use hisar_core::{classify, Observation, Registry, Response};
//! use hisar_report::{Report, write_markdown};
//!
//! let registry = Registry::from_yaml(r#"
//! version: 1
//! domains: [{ code: LOG, name: LOGS }]
//! panels:
//!   - { id: LOG-REC-SYS-O2, capability: logs.health_check, endpoint: /health, class: evidence }
//!   - { id: LOG-REC-SYS-O3, capability: logs.ready_check, endpoint: /health/ready, class: evidence }
//! "#, "hisar.yaml").unwrap();
//! let ok = Observation::answered(Response::json(200, serde_json::json!({"status": "ok"})));
//! let denied = Observation::answered(Response::json(401, serde_json::json!({"detail": "no"})));
//! let at = "2026-01-15T07:58:01Z".parse().unwrap();
//! let sweep = SweepRecord {
//!     id: 1, started_at: at, finished_at: at, selection: Selection::default(),
//!     records: vec![
//!         PanelRecord::new(&registry.panels()[0], classify(&registry.panels()[0], Some(&ok), None)),
//!         PanelRecord::new(&registry.panels()[1], classify(&registry.panels()[1], Some(&denied), None)),
//!     ],
//! };
//! let state = Ledger::replay(registry.trust().clone(), [&sweep]).state(&registry);
//! let report = Report::new(&registry, &state, jiff::civil::date(2026, 1, 15), "hisar.yaml");
//! let mut out = Vec::new();
//! write_markdown(&report, &mut out).unwrap();
//! let text = String::from_utf8(out).unwrap();
//! assert!(text.contains("| **TOTAL** | **2** | **1** | **1** | **50%** |"));
//! assert!(text.contains("| `/health/ready` | exact | 1 panel |"));
//! ```

mod changes;
mod html;
mod json;
mod junit;
mod markdown;
mod model;

#[cfg(test)]
mod tests;

pub use changes::{ChangeRow, write_changes_markdown, write_step_summary};
pub use html::{GapFilter, render_html, render_static_html, write_html};
pub use json::{
    CapabilityJson, CountsJson, DomainJson, GapCountJson, JsonReport, PanelJson, RegressionJson,
    SCHEMA_VERSION, SummaryJson, SweepJson, UnverifiedJson, WaiverJson, json_report, json_value,
    write_json,
};
pub use junit::write_junit;
pub use markdown::write_markdown;
pub use model::{
    DEFAULT_TITLE, DomainRow, Report, Row, SeriesPoint, TIMELINE_LEN, TimelineEntry, series,
    timelines,
};
