use super::*;
use crate::model::Method;
use crate::model::ProvenanceRequirement;
use crate::model::SchemaPolicy;

const GOOD: &str = r#"
version: 1
title: HISAR Backend Gaps Tracker
backend:
  base_url: ${HISAR_BASE_URL:-http://127.0.0.1:8000}
  routes: openapi.json
auth:
  observer:
    headers: { X-AOS-Key: "${AOS_API_KEY}", X-Tenant-ID: "${SDSR_TENANT_ID:-demo-tenant}" }
  user:
    headers: { Authorization: "Bearer ${AUTH_TOKEN}" }
defaults: { auth: observer, timeout: 10s }
domains:
  - { code: OVR, name: OVERVIEW }
  - { code: INC, name: INCIDENTS }
capabilities:
  overview.cost_summary: { note: Cost summary }
  incidents.replay: { status: deprecated, derived: true }
panels:
  - id: OVR-SUM-CI-O1
    capability: overview.cost_summary
    endpoint: GET /cost/summary
    params: { window: 24h, limit: 50 }
    class: interpretation
    provenance: { aggregation: summary }
    invariants:
      - $.total_cost isNumber
    purpose: Cost summary for the tenant
  - id: INC-EV-RES-O5
    capability: incidents.replay
    endpoint: /replay/{incident_id}/summary
    path_params: { incident_id: inc-001 }
    auth: user
    class: evidence
waivers:
  - { panel: INC-EV-RES-O5, code: AUTH_FAILURE, owner: backend-team, expires: 2026-12-31, reason: gateway rework }
trust: { window: 14d, min_verified: 5 }
gate: { max_unverified_share: 0.25 }
tracker:
  related: PIN-427
  references: [docs/a.md]
"#;

#[test]
fn loads_the_spec_example() {
    let reg = Registry::from_yaml(GOOD, "hisar.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reg.domains.len(), 2);
    assert_eq!(reg.panels.len(), 2);
    let p = &reg.panels[0];
    assert_eq!(
        p.params,
        [
            ("window".to_owned(), "24h".to_owned()),
            ("limit".to_owned(), "50".to_owned())
        ]
    );
    assert_eq!(p.auth, "observer");
    assert!(p.provenance.is_required());
    let q = &reg.panels[1];
    assert_eq!(q.endpoint.method, Method::Get);
    assert_eq!(q.request_path(), "/replay/inc-001/summary");
    assert_eq!(q.provenance, ProvenanceRequirement::None);
    assert_eq!(reg.defaults.timeout, Some(Duration::from_secs(10)));
    assert_eq!(
        reg.auth["observer"].variables(),
        ["AOS_API_KEY", "SDSR_TENANT_ID"]
    );
    assert_eq!(reg.trust.window, Duration::from_secs(14 * 86_400));
    assert_eq!(reg.trust.min_verified, 5);
    assert!((reg.gate.max_unverified_share - 0.25).abs() < f64::EPSILON);
    assert_eq!(reg.waivers[0].expires, jiff::civil::date(2026, 12, 31));
    assert_eq!(
        reg.capability_status(&q.capability),
        DeclaredStatus::Deprecated
    );
    assert_eq!(reg.tracker.related.as_deref(), Some("PIN-427"));
}

/// Ten different mistakes, ten errors, one run, each with line, column and panel id.
const TEN_MISTAKES: &str = r#"version: 1
auth:
  observer:
    headers: { X-Key: "${KEY" }
domains:
  - { code: OVR, name: OVERVIEW }
panels:
  - id: OVR-SUM-CI-O1
    capability: overview.cost_summary
    endpont: GET /cost/summary
    endpoint: GET /cost/summary
    class: interpretation
  - id: OVR-SUM-CI-O1
    capability: overview.cost_by_feature
    endpoint: GET /cost/by-feature
    class: evidence
  - id: POL-LIM-THR-O1
    capability: policies.risk_ceilings
    endpoint: GET /policy-layer/risk-ceilings
    class: configuration
  - id: OVR-SUM-CI-O3
    capability: overview.cost_by_model
    endpoint: GET cost/by-model
    class: interpretation
  - id: OVR-SUM-DC-O5
    capability: overview.replay
    endpoint: GET /replay/{incident_id}/summary
    class: evidence
  - id: OVR-SUM-DC-O1
    capability: overview.decisions
    endpoint: GET /founder/timeline/decisions
    auth: obsever
    class: evidence
  - id: OVR-SUM-DC-O2
    capability: overview.count
    endpoint: GET /founder/timeline/count
    class: evidence
    invariants:
      - $.count => 0
  - id: OVR-SUM-DC-O3
    capability: overview.recovery
    endpoint: GET /api/v1/recovery/stats
    class: interpretatoin
  - id: OVR SUM DC 4
    capability: overview.feedback
    endpoint: GET /api/v1/feedback/stats/summary
    class: evidence
"#;

#[test]
fn ten_mistakes_ten_errors() {
    let err = Registry::from_yaml(TEN_MISTAKES, "broken.yaml").unwrap_err();
    assert_eq!(err.diagnostics.len(), 10, "{err}");
    for d in &err.diagnostics {
        assert!(d.line > 0 && d.column > 0, "{d}");
    }
    let with_panel = err.diagnostics.iter().filter(|d| d.panel.is_some()).count();
    assert_eq!(
        with_panel, 9,
        "all but the auth-mode template error belong to a panel: {err}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn structural_problems() {
    let cases: &[(&str, &str)] = &[
        ("", "the registry is empty"),
        (
            "version: 2\ndomains: []\npanels: []\n",
            "unsupported version 2",
        ),
        ("domains: []\npanels: []\n", "missing `version: 1`"),
        ("version: 1\npanels: []\n", "missing `domains:`"),
        (
            "version: 1\ndomains: []\npanels: []\nextra: 1\n",
            "unknown key `extra` in the registry",
        ),
        (
            "version: 1\ndomains: [{code: ovr, name: x}]\npanels: []\n",
            "invalid domain code `ovr`",
        ),
        (
            "version: 1\ndomains: [{code: A, name: x}, {code: A, name: y}]\npanels: []\n",
            "duplicate domain code `A`",
        ),
        (
            "version: 1\ndomains: []\npanels: {}\n",
            "`panels` must be a list",
        ),
        (
            "version: 1\ndomains: []\npanels: []\ndefaults: {auth: ghost}\n",
            "unknown auth mode `ghost`",
        ),
        (
            "version: 1\ndomains: []\npanels: []\nauth: {none: {headers: {}}}\n",
            "`none` is built in",
        ),
        (
            "version: 1\ndomains: [{code: A, name: x}]\npanels: []\nversion: 1\n",
            "duplicate key `version`",
        ),
        (
            "version: 1\ndomains: []\npanels: []\ntrust: {min_bound_rate: 2}\n",
            "between 0 and 1",
        ),
        (
            "version: 1\ndomains: []\npanels: []\ntrust: {window: forever}\n",
            "invalid duration",
        ),
        (
            "version: 1\ndomains: []\npanels: []\ndefaults: {timeout: 0s}\n",
            "`defaults.timeout`: invalid duration `0s`: must be longer than zero",
        ),
        (
            "version: 1\ndomains: []\npanels: []\ntrust: {window: 0d}\n",
            "`trust.window`: invalid duration `0d`: must be longer than zero",
        ),
        ("version: 1\ndomains: []\npanels: [\n", "invalid YAML"),
    ];
    for (yaml, needle) in cases {
        let err = Registry::from_yaml(yaml, "r.yaml").expect_err(yaml);
        assert!(err.to_string().contains(needle), "{yaml:?}: {err}");
    }
}

#[test]
fn panel_problems() {
    let base = "version: 1\ndomains: [{code: A, name: x}]\npanels:\n";
    let cases: &[(&str, &str)] = &[
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x}\n",
            "missing `class`",
        ),
        (
            "  - {id: A-B-C-O1, endpoint: /x, class: evidence}\n",
            "missing `capability`",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, class: evidence}\n",
            "missing `endpoint`",
        ),
        (
            "  - {capability: a.b, endpoint: /x, class: evidence}\n",
            "needs an `id`",
        ),
        (
            "  - {id: A-B-C-O1, capability: A.B, endpoint: /x, class: evidence}\n",
            "invalid capability id",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: FETCH /x, class: evidence}\n",
            "unknown HTTP method `FETCH`",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: \"/x?y=1\", class: evidence}\n",
            "carries a query string",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, path_params: {id: 1}}\n",
            "does not appear in the path",
        ),
        // SPEC §3.4: a value that would change the path probed is no value (`..` probed `/`).
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: \"/admin/{id}\", class: evidence, path_params: {id: \"..\"}}\n",
            "path parameter `id` is `..`, a dot-segment",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: \"/admin/{id}\", class: evidence, path_params: {id: .}}\n",
            "path parameter `id` is `.`, a dot-segment",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: \"/admin/{id}\", class: evidence, path_params: {id: \"\"}}\n",
            "path parameter `id` is empty",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /a/../b, class: evidence}\n",
            "dot-segment `..`",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: POST /a, class: action, safe: maybe}\n",
            "`safe` must be true or false",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, provenance: maybe}\n",
            "`provenance` must be",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, provenance: {aggregation: table}}\n",
            "unknown aggregation `table`",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, provenance: {at: meta}}\n",
            "JSON pointer",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, body: xml}\n",
            "unknown body type `xml`",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, invariants: x}\n",
            "`invariants` must be a list",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, headers: {\"bad name\": x}}\n",
            "invalid header name",
        ),
        (
            "  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence, params: {a: [1]}}\n",
            "must be a scalar",
        ),
    ];
    for (panel, needle) in cases {
        let yaml = format!("{base}{panel}");
        let err = Registry::from_yaml(&yaml, "r.yaml").expect_err(panel);
        assert!(err.to_string().contains(needle), "{panel:?}: {err}");
    }
}

#[test]
fn waiver_problems() {
    let base = "version: 1\ndomains: [{code: A, name: x}]\npanels:\n  - {id: A-B-C-O1, capability: a.b, endpoint: /x, class: evidence}\nwaivers:\n";
    let cases: &[(&str, &str)] = &[
        (
            "  - {panel: A-B-C-O2, code: AUTH_FAILURE, owner: o, expires: 2026-01-01, reason: r}\n",
            "does not declare",
        ),
        (
            "  - {panel: A-B-C-O1, code: AUTH, owner: o, expires: 2026-01-01, reason: r}\n",
            "unknown gap code `AUTH`",
        ),
        (
            "  - {panel: A-B-C-O1, code: AUTH_FAILURE, owner: o, expires: next week, reason: r}\n",
            "YYYY-MM-DD",
        ),
        (
            "  - {panel: A-B-C-O1, code: AUTH_FAILURE, expires: 2026-01-01}\n",
            "a waiver needs owner, reason",
        ),
    ];
    for (waiver, needle) in cases {
        let yaml = format!("{base}{waiver}");
        let err = Registry::from_yaml(&yaml, "r.yaml").expect_err(waiver);
        assert!(err.to_string().contains(needle), "{waiver:?}: {err}");
    }
}

#[test]
fn invariant_error_columns_point_into_the_line() {
    let yaml = "version: 1\ndomains: [{code: A, name: x}]\npanels:\n  - id: A-B-C-O1\n    capability: a.b\n    endpoint: /x\n    class: evidence\n    invariants:\n      - \"$.a => 1\"\n      - $.b isArrray\n";
    let err = Registry::from_yaml(yaml, "r.yaml").unwrap_err();
    let positions: Vec<(usize, usize)> =
        err.diagnostics.iter().map(|d| (d.line, d.column)).collect();
    // `=>` starts at column 14 of line 9 (after `- "`), `isArrray` at column 13 of line 10.
    assert_eq!(positions, [(9, 14), (10, 13)], "{err}");
    assert!(
        err.diagnostics[1]
            .message
            .contains("unknown predicate `isArrray` (did you mean `isArray`?)")
    );
}

/// The located loader alone, as every invalid registry is loaded.
fn located(text: &str) -> Result<Registry, crate::error::RegistryError> {
    let mut loader = load::Loader {
        text,
        diags: Vec::new(),
        panel: None,
        compiled: std::collections::HashMap::new(),
    };
    let registry = loader.load();
    match registry {
        Some(r) if loader.diags.is_empty() => Ok(r),
        _ => Err(crate::error::RegistryError {
            origin: "x".into(),
            diagnostics: loader.diags,
        }),
    }
}

#[test]
fn the_stream_loader_builds_what_the_located_loader_builds() {
    let mut many = String::new();
    for i in 1..=300 {
        many.push_str(&format!(
            "  - {{ id: OVR-SUM-CI-O{i}, capability: overview.c{}, endpoint: GET /c/{}, class: evidence, invariants: ['$.n isNumber', '$.items count <= {i}'] }}\n",
            i % 7,
            i % 50
        ));
    }
    let big = format!("version: 1\ndomains: [{{code: OVR, name: O}}]\npanels:\n{many}");
    // The backend's schema policy is every panel's default.
    let schema = "version: 1\nbackend: { schema: warn }\ndomains: [{code: A, name: x}]\npanels:\n  - {id: A-B-C-O1, capability: c.one, endpoint: /one, class: evidence}\n";
    for text in [
        GOOD,
        big.as_str(),
        schema,
        "version: 1\ndomains: []\npanels: []\n",
    ] {
        let streamed = stream::streamed(text).expect("a usual, valid registry streams");
        let located = located(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{streamed:?}"), format!("{located:?}"));
    }
}

/// Every form a panel's value, a setup step, a schema policy or an auth mode can take, for the
/// two loaders to agree on: `{ todo }` values (path, query, header), `{ from, select }` and
/// `{ from: setup.X, capture }` live values, setup steps, `backend.schema` and a panel's own
/// `schema:`, and each token flow.
const EVERY_FORM: &str = r#"version: 1
title: every form
backend: { base_url: "${BASE:-http://127.0.0.1:8000}", schema: warn }
auth:
  observer: { headers: { X-Key: "${KEY}" } }
  service:
    oauth2:
      token_url: ${TOKEN_URL}
      client_id: ${CLIENT_ID}
      client_secret: ${CLIENT_SECRET}
      scope: [read:panels, read:runs]
      client_auth: body
      timeout: 5s
    headers: { X-Tenant-ID: acme }
  session:
    login:
      request: POST /auth/login
      json: { username: "${PROBE_USER}", password: "${PROBE_PASSWORD}", remember: true }
      token: $.access_token
  cookie:
    login: { request: "https://sso.example/login", form: { user: "${U}" }, cookie: sid }
  vault:
    command: { argv: [./token.sh], timeout: 30s }
defaults: { class: evidence, auth: observer, timeout: 7s }
domains: [{ code: INC, name: INCIDENTS }, { code: OVR, name: OVERVIEW }]
SETUP_BEFORE
panels:
  - id: INC-EV-ACT-O1
    capability: incidents.list
    endpoint: /api/v1/incidents
    auth: service
    invariants: ['$.incidents isArray']
  - id: INC-EV-RES-O5
    capability: incidents.replay
    endpoint: /replay/{incident_id}/summary/{run}
    auth: session
    schema: off
    path_params:
      incident_id: { from: INC-EV-ACT-O1, select: "$.incidents[0].id" }
      run: { todo: "a run of this incident" }
    params: { window: 24h, since: { from: setup.seed-incident, capture: incident_id }, page: { todo: "a page" } }
    headers: { X-Static: "a", X-Session: { from: setup.seed-incident, capture: token }, X-Trace: { todo: "a trace id" } }
  - { id: OVR-SUM-CI-O1, capability: overview.ci, endpoint: "/ci/{id}", auth: vault, schema: enforce, path_params: { id: { todo: "an id" } } }
  - { id: OVR-SUM-CI-O2, capability: overview.ci, endpoint: "POST /ci/search", auth: cookie, safe: true, body: text, class: interpretation }
SETUP_AFTER"#;

const EVERY_FORM_SETUP: &str = r#"setup:
  - id: seed-incident
    request: POST /api/v1/incidents
    auth: service
    params: { dry_run: false }
    headers: { X-Trace: "${TRACE:-hisar}" }
    json: { title: "hisar probe", tags: [a, 1], owner: "${OWNER}" }
    capture: { incident_id: $.id, token: "$.links.self" }
"#;

/// The stream loader builds the very registry the located loader builds from every form main's
/// registries may use, with setup steps declared before or after the panels; and where one of
/// those forms is wrong, it stands aside and the error is the located loader's.
#[test]
fn every_value_form_streams_as_the_located_loader_builds_it() {
    let before = EVERY_FORM
        .replace("SETUP_BEFORE\n", EVERY_FORM_SETUP)
        .replace("SETUP_AFTER", "");
    let after = EVERY_FORM
        .replace("SETUP_BEFORE\n", "")
        .replace("SETUP_AFTER", EVERY_FORM_SETUP);
    for text in [&before, &after] {
        let located = located(text).unwrap_or_else(|e| panic!("{e}"));
        let streamed = stream::streamed(text).expect("a usual, valid registry streams");
        assert_eq!(format!("{streamed:?}"), format!("{located:?}"));
        // The forms were read, not dropped on both sides alike.
        let replay = streamed.panel("INC-EV-RES-O5").unwrap();
        assert_eq!(replay.live.len(), 6, "{replay:?}");
        assert_eq!(replay.schema, SchemaPolicy::Off);
        assert_eq!(streamed.panels()[0].schema, SchemaPolicy::Warn);
        assert_eq!(streamed.panels()[2].schema, SchemaPolicy::Enforce);
        assert_eq!(streamed.setup().len(), 1);
        assert!(streamed.auth_mode("session").unwrap().flow.is_some());
    }
    // A mistake in any of those forms: the stream gives up, the located loader reports it.
    for (wrong, right) in [
        (
            "from: setup.seed-incident, capture: token",
            "from: setup.nowhere, capture: token",
        ),
        ("capture: incident_id", "capture: nothing"),
        ("select: \"$.incidents[0].id\"", "select: \"$.[[\""),
        ("{ todo: \"a page\" }", "{ todo: \"\" }"),
        (
            "{ todo: \"an id\" }",
            "{ todo: \"an id\", from: INC-EV-ACT-O1 }",
        ),
        ("schema: off", "schema: of"),
        ("schema: warn }", "schema: warm }"),
        ("token: $.access_token", "token: 7"),
        ("auth: vault", "auth: vaults"),
    ] {
        for text in [&before, &after] {
            assert!(text.contains(wrong), "{wrong}");
            let text = text.replacen(wrong, right, 1);
            assert!(stream::streamed(&text).is_none(), "{right}");
            let err = Registry::from_yaml(&text, "x").expect_err(right);
            assert!(!err.diagnostics.is_empty(), "{right}");
            let mut expected = located(&text).unwrap_err().diagnostics;
            expected.sort_by_key(|d| (d.line, d.column));
            assert_eq!(err.diagnostics, expected, "{right}");
        }
    }
}

/// The stream loader never returns a registry the located one would build differently: a
/// default declared after the panels applies to them, and the layout makes it stand aside.
#[test]
fn unusual_layouts_are_left_to_the_located_loader() {
    let late_defaults = "version: 1\ndomains: [{code: A, name: x}]\nauth: {k: {headers: {X-K: v}}}\npanels:\n  - {id: A-B-C-O1, capability: c.one, endpoint: /one, class: evidence}\ndefaults: {auth: k}\n";
    assert!(stream::streamed(late_defaults).is_none());
    let reg = Registry::from_yaml(late_defaults, "r.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        reg.panels()[0].auth,
        "k",
        "the default declared after the panel applies"
    );
    for text in [
        // The backend after the panels.
        "version: 1\ndomains: [{code: A, name: x}]\npanels:\n  - {id: A-B-C-O1, capability: c.one, endpoint: /one, class: evidence}\nbackend: { schema: warn }\n",
        // Domains after the panels.
        "version: 1\npanels:\n  - {id: A-B-C-O1, capability: c.one, endpoint: /one, class: evidence}\ndomains: [{code: A, name: x}]\n",
        // Two `panels:`.
        "version: 1\ndomains: [{code: A, name: x}]\npanels: []\npanels: []\n",
        // Not a list.
        "version: 1\ndomains: []\npanels: {}\n",
        // Not a mapping.
        "- 1\n",
        "",
    ] {
        assert!(stream::streamed(text).is_none(), "{text:?}");
        assert_eq!(
            format!(
                "{:?}",
                Registry::from_yaml(text, "x").map(|r| r.panels().len())
            ),
            format!("{:?}", located(text).map(|r| r.panels().len())),
            "{text:?}"
        );
    }
}

/// A problem anywhere, even after thousands of good panels, is reported as the located loader
/// reports it, with every other problem.
#[test]
fn a_late_problem_in_a_large_registry_is_located() {
    let mut text = String::from(
        "version: 1\ndomains: [{code: OVR, name: O}]\ndefaults: {class: evidence}\npanels:\n",
    );
    for i in 1..=2000 {
        text.push_str(&format!(
            "  - {{ id: OVR-SUM-CI-O{i}, capability: c.x, endpoint: /x/{i} }}\n"
        ));
    }
    text.push_str(
        "  - { id: OVR-SUM-CI-O2001, capability: c.x, endpoint: /x, invariants: ['$.a >>> 1'] }\n",
    );
    text.push_str("  - { id: OVR-SUM-CI-O1, capability: c.x, endpoint: /y }\n");
    assert!(stream::streamed(&text).is_none());
    let err = Registry::from_yaml(&text, "big.yaml").unwrap_err();
    let expected = located(&text).unwrap_err();
    assert_eq!(err.diagnostics, expected.diagnostics);
    assert_eq!(err.diagnostics.len(), 2, "{err}");
    assert_eq!(err.diagnostics[0].line, 2005);
    assert_eq!(
        err.diagnostics[0].panel.as_deref(),
        Some("OVR-SUM-CI-O2001")
    );
    assert!(
        err.diagnostics[1]
            .message
            .contains("duplicate panel id `OVR-SUM-CI-O1` (first declared at line 5)")
    );
}

/// SPEC §2: a declared domain code, `-`, then letters, digits, `-`, `_` or `.`; or any id with
/// `domain:` naming a declared domain.
const IDS: &str = r#"version: 1
defaults: { class: evidence }
domains:
  - { code: OVR, name: OVERVIEW }
  - { code: LOG, name: LOGS }
panels:
  - { id: OVR-SUM-CI-O1, capability: a.one, endpoint: /one }
  - { id: OVR-cost_summary.v2, capability: a.two, endpoint: /two }
  - { id: "Cost summary (EU)", domain: LOG, capability: a.three, endpoint: /three }
waivers:
  - { panel: "Cost summary (EU)", code: AUTH_FAILURE, owner: me, expires: 2099-01-01, reason: r }
"#;

#[test]
fn panel_ids_as_spec_section_2_allows() {
    let reg = Registry::from_yaml(IDS, "ids.yaml").unwrap_or_else(|e| panic!("{e}"));
    let domains: Vec<(&str, &str)> = reg
        .panels
        .iter()
        .map(|p| (p.id.as_str(), p.id.domain().as_str()))
        .collect();
    assert_eq!(
        domains,
        [
            ("OVR-SUM-CI-O1", "OVR"),
            ("OVR-cost_summary.v2", "OVR"),
            ("Cost summary (EU)", "LOG")
        ]
    );
    assert_eq!(reg.waivers[0].panel.as_str(), "Cost summary (EU)");
    assert_eq!(
        reg.panels.iter().map(|p| p.line).collect::<Vec<_>>(),
        [7, 8, 9],
        "each panel knows its line, for annotations"
    );
    assert!(reg.panel("Cost summary (EU)").is_some());
}

#[test]
fn a_bad_id_says_what_an_id_is_and_where() {
    let cases = [
        (
            "  - { id: cost summary, capability: a.b, endpoint: /x }",
            "invalid panel id `cost summary`: expected a declared domain code, `-`, then letters",
        ),
        (
            "  - { id: ACT-X, capability: a.b, endpoint: /x }",
            "domain `ACT` of the panel id is not declared under `domains:` (declared: OVR, LOG); declare it, or name the panel's domain with `domain:`",
        ),
        (
            "  - { id: anything, domain: LGO, capability: a.b, endpoint: /x }",
            "domain `LGO` (did you mean `LOG`?) is not declared under `domains:` (declared: OVR, LOG)",
        ),
        (
            "  - { id: \" padded\", domain: LOG, capability: a.b, endpoint: /x }",
            "a free-form id is 1 to 128 characters, without control characters or surrounding spaces",
        ),
    ];
    for (panel, message) in cases {
        let text = format!(
            "version: 1\ndefaults: {{ class: evidence }}\ndomains: [{{ code: OVR, name: O }}, {{ code: LOG, name: L }}]\npanels:\n{panel}\n"
        );
        let err = Registry::from_yaml(&text, "r.yaml").unwrap_err();
        assert_eq!(err.diagnostics.len(), 1, "{err}");
        let d = &err.diagnostics[0];
        assert!(d.message.contains(message), "{d}");
        assert_eq!(d.line, 5, "{d}");
    }
}

const FLOWS: &str = r#"
version: 1
auth:
  observer:  { headers: { X-AOS-Key: "${AOS_API_KEY}" } }
  service:
    oauth2:
      token_url: ${TOKEN_URL}
      client_id: ${CLIENT_ID}
      client_secret: ${CLIENT_SECRET}
      scope: [read:panels, read:runs]
      audience: https://api.example
      client_auth: body
      timeout: 5s
    headers: { X-Tenant-ID: acme }
  session:
    login:
      request: POST /auth/login
      json: { username: "${PROBE_USER}", password: "${PROBE_PASSWORD}", remember: true, ttl: 60 }
      token: $.access_token
  cookie:
    login: { request: "https://sso.example/login", form: { user: "${U}" }, cookie: sid }
  vault:
    command: [vault, read, -field=token, "secret/${VAULT_PATH:-hisar}"]
  slow-vault:
    command: { argv: [./token.sh], timeout: 30s }
domains: [{ code: A, name: A }]
defaults: { class: evidence, auth: service }
panels:
  - { id: A-B-C-O1, capability: a.b, endpoint: /x }
"#;

#[test]
fn auth_modes_with_token_flows() {
    use crate::flow::{ClientAuth, LoginBody, TokenFlow, TokenSource};
    let reg = Registry::from_yaml(FLOWS, "r.yaml").unwrap_or_else(|e| panic!("{e}"));
    let service = reg.auth_mode("service").unwrap();
    assert_eq!(service.headers.len(), 1, "headers combine with a flow");
    let Some(TokenFlow::OAuth2(oauth)) = &service.flow else {
        panic!("oauth2 expected: {service:?}")
    };
    assert_eq!(oauth.client_auth, ClientAuth::Body);
    assert_eq!(
        oauth.scope.as_ref().map(Template::source),
        Some("read:panels read:runs")
    );
    assert_eq!(oauth.timeout, Some(Duration::from_secs(5)));
    assert_eq!(
        service.variables(),
        ["CLIENT_ID", "CLIENT_SECRET", "TOKEN_URL"]
    );
    let Some(TokenFlow::Login(login)) = &reg.auth_mode("session").unwrap().flow else {
        panic!("login expected")
    };
    assert_eq!(login.method, Method::Post);
    assert_eq!(login.target.source(), "/auth/login");
    assert!(matches!(login.body, Some(LoginBody::Json(_))));
    assert!(matches!(&login.token, TokenSource::Json(p) if p.source() == "$.access_token"));
    assert_eq!(
        reg.auth_mode("session").unwrap().variables(),
        ["PROBE_PASSWORD", "PROBE_USER"]
    );
    let Some(TokenFlow::Login(cookie)) = &reg.auth_mode("cookie").unwrap().flow else {
        panic!("login expected")
    };
    assert_eq!(cookie.token, TokenSource::Cookie("sid".into()));
    assert!(matches!(cookie.body, Some(LoginBody::Form(_))));
    let Some(TokenFlow::Command(cmd)) = &reg.auth_mode("vault").unwrap().flow else {
        panic!("command expected")
    };
    assert_eq!(cmd.argv.len(), 4);
    assert_eq!(cmd.timeout, None);
    let Some(TokenFlow::Command(cmd)) = &reg.auth_mode("slow-vault").unwrap().flow else {
        panic!("command expected")
    };
    assert_eq!(cmd.timeout, Some(Duration::from_secs(30)));
}

#[test]
fn auth_flow_problems() {
    let base = "version: 1\ndomains: []\npanels: []\nauth:\n  m:\n";
    let cases: &[(&str, &str)] = &[
        (
            "    oauth2: { token_url: 'https://t', client_id: a }\n",
            "`oauth2` of auth mode `m` needs `client_secret`",
        ),
        (
            "    oauth2: { token_url: /token, client_id: a, client_secret: b }\n",
            "`oauth2.token_url` must be an http(s):// URL, found `/token`",
        ),
        (
            "    oauth2: { token_url: 'https://t', client_id: a, client_secret: b, client_auth: jwt }\n",
            "unknown `oauth2.client_auth` `jwt`; expected basic or body",
        ),
        (
            "    oauth2: { token_url: 'https://t', client_id: a, client_secret: b, grant: x }\n",
            "unknown key `grant`",
        ),
        (
            "    command: [a]\n    login: { request: /l, token: $.t }\n",
            "declares 2 flows (command, login)",
        ),
        ("    login: { request: /l }\n", "needs `token` (a JSONPath"),
        (
            "    login: { request: /l, token: $.t, cookie: s }\n",
            "has both `token` and `cookie`",
        ),
        (
            "    login: { request: /l, token: $.t, json: {}, form: {} }\n",
            "has both `json` and `form`",
        ),
        (
            "    login: { request: /l, token: access_token }\n",
            "must start with `$`",
        ),
        (
            "    login: { request: FETCH /l, token: $.t }\n",
            "unknown method `FETCH`",
        ),
        (
            "    login: { request: auth/login, token: $.t }\n",
            "must be a path starting with `/`",
        ),
        (
            "    login: { request: /l, cookie: 'a b' }\n",
            "not a cookie name",
        ),
        ("    command: []\n", "is empty: name a program"),
        (
            "    command: vault read\n",
            "must be a list (program and arguments",
        ),
        ("    command: { timeout: 3s }\n", "needs `argv`"),
        ("    command: ['${X']\n", "a command argument"),
    ];
    for (yaml, needle) in cases {
        let text = format!("{base}{yaml}");
        let err = Registry::from_yaml(&text, "r.yaml").expect_err(yaml);
        assert!(err.to_string().contains(needle), "{yaml:?}: {err}");
        assert!(
            err.diagnostics.iter().all(|d| d.line >= 5),
            "positions point into the mode: {err}"
        );
    }
}
