//! `hisar validate` against a route table's OpenAPI response schemas (SPEC §3.7): invariants
//! the schema contradicts are warnings with file:line:column and panel id, errors under
//! `--strict`; invariants that agree with the schema raise nothing.

use crate::support::{Backend, Workspace, shared};

const AURORA_OPENAPI: &str = "fixtures/aurora-l2/backend/.openapi_snapshot.json";

/// False gap: the demo backend's own document (the schemas of its healthy answers) agrees with
/// every invariant of the 87 reference panels, so `--strict` passes.
#[test]
fn the_demo_registry_agrees_with_the_demo_backends_schemas() {
    let backend = Backend::start("k");
    let ws = Workspace::new();
    let routes = format!("{}/openapi.json", backend.url);
    let run = ws.hisar(&["validate", "--routes", &routes, "--strict"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("every invariant agrees with the OpenAPI response schemas"),
        "{run:?}"
    );
    // Without --routes the registry's URL is not fetched: validation stays offline.
    let offline = ws.hisar(&["validate"], &[]);
    assert_eq!(offline.code, 0, "{offline:?}");
    assert!(offline.stderr.contains("--routes URL"), "{offline:?}");
}

/// False BOUND ahead of time: the reference panels read against AURORA's real OpenAPI
/// document. Each contradiction is located and names its panel; `--strict` exits 2.
#[test]
fn contradictions_are_located_and_strict_fails() {
    let ws = Workspace::new();
    let routes = shared(AURORA_OPENAPI);
    let routes = routes.to_str().unwrap();
    let run = ws.hisar(&["validate", "--routes", routes], &[]);
    assert_eq!(run.code, 0, "warnings only: {run:?}");
    for expected in [
        "warning: hisar.yaml:63:18: OVR-SUM-CI-O1: reads `$.total_cost`, which the schema of GET /cost/summary 200 does not declare",
        "warning: hisar.yaml:94:18: OVR-SUM-DC-O1: reads `$.decisions`, but the schema of GET /founder/timeline/decisions 200 says `$` is array, not an object",
        "40 invariants on 27 panels contradict the OpenAPI response schemas",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected:?} missing: {run:?}"
        );
    }
    let strict = ws.hisar(&["validate", "--routes", routes, "--strict"], &[]);
    assert_eq!(strict.code, 2, "{strict:?}");
    assert!(
        strict
            .stderr
            .contains("error: hisar.yaml:63:18: OVR-SUM-CI-O1: reads `$.total_cost`"),
        "{strict:?}"
    );
}

/// A route table that cannot be had is a warning (exit 0), and an error under `--strict`.
#[test]
fn an_unreadable_route_table_is_said() {
    let ws = Workspace::new();
    let run = ws.hisar(&["validate", "--routes", "missing.json"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("read route table ./missing.json")
            && run
                .stderr
                .contains("the invariants were not read against the backend's response schemas"),
        "{run:?}"
    );
    let strict = ws.hisar(&["validate", "--routes", "missing.json", "--strict"], &[]);
    assert_eq!(strict.code, 2, "{strict:?}");
}
