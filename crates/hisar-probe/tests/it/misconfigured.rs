//! Misconfiguration is never a backend gap (SPEC §3.5): a wrong base URL, a frontend in place
//! of the API, an unset credential or a stopped backend record no gap, and say what to fix.

use axum::Router;
use axum::response::Html;
use hisar_core::{GapCode, Status};
use hisar_demo::corpus::{CORPUS_REGISTRY, CorpusBackend};

use crate::support::{quick, sweep};

fn statuses(swept: &hisar_probe::Swept) -> Vec<Status> {
    swept
        .sweep
        .records
        .iter()
        .map(|r| r.verdict.status())
        .collect()
}

/// False gaps: `--base-url http://host/api` for a backend served at `/` made every panel a new
/// ENDPOINT_MISSING gap, with exit 0.
#[test]
fn a_wrong_base_url_is_a_degraded_sweep_not_a_gap_per_panel() {
    let backend = CorpusBackend::default();
    let swept = sweep(
        backend.router(),
        CORPUS_REGISTRY,
        "/api",
        &[("CORPUS_KEY", "k-123456")],
        quick(),
    );
    let reason = swept.degraded.as_deref().expect("degraded");
    assert!(reason.starts_with("every request to "), "{reason}");
    assert!(
        reason.contains("distinct paths got HTTP 404: the base URL http://127.0.0.1:"),
        "{reason}"
    );
    assert!(reason.contains("/api is probably wrong"), "{reason}");
    assert!(
        statuses(&swept).iter().all(|s| *s == Status::Unverified),
        "nothing recorded as a gap: {:?}",
        statuses(&swept)
    );
    // What each panel saw is kept as a finding.
    let first = &swept.sweep.records[0].verdict;
    assert_eq!(first.findings[0].code, Some(GapCode::EndpointMissing));
}

/// False gaps: a base URL that reaches the frontend answers every path with its index page.
#[test]
fn a_frontend_answering_every_path_is_a_degraded_sweep() {
    let spa = Router::new().fallback(|| async { Html("<!doctype html><div id=app></div>") });
    let swept = sweep(
        spa,
        CORPUS_REGISTRY,
        "",
        &[("CORPUS_KEY", "k-123456")],
        quick(),
    );
    let reason = swept.degraded.as_deref().expect("degraded");
    assert!(
        reason.contains("is the same text/html page (HTTP 200)"),
        "{reason}"
    );
    assert!(reason.contains("probably serves a frontend"), "{reason}");
    assert!(statuses(&swept).iter().all(|s| *s == Status::Unverified));
}

/// False gaps: with the credential variable unset, every panel of that mode was sent without
/// it and became an AUTH_FAILURE regression.
#[test]
fn an_unset_credential_variable_leaves_its_panels_unverified_and_unsent() {
    let backend = CorpusBackend::default();
    let swept = sweep(
        backend.router(),
        CORPUS_REGISTRY,
        "",
        &[("CORPUS_CLIENT_SECRET", "c-123456")],
        quick(),
    );
    assert_eq!(
        swept.preflight,
        [
            "credential variable CORPUS_KEY is not set: 6 panels of auth mode `corpus` will not be probed (UNVERIFIED, never a gap); set CORPUS_KEY in the environment"
        ]
    );
    for record in swept
        .sweep
        .records
        .iter()
        .filter(|r| r.panel.starts_with("COR-ECHO-"))
    {
        assert_eq!(
            record.verdict.status(),
            Status::Unverified,
            "{}",
            record.panel
        );
        let hisar_core::Outcome::Unverified { reason } = &record.verdict.outcome else {
            unreachable!()
        };
        assert_eq!(
            reason,
            "credential variable CORPUS_KEY is not set (auth mode `corpus`): not probed"
        );
    }
    assert!(
        !backend.requests().iter().any(|r| r.contains("/c/echo/")),
        "nothing is sent without its credential"
    );
    // The other panels are probed as usual: a misconfiguration of one mode spoils nothing else.
    assert_eq!(swept.degraded, None);
    let bom = swept
        .sweep
        .records
        .iter()
        .find(|r| r.panel == "COR-JSON-BOM-O1")
        .unwrap();
    assert_eq!(bom.verdict.status(), Status::Bound);
}

/// A stopped backend: every panel unverified, and the line names the base URL to check.
#[test]
fn a_stopped_backend_is_a_degraded_sweep_naming_the_base_url() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let registry = CORPUS_REGISTRY.replace(
        "  routes: ${HISAR_BASE_URL}/openapi.json\n",
        &format!("  base_url: http://127.0.0.1:{port}\n"),
    );
    let swept = crate::support::sweep_target(&registry, &[("CORPUS_KEY", "k-123456")], quick());
    let reason = swept.degraded.as_deref().expect("degraded");
    assert!(
        reason.contains(&format!(
            "so nothing was recorded as a gap: is the backend at http://127.0.0.1:{port} reachable?"
        )),
        "{reason}"
    );
    assert!(
        statuses(&swept).iter().all(|s| *s == Status::Unverified),
        "{:?}",
        statuses(&swept)
    );
}

/// Endpoints the route table does not serve are expected to 404: a sweep of them (a new
/// domain, `--domain NEW`) records their gaps. Before, three such 404s made the sweep
/// "misdirected": nothing recorded, exit 3, and a message sending the team to check a base URL
/// that was right.
#[test]
fn missing_endpoints_the_route_table_predicts_are_gaps_not_a_wrong_base_url() {
    let registry = "version: 1
backend:
  routes: ${HISAR_BASE_URL}/openapi.json
defaults: { auth: none, class: evidence }
domains: [{ code: NEW, name: NEW }]
panels:
  - { id: NEW-A-B-O1, capability: new.a, endpoint: /c/new/a }
  - { id: NEW-A-B-O2, capability: new.b, endpoint: /c/new/b }
  - { id: NEW-A-B-O3, capability: new.c, endpoint: /c/new/c }
";
    let swept = sweep(
        CorpusBackend::default().router(),
        registry,
        "",
        &[],
        quick(),
    );
    assert_eq!(swept.degraded, None);
    for record in &swept.sweep.records {
        assert_eq!(
            record.verdict.code(),
            Some(GapCode::EndpointMissing),
            "{}",
            record.panel
        );
    }
    // Without a route table nothing predicts the 404s: every one of three paths is the
    // SPEC's wrong base URL.
    let swept = sweep(
        CorpusBackend::default().router(),
        &registry.replace("backend:\n  routes: ${HISAR_BASE_URL}/openapi.json\n", ""),
        "",
        &[],
        quick(),
    );
    assert!(swept.degraded.is_some());
}
