//! The 87 reference panels, classified from observations that mimic the reference sweep.

use hisar_core::EntryKind;
use hisar_core::{GapCode, Observation, Registry, Response, Status, classify, priority_fixes};
use hisar_import::tracker::parse_tracker;
use serde_json::json;

use crate::shared;

const REFERENCE: &str = "reference/HISAR_BACKEND_GAPS_TRACKER.md";

/// What the reference backend answered for a panel with this gap.
fn mimic(gap: Option<GapCode>) -> Observation {
    let provenance =
        json!({"generated_at": "2026-01-15T07:58:01Z", "aggregation": "list", "source": "sdsr"});
    let response = match gap {
        None => Response::json(200, json!({"items": [], "provenance": provenance})),
        Some(GapCode::AuthFailure) => Response::json(401, json!({"detail": "Not authenticated"})),
        Some(GapCode::EndpointMissing) => Response::json(404, json!({"detail": "Not Found"})),
        Some(GapCode::CoherencyFailed) => {
            Response::json(405, json!({"detail": "Method Not Allowed"}))
        }
        Some(GapCode::ProvenanceMissing) => Response::json(200, json!({"items": []})),
        Some(GapCode::SdsrFailed) => {
            Response::json(500, json!({"detail": "Internal Server Error"}))
        }
    };
    Observation::answered(response)
}

#[test]
fn reference_panels_and_p0_entries() {
    let text = shared(REFERENCE);
    let import = parse_tracker(&text).expect("the reference tracker parses");
    assert_eq!(import.rows.len(), 87);
    let yaml = import.draft.to_yaml();
    let imported = Registry::from_yaml(&yaml, "imported.yaml").unwrap_or_else(|e| panic!("{e}"));
    // The tracker gives no value for the replay panel's `{incident_id}`: the import leaves a
    // `{ todo }`, so the panel is UNVERIFIED whatever the backend would answer, never a gap.
    let replay = imported.panel("INC-EV-RES-O5").unwrap();
    let verdict = classify(replay, Some(&mimic(Some(GapCode::AuthFailure))), None);
    assert_eq!(verdict.status(), Status::Unverified, "{verdict:?}");
    assert_eq!(verdict.code(), None);
    // The reference sweep used a real id: put one in, as its user would.
    let todo = r#"{ todo: "a real incident_id, which the tracker does not give" }"#;
    assert!(yaml.contains(todo), "{yaml}");
    let registry = Registry::from_yaml(&yaml.replace(todo, "inc-001"), "imported.yaml")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(registry.panels().len(), 87);
    assert!(registry.panels().iter().all(|p| p.todo_reason().is_none()));

    // Classify every panel from an observation mimicking the reference sweep.
    let mut verdicts = Vec::new();
    for row in &import.rows {
        let panel = registry.panel(&row.panel).unwrap();
        let verdict = classify(panel, Some(&mimic(row.gap)), None);
        assert_eq!(verdict.code(), row.gap, "{}", row.panel);
        verdicts.push((panel, verdict));
    }

    // Per-domain counts from the data (the reference's own dashboard is wrong for three rows).
    let count = |code: &str, status: Status| {
        verdicts
            .iter()
            .filter(|(p, v)| p.id.domain().as_str() == code && v.status() == status)
            .count()
    };
    let dashboard: Vec<(usize, usize)> = ["OVR", "ACT", "INC", "POL", "LOG"]
        .iter()
        .map(|d| (count(d, Status::Bound), count(d, Status::Blocked)))
        .collect();
    assert_eq!(dashboard, [(4, 8), (6, 9), (5, 10), (3, 27), (5, 10)]);

    let blocked: Vec<_> = verdicts
        .iter()
        .filter_map(|(p, v)| v.gap().map(|g| (*p, g)))
        .collect();
    let fixes = priority_fixes(blocked.iter().copied());
    assert_eq!(fixes.panels[&GapCode::AuthFailure], 24);
    assert_eq!(fixes.panels[&GapCode::EndpointMissing], 23);
    assert_eq!(fixes.panels[&GapCode::SdsrFailed], 13);
    assert_eq!(fixes.panels[&GapCode::ProvenanceMissing], 2);
    assert_eq!(fixes.panels[&GapCode::CoherencyFailed], 2);

    // P0: every one of the 24 failing endpoints is covered, families collapsed.
    let entries: Vec<(&str, EntryKind, usize)> = fixes
        .p0
        .iter()
        .map(|e| (e.entry.as_str(), e.kind, e.panels.len()))
        .collect();
    assert_eq!(
        entries,
        [
            ("/api/v1/recovery/", EntryKind::Prefix, 3),
            ("/guard/", EntryKind::Prefix, 3),
            ("/health/", EntryKind::Prefix, 3),
            ("/api/v1/predictions", EntryKind::Prefix, 2),
            ("/costsim/", EntryKind::Prefix, 2),
            ("/founder/timeline/", EntryKind::Prefix, 2),
            ("/integration/", EntryKind::Prefix, 2),
            ("/api/v1/policies/requests", EntryKind::Exact, 1),
            ("/api/v1/traces", EntryKind::Exact, 1),
            ("/api/v1/workers/business-builder/runs", EntryKind::Exact, 1),
            ("/ops/actions/audit", EntryKind::Exact, 1),
            ("/replay/*/summary", EntryKind::Pattern, 1),
            ("/v1/incidents", EntryKind::Exact, 1),
            ("/v1/policies/active", EntryKind::Exact, 1),
        ]
    );
    let covered: usize = fixes.p0.iter().map(|e| e.endpoints.len()).sum();
    assert_eq!(covered, 24, "all 24 AUTH_FAILURE endpoints are covered");

    // The six endpoints the hand-made list missed are among them.
    let all: Vec<&str> = fixes
        .p0
        .iter()
        .flat_map(|e| e.endpoints.iter().map(String::as_str))
        .collect();
    for missed in [
        "/api/v1/workers/business-builder/runs",
        "/api/v1/predictions",
        "/api/v1/predictions/stats/summary",
        "/v1/incidents",
        "/api/v1/traces",
        "/ops/actions/audit",
    ] {
        assert!(all.contains(&missed), "{missed}");
    }

    // P1: 23 panels on their unique endpoints, families of three or more collapsed.
    let p1: Vec<(&str, usize, usize)> = fixes
        .p1
        .iter()
        .map(|r| (r.endpoint.as_str(), r.endpoints.len(), r.panels.len()))
        .collect();
    assert_eq!(
        p1,
        [
            ("/policy-layer/*", 12, 12),
            ("/api/v1/tenants/*", 4, 5),
            ("/api/v1/ops/incidents/*", 3, 3),
            ("GET /api/v1/agents/agents", 1, 1),
            ("GET /api/v1/guard/incidents", 1, 1),
            ("GET /billing/status", 1, 1),
        ]
    );
    assert_eq!(fixes.p1.iter().map(|r| r.panels.len()).sum::<usize>(), 23);
}

#[test]
fn import_round_trips_every_reference_panel() {
    let text = shared(REFERENCE);
    let import = parse_tracker(&text).unwrap();
    let registry = Registry::from_yaml(&import.draft.to_yaml(), "imported.yaml").unwrap();
    let ids: Vec<&str> = registry.panels().iter().map(|p| p.id.as_str()).collect();
    let rows: Vec<&str> = import.rows.iter().map(|r| r.panel.as_str()).collect();
    assert_eq!(ids, rows);
    let codes: Vec<&str> = registry.domains().iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["OVR", "ACT", "INC", "POL", "LOG"]);
    // Only the replay panel has a path parameter.
    assert_eq!(import.warnings.len(), 1, "{:?}", import.warnings);
    assert!(import.warnings[0].contains("INC-EV-RES-O5"));
    // Bound rows keep their capability; blocked rows get a derived one.
    assert_eq!(
        registry.panel("OVR-SUM-HL-O1").unwrap().capability.as_str(),
        "overview.highlights"
    );
    assert_eq!(
        registry.panel("OVR-SUM-DC-O1").unwrap().capability.as_str(),
        "overview.founder_timeline_decisions"
    );
}
