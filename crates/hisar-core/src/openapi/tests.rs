//! Stage 4 against OpenAPI response schemas: every way a body can break its schema is a gap
//! (no false BOUND), and every body that honours it stays bound (no false gap).

use serde_json::{Value, json};

use crate::{
    GapCode, Observation, Registry, Response, RouteTable, Stage, Status, Verdict, classify,
};

/// An OpenAPI 3.0 document: `/things` answers a `Thing` (by `$ref`), `/plain` a bare schema,
/// `/ranged` only `2XX`, `/fallback` only `default`, `/shared` a `$ref` to
/// `components/responses`, `/external` a `$ref` to another file.
fn document_30() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {"get": {"responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                "404": {"description": "missing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }}},
            "/plain": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json; charset=utf-8": {"schema": {
                "type": "object", "required": ["total"], "properties": {"total": {"type": "number"}, "secret": {"type": "string", "writeOnly": true}},
                "x-required-note": "secret is write-only"
            }}}}}}},
            "/ranged": {"get": {"responses": {"2XX": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}}}}}},
            "/fallback": {"get": {"responses": {"default": {"description": "ok", "content": {"*/*": {"schema": {"type": "object", "required": ["ok"]}}}}}}},
            "/shared": {"get": {"responses": {"200": {"$ref": "#/components/responses/Shared"}}}},
            "/external": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "other.yaml#/Thing"}}}}}}},
            "/described": {"get": {"responses": {"200": {"description": "no content declared"}}}}
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["id", "state"],
                    "properties": {
                        "id": {"type": "string"},
                        "state": {"type": "string", "enum": ["open", "closed"]},
                        "note": {"type": "string", "nullable": true},
                        "owner": {"$ref": "#/components/schemas/Owner"},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    }
                },
                "Owner": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}, "nullable": true},
                "Problem": {"type": "object"}
            },
            "responses": {"Shared": {"description": "shared", "content": {"application/json": {"schema": {"type": "object", "required": ["shared"]}}}}}
        }
    })
}

fn registry(endpoints: &[&str], extra: &str) -> Registry {
    let mut yaml = format!(
        "version: 1\ndomains: [{{code: A, name: A}}]\ndefaults: {{class: evidence}}\n{extra}\npanels:\n"
    );
    for (i, e) in endpoints.iter().enumerate() {
        yaml.push_str(&format!(
            "  - {{id: A-B-C-O{i}, capability: a.b{i}, endpoint: \"{e}\"}}\n"
        ));
    }
    Registry::from_yaml(&yaml, "hisar.yaml").unwrap()
}

fn verdict(doc: &Value, endpoint: &str, status: u16, body: Value) -> Verdict {
    let reg = registry(&[endpoint], "");
    let table = RouteTable::from_value(doc).unwrap();
    let seen = Observation::answered(Response::json(status, body));
    classify(&reg.panels()[0], Some(&seen), Some(&table))
}

fn detail(v: &Verdict) -> &str {
    &v.gap().unwrap_or_else(|| panic!("a gap: {v:?}")).detail
}

#[test]
fn bodies_that_honour_the_schema_stay_bound() {
    let doc = document_30();
    for (endpoint, body) in [
        (
            "/things",
            json!({"id": "t1", "state": "open", "note": null, "owner": null, "tags": []}),
        ),
        (
            "/things",
            json!({"id": "t1", "state": "closed", "owner": {"name": "ada"}, "extra": 1}),
        ),
        // `secret` is required nowhere in an answer: write-only.
        ("/plain", json!({"total": 3})),
        ("/ranged", json!([1, 2, 3])),
        ("/fallback", json!({"ok": true})),
        ("/shared", json!({"shared": 1})),
        // No schema for the answer: nothing to check.
        ("/described", json!({"anything": true})),
    ] {
        let v = verdict(&doc, endpoint, 200, body.clone());
        assert_eq!(v.status(), Status::Bound, "{endpoint} {body}: {v:?}");
        assert!(v.findings.is_empty(), "{endpoint}: {:?}", v.findings);
    }
}

#[test]
fn each_violation_is_sdsr_failed_with_pointer_keyword_and_value() {
    let doc = document_30();
    for (endpoint, body, expected, keyword) in [
        (
            "/things",
            json!({"id": 7, "state": "open"}),
            "does not match the OpenAPI schema of GET /things 200: /id: 7 is not of type \"string\"",
            "type",
        ),
        (
            "/things",
            json!({"id": "t1"}),
            "does not match the OpenAPI schema of GET /things 200: /: \"state\" is a required property",
            "required",
        ),
        (
            "/things",
            json!({"id": "t1", "state": "paused"}),
            "/state: \"paused\" is not one of \"open\" or \"closed\"",
            "enum",
        ),
        (
            "/things",
            json!({"id": "t1", "state": "open", "owner": {"name": 3}}),
            "/owner/name: 3 is not of type \"string\"",
            "type",
        ),
        (
            "/things",
            json!({"id": "t1", "state": "open", "tags": ["a", 2]}),
            "/tags/1: 2 is not of type \"string\"",
            "type",
        ),
        (
            "/plain",
            json!({"total": "n/a"}),
            "does not match the OpenAPI schema of GET /plain 200: /total: \"n/a\" is not of type \"number\"",
            "type",
        ),
        (
            "/ranged",
            json!([1, "x"]),
            "of GET /ranged 2XX: /1: \"x\" is not of type \"integer\"",
            "type",
        ),
        (
            "/fallback",
            json!({"nope": 1}),
            "of GET /fallback default: /: \"ok\" is a required property",
            "required",
        ),
        (
            "/shared",
            json!({}),
            "of GET /shared 200: /: \"shared\" is a required property",
            "required",
        ),
    ] {
        let v = verdict(&doc, endpoint, 200, body.clone());
        assert_eq!(v.code(), Some(GapCode::SdsrFailed), "{endpoint} {body}");
        let gap = v.gap().unwrap();
        assert_eq!(gap.stage, Stage::Contract);
        assert!(
            gap.detail.contains(expected),
            "{endpoint} {body}: {}",
            gap.detail
        );
        assert!(
            gap.fix
                .as_deref()
                .unwrap()
                .contains(&format!("`{keyword}`")),
            "{:?}",
            gap.fix
        );
    }
}

#[test]
fn the_schema_of_the_status_received_applies() {
    let doc = document_30();
    // A 201 on /ranged falls to `2XX`; the 404 schema never judges a 200.
    let v = verdict(&doc, "/ranged", 201, json!(["x"]));
    assert!(detail(&v).contains("GET /ranged 2XX"), "{v:?}");
    let v = verdict(&doc, "/things", 200, json!({"id": "1", "state": "open"}));
    assert_eq!(v.status(), Status::Bound);
}

#[test]
fn a_schema_that_cannot_be_used_is_not_checked_never_a_gap() {
    let v = verdict(&document_30(), "/external", 200, json!({"x": 1}));
    assert_eq!(v.status(), Status::Bound, "{v:?}");
    assert!(
        v.findings[0]
            .message
            .starts_with("not checked against the OpenAPI schema of GET /external 200: "),
        "{:?}",
        v.findings
    );
}

#[test]
fn warn_records_a_finding_and_off_checks_nothing() {
    let table = RouteTable::from_value(&document_30()).unwrap();
    let seen = Observation::answered(Response::json(200, json!({"total": "n/a"})));
    let warn = registry(&["/plain"], "backend: { schema: warn }");
    let v = classify(&warn.panels()[0], Some(&seen), Some(&table));
    assert_eq!(v.status(), Status::Bound);
    assert!(
        v.findings[0]
            .message
            .contains("/total: \"n/a\" is not of type \"number\""),
        "{:?}",
        v.findings
    );
    assert_eq!(v.findings[0].code, None);
    let off = Registry::from_yaml(
        "version: 1\ndomains: [{code: A, name: A}]\ndefaults: {class: evidence}\npanels:\n  - {id: A-B-C-O1, capability: a.b, endpoint: /plain, schema: off}\n",
        "h",
    )
    .unwrap();
    let v = classify(&off.panels()[0], Some(&seen), Some(&table));
    assert_eq!(v.status(), Status::Bound);
    assert!(v.findings.is_empty());
    // A panel may also enforce where the backend only warns.
    let enforce = Registry::from_yaml(
        "version: 1\nbackend: {schema: warn}\ndomains: [{code: A, name: A}]\ndefaults: {class: evidence}\npanels:\n  - {id: A-B-C-O1, capability: a.b, endpoint: /plain, schema: enforce}\n",
        "h",
    )
    .unwrap();
    let v = classify(&enforce.panels()[0], Some(&seen), Some(&table));
    assert_eq!(v.code(), Some(GapCode::SdsrFailed));
}

/// OpenAPI 3.1: `type: [T, "null"]` and `oneOf` are JSON Schema 2020-12's.
#[test]
fn openapi_31_type_lists_and_one_of() {
    let doc = json!({
        "openapi": "3.1.0",
        "paths": {"/p": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
            "type": "object",
            "properties": {
                "when": {"type": ["string", "null"], "format": "date-time"},
                "shape": {"oneOf": [
                    {"type": "object", "required": ["r"], "properties": {"r": {"type": "number"}}},
                    {"type": "object", "required": ["w"], "properties": {"w": {"type": "number"}}}
                ]}
            },
            "additionalProperties": false
        }}}}}}}}
    });
    for ok in [
        json!({"when": null}),
        json!({"when": "2026-01-15T07:58:00Z", "shape": {"r": 1}}),
    ] {
        assert_eq!(verdict(&doc, "/p", 200, ok).status(), Status::Bound);
    }
    for (bad, expected) in [
        (
            json!({"when": 5}),
            "/when: 5 is not of types \"null\", \"string\"",
        ),
        (
            json!({"when": "yesterday"}),
            "/when: \"yesterday\" is not a \"date-time\"",
        ),
        (json!({"shape": {"r": 1, "w": 2}}), "/shape: "),
        (
            json!({"other": 1}),
            "/: Additional properties are not allowed ('other' was unexpected)",
        ),
    ] {
        let v = verdict(&doc, "/p", 200, bad.clone());
        assert!(detail(&v).contains(expected), "{bad}: {}", detail(&v));
    }
}

/// A table without schemas (a path map), a HEAD panel, a route the table does not serve: no
/// schema check at all.
#[test]
fn no_schema_no_check() {
    let doc = document_30();
    let v = verdict(&doc, "HEAD /plain", 200, json!({"total": "n/a"}));
    assert_eq!(v.status(), Status::Bound, "{v:?}");
    let map = json!({"/plain": ["GET"]});
    let v = verdict(&map, "/plain", 200, json!({"total": "n/a"}));
    assert_eq!(v.status(), Status::Bound);
    assert!(!RouteTable::from_value(&map).unwrap().has_response_schemas());
    assert!(RouteTable::from_value(&doc).unwrap().has_response_schemas());
}

/// The schema is compiled once per table, however many answers it judges.
#[test]
fn schemas_are_compiled_once() {
    let doc = document_30();
    let reg = registry(&["/plain"], "");
    let table = RouteTable::from_value(&doc).unwrap();
    let schemas = table.schemas().unwrap();
    for i in 0..3 {
        let seen = Observation::answered(Response::json(200, json!({"total": i})));
        assert_eq!(
            classify(&reg.panels()[0], Some(&seen), Some(&table)).status(),
            Status::Bound
        );
        assert_eq!(schemas.compiled_count(), 1);
    }
}

/// The static check (SPEC §3.7): each invariant read against the 2xx schema.
#[test]
fn invariants_the_schema_contradicts_are_warned_with_positions() {
    let mut doc = document_30();
    doc["paths"]["/mixed"] = json!({"get": {"responses": {"200": {"content": {"application/json": {"schema": {
        "allOf": [
            {"$ref": "#/components/schemas/Thing"},
            {"type": "object", "properties": {"count": {"type": "integer"}, "free": {"type": "object"},
                                               "map": {"type": "object", "additionalProperties": {"type": "number"}}}}
        ]
    }}}}}}});
    let table = RouteTable::from_value(&doc).unwrap();
    let reg = Registry::from_yaml(
        r#"version: 1
domains: [{ code: A, name: A }]
defaults: { class: evidence }
panels:
  - id: A-B-C-O1
    capability: a.one
    endpoint: /mixed
    invariants:
      - $.total_cost isNumber
      - $.owner.nick exists
      - $.owner.name isString
      - $.tags[0] isString
      - $.tags[*] isString
      - $.id.x exists
      - $.state isArray
      - $.count isNumber
      - $.count isString
      - not $.error exists
      - $.free.anything exists
      - $.map.eur isNumber
      - $.tags count >= 0
      - status == 200
      - $..id exists
      - $.note isNull
  - id: A-B-C-O2
    capability: a.two
    endpoint: /mixed
    schema: off
    invariants: ["$.nothing exists"]
  - id: A-B-C-O3
    capability: a.three
    endpoint: /unknown
    invariants: ["$.nothing exists"]
"#,
        "hisar.yaml",
    )
    .unwrap();
    let got: Vec<String> = crate::schema_warnings(&reg, &table)
        .iter()
        .map(|w| format!("{}:{}: {}: {}", w.line, w.column, w.panel, w.message))
        .collect();
    assert_eq!(
        got,
        [
            "9:9: A-B-C-O1: reads `$.total_cost`, which the schema of GET /mixed 200 does not declare",
            "10:9: A-B-C-O1: reads `$.owner.nick`, but the schema of GET /mixed 200 declares no `nick` in `$.owner`",
            "14:9: A-B-C-O1: reads `$.id.x`, but the schema of GET /mixed 200 says `$.id` is string, not an object",
            "15:9: A-B-C-O1: `$.state isArray` asks for an array at `$.state`, where the schema of GET /mixed 200 says string",
            "17:9: A-B-C-O1: `$.count isString` asks for a string at `$.count`, where the schema of GET /mixed 200 says integer",
        ]
    );
}

/// A `default` beside a 2xx without a JSON schema is the error answer: the static check must
/// not read invariants against it (a false `--strict` failure); with no 2xx at all it is the
/// answer, and is read.
#[test]
fn the_static_check_never_reads_the_error_answer_as_the_success() {
    let error = json!({"description": "error", "content": {"application/json": {"schema": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}
    }}}});
    let doc = json!({
        "openapi": "3.0.3",
        "paths": {
            "/untyped": {"get": {"responses": {
                "200": {"description": "ok", "content": {"application/json": {}}},
                "default": error.clone()
            }}},
            "/bare": {"get": {"responses": {"200": {"description": "ok"}, "default": error.clone()}}},
            "/ranged": {"get": {"responses": {"2XX": {"description": "ok"}, "default": error.clone()}}},
            "/only-default": {"get": {"responses": {"default": error}}}
        }
    });
    let table = RouteTable::from_value(&doc).unwrap();
    let reg = Registry::from_yaml(
        r#"version: 1
domains: [{ code: A, name: A }]
defaults: { class: evidence }
panels:
  - { id: A-B-C-O1, capability: a.one, endpoint: /untyped, invariants: ["$.total isNumber"] }
  - { id: A-B-C-O2, capability: a.two, endpoint: /bare, invariants: ["$.total isNumber"] }
  - { id: A-B-C-O3, capability: a.three, endpoint: /ranged, invariants: ["$.total isNumber"] }
  - { id: A-B-C-O4, capability: a.four, endpoint: /only-default, invariants: ["$.total isNumber"] }
"#,
        "hisar.yaml",
    )
    .unwrap();
    let got: Vec<String> = crate::schema_warnings(&reg, &table)
        .iter()
        .map(|w| format!("{}: {}", w.panel, w.message))
        .collect();
    assert_eq!(
        got,
        [
            "A-B-C-O4: reads `$.total`, which the schema of GET /only-default default does not declare"
        ]
    );
}

/// A path item written as a `$ref` (OpenAPI 3.1) is a declared path: followed within the
/// document, its methods are the target's; to another file, the path is served with methods
/// unknown. Either way never a false ENDPOINT_MISSING; its schemas are left unchecked.
#[test]
fn a_path_item_behind_a_ref_is_a_route() {
    let doc = json!({
        "openapi": "3.1.0",
        "paths": {
            "/local": {"$ref": "#/components/pathItems/Local"},
            "/remote": {"$ref": "other.yaml#/paths/~1remote"},
            "/loop": {"$ref": "#/paths/~1loop"}
        },
        "components": {"pathItems": {"Local": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"type": "object", "required": ["x"]}}}}}}}}}
    });
    let table = RouteTable::from_value(&doc).unwrap();
    let served = |endpoint: &str| {
        let endpoint: crate::model::Endpoint = endpoint.parse().unwrap();
        matches!(table.check(&endpoint), crate::RouteCheck::Served { .. })
    };
    assert!(served("GET /local"));
    assert!(!served("POST /local"));
    assert!(served("GET /remote"));
    assert!(served("GET /loop"));
    let v = verdict(&doc, "/local", 200, json!({"y": 1}));
    assert_eq!(v.status(), Status::Bound, "{v:?}");
}
