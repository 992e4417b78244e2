//! SPEC §4.2 over a real socket: a detail route whose ids are random per start can only be
//! bound with an id taken from a live answer. The same panel with a static placeholder is not
//! BOUND (the placeholder's 404 is what a hand-written registry gets), and a source that
//! selects nothing leaves its dependent UNVERIFIED, never a gap of its own.

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use hisar_core::{GapCode, Status};
use serde_json::json;

use crate::support::{quick, sweep};

/// A backend whose one incident has an id drawn at start; `list` is what the list returns.
fn backend(id: String, list: serde_json::Value) -> Router {
    Router::new()
        .route("/incidents", get(move || async move { axum::Json(list) }))
        .route(
            "/replay/{incident_id}/summary",
            get(move |Path(asked): Path<String>| {
                let id = id.clone();
                async move {
                    if asked == id {
                        (
                            StatusCode::OK,
                            axum::Json(json!({"incident_id": asked, "steps": 3})),
                        )
                    } else {
                        (
                            StatusCode::NOT_FOUND,
                            axum::Json(json!({"detail": "no such incident"})),
                        )
                    }
                }
            }),
        )
}

const REGISTRY: &str = r#"
version: 1
domains: [{ code: INC, name: INCIDENTS }]
defaults: { class: evidence }
panels:
  - { id: INC-EV-ACT-O1, capability: incidents.list, endpoint: /incidents, invariants: ["$.items isArray"] }
  - id: INC-EV-RES-O5
    capability: incidents.replay
    endpoint: /replay/{incident_id}/summary
    path_params: { incident_id: { from: INC-EV-ACT-O1, select: "$.items[0].id" } }
    invariants: ["$.steps >= 1"]
  - id: INC-EV-RES-O6
    capability: incidents.replay_placeholder
    endpoint: /replay/{incident_id}/summary
    path_params: { incident_id: inc-001 }
"#;

fn random_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("inc-{nanos:09}-{}", std::process::id())
}

/// False gap: the captured id binds the panel; the placeholder cannot (a false BOUND for the
/// placeholder would need the backend to know `inc-001`).
#[test]
fn a_random_id_binds_only_through_a_live_value() {
    let id = random_id();
    let swept = sweep(
        backend(id.clone(), json!({"items": [{"id": id}]})),
        REGISTRY,
        "",
        &[],
        quick(),
    );
    let v: Vec<_> = swept.sweep.records.iter().map(|r| &r.verdict).collect();
    assert_eq!(v[0].status(), Status::Bound, "{:?}", v[0]);
    assert_eq!(v[1].status(), Status::Bound, "from/select: {:?}", v[1]);
    assert_eq!(v[2].status(), Status::Blocked, "placeholder: {:?}", v[2]);
}

/// A source that selects nothing: the dependent is UNVERIFIED naming the source, not a gap.
#[test]
fn a_source_that_selects_nothing_leaves_its_dependent_unverified() {
    let swept = sweep(
        backend(random_id(), json!({"items": []})),
        REGISTRY,
        "",
        &[],
        quick(),
    );
    let v = &swept.sweep.records[1].verdict;
    assert_eq!(v.status(), Status::Unverified, "{v:?}");
    assert_eq!(v.code(), None::<GapCode>);
    assert!(format!("{v:?}").contains("INC-EV-ACT-O1"), "{v:?}");
}
