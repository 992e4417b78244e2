use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::observation::TransportErrorKind;
use crate::registry::Registry;
use crate::verdict::Status;

const REGISTRY: &str = r#"
version: 1
auth:
  observer:
    headers: { X-AOS-Key: "${AOS_API_KEY}" }
defaults: { auth: observer }
domains: [{ code: ACT, name: ACTIVITY }]
panels:
  - id: ACT-LLM-LIVE-O1
    capability: activity.live_runs
    endpoint: GET /api/v1/runs
    class: evidence
    invariants:
      - $.items isArray
      - $.total >= 0
  - id: ACT-LLM-COMP-O1
    capability: activity.completed_runs
    endpoint: GET /api/v1/runs
    class: interpretation
    provenance: { aggregation: list }
    invariants:
      - $.items isArray
  - id: ACT-LLM-SIG-O1
    capability: activity.replay
    endpoint: GET /replay/{incident_id}/summary
    path_params: { incident_id: inc-1 }
    class: evidence
  - id: ACT-LLM-SIG-O2
    capability: activity.text
    endpoint: GET /health
    class: evidence
    body: text
  - id: ACT-LLM-SIG-O3
    capability: activity.nested
    endpoint: GET /api/v1/nested
    class: evidence
    provenance: { at: /meta/provenance }
  - id: ACT-LLM-SIG-O4
    capability: activity.public
    endpoint: GET /api/v1/public
    auth: none
    class: evidence
"#;

const ROUTES: &str = r#"{
    "/api/v1/runs": ["GET"],
    "/replay/{id}/summary": ["GET"],
    "/api/v1/agents/jobs": ["POST"],
    "/api/v1/agents": ["GET"],
    "/health": ["GET"],
    "/api/v1/nested": ["GET"],
    "/api/v1/public": ["GET"]
}"#;

fn registry() -> Registry {
    Registry::from_yaml(REGISTRY, "test.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn routes() -> RouteTable {
    RouteTable::parse(ROUTES).unwrap()
}

fn provenance(aggregation: &str) -> Value {
    json!({"generated_at": "2026-01-15T07:58:01Z", "aggregation": aggregation, "source": "runs"})
}

fn ok_body() -> Value {
    json!({"items": [], "total": 0, "provenance": provenance("list")})
}

fn answer(status: u16, body: Value) -> Observation {
    Observation::answered(Response::json(status, body)).with_elapsed(7)
}

fn run(panel: &str, obs: Option<&Observation>, table: Option<&RouteTable>) -> Verdict {
    let reg = registry();
    classify(reg.panel(panel).unwrap(), obs, table)
}

fn expect(verdict: &Verdict, status: Status, code: Option<GapCode>, needle: &str) {
    assert_eq!(verdict.status(), status, "{verdict:#?}");
    assert_eq!(verdict.code(), code, "{verdict:#?}");
    let text = match &verdict.outcome {
        Outcome::Blocked(gap) => gap.detail.clone(),
        Outcome::Unverified { reason } => reason.clone(),
        Outcome::Bound => verdict
            .findings
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    assert!(text.contains(needle), "expected {needle:?} in {text:?}");
}

/// Stage 3, every status class of SPEC §3 (no route table).
#[test]
fn status_table() {
    use GapCode::*;
    let cases: &[(u16, Status, Option<GapCode>, &str)] = &[
        (200, Status::Bound, None, ""),
        (201, Status::Bound, None, ""),
        (
            401,
            Status::Blocked,
            Some(AuthFailure),
            "HTTP 401 with auth mode `observer` (credentials present)",
        ),
        (403, Status::Blocked, Some(AuthFailure), "HTTP 403"),
        (
            404,
            Status::Blocked,
            Some(EndpointMissing),
            "HTTP 404: no route serves GET /api/v1/runs",
        ),
        (410, Status::Blocked, Some(EndpointMissing), "HTTP 410"),
        (
            405,
            Status::Blocked,
            Some(CoherencyFailed),
            "HTTP 405: GET not allowed",
        ),
        (429, Status::Unverified, None, "HTTP 429 persisted"),
        (502, Status::Unverified, None, "HTTP 502 persisted"),
        (503, Status::Unverified, None, "HTTP 503 persisted"),
        (504, Status::Unverified, None, "HTTP 504 persisted"),
        (
            500,
            Status::Blocked,
            Some(SdsrFailed),
            "HTTP 500: the backend fails",
        ),
        (
            501,
            Status::Blocked,
            Some(SdsrFailed),
            "HTTP 501: the backend fails",
        ),
        (
            400,
            Status::Blocked,
            Some(SdsrFailed),
            "HTTP 400: the request contract differs",
        ),
        (
            422,
            Status::Blocked,
            Some(SdsrFailed),
            "HTTP 422: the request contract differs",
        ),
        (418, Status::Blocked, Some(SdsrFailed), "HTTP 418"),
        (
            302,
            Status::Blocked,
            Some(SdsrFailed),
            "redirect without a Location",
        ),
        (
            101,
            Status::Blocked,
            Some(SdsrFailed),
            "unexpected HTTP status 101",
        ),
    ];
    for (status, expected, code, needle) in cases {
        let verdict = run("ACT-LLM-LIVE-O1", Some(&answer(*status, ok_body())), None);
        expect(&verdict, *expected, *code, needle);
        assert_eq!(verdict.evidence.status, Some(*status));
    }
}

#[test]
fn error_statuses_quote_the_backends_reason() {
    let v = run(
        "ACT-LLM-LIVE-O1",
        Some(&answer(
            422,
            json!({"detail": "query parameter tenant_id:  field required"}),
        )),
        None,
    );
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "HTTP 422: the request contract differs: \"query parameter tenant_id: field required\" (sent GET /api/v1/runs)",
    );
    let text = Observation::answered(Response::raw(500, Some("text/plain"), "boom\n  at line 3"));
    expect(
        &run("ACT-LLM-LIVE-O1", Some(&text), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "the backend fails: \"boom at line 3\"",
    );
    let html = Observation::answered(Response::raw(
        502,
        Some("text/html"),
        "<html>bad gateway</html>",
    ));
    assert_eq!(
        run("ACT-LLM-LIVE-O1", Some(&html), None).status(),
        Status::Unverified
    );
    let long = answer(500, json!({"message": "x".repeat(500)}));
    let v = run("ACT-LLM-LIVE-O1", Some(&long), None);
    assert!(v.gap().unwrap().detail.chars().count() < 200);
}

#[test]
fn auth_detail_names_missing_credentials_and_no_auth() {
    let mut obs = answer(401, json!({}));
    obs.missing_credentials = vec!["AOS_API_KEY".into()];
    let v = run("ACT-LLM-LIVE-O1", Some(&obs), None);
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::AuthFailure),
        "credentials missing: AOS_API_KEY unset",
    );
    let v = run("ACT-LLM-SIG-O4", Some(&answer(403, json!({}))), None);
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::AuthFailure),
        "auth mode `none` (no credentials sent)",
    );
    let mut renewed = answer(401, json!({}));
    renewed.renewed_token = true;
    let v = run("ACT-LLM-LIVE-O1", Some(&renewed), None);
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::AuthFailure),
        "(credentials present) after renewing the token",
    );
    // A 200 after a renewal is the backend accepting the fresh token: no gap.
    let mut ok = answer(200, json!({"items": []}));
    ok.renewed_token = true;
    assert_ne!(
        run("ACT-LLM-LIVE-O1", Some(&ok), None).code(),
        Some(GapCode::AuthFailure)
    );
}

/// Each redirect rule of stage 3.
#[test]
fn redirect_table() {
    use GapCode::*;
    let cases: &[(&str, &str, Option<GapCode>, &str)] = &[
        (
            "ACT-LLM-LIVE-O1",
            "/api/v1/runs/",
            Some(CoherencyFailed),
            "adds a trailing slash",
        ),
        (
            "ACT-LLM-LIVE-O1",
            "http://host:8000/api/v1/runs/?page=1",
            Some(CoherencyFailed),
            "adds a trailing slash",
        ),
        (
            "ACT-LLM-SIG-O1",
            "/replay/inc-1/summary/",
            Some(CoherencyFailed),
            "trailing slash",
        ),
        (
            "ACT-LLM-LIVE-O1",
            "/login?next=/api/v1/runs",
            Some(AuthFailure),
            "sign-in page /login",
        ),
        (
            "ACT-LLM-LIVE-O1",
            "https://sso.example.com/oauth2/authorize",
            Some(AuthFailure),
            "sign-in page",
        ),
        (
            "ACT-LLM-LIVE-O1",
            "/accounts/sign-in",
            Some(AuthFailure),
            "sign-in page",
        ),
        (
            "ACT-LLM-LIVE-O1",
            "/api/v2/runs",
            Some(SdsrFailed),
            "redirect to /api/v2/runs",
        ),
        ("ACT-LLM-LIVE-O1", "/", Some(SdsrFailed), "redirect to /"),
    ];
    for (panel, location, code, needle) in cases {
        for status in [301, 302, 307, 308] {
            let obs = Observation::answered(
                Response::raw(status, None, "").with_header("Location", location),
            );
            let v = run(panel, Some(&obs), None);
            expect(&v, Status::Blocked, *code, needle);
        }
    }
}

/// A backend behind a base URL with a path redirects with that path in the Location: it is
/// compared with the URL probed, and the did-you-mean names the panel's path. Before, the
/// prefix made a slash redirect an SDSR_FAILED, a false gap code.
#[test]
fn redirects_under_a_base_path() {
    let slash = |location: &str| {
        let mut obs =
            Observation::answered(Response::raw(307, None, "").with_header("Location", location));
        obs.url = Some("http://h:1/gw/replay/inc-1/summary?x=1".into());
        run("ACT-LLM-SIG-O1", Some(&obs), None)
    };
    for location in [
        "/gw/replay/inc-1/summary/",
        "http://h:1/gw/replay/inc-1/summary/",
    ] {
        let v = slash(location);
        expect(
            &v,
            Status::Blocked,
            Some(GapCode::CoherencyFailed),
            "adds a trailing slash",
        );
        assert_eq!(
            v.gap().and_then(|g| g.fix.as_deref()),
            Some("did you mean GET /replay/{incident_id}/summary/")
        );
    }
    // The panel's path without the prefix is another path there.
    expect(
        &slash("/replay/inc-1/summary/"),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "redirect to /replay/inc-1/summary/",
    );
}

/// Stage 2: every transport failure is UNVERIFIED, never a gap.
#[test]
fn transport_table() {
    for kind in [
        TransportErrorKind::Refused,
        TransportErrorKind::Dns,
        TransportErrorKind::Timeout,
        TransportErrorKind::Tls,
        TransportErrorKind::Reset,
        TransportErrorKind::Other,
    ] {
        let mut obs = Observation::failed(kind, "boom");
        obs.retries = 2;
        let v = run("ACT-LLM-LIVE-O1", Some(&obs), None);
        expect(
            &v,
            Status::Unverified,
            None,
            &format!("{} after 2 retries: boom", kind.describe()),
        );
        // With a route table that passes, still unverified.
        let v = run("ACT-LLM-LIVE-O1", Some(&obs), Some(&routes()));
        assert_eq!(v.status(), Status::Unverified);
    }
}

/// Stage 4: body type, emptiness, parse and invariants.
#[test]
fn contract_table() {
    let html = Observation::answered(Response::raw(
        200,
        Some("text/html; charset=utf-8"),
        "<!doctype html>",
    ));
    expect(
        &run("ACT-LLM-LIVE-O1", Some(&html), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "content type text/html; charset=utf-8, not JSON (an HTML page",
    );
    let empty = Observation::answered(Response::raw(200, Some("application/json"), ""));
    expect(
        &run("ACT-LLM-LIVE-O1", Some(&empty), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "empty body",
    );
    let broken = Observation::answered(Response::raw(
        200,
        Some("application/json"),
        "{\"items\": [",
    ));
    expect(
        &run("ACT-LLM-LIVE-O1", Some(&broken), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "not valid JSON",
    );
    // A `+json` type is JSON...
    let suffixed = Observation::answered(Response::raw(
        200,
        Some("application/vnd.api+json"),
        r#"{"items": [], "total": 1}"#,
    ));
    assert_eq!(
        run("ACT-LLM-LIVE-O1", Some(&suffixed), None).status(),
        Status::Bound
    );
    // ...but a 200 carrying an RFC 9457 problem document, or only an error object, reports a
    // failure: passing it would be a false BOUND.
    let problem_json = Observation::answered(Response::raw(
        200,
        Some("application/problem+json"),
        r#"{"type": "about:blank", "title": "Not ready", "items": [], "total": 1}"#,
    ));
    expect(
        &run("ACT-LLM-LIVE-O1", Some(&problem_json), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "HTTP 200 carrying a problem document (application/problem+json) instead of data: \"Not ready\"",
    );
    for body in [
        r#"{"error": "database unavailable"}"#,
        r#"{"errors": [{"message": "x"}], "status": 500}"#,
    ] {
        let error = Observation::answered(Response::raw(200, Some("application/json"), body));
        expect(
            &run("ACT-LLM-SIG-O4", Some(&error), None),
            Status::Blocked,
            Some(GapCode::SdsrFailed),
            "HTTP 200 carrying an error object instead of data",
        );
    }
    // Data beside `errors`, or `error: null`, is left to the invariants.
    // An empty or false `error` reports no error: blocking these is a false gap.
    for body in [
        r#"{"data": {"a": 1}, "errors": [{"message": "partial"}]}"#,
        r#"{"error": null, "status": "ok"}"#,
        r#"{"error": false, "status": "ok"}"#,
        r#"{"error": "", "message": "all good"}"#,
        r#"{"errors": {}, "status": "ok"}"#,
    ] {
        let fine = Observation::answered(Response::raw(200, Some("application/json"), body));
        assert_eq!(
            run("ACT-LLM-SIG-O4", Some(&fine), None).status(),
            Status::Bound,
            "{body}"
        );
    }
    // A JSON `null` body shows nothing; a byte order mark is skipped as browsers do.
    let null = Observation::answered(Response::raw(200, Some("application/json"), "null"));
    expect(
        &run("ACT-LLM-SIG-O4", Some(&null), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "JSON `null`",
    );
    let bom = Observation::answered(Response::raw(
        200,
        Some("application/json"),
        "\u{feff}{\"items\": [], \"total\": 1}",
    ));
    assert_eq!(
        run("ACT-LLM-LIVE-O1", Some(&bom), None).status(),
        Status::Bound
    );
    let untyped = Observation::answered(Response::raw(200, None, r#"{"items": [], "total": 1}"#));
    let v = run("ACT-LLM-LIVE-O1", Some(&untyped), None);
    expect(&v, Status::Bound, None, "no content type");
    let big = Observation::answered(Response {
        status: 200,
        headers: vec![],
        body: crate::observation::Body::truncated(vec![b'x'; 10], 10),
    });
    expect(
        &run("ACT-LLM-LIVE-O1", Some(&big), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "larger than the 10-byte cap",
    );

    // Invariants: the first failure is primary, later ones secondary, counts recorded.
    let v = run(
        "ACT-LLM-LIVE-O1",
        Some(&answer(200, json!({"items": null, "total": -1}))),
        None,
    );
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "invariant `$.items isArray` failed: found null",
    );
    assert_eq!(v.evidence.invariants_passed, Some(0));
    assert_eq!(v.evidence.invariants_total, 2);
    assert_eq!(v.findings.len(), 1);
    assert_eq!(v.findings[0].code, Some(GapCode::SdsrFailed));
    assert!(v.findings[0].message.contains("$.total >= 0"));
    assert_eq!(
        v.gap().unwrap().fix.as_deref(),
        Some("`$.items isArray` (found null)")
    );

    // Text panels need a non-empty body of any type.
    let text = Observation::answered(Response::raw(200, Some("text/plain"), "ok"));
    assert_eq!(
        run("ACT-LLM-SIG-O2", Some(&text), None).status(),
        Status::Bound
    );
    let blank = Observation::answered(Response::raw(200, Some("text/plain"), "  "));
    expect(
        &run("ACT-LLM-SIG-O2", Some(&blank), None),
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "empty body",
    );
}

/// Stage 5 and its interplay with stage 4.
#[test]
fn provenance_table() {
    let v = run(
        "ACT-LLM-COMP-O1",
        Some(&answer(200, json!({"items": []}))),
        None,
    );
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::ProvenanceMissing),
        "no provenance block at /provenance",
    );
    assert_eq!(v.evidence.invariants_passed, Some(1));

    let v = run(
        "ACT-LLM-COMP-O1",
        Some(&answer(
            200,
            json!({"items": [], "provenance": provenance("summary")}),
        )),
        None,
    );
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::ProvenanceMissing),
        "aggregation is summary, the panel expects list (/provenance/aggregation)",
    );

    assert_eq!(
        run("ACT-LLM-COMP-O1", Some(&answer(200, ok_body())), None).status(),
        Status::Bound
    );
    // Evidence panels ignore provenance.
    assert_eq!(
        run(
            "ACT-LLM-LIVE-O1",
            Some(&answer(200, json!({"items": [], "total": 0}))),
            None
        )
        .status(),
        Status::Bound
    );

    // A custom pointer.
    let nested = json!({"meta": {"provenance": provenance("detail")}});
    assert_eq!(
        run("ACT-LLM-SIG-O3", Some(&answer(200, nested)), None).status(),
        Status::Bound
    );

    // Invariant failure first, provenance recorded as a secondary finding.
    let v = run(
        "ACT-LLM-COMP-O1",
        Some(&answer(200, json!({"items": 3}))),
        None,
    );
    assert_eq!(v.code(), Some(GapCode::SdsrFailed));
    assert_eq!(v.findings[0].code, Some(GapCode::ProvenanceMissing));

    // Future-dated provenance, relative to the observation time.
    let mut body = ok_body();
    body["provenance"]["generated_at"] = json!("2026-01-15T09:00:00Z");
    let obs = answer(200, body).at("2026-01-15T08:00:00Z".parse().unwrap());
    expect(
        &run("ACT-LLM-COMP-O1", Some(&obs), None),
        Status::Blocked,
        Some(GapCode::ProvenanceMissing),
        "in the future",
    );
}

/// Stage 1 with a route table, and how live evidence interacts with it.
#[test]
fn coherency_table() {
    let table = routes();
    let reg = Registry::from_yaml(
        r#"
version: 1
domains: [{ code: ACT, name: ACTIVITY }]
defaults: { class: evidence }
panels:
  - { id: ACT-A-B-O1, capability: a.jobs, endpoint: GET /api/v1/agents/jobs }
  - { id: ACT-A-B-O2, capability: a.agents, endpoint: GET /api/v1/agents/agents }
  - { id: ACT-A-B-O3, capability: a.missing, endpoint: GET /billing/status }
  - { id: ACT-A-B-O4, capability: a.runs, endpoint: GET /runs }
  - { id: ACT-A-B-O5, capability: a.replay, endpoint: "GET /replay/{x}/summary", path_params: { x: "nope" } }
"#,
        "t.yaml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let p = |id: &str| reg.panel(id).unwrap();

    // Offline: stage 1 alone.
    let v = classify(p("ACT-A-B-O1"), None, Some(&table));
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::CoherencyFailed),
        "GET not served on /api/v1/agents/jobs; route allows POST",
    );
    let v = classify(p("ACT-A-B-O2"), None, Some(&table));
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::CoherencyFailed),
        "did you mean GET /api/v1/agents? (repeated segment)",
    );
    assert_eq!(
        v.gap().unwrap().fix.as_deref(),
        Some("did you mean GET /api/v1/agents")
    );
    let v = classify(p("ACT-A-B-O4"), None, Some(&table));
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::CoherencyFailed),
        "did you mean GET /api/v1/runs? (API or version prefix)",
    );
    let v = classify(p("ACT-A-B-O3"), None, Some(&table));
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::EndpointMissing),
        "no route for GET /billing/status in the route table",
    );
    let v = classify(p("ACT-A-B-O5"), None, Some(&table));
    expect(&v, Status::Unverified, None, "not probed (offline sweep");
    assert_eq!(v.evidence.coherency, CoherencyCheck::Passed);
    let v = classify(p("ACT-A-B-O5"), None, None);
    assert_eq!(v.evidence.coherency, CoherencyCheck::Unchecked);

    // Live 404 where the table has the route: SDSR_FAILED.
    let v = classify(p("ACT-A-B-O5"), Some(&answer(404, json!({}))), Some(&table));
    expect(
        &v,
        Status::Blocked,
        Some(GapCode::SdsrFailed),
        "route exists; HTTP 404 for these parameters (/replay/nope/summary)",
    );

    // Stage 1 fails, live fails too: stage 1 is primary, the live result secondary.
    let v = classify(p("ACT-A-B-O1"), Some(&answer(405, json!({}))), Some(&table));
    assert_eq!(v.code(), Some(GapCode::CoherencyFailed));
    assert_eq!(v.gap().unwrap().stage, Stage::Coherency);
    assert_eq!(v.findings[0].code, Some(GapCode::CoherencyFailed));
    assert_eq!(v.findings[0].stage, Stage::Status);

    // Stage 1 fails but live evidence passes: BOUND, route table is stale.
    let v = classify(
        p("ACT-A-B-O3"),
        Some(&answer(200, json!({"ok": true}))),
        Some(&table),
    );
    expect(&v, Status::Bound, None, "route table is stale");
    assert_eq!(v.evidence.coherency, CoherencyCheck::Failed);

    // Stage 1 fails and the backend is unreachable: the table's gap stands, noted.
    let v = classify(
        p("ACT-A-B-O3"),
        Some(&Observation::failed(TransportErrorKind::Refused, "x")),
        Some(&table),
    );
    assert_eq!(v.code(), Some(GapCode::EndpointMissing));
    assert!(v.findings.iter().any(|f| {
        f.message
            .starts_with("no live evidence: connection refused")
    }));
}

/// SPEC §3.5: `/replay/latest/summary` is not served by `/replay/{id}/summary`; a live 404
/// there is ENDPOINT_MISSING, never "route exists" (which sent teams to fix their data).
#[test]
fn literal_taken_as_parameter_is_endpoint_missing() {
    let table = routes();
    let reg = Registry::from_yaml(
        "version: 1\ndomains: [{ code: ACT, name: A }]\ndefaults: { class: evidence }\npanels:\n  - { id: ACT-A-B-O1, capability: a.b, endpoint: GET /replay/latest/summary }\n",
        "t.yaml",
    )
    .unwrap();
    let panel = &reg.panels()[0];
    let detail =
        "no route /replay/latest/summary; /replay/{id}/summary would take `latest` as its id";
    let v = classify(panel, None, Some(&table));
    expect(&v, Status::Blocked, Some(GapCode::EndpointMissing), detail);
    assert_eq!(v.evidence.coherency, CoherencyCheck::Failed);
    let v = classify(panel, Some(&answer(404, json!({}))), Some(&table));
    expect(&v, Status::Blocked, Some(GapCode::EndpointMissing), detail);
    assert_eq!(v.findings[0].code, Some(GapCode::EndpointMissing));
    assert!(
        v.findings[0]
            .message
            .starts_with("HTTP 404: no route serves")
    );
}

#[test]
fn stage_one_live_bound_through_table_passes() {
    let v = run(
        "ACT-LLM-LIVE-O1",
        Some(&answer(200, ok_body())),
        Some(&routes()),
    );
    assert_eq!(v.status(), Status::Bound);
    assert!(v.findings.is_empty());
    assert_eq!(v.evidence.coherency, CoherencyCheck::Passed);
    assert_eq!(v.evidence.summary(), "HTTP 200, 2/2 invariants, 7 ms");
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z0-9 :-]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("items".to_owned()),
                    Just("total".to_owned()),
                    Just("provenance".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_observation() -> impl Strategy<Value = Observation> {
    let headers = prop::collection::vec(
        (
            prop_oneof![
                Just("content-type".to_owned()),
                Just("location".to_owned()),
                Just("allow".to_owned()),
                "[a-z-]{1,8}"
            ],
            "[ -~]{0,24}",
        ),
        0..4,
    );
    let body = prop_oneof![
        arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let answered = (0u16..1000, headers, body, any::<bool>()).prop_map(
        |(status, headers, body, truncated)| {
            let body = if truncated {
                crate::observation::Body::truncated(body, 64)
            } else {
                crate::observation::Body::new(body)
            };
            Observation::answered(Response {
                status,
                headers,
                body,
            })
        },
    );
    let failed = (0usize..6, "[ -~]{0,20}").prop_map(|(k, m)| {
        let kinds = [
            TransportErrorKind::Refused,
            TransportErrorKind::Dns,
            TransportErrorKind::Timeout,
            TransportErrorKind::Tls,
            TransportErrorKind::Reset,
            TransportErrorKind::Other,
        ];
        Observation::failed(kinds[k], m)
    });
    (
        prop_oneof![3 => answered, 1 => failed],
        0u64..100_000,
        0u32..5,
        prop::option::of(0i64..4_000_000_000),
    )
        .prop_map(|(mut obs, elapsed, retries, at)| {
            obs.elapsed_ms = elapsed;
            obs.retries = retries;
            obs.observed_at = at.map(|s| jiff::Timestamp::from_second(s).unwrap());
            obs
        })
}

proptest! {
    /// Classification is total (never panics, always one outcome), deterministic, and an
    /// UNVERIFIED verdict never carries a gap code.
    #[test]
    fn classification_is_total_and_deterministic(obs in arb_observation(), panel in 0usize..6, with_table in any::<bool>()) {
        let reg = registry();
        let table = routes();
        let table = with_table.then_some(&table);
        let p = &reg.panels()[panel];
        let a = classify(p, Some(&obs), table);
        let b = classify(p, Some(&obs.clone()), table);
        prop_assert_eq!(&a, &b);
        match &a.outcome {
            Outcome::Unverified { reason } => prop_assert!(!reason.is_empty()),
            Outcome::Blocked(gap) => prop_assert!(!gap.detail.is_empty()),
            Outcome::Bound => {
                let response = obs.response();
                prop_assert!(response.is_some_and(|r| (200..300).contains(&r.status)));
            }
        }
        if let Transport::Failed(_) = obs.transport {
            prop_assert_ne!(a.status(), Status::Bound);
        }
    }
}

/// A panel with a `{ todo }` value (the registry has no value for it yet) is never judged on
/// an answer: not BOUND on a 200 that passes every stage (false BOUND: the request could not
/// have been its own), not ENDPOINT_MISSING on a 404 (false gap), and offline not a gap even
/// where the route table lacks its route (that gap stays a finding until it can be probed).
#[test]
fn a_todo_value_is_never_a_verdict_on_the_backend() {
    let registry = Registry::from_yaml(
        r#"
version: 1
domains: [{ code: INC, name: INCIDENTS }]
defaults: { class: evidence }
panels:
  - id: INC-A-ONE-O1
    capability: incidents.one
    endpoint: GET /incidents/{incident_id}
    path_params: { incident_id: { todo: "a real incident id" } }
    invariants: ["$.id exists"]
"#,
        "hisar.yaml",
    )
    .unwrap();
    let panel = &registry.panels()[0];
    let reason = "not probed: path parameter `incident_id` has no value yet (todo: a real incident id); put a value or a { from, select }";
    let served = RouteTable::parse(r#"{"/incidents/{incident_id}": ["GET"]}"#).unwrap();
    let elsewhere = RouteTable::parse(r#"{"/runs": ["GET"]}"#).unwrap();
    let ok = answer(200, json!({"id": "inc-1"}));
    let missing = answer(404, json!({"detail": "Not Found"}));
    for (obs, table) in [
        (Some(&ok), None),
        (Some(&ok), Some(&served)),
        (Some(&missing), None),
        (Some(&missing), Some(&served)),
        (None, Some(&served)),
        (None, Some(&elsewhere)),
        (None, None),
    ] {
        let verdict = classify(panel, obs, table);
        assert_eq!(
            verdict.outcome,
            Outcome::Unverified {
                reason: reason.to_owned()
            },
            "{obs:?} {table:?}"
        );
        assert_eq!(
            verdict.evidence.status, None,
            "no answer is evidence for it"
        );
    }
    // The table's own gap is kept, as a finding.
    let verdict = classify(panel, None, Some(&elsewhere));
    assert_eq!(
        verdict.findings.first().and_then(|f| f.code),
        Some(GapCode::EndpointMissing)
    );
}
