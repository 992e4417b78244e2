//! Declared invariants HISAR cannot evaluate: kept, shown as not checked, never masking a
//! real failure and never turning a pass into a gap.

use serde_json::json;

use super::*;
use crate::registry::Registry;
use crate::verdict::Status;

const REGISTRY: &str = r#"
version: 1
domains: [{ code: INC, name: INCIDENTS }]
panels:
  - id: INC-EV-HIST-O4
    capability: incidents.historical_cost_trend
    endpoint: GET /api/v1/incidents/historical/cost-trend
    class: evidence
    invariants:
      - $.items isArray
      - { id: INV-L0-003, unresolved: defined only in code }
      - { id: INV-INC-001, unresolved: defined only in code }
      - { id: "response.total > 0", unresolved: no HISAR equivalent }
"#;

fn panel() -> Panel {
    let registry = Registry::from_yaml(REGISTRY, "r.yaml").unwrap_or_else(|e| panic!("{e}"));
    registry.panels()[0].clone()
}

fn answer(body: serde_json::Value) -> Observation {
    Observation::answered(Response::json(200, body)).with_elapsed(3)
}

#[test]
fn unchecked_invariants_are_loaded_in_order() {
    let p = panel();
    assert_eq!(p.invariants.len(), 1);
    let ids: Vec<(&str, &str)> = p
        .unchecked
        .iter()
        .map(|u| (u.id.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("INV-L0-003", "defined only in code"),
            ("INV-INC-001", "defined only in code"),
            ("response.total > 0", "no HISAR equivalent")
        ]
    );
}

/// A pass stays a pass (no false gap), and the verdict says what was not checked.
#[test]
fn a_passing_panel_says_what_was_not_checked() {
    let v = classify(&panel(), Some(&answer(json!({"items": []}))), None);
    assert_eq!(v.status(), Status::Bound);
    assert_eq!(v.evidence.invariants_passed, Some(1));
    let notes: Vec<&str> = v.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        notes,
        [
            "not checked: 3 declared invariants cannot be evaluated: INV-L0-003, INV-INC-001 (defined only in code); response.total > 0 (no HISAR equivalent)"
        ]
    );
    assert!(v.findings.iter().all(|f| f.code.is_none()));
}

/// A real invariant that fails still blocks the panel (no false BOUND).
#[test]
fn unchecked_invariants_never_mask_a_failure() {
    let v = classify(&panel(), Some(&answer(json!({"items": 3}))), None);
    assert_eq!(v.code(), Some(GapCode::SdsrFailed));
}

#[test]
fn long_lists_are_shortened() {
    let mut p = panel();
    p.unchecked = (1..=8)
        .map(|i| crate::model::UncheckedInvariant {
            id: format!("INV-{i}"),
            reason: "r".into(),
        })
        .collect();
    assert_eq!(
        unchecked_note(&p).unwrap(),
        "not checked: 8 declared invariants cannot be evaluated: INV-1, INV-2, INV-3, INV-4, INV-5 and 3 more (r)"
    );
    p.unchecked.clear();
    assert_eq!(unchecked_note(&p), None);
}

#[test]
fn malformed_entries_are_registry_errors() {
    for (entry, needle) in [
        (
            "{ id: INV-1 }",
            "needs a non-empty `id` and a non-empty `unresolved`",
        ),
        ("{ id: '', unresolved: x }", "needs a non-empty `id`"),
        ("{ id: INV-1, unresolved: x, why: y }", "unknown key `why`"),
    ] {
        let text = format!(
            "version: 1\ndomains: [{{code: A, name: x}}]\npanels:\n  - id: A-B-C-O1\n    capability: a.b\n    endpoint: /x\n    class: evidence\n    invariants:\n      - {entry}\n"
        );
        let err = Registry::from_yaml(&text, "r.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{entry}: {err}");
        assert!(err.contains("A-B-C-O1"), "{err}");
    }
}
