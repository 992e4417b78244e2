//! `hisar validate` against a route table's OpenAPI response schemas (SPEC §3.7): invariants
//! the schema contradicts are warnings with file:line:column and panel id, errors under
//! `--strict`; invariants that agree with the schema raise nothing.

use hisar_demo::DEMO_REGISTRY;

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
    let cost = at("\"$.total_cost isNumber");
    let decisions = at("\"$.decisions isArray");
    for expected in [
        format!(
            "warning: hisar.yaml:{cost}: OVR-SUM-CI-O1: reads `$.total_cost`, which the schema of GET /cost/summary 200 does not declare"
        ),
        format!(
            "warning: hisar.yaml:{decisions}: OVR-SUM-DC-O1: reads `$.decisions`, but the schema of GET /founder/timeline/decisions 200 says `$` is array, not an object"
        ),
        "40 invariants on 27 panels contradict the OpenAPI response schemas".to_owned(),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "{expected:?} missing: {run:?}"
        );
    }
    let strict = ws.hisar(&["validate", "--routes", routes, "--strict"], &[]);
    assert_eq!(strict.code, 2, "{strict:?}");
    let first = format!("error: hisar.yaml:{cost}: OVR-SUM-CI-O1: reads `$.total_cost`");
    assert!(strict.stderr.contains(&first), "{strict:?}");
}

/// `line:column` of the first occurrence of `text` in the demo registry, 1-based.
fn at(text: &str) -> String {
    DEMO_REGISTRY
        .lines()
        .enumerate()
        .find_map(|(i, line)| line.find(text).map(|c| format!("{}:{}", i + 1, c + 1)))
        .unwrap_or_else(|| panic!("{text} is not in the demo registry"))
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

/// A value the registry does not have yet (`{ todo }`) is said at its place with its panel:
/// a warning (exit 0), an error under `--strict` (exit 2: a registry CI relies on should be
/// complete). A panel without one raises nothing.
#[test]
fn todo_values_are_located_and_strict_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hisar.yaml"),
        r#"version: 1
domains: [{ code: INC, name: INCIDENTS }]
defaults: { class: evidence }
panels:
  - { id: INC-A-LIST-O1, capability: a.list, endpoint: /incidents }
  - id: INC-A-ONE-O2
    capability: a.one
    endpoint: /incidents/{incident_id}
    path_params: { incident_id: { todo: "a real incident id" } }
    params: { window: { todo: "the UI's window" } }
"#,
    )
    .unwrap();
    let run = crate::support::run_in(dir.path(), &["validate", "hisar.yaml"], &[]);
    assert_eq!(run.code, 0, "warnings only: {run:?}");
    assert!(
        run.stderr.contains(
            "warning: hisar.yaml:9:41: INC-A-ONE-O2: path parameter `incident_id` has no value yet (todo: a real incident id)\n"
        ),
        "{run:?}"
    );
    assert!(
        run.stderr.contains(
            "warning: hisar.yaml:10:31: INC-A-ONE-O2: query parameter `window` has no value yet (todo: the UI's window)\n"
        ),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("hisar.yaml: 2 values on 1 panel have no value yet (todo)"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("INC-A-LIST-O1"), "{run:?}");
    let strict = crate::support::run_in(dir.path(), &["validate", "hisar.yaml", "--strict"], &[]);
    assert_eq!(strict.code, 2, "{strict:?}");
    assert!(
        strict
            .stderr
            .contains("error: hisar.yaml:9:41: INC-A-ONE-O2: path parameter `incident_id`"),
        "{strict:?}"
    );
    assert!(strict.stderr.contains("(--strict: exit 2)"), "{strict:?}");
}
