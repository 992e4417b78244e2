use serde_json::json;

use super::*;

fn get(tags: &[&str], op_id: &str, schema: &Value) -> Value {
    json!({"get": {"tags": tags, "operationId": op_id, "summary": format!("{op_id} summary"),
        "responses": {"200": {"description": "OK",
            "content": {"application/json": {"schema": schema}}}}}})
}

fn doc(paths: &[(&str, Value)]) -> Value {
    let paths: Map<String, Value> = paths
        .iter()
        .map(|(p, v)| ((*p).to_owned(), v.clone()))
        .collect();
    json!({"openapi": "3.1.0", "info": {"title": "T"}, "paths": paths,
        "components": {"schemas": {
            "Incident": {"type": "object", "required": ["id"],
                "properties": {"id": {"type": "string"}, "title": {"type": "string"}}},
            "Page": {"type": "object", "required": ["items", "total"], "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Incident"}},
                "total": {"type": "integer"}}}}}})
}

fn run(doc: &Value) -> (Init, hisar_core::Registry) {
    let init = init_from_openapi(doc, &InitOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let reg = hisar_core::Registry::from_yaml(&init.yaml, "hisar.yaml")
        .unwrap_or_else(|e| panic!("{e}\n{}", init.yaml));
    (init, reg)
}

fn panel<'a>(reg: &'a hisar_core::Registry, path: &str) -> &'a hisar_core::Panel {
    reg.panels()
        .iter()
        .find(|p| p.endpoint.path.as_str() == path)
        .unwrap_or_else(|| panic!("no panel for {path}"))
}

#[test]
fn class_is_guessed_from_the_shape_and_said_to_be_a_guess() {
    let d = doc(&[
        (
            "/incidents",
            get(
                &["Incidents"],
                "list",
                &json!({"$ref": "#/components/schemas/Page"}),
            ),
        ),
        (
            "/raw",
            get(
                &["Incidents"],
                "raw",
                &json!({"type": "array", "items": {}}),
            ),
        ),
        (
            "/cost",
            get(
                &["Cost"],
                "cost",
                &json!({"type": "object", "required": ["total"],
            "properties": {"total": {"type": "number"}, "currency": {"type": "string"}}}),
            ),
        ),
        (
            "/me",
            get(
                &["Cost"],
                "me",
                &json!({"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}}}),
            ),
        ),
    ]);
    let (init, reg) = run(&d);
    assert_eq!(panel(&reg, "/incidents").class, PanelClass::Evidence);
    assert_eq!(panel(&reg, "/raw").class, PanelClass::Evidence);
    assert_eq!(panel(&reg, "/cost").class, PanelClass::Interpretation);
    assert_eq!(panel(&reg, "/me").class, PanelClass::Evidence);
    assert!(
        init.yaml
            .contains("class: interpretation   # guess: an object with numeric members")
    );
    assert!(
        init.yaml
            .contains("class: evidence   # guess: the answer is a list")
    );
    // The schema declares no provenance: an interpretation panel does not require it.
    assert!(!panel(&reg, "/cost").provenance.is_required());
}

#[test]
fn invariants_come_from_required_members_and_their_types() {
    let d = doc(&[(
        "/cost",
        get(
            &["Cost"],
            "cost",
            &json!({"type": "object",
            "required": ["total", "label", "maybe", "odd key", "provenance", "any"],
            "properties": {"total": {"type": "number"}, "label": {"type": "string"},
                "maybe": {"type": ["integer", "null"]}, "odd key": {"type": "boolean"},
                "provenance": {"type": "object"}, "optional": {"type": "string"}}}),
        ),
    )]);
    let (init, reg) = run(&d);
    let texts: Vec<String> = panel(&reg, "/cost")
        .invariants
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        texts,
        [
            "$.total isNumber",
            "$.label isString",
            "$.maybe exists",
            "$['odd key'] isBoolean",
            "$.any exists"
        ],
        "{}",
        init.yaml
    );
    // A declared provenance block is required of the answer.
    assert!(panel(&reg, "/cost").provenance.is_required());
}

#[test]
fn path_parameters_come_from_the_list_of_the_same_family() {
    let d = doc(&[
        (
            "/incidents",
            get(
                &["Incidents"],
                "list",
                &json!({"$ref": "#/components/schemas/Page"}),
            ),
        ),
        (
            "/incidents/{incident_id}",
            get(
                &["Incidents"],
                "one",
                &json!({"$ref": "#/components/schemas/Incident"}),
            ),
        ),
        (
            "/plain",
            get(
                &["Incidents"],
                "plain",
                &json!({"type": "array",
            "items": {"type": "object", "properties": {"plain_id": {"type": "string"}}}}),
            ),
        ),
        (
            "/plain/{plain_id}/events",
            get(&["Incidents"], "events", &json!({"type": "array"})),
        ),
    ]);
    let (init, reg) = run(&d);
    assert!(init.warnings.is_empty(), "{:?}", init.warnings);
    assert_eq!(init.bound_params, 2);
    assert!(
        init.yaml.contains(
            "path_params: { incident_id: { from: INC-INCIDENTS, select: \"$.items[0].id\" } }"
        ),
        "{}",
        init.yaml
    );
    assert!(
        init.yaml
            .contains("path_params: { plain_id: { from: INC-PLAIN, select: \"$[0].plain_id\" } }"),
        "{}",
        init.yaml
    );
    assert!(
        panel(&reg, "/incidents/{incident_id}")
            .path_params
            .is_empty()
    );
}

#[test]
fn a_parameter_no_list_gives_is_a_placeholder_with_a_warning() {
    let d = doc(&[
        // A list elsewhere does not count: binding an id of another family would probe a
        // path that answers 404 for a reason the backend does not have.
        (
            "/incidents",
            get(
                &["Incidents"],
                "list",
                &json!({"$ref": "#/components/schemas/Page"}),
            ),
        ),
        (
            "/replay/{incident_id}/summary",
            get(&["Replay"], "replay", &json!({"type": "object"})),
        ),
        // A list whose items do not carry the id is no source either.
        (
            "/things",
            get(
                &["Things"],
                "things",
                &json!({"type": "array",
            "items": {"type": "object", "properties": {"name": {"type": "string"}}}}),
            ),
        ),
        (
            "/things/{thing_id}",
            get(&["Things"], "thing", &json!({"type": "object"})),
        ),
    ]);
    let (init, reg) = run(&d);
    assert_eq!(init.bound_params, 0);
    assert_eq!(init.warnings.len(), 2, "{:?}", init.warnings);
    assert!(init.warnings[0].starts_with("REP-REPLAY-INCIDENT_ID-SUMMARY: "));
    assert!(init.warnings[0].contains("`incident_id`"));
    assert!(init.warnings[0].contains("{ todo }"));
    // No placeholder a sweep would send (its 404 would be a false gap): a `{ todo }` the
    // registry reads as "no value yet".
    let replay = panel(&reg, "/replay/{incident_id}/summary");
    assert!(replay.path_params.is_empty(), "{:?}", replay.path_params);
    assert_eq!(
        replay.todo_reason().as_deref(),
        Some(
            "path parameter `incident_id` has no value yet (todo: a real incident id: no list operation of this family gives one); put a value or a { from, select }"
        )
    );
    assert!(init.yaml.contains(
        r#"path_params: { incident_id: { todo: "a real incident id: no list operation of this family gives one" } }"#
    ));
    assert!(init.yaml.contains("# TODO: a real `thing_id`;"));
    assert!(!init.yaml.contains("TODO-"), "{}", init.yaml);
}

#[test]
fn required_query_parameters_get_an_example_or_a_placeholder() {
    let mut op = get(&["A"], "a", &json!({"type": "object"}));
    op["get"]["parameters"] = json!([
        {"name": "window", "in": "query", "required": true, "schema": {"type": "string", "default": "24h"}},
        {"name": "kind", "in": "query", "required": true, "schema": {"enum": ["x", "y"]}},
        {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
    ]);
    let (init, reg) = run(&doc(&[("/a", op)]));
    assert_eq!(
        panel(&reg, "/a").params,
        [
            ("window".to_owned(), "24h".to_owned()),
            ("kind".to_owned(), "x".to_owned()),
        ]
    );
    let a = panel(&reg, "/a");
    assert!(
        a.todo_reason().is_some_and(
            |r| r.starts_with("query parameter `q` has no value yet (todo: a value for `q`")
        ),
        "{:?}",
        a.todo_reason()
    );
    assert_eq!(init.warnings.len(), 1);
}

#[test]
fn ids_and_codes_are_derived_without_collisions() {
    let d = doc(&[
        ("/a_b", get(&["Cost Intelligence"], "x", &json!({}))),
        ("/a-b", get(&["Cost Intelligence"], "x", &json!({}))),
        ("/a.b", get(&["Cost Items"], "x", &json!({}))),
        ("/c", get(&["Costs"], "y", &json!({}))),
        ("/d", get(&["Cost"], "z", &json!({}))),
        ("/", get(&[], "root", &json!({}))),
    ]);
    let (_, reg) = run(&d);
    let ids: Vec<&str> = reg.panels().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        // Paths in byte order (`-` < `.` < `_`); "Cost" takes COS before "Costs" asks for it.
        [
            "API-ROOT",
            "CIN-A_B",
            "CIT-A_B",
            "CIN-A_B-2",
            "COST-C",
            "COS-D"
        ]
    );
    let caps: Vec<&str> = reg.panels().iter().map(|p| p.capability.as_str()).collect();
    assert_eq!(
        caps,
        [
            "api.root",
            "cost_intelligence.x",
            "cost_items.x",
            "cost_intelligence.x_2",
            "costs.y",
            "cost.z"
        ]
    );
}

#[test]
fn domain_codes_are_unique_and_valid_for_any_name() {
    let names = [
        "agents",
        "Agents!",
        "a",
        "1-2-3",
        "",
        "ops console",
        "Ops Console",
        "x y z w",
    ];
    let codes = domain_codes(names);
    let distinct: BTreeSet<&String> = codes.values().collect();
    assert_eq!(distinct.len(), codes.len());
    for code in codes.values() {
        hisar_core::DomainCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
    }
    // Names in byte order: "Ops Console" takes OCO first.
    assert_eq!(codes["Ops Console"], "OCO");
    assert_eq!(codes["ops console"], "OPSC");
    assert_eq!(codes["x y z w"], "XYZ");
}

#[test]
fn output_is_deterministic_whatever_the_key_order() {
    let a = doc(&[
        ("/b", get(&["B"], "b", &json!({"type": "array"}))),
        ("/a", get(&["A"], "a", &json!({"type": "object"}))),
    ]);
    let b = doc(&[
        ("/a", get(&["A"], "a", &json!({"type": "object"}))),
        ("/b", get(&["B"], "b", &json!({"type": "array"}))),
    ]);
    let first = init_from_openapi(&a, &InitOptions::default()).unwrap();
    assert_eq!(
        first,
        init_from_openapi(&a, &InitOptions::default()).unwrap()
    );
    assert_eq!(
        first.yaml,
        init_from_openapi(&b, &InitOptions::default()).unwrap().yaml
    );
}

#[test]
fn the_server_path_prefixes_endpoints_and_options_are_written() {
    let mut d = doc(&[("/x", get(&["A"], "x", &json!({})))]);
    d["servers"] = json!([{"url": "https://api.example.com/v2/"}]);
    let init = init_from_openapi(&d, &InitOptions::default()).unwrap();
    assert!(init.yaml.contains("endpoint: GET /v2/x"), "{}", init.yaml);
    assert!(init.yaml.contains("base_url: \"https://api.example.com\""));
    assert!(init.yaml.contains("- id: A-X\n"));
    let options = InitOptions {
        base_url: Some("${HISAR_BASE_URL:-http://localhost:9000}".into()),
        routes: Some("openapi.json".into()),
        source: Some("openapi.json".into()),
        auth_headers: vec![("X-Key".into(), "${KEY}".into())],
    };
    let init = init_from_openapi(&d, &options).unwrap();
    assert!(
        init.yaml
            .contains("base_url: \"${HISAR_BASE_URL:-http://localhost:9000}\"")
    );
    assert!(init.yaml.contains("  routes: openapi.json\n"));
    assert!(
        init.yaml.contains(
            "auth:\n  default:\n    headers: { X-Key: \"${KEY}\" }\ndefaults: { auth: default }\n"
        ),
        "{}",
        init.yaml
    );
    hisar_core::Registry::from_yaml(&init.yaml, "x").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn bad_documents_are_refused_with_what_is_wrong() {
    assert!(matches!(
        parse_document("{not json"),
        Err(InitError::Syntax(_))
    ));
    let cases = [
        (json!([1]), "not a mapping"),
        (json!({"swagger": "2.0", "paths": {}}), "Swagger 2.0"),
        (json!({"openapi": "2.0", "paths": {}}), "not 3.x"),
        (json!({"paths": {}}), "no `openapi`"),
        (json!({"openapi": "3.0.3"}), "no `paths`"),
    ];
    for (value, needle) in cases {
        let e = init_from_openapi(&value, &InitOptions::default()).unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
    }
    let post_only = json!({"openapi": "3.0.3", "paths": {"/x": {"post": {}}}});
    assert_eq!(
        init_from_openapi(&post_only, &InitOptions::default()),
        Err(InitError::NoGetOperations)
    );
}

#[test]
fn yaml_documents_are_read() {
    let d =
        parse_document("openapi: 3.0.3\npaths:\n  /x:\n    get:\n      responses: {}\n").unwrap();
    let (init, _) = run(&d);
    assert_eq!(init.panels, 1);
    assert!(init.yaml.contains("# no JSON schema for the 200 answer"));
}
