//! Values from live data and setup steps (SPEC §4.2) as the registry reads them: every
//! reference checked when the registry loads, every mistake with its position.

use super::*;
use crate::live::{ValuePlace, ValueSource};
use crate::model::Method;

const HEAD: &str = "version: 1\nauth:\n  service: { headers: { X-Key: \"${KEY}\" } }\ndomains: [{ code: INC, name: INCIDENTS }]\ndefaults: { class: evidence }\n";

fn load(rest: &str) -> Result<Registry, RegistryError> {
    Registry::from_yaml(&format!("{HEAD}{rest}"), "hisar.yaml")
}

/// Every diagnostic as `line:column: panel P: message`.
fn problems(rest: &str) -> Vec<String> {
    load(rest).map_or_else(
        |e| e.diagnostics.iter().map(ToString::to_string).collect(),
        |_| Vec::new(),
    )
}

#[test]
fn values_come_from_panels_and_setup_steps() {
    let reg = load(
        r#"setup:
  - id: seed-incident
    request: POST /api/v1/incidents
    auth: service
    params: { dry_run: false }
    headers: { X-Trace: "${TRACE:-hisar}" }
    json: { title: "hisar probe", tags: [a, 1], owner: "${OWNER}" }
    capture: { incident_id: $.id, token: "$.links.self" }
panels:
  - id: INC-EV-ACT-O1
    capability: incidents.list
    endpoint: /api/v1/incidents
  - id: INC-EV-RES-O5
    capability: incidents.replay
    endpoint: /replay/{incident_id}/summary
    path_params: { incident_id: { from: INC-EV-ACT-O1, select: "$.incidents[0].id" } }
    params: { window: 24h, since: { from: setup.seed-incident, capture: incident_id } }
    headers: { X-Static: "a", X-Session: { from: setup.seed-incident, capture: token } }
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let step = &reg.setup()[0];
    assert_eq!(step.endpoint.method, Method::Post);
    assert_eq!(step.auth, "service");
    assert_eq!(step.params, [("dry_run".to_owned(), "false".to_owned())]);
    assert_eq!(step.capture[0].0, "incident_id");
    assert_eq!(step.capture[1].1.source(), "$.links.self");
    let env = std::collections::BTreeMap::from([("OWNER".to_owned(), "ada".to_owned())]);
    let (json, missing) = step.resolved_json(&env).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"title": "hisar probe", "tags": ["a", 1], "owner": "ada"})
    );
    assert!(missing.is_empty());
    assert_eq!(
        step.resolved_json(&std::collections::BTreeMap::new())
            .unwrap()
            .1,
        ["OWNER"]
    );
    assert_eq!(step.templates().len(), 2, "the header and the JSON owner");
    assert!(reg.setup_step("seed-incident").is_some());

    let panel = &reg.panels()[1];
    assert!(panel.path_params.is_empty());
    assert_eq!(panel.params, [("window".to_owned(), "24h".to_owned())]);
    assert_eq!(panel.headers.len(), 1);
    let places: Vec<(ValuePlace, &str)> = panel
        .live
        .iter()
        .map(|v| (v.place, v.name.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            (ValuePlace::Path, "incident_id"),
            (ValuePlace::Query, "since"),
            (ValuePlace::Header, "X-Session")
        ]
    );
    assert!(matches!(
        &panel.live[0].source,
        ValueSource::Panel { panel, select } if panel == "INC-EV-ACT-O1" && select.source() == "$.incidents[0].id"
    ));
    assert_eq!(panel.source_panels(), ["INC-EV-ACT-O1"]);
    assert_eq!(panel.source_steps(), ["seed-incident"]);
    assert_eq!((panel.live[0].line, panel.live[0].column), (21, 41));
    let resolved = panel.with_values(&["a/b".into(), "x y".into(), "tok-${X}".into()]);
    assert_eq!(
        resolved.request_target(),
        "/replay/a%2Fb/summary?window=24h&since=x%20y"
    );
    let (_, header) = &resolved.headers[1];
    assert_eq!(
        header.resolve(&std::collections::BTreeMap::new()).value,
        "tok-${X}",
        "a live header value is sent as it is, never read as a template"
    );
}

#[test]
fn every_reference_is_checked_with_its_position() {
    let got = problems(
        r#"setup:
  - id: seed
    request: POST /api/v1/incidents
    capture: { id: $.id }
panels:
  - id: INC-A-LIST-O1
    capability: a.list
    endpoint: /incidents
  - id: INC-A-ONE-O2
    capability: a.one
    endpoint: /incidents/{id}/{sub}
    path_params:
      id: { from: INC-A-LIST-O9, select: "$.items[0].id" }
      sub: { from: setup.sed, capture: id }
    params:
      a: { from: setup.seed, capture: nope }
      b: { from: INC-A-LIST-O1 }
      c: { from: setup.seed, select: "$.x" }
      d: { from: INC-A-LIST-O1, select: "$.items[" }
      e: { from: INC-A-ONE-O2, select: "$.x" }
      f: { select: "$.x" }
"#,
    );
    assert_eq!(
        got,
        [
            "18:19: panel INC-A-ONE-O2: `id` comes from panel `INC-A-LIST-O9` (did you mean `INC-A-LIST-O1`?), which the registry does not declare",
            "19:20: panel INC-A-ONE-O2: `sub` comes from setup step `sed` (did you mean `seed`?), which `setup:` does not declare",
            "21:18: panel INC-A-ONE-O2: setup step `seed` captures no `nope` (it captures id)",
            "22:10: panel INC-A-ONE-O2: the value of query parameter `b` comes from panel `INC-A-LIST-O1`: say which value of its answer with `select: <JSONPath>` (and no `capture:`)",
            "23:10: panel INC-A-ONE-O2: the value of query parameter `c` comes from setup step `setup.seed`: name one of its captures with `capture:` (and no `select:`)",
            "24:50: panel INC-A-ONE-O2: `select`: invalid JSONPath `$.items[`: expected selector",
            "25:18: panel INC-A-ONE-O2: `e` comes from the panel itself",
            "26:10: panel INC-A-ONE-O2: the value of query parameter `f` needs `from:` (a panel id, or `setup.<step id>`), with `select:` or `capture:`; or `todo: \"what to put here\"` while it has none",
        ]
    );
}

#[test]
fn cycles_are_registry_errors_naming_the_chain() {
    let got = problems(
        r#"panels:
  - id: INC-A-B-O1
    capability: a.one
    endpoint: /a/{x}
    path_params: { x: { from: INC-A-B-O3, select: "$.x" } }
  - id: INC-A-B-O2
    capability: a.two
    endpoint: /b/{x}
    path_params: { x: { from: INC-A-B-O1, select: "$.x" } }
  - id: INC-A-B-O3
    capability: a.three
    endpoint: /c/{x}
    path_params: { x: { from: INC-A-B-O2, select: "$.x" } }
  - id: INC-A-B-O4
    capability: a.four
    endpoint: /d/{x}
    path_params: { x: { from: INC-A-B-O1, select: "$.x" } }
"#,
    );
    assert_eq!(
        got,
        [
            "10:31: panel INC-A-B-O1: values form a cycle: INC-A-B-O1 → INC-A-B-O3 → INC-A-B-O2 → INC-A-B-O1; a panel's source must not depend on the panel"
        ]
    );
}

#[test]
fn setup_steps_are_checked() {
    let got = problems(
        r#"setup:
  - id: a
    request: POST /x/{id}
  - id: b
    request: POST x
  - id: c
    request: POST /x
    auth: servce
    capture: { id: "$.[" }
    json: { t: "${" }
    retries: 2
  - { id: "bad id", request: GET /x }
  - { id: d, request: GET /x }
  - { id: d, request: GET /y }
  - { request: GET /z }
panels: []
"#,
    );
    assert_eq!(got.len(), 9, "{got:#?}");
    for (got, want) in got.iter().zip([
        "8:14: the request of a setup step has no path parameters",
        "10:14: path `x` must start with `/` (a setup request is `METHOD /path`, relative to the base URL)",
        "13:11: unknown auth mode `servce` (did you mean `service`?)",
        "14:23: capture `id`: invalid JSONPath",
        "15:16: `json`: unclosed `${`",
        "16:5: unknown key `retries` in a setup step",
        "17:11: invalid setup step id `bad id`",
        "19:5: duplicate setup step id `d` (first declared at line 18)",
        "20:5: a setup step needs an `id`",
    ]) {
        assert!(got.starts_with(want), "{got}\n  expected {want}");
    }
}

/// A path parameter given only through a live value has its value; a live value for a name
/// the path does not have is an error, as for a fixed one.
#[test]
fn path_parameters_may_be_live() {
    assert_eq!(
        problems(
            r#"panels:
  - { id: INC-A-B-O1, capability: a.one, endpoint: /a }
  - id: INC-A-B-O2
    capability: a.two
    endpoint: /b/{x}
    path_params: { x: { from: INC-A-B-O1, select: "$.x" }, y: { from: INC-A-B-O1, select: "$.y" } }
"#
        ),
        ["11:63: panel INC-A-B-O2: path parameter `y` does not appear in the path /b/{x}"]
    );
}

/// `{ todo: "..." }` is a value the registry does not have yet: read in every place a live
/// value goes, positioned, and never a value a request could carry (no `path_params` entry,
/// so nothing a sweep could send as a placeholder).
#[test]
fn todo_values_are_no_value_yet() {
    let reg = load(
        r#"panels:
  - id: INC-A-ONE-O1
    capability: a.one
    endpoint: /incidents/{incident_id}
    path_params: { incident_id: { todo: "a real incident id" } }
    params: { window: { todo: " a window such as 24h " } }
    headers: { X-Tenant: { todo: "the tenant the UI reads" } }
"#,
    )
    .unwrap();
    let panel = &reg.panels()[0];
    assert!(panel.path_params.is_empty());
    assert!(panel.params.is_empty());
    assert!(panel.headers.is_empty());
    let got: Vec<(ValuePlace, &str, &ValueSource, usize, usize)> = panel
        .live
        .iter()
        .map(|v| (v.place, v.name.as_str(), &v.source, v.line, v.column))
        .collect();
    let todo = |hint: &str| ValueSource::Todo {
        hint: hint.to_owned(),
    };
    assert_eq!(
        got,
        [
            (
                ValuePlace::Path,
                "incident_id",
                &todo("a real incident id"),
                10,
                41
            ),
            (
                ValuePlace::Query,
                "window",
                &todo("a window such as 24h"),
                11,
                31
            ),
            (
                ValuePlace::Header,
                "X-Tenant",
                &todo("the tenant the UI reads"),
                12,
                34
            ),
        ]
    );
    assert!(panel.source_panels().is_empty() && panel.source_steps().is_empty());
    assert_eq!(
        panel.todo_reason().unwrap(),
        "path parameter `incident_id` has no value yet (todo: a real incident id); query parameter `window` has no value yet (todo: a window such as 24h); header `X-Tenant` has no value yet (todo: the tenant the UI reads); put values or a { from, select }"
    );
}

/// A `todo:` stands alone and says something; each mistake is an error at its key.
#[test]
fn todo_mistakes_are_located() {
    let got = problems(
        r#"panels:
  - { id: INC-A-LIST-O1, capability: a.list, endpoint: /incidents }
  - id: INC-A-ONE-O2
    capability: a.one
    endpoint: /incidents/{a}/{b}/{c}/{d}
    path_params:
      a: { todo: "an id", from: INC-A-LIST-O1, select: "$.x" }
      b: { todo: "" }
      c: { todo: [x] }
      d: { todo: "an id", capture: id }
"#,
    );
    assert_eq!(
        got,
        [
            "12:27: panel INC-A-ONE-O2: the value of path parameter `a` is a `todo:` (it has no value yet), so it takes no `from:`; drop the `todo:` once it has a `from:`",
            "12:48: panel INC-A-ONE-O2: the value of path parameter `a` is a `todo:` (it has no value yet), so it takes no `select:`; drop the `todo:` once it has a `from:`",
            "13:18: panel INC-A-ONE-O2: `todo:` of the value of path parameter `b` is empty: say what to put here, such as `{ todo: \"a real b\" }`",
            "14:18: panel INC-A-ONE-O2: `todo` must be a string, found a list",
            "15:27: panel INC-A-ONE-O2: the value of path parameter `d` is a `todo:` (it has no value yet), so it takes no `capture:`; drop the `todo:` once it has a `from:`",
        ]
    );
}
