//! SPEC §3.7 end to end: a backend that serves its own OpenAPI document (fetched from its
//! `/openapi.json` like any route table) and answers either bodies that honour their response
//! schemas or bodies that break them in ten distinct ways. Each way is a false BOUND if it
//! passes; each conforming body (through `2XX` and `default` fallbacks, a `$ref` to
//! `components/responses`, a nested `$ref`, `nullable` and a 3.1 type list) is a false gap if
//! it does not.

use axum::Router;
use axum::routing::get;
use hisar_core::{GapCode, Outcome, Status, Verdict};
use serde_json::{Value, json};

use crate::support::{quick, sweep};

/// One route: its path, its `responses` object, a conforming body, a violating body, and what
/// the violation's detail must say (pointer and value) and its keyword.
struct Case {
    path: &'static str,
    responses: Value,
    good: Value,
    bad: Value,
    says: &'static str,
    keyword: &'static str,
}

fn ok(schema: &Value) -> Value {
    json!({"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}})
}

/// The OpenAPI 3.0 routes: nine ways to break a schema, and the fallbacks.
fn cases_30() -> Vec<Case> {
    vec![
        Case {
            path: "/type",
            responses: ok(&json!({"type": "object", "properties": {"total": {"type": "number"}}})),
            good: json!({"total": 1.5}),
            bad: json!({"total": "n/a"}),
            says: "/total: \"n/a\" is not of type \"number\"",
            keyword: "type",
        },
        Case {
            path: "/required",
            responses: ok(&json!({"type": "object", "required": ["id"]})),
            good: json!({"id": "a"}),
            bad: json!({"name": "a"}),
            says: "/: \"id\" is a required property",
            keyword: "required",
        },
        Case {
            path: "/enum",
            responses: ok(
                &json!({"type": "object", "properties": {"state": {"enum": ["open", "closed"]}}}),
            ),
            good: json!({"state": "open"}),
            bad: json!({"state": "paused"}),
            says: "/state: \"paused\" is not one of",
            keyword: "enum",
        },
        Case {
            path: "/format",
            responses: ok(
                &json!({"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}),
            ),
            good: json!({"at": "2026-01-15T07:58:00Z"}),
            bad: json!({"at": "15/01/2026 07:58"}),
            says: "/at: \"15/01/2026 07:58\" is not a \"date-time\"",
            keyword: "format",
        },
        Case {
            path: "/closed",
            responses: ok(
                &json!({"type": "object", "properties": {"id": {"type": "string"}}, "additionalProperties": false}),
            ),
            good: json!({"id": "a"}),
            bad: json!({"id": "a", "debug": true}),
            says: "/: Additional properties are not allowed ('debug' was unexpected)",
            keyword: "additionalProperties",
        },
        Case {
            path: "/nested",
            responses: ok(&json!({"$ref": "#/components/schemas/Run"})),
            good: json!({"owner": {"name": "ada"}}),
            bad: json!({"owner": {"name": 3}}),
            says: "/owner/name: 3 is not of type \"string\"",
            keyword: "type",
        },
        Case {
            path: "/items",
            responses: ok(
                &json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "integer"}}}}),
            ),
            good: json!({"items": [1, 2]}),
            bad: json!({"items": [1, "x"]}),
            says: "/items/1: \"x\" is not of type \"integer\"",
            keyword: "type",
        },
        Case {
            path: "/nullable",
            responses: ok(
                &json!({"type": "object", "required": ["note"], "properties": {"note": {"type": "string", "nullable": true}}}),
            ),
            // `null` is what `nullable` allows: a false gap if refused.
            good: json!({"note": null}),
            bad: json!({"note": 5}),
            says: "/note: 5 is not of types \"null\", \"string\"",
            keyword: "type",
        },
        Case {
            path: "/one-of",
            responses: ok(
                &json!({"type": "object", "properties": {"value": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}),
            ),
            good: json!({"value": 3}),
            bad: json!({"value": true}),
            says: "/value: true is not valid under any of the schemas listed in the 'oneOf' keyword",
            keyword: "oneOf",
        },
        // Fallbacks: the schema of `2XX`, of `default`, and of a shared response.
        Case {
            path: "/ranged",
            responses: json!({"2XX": {"description": "ok", "content": {"application/json": {"schema": {"type": "array"}}}}}),
            good: json!([]),
            bad: json!({}),
            says: "of GET /ranged 2XX: /: {} is not of type \"array\"",
            keyword: "type",
        },
        Case {
            path: "/fallback",
            responses: json!({"default": {"description": "ok", "content": {"application/json": {"schema": {"required": ["ok"]}}}}}),
            good: json!({"ok": true}),
            bad: json!({"nope": true}),
            says: "of GET /fallback default: /: \"ok\" is a required property",
            keyword: "required",
        },
        Case {
            path: "/shared",
            responses: json!({"200": {"$ref": "#/components/responses/Shared"}}),
            good: json!({"shared": 1}),
            bad: json!({}),
            says: "of GET /shared 200: /: \"shared\" is a required property",
            keyword: "required",
        },
    ]
}

/// The OpenAPI 3.1 route: the tenth way, a JSON Schema type list with `null`.
fn cases_31() -> Vec<Case> {
    vec![Case {
        path: "/type-list",
        responses: ok(
            &json!({"type": "object", "required": ["note"], "properties": {"note": {"type": ["string", "null"]}}}),
        ),
        good: json!({"note": null}),
        bad: json!({"note": 5}),
        says: "/note: 5 is not of types \"null\", \"string\"",
        keyword: "type",
    }]
}

fn document(version: &str, cases: &[Case]) -> Value {
    let paths: serde_json::Map<String, Value> = cases
        .iter()
        .map(|c| {
            (
                c.path.to_owned(),
                json!({"get": {"responses": c.responses}}),
            )
        })
        .collect();
    json!({
        "openapi": version,
        "info": {"title": "schemas", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {
                "Run": {"type": "object", "properties": {"owner": {"$ref": "#/components/schemas/Owner"}}},
                "Owner": {"type": "object", "required": ["name"], "nullable": true, "properties": {"name": {"type": "string"}}},
            },
            "responses": {"Shared": {"description": "shared", "content": {"application/json": {"schema": {"type": "object", "required": ["shared"]}}}}},
        },
    })
}

/// A backend serving `document` and, on each case's path, its good or its bad body.
fn backend(version: &str, cases: &[Case], good: bool) -> Router {
    let doc = document(version, cases);
    let mut router =
        Router::new().route("/openapi.json", get(move || async move { axum::Json(doc) }));
    for case in cases {
        let body = if good {
            case.good.clone()
        } else {
            case.bad.clone()
        };
        router = router.route(case.path, get(move || async move { axum::Json(body) }));
    }
    router
}

/// A registry with one panel per case, then a panel on the first case with `schema: off`.
fn registry(cases: &[Case], backend_schema: &str) -> String {
    let mut yaml = format!(
        "version: 1\nbackend: {{ routes: \"${{HISAR_BASE_URL}}/openapi.json\"{backend_schema} }}\ndomains: [{{ code: SCH, name: SCHEMAS }}]\ndefaults: {{ class: evidence }}\npanels:\n"
    );
    for (i, case) in cases.iter().enumerate() {
        yaml.push_str(&format!(
            "  - {{ id: SCH-A-B-O{i}, capability: schemas.c{i}, endpoint: {} }}\n",
            case.path
        ));
    }
    yaml.push_str(&format!(
        "  - {{ id: SCH-OFF-B-O1, capability: schemas.off, endpoint: {}, schema: off }}\n",
        cases[0].path
    ));
    yaml
}

fn verdicts(version: &str, cases: &[Case], good: bool, backend_schema: &str) -> Vec<Verdict> {
    let swept = sweep(
        backend(version, cases, good),
        &registry(cases, backend_schema),
        "",
        &[],
        quick(),
    );
    assert_eq!(swept.degraded, None);
    swept.sweep.records.into_iter().map(|r| r.verdict).collect()
}

fn words(v: &Verdict) -> String {
    match &v.outcome {
        Outcome::Blocked(gap) => format!("{} | fix: {:?}", gap.detail, gap.fix),
        other => format!("{other:?} {:?}", v.findings),
    }
}

/// False gap: bodies that honour their schema, fallbacks and `nullable` included, are BOUND
/// with no finding.
#[test]
fn conforming_bodies_stay_bound() {
    for (version, cases) in [("3.0.3", cases_30()), ("3.1.0", cases_31())] {
        let verdicts = verdicts(version, &cases, true, "");
        assert_eq!(verdicts.len(), cases.len() + 1);
        for (case, v) in cases.iter().zip(&verdicts) {
            assert_eq!(v.status(), Status::Bound, "{} {}", case.path, words(v));
            assert!(v.findings.is_empty(), "{}: {:?}", case.path, v.findings);
        }
    }
}

/// False BOUND: each of the ten ways (and each fallback) is SDSR_FAILED with the SPEC's
/// wording, the instance pointer, the value and the keyword; `schema: off` opts one panel out.
#[test]
fn each_violation_is_sdsr_failed_with_pointer_and_keyword() {
    let mut ways = 0;
    for (version, cases) in [("3.0.3", cases_30()), ("3.1.0", cases_31())] {
        let verdicts = verdicts(version, &cases, false, "");
        for (case, v) in cases.iter().zip(&verdicts) {
            assert_eq!(
                v.code(),
                Some(GapCode::SdsrFailed),
                "{}: {}",
                case.path,
                words(v)
            );
            let gap = v.gap().unwrap();
            let prefix = format!("does not match the OpenAPI schema of GET {} ", case.path);
            assert!(gap.detail.starts_with(&prefix), "{}", gap.detail);
            assert!(
                gap.detail.contains(case.says),
                "{}: {}",
                case.path,
                gap.detail
            );
            let fix = gap.fix.as_deref().unwrap_or_default();
            assert!(
                fix.contains(&format!("`{}`", case.keyword)),
                "{}: {fix}",
                case.path
            );
            ways += 1;
        }
        let off = verdicts.last().unwrap();
        assert_eq!(off.status(), Status::Bound, "schema: off: {}", words(off));
        assert!(off.findings.is_empty(), "{:?}", off.findings);
    }
    assert_eq!(ways, 13, "ten ways and three fallbacks");
}

/// `backend.schema: warn`: a violation is a finding, never a gap; `off`: not even that.
#[test]
fn warn_and_off_never_block() {
    let cases = cases_30();
    for v in verdicts("3.0.3", &cases, false, ", schema: warn") {
        assert_eq!(v.status(), Status::Bound, "{}", words(&v));
    }
    let warned = verdicts("3.0.3", &cases, false, ", schema: warn");
    assert!(
        warned[0].findings[0]
            .message
            .ends_with("/total: \"n/a\" is not of type \"number\" (backend.schema: warn)"),
        "{:?}",
        warned[0].findings
    );
    for v in verdicts("3.0.3", &cases, false, ", schema: off") {
        assert_eq!(v.status(), Status::Bound, "{}", words(&v));
        assert!(v.findings.is_empty(), "{:?}", v.findings);
    }
}
