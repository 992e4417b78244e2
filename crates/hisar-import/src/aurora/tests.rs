use super::*;
use hisar_core::{Invariant, PanelClass};

/// Every distinct assertion string of the AURORA L2 fixtures, with its translation.
const KNOWN: &[(&str, &[&str])] = &[
    ("status_code == 200", &["status == 200"]),
    (
        "status_code != 401 and status_code != 403",
        &["status != 401", "status != 403"],
    ),
    (
        "response is dict and response is not empty",
        &["$ isObject", "not $ isEmpty"],
    ),
    (r#""provenance" in response"#, &["$.provenance exists"]),
    (
        r#""aggregation" in response.get("provenance", {})"#,
        &["$.provenance.aggregation exists"],
    ),
    ("isinstance(response, list)", &["$ isArray"]),
    (
        r#""summary" in response and "provenance" in response.get("summary", {})"#,
        &["$.summary exists", "$.summary.provenance exists"],
    ),
    (
        r#""aggregation" in response.get("summary", {}).get("provenance", {})"#,
        &["$.summary.provenance.aggregation exists"],
    ),
    (r#""total" in response"#, &["$.total exists"]),
    (r#""by_status" in response"#, &["$.by_status exists"]),
];

/// Forms the fixtures do not use but the translator accepts.
const OTHER_FORMS: &[(&str, &[&str])] = &[
    (
        "(status_code >= 200) and status_code < 300",
        &["status >= 200", "status < 300"],
    ),
    ("isinstance(response, dict)", &["$ isObject"]),
    ("response is list", &["$ isArray"]),
    ("response is empty", &["$ isEmpty"]),
    ("response is not None", &["not $ isNull"]),
    (r"'error' not in response", &["not $.error exists"]),
    (r#""id" in response["items"]"#, &["$.items.id exists"]),
    (
        r#""a b" in response.get('x-y', {})"#,
        &["$['x-y']['a b'] exists"],
    ),
    (r#""o'k" in response"#, &[r"$['o\'k'] exists"]),
];

/// Assertions with no clear HISAR meaning (the HIL scenarios' expressions among them).
const UNTRANSLATABLE: &[&str] = &[
    "runs.by_status.running + runs.by_status.completed == runs.total",
    "runs.by_status.failed <= runs.by_status.completed",
    "window == '24h'",
    "len(attention.reasons) > 0 implies attention.at_risk_count > 0",
    "len(provenance.derived_from) > 0",
    "parse_iso(provenance.generated_at) <= now()",
    "len(response) > 0",
    "status_code in (200, 201)",
    "status_code == 200 and response.total > 0",
    "status_code == 2000",
    r#""unclosed in response"#,
    r#""k" in response.get("a")"#,
    r#""k" in request"#,
    "",
    " and ",
];

#[test]
fn every_known_assertion_translates_to_valid_invariants() {
    for (text, expected) in KNOWN.iter().chain(OTHER_FORMS) {
        let got = translate_assertion(text).unwrap_or_else(|| panic!("untranslated: {text}"));
        assert_eq!(got, *expected, "{text}");
        for inv in &got {
            Invariant::parse(inv).unwrap_or_else(|e| panic!("{text} → {inv}: {e}"));
        }
    }
}

#[test]
fn unclear_assertions_stay_untranslated() {
    for text in UNTRANSLATABLE {
        assert_eq!(translate_assertion(text), None, "{text}");
    }
}

#[test]
fn translations_mean_what_the_assertions_meant() {
    use hisar_core::Subject;
    use serde_json::json;
    let check = |inv: &str, body: &serde_json::Value, status: u16| {
        let subject = Subject {
            body: Some(body),
            status,
            headers: &[],
            duration_ms: 1,
        };
        Invariant::parse(inv).unwrap().evaluate(&subject).holds
    };
    let all = |text: &str, body: serde_json::Value| {
        translate_assertion(text)
            .unwrap()
            .iter()
            .all(|i| check(i, &body, 200))
    };
    let nested = r#""aggregation" in response.get("summary", {}).get("provenance", {})"#;
    assert!(all(
        nested,
        json!({"summary": {"provenance": {"aggregation": null}}})
    ));
    assert!(!all(nested, json!({"summary": {}})));
    assert!(!all(nested, json!({})));
    let shape = "response is dict and response is not empty";
    assert!(all(shape, json!({"a": 1})));
    assert!(!all(shape, json!({})));
    assert!(!all(shape, json!([1])));
    assert!(all("isinstance(response, list)", json!([])));
    assert!(all(r"'error' not in response", json!({"ok": true})));
    assert!(!all(r"'error' not in response", json!({"error": "x"})));
}

fn file(path: &str, text: &str) -> AuroraFile {
    AuroraFile {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

const PLAN: &str = "
panel_states: { EMPTY: x, UNBOUND: x, DRAFT: x, BOUND: x, DEFERRED: x }
domains:
- id: OVERVIEW
  subdomains:
  - id: SUMMARY
    topics:
    - id: COST
      panels:
      - { panel_id: OVR-SUM-CI-O1, panel_class: interpretation, state: BOUND, expected_capability: overview.cost_summary }
      - { panel_id: OVR-SUM-CI-O2, panel_class: evidence, state: EMPTY }
      - { panel_id: OVR-SUM-CI-O3, panel_class: evidence, state: DRAFT, expected_capability: overview.replay }
- id: LOGS
  subdomains:
  - id: RECORDS
    topics:
    - id: AUDIT
      panels:
      - { panel_id: LOG-REC-AUD-O1, panel_class: evidence, state: DRAFT, expected_capability: logs.audit }
";

fn sources() -> AuroraSources {
    AuroraSources {
        plan: Some(file(PLAN_PATH, PLAN)),
        intents: vec![
            file(
                "design/l2_1/intents/AURORA_L2_INTENT_OVR-SUM-CI-O1.yaml",
                "panel_id: OVR-SUM-CI-O1\npanel_class: interpretation\ncapability: { id: overview.cost_summary, assumed_endpoint: /api/v1/cost/summary, assumed_method: GET, query_params: '?include=all' }\nnotes: 'Cost at a glance.\n\n\n  Second paragraph.'\n",
            ),
            file(
                "design/l2_1/intents/AURORA_L2_INTENT_OVR-SUM-CI-O3.yaml",
                "panel_id: OVR-SUM-CI-O3\npanel_class: evidence\ncapability: { id: overview.replay, assumed_endpoint: '/replay/{incident_id}/summary' }\n",
            ),
            file(
                "design/l2_1/intents/AURORA_L2_INTENT_LOG-REC-AUD-O1.yaml",
                "panel_id: LOG-REC-AUD-O1\npanel_class: evidence\ncapability: { id: logs.audit_trail, assumed_endpoint: null }\n",
            ),
            file(
                "design/l2_1/intents/AURORA_L2_INTENT_ANL-X-Y-O1.yaml",
                "panel_id: ANL-X-Y-O1\npanel_class: evidence\ncapability: null\n",
            ),
        ],
        capabilities: vec![
            file(
                "backend/AURORA_L2_CAPABILITY_REGISTRY/AURORA_L2_CAPABILITY_overview.cost_summary.yaml",
                "capability_id: overview.cost_summary\nstatus: ASSUMED\nsource_panels: [OVR-SUM-CI-O1]\nassumption: { endpoint: /cost/summary, method: GET }\n",
            ),
            file(
                "backend/AURORA_L2_CAPABILITY_REGISTRY/AURORA_L2_CAPABILITY_overview.replay.yaml",
                "capability_id: overview.replay\nstatus: OBSERVED\nsource_panels: [OVR-SUM-CI-O3]\n",
            ),
            file(
                "backend/AURORA_L2_CAPABILITY_REGISTRY/AURORA_L2_CAPABILITY_analytics.x.yaml",
                "capability_id: analytics.x\nstatus: DECLARED\nsource_panels: [ANL-X-Y-O1]\nendpoint: /x\nmethod: GET\n",
            ),
            file(
                "backend/AURORA_L2_CAPABILITY_REGISTRY/CAPABILITY_STATUS_MODEL.yaml",
                "statuses: { DISCOVERED: {}, DECLARED: {}, OBSERVED: {}, TRUSTED: {} }\nbinding_gate_rules: { DISCOVERED: DRAFT, DECLARED: DRAFT, OBSERVED: BOUND, TRUSTED: BOUND, missing_capability: UNBOUND }\n",
            ),
        ],
        scenarios: vec![
            // Listed out of order on purpose: inputs are sorted by path.
            file(
                "backend/scripts/sdsr/scenarios/SDSR-OVR-SUM-CI-O1-001.yaml",
                r#"
panel_id: OVR-SUM-CI-O1
capability: overview.cost_summary
auth: { mode: OBSERVER }
metadata: { panel_class: evidence }
inject:
  endpoint: /cost/summary
  method: GET
  headers: { Content-Type: application/json }
  params: { period: 24h, limit: 10 }
invariants:
- { id: INV-001, assertion: status_code == 200 }
- { id: INV-002, assertion: "status_code != 401 and status_code != 403" }
- { id: INV-003, assertion: "response.total > 0" }
invariant_ids: [INV-001, INV-009]
"#,
            ),
            file(
                "backend/scripts/sdsr/scenarios/SDSR-LOG-REC-AUD-O1-001.yaml",
                "
panel_id: LOG-REC-AUD-O1
capability: logs.audit
inject:
  endpoint: /api/v1/audit
  method: GET
  headers: { Authorization: 'Bearer ${AUTH_TOKEN}', X-Api-Key: hunter2, X-Tenant-ID: demo }
invariants:
- assertion: status_code == 200
",
            ),
            file(
                "backend/scripts/sdsr/scenarios/observe_ovr_sum_ci_o3.yaml",
                "
verifies: { panel_id: OVR-SUM-CI-O3, capability_id: overview.replay }
steps:
  - step: 1
    action: http_get
    endpoint: /replay/{incident_id}/summary
    expect: { status_code: [200, 404] }
  - step: 2
    action: validate_schema
    expect: { has_fields: [count, provenance.aggregation] }
  - step: 3
    then: { expect: count >= 1 }
",
            ),
            file(
                "backend/scripts/sdsr/scenarios/ONBOARDING-001.yaml",
                "scenario_id: ONBOARDING-001\nassertions: [{ table: tenants }]\n",
            ),
            file(
                "backend/scripts/sdsr/scenarios/SDSR-ANL-X-Y-O1-001.yaml",
                "panel_id: ANL-X-Y-O1\ninject: { endpoint: /x }\ninvariants: [{ assertion: status_code == 200 }]\n",
            ),
        ],
        routes: vec![file(
            OPENAPI_PATH,
            r#"{"openapi": "3.1.0", "paths": {"/api/v1/cost/summary": {"get": {}}}}"#,
        )],
        ..AuroraSources::default()
    }
}

fn kinds_for(import: &AuroraImport, panel: &str) -> Vec<LintKind> {
    import
        .lint
        .iter()
        .filter(|l| l.panel.as_deref() == Some(panel))
        .map(|l| l.kind)
        .collect()
}

#[test]
fn a_small_repository_imports_with_its_disagreements() {
    let import = import_aurora(&sources()).unwrap();
    let yaml = import.draft.to_yaml();
    let registry = hisar_core::Registry::from_yaml(&yaml, "hisar.yaml")
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let ids: Vec<&str> = registry.panels().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["OVR-SUM-CI-O1", "OVR-SUM-CI-O3", "LOG-REC-AUD-O1"]);
    assert_eq!(
        import.draft.domains,
        [
            ("OVR".to_owned(), "OVERVIEW".to_owned()),
            ("LOG".to_owned(), "LOGS".to_owned())
        ]
    );
    assert_eq!(import.draft.routes.as_deref(), Some(OPENAPI_PATH));
    assert_eq!(
        import.lifecycle,
        ["DISCOVERED", "DECLARED", "OBSERVED", "TRUSTED"]
    );
    assert_eq!(
        import.counts,
        AuroraCounts {
            plan_panels: 4,
            intents: 4,
            capabilities: 3,
            scenarios: 5,
            scenarios_attached: 3,
            panels: 3,
            panels_from_plan: 3,
            invariants: 6,
            translated: 6,
            untranslated: 3,
            unresolved_ids: 1,
            unchecked: 4,
            endpoints_replaced: 1,
            ..AuroraCounts::default()
        }
    );

    // OVR-SUM-CI-O1: intent endpoint first, its query string and the scenario's params.
    let p = &import.draft.panels[0];
    assert_eq!(p.endpoint, "GET /api/v1/cost/summary");
    assert_eq!(
        p.params,
        [
            ("include".to_owned(), "all".to_owned()),
            ("period".to_owned(), "24h".to_owned()),
            ("limit".to_owned(), "10".to_owned())
        ]
    );
    assert_eq!(
        p.auth, None,
        "observer is the default (a tie with user, broken by name)"
    );
    assert!(p.headers.is_empty(), "Content-Type is not carried over");
    assert_eq!(p.purpose.as_deref(), Some("Cost at a glance."));
    assert_eq!(
        p.invariants,
        ["status == 200", "status != 401", "status != 403"]
    );
    assert_eq!(
        kinds_for(&import, "OVR-SUM-CI-O1"),
        [
            LintKind::CapabilityEndpointMismatch,
            LintKind::ScenarioEndpointMismatch,
            LintKind::ClassMismatch,
        ]
    );
    let mismatch = &import
        .lint
        .iter()
        .find(|l| l.kind == LintKind::CapabilityEndpointMismatch)
        .unwrap();
    assert_eq!(
        mismatch.message,
        "intent for OVR-SUM-CI-O1 says GET /api/v1/cost/summary; capability overview.cost_summary assumes GET /cost/summary (paths differ by API or version prefix)"
    );
    assert_eq!(mismatch.files.len(), 2);

    // OVR-SUM-CI-O3: no value for its path parameter (a todo), steps-format scenario, plan
    // DRAFT but capability OBSERVED.
    let p = &import.draft.panels[1];
    assert!(p.path_params.is_empty(), "no made-up value");
    assert_eq!(
        p.path_todos,
        [(
            "incident_id".to_owned(),
            "a real incident_id, which no AURORA scenario gives".to_owned()
        )]
    );
    assert_eq!(
        p.invariants,
        ["$.count exists", "$.provenance.aggregation exists"]
    );
    assert_eq!(
        kinds_for(&import, "OVR-SUM-CI-O3"),
        [LintKind::StateMismatch, LintKind::PathParamPlaceholder]
    );

    // LOG-REC-AUD-O1: no intent endpoint and no capability file: the scenario's; the literal
    // key is replaced; the plan's capability differs from the intent's.
    let p = &import.draft.panels[2];
    assert_eq!(p.endpoint, "GET /api/v1/audit");
    assert_eq!(p.auth.as_deref(), Some("user"));
    assert!(p.headers.is_empty(), "all its headers are its mode's");
    let user = &import
        .draft
        .auth
        .iter()
        .find(|(m, _)| m == "user")
        .unwrap()
        .1;
    assert_eq!(
        *user,
        [
            (
                "Authorization".to_owned(),
                "Bearer ${AUTH_TOKEN}".to_owned()
            ),
            ("X-Api-Key".to_owned(), "${X_API_KEY}".to_owned()),
            ("X-Tenant-ID".to_owned(), "demo".to_owned())
        ]
    );
    assert!(!yaml.contains("hunter2"));
    assert_eq!(import.draft.default_auth.as_deref(), Some("observer"));

    // The rest of the lint.
    let kinds: Vec<(LintKind, Option<&str>)> = import
        .lint
        .iter()
        .map(|l| (l.kind, l.panel.as_deref().or(l.capability.as_deref())))
        .collect();
    for expected in [
        (LintKind::PanelWithoutIntent, Some("OVR-SUM-CI-O2")),
        (LintKind::IntentWithoutPanel, Some("ANL-X-Y-O1")),
        (LintKind::PanelWithoutEndpoint, Some("OVR-SUM-CI-O2")),
        (LintKind::CapabilityMismatch, Some("LOG-REC-AUD-O1")),
        (
            LintKind::CapabilityStatusOutsideLifecycle,
            Some("overview.cost_summary"),
        ),
        (LintKind::OrphanScenario, None),
        (LintKind::OrphanScenario, Some("ANL-X-Y-O1")),
        (LintKind::OrphanCapability, Some("analytics.x")),
        (LintKind::AuthTemplate, None),
        (LintKind::LiteralCredential, None),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:#?}");
    }
    let sorted = import.lint.windows(2).all(|w| w[0].kind <= w[1].kind);
    assert!(sorted, "lint is grouped by kind");

    // Untranslated, in plan order: the inline assertion and two step expectations; the
    // undefined id is unresolved. All four stay in the registry, unchecked.
    let texts: Vec<&str> = import
        .untranslated
        .iter()
        .map(|u| u.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "response.total > 0",
            "step 1: expect status_code: [200, 404]",
            "step 3: then expect count >= 1",
        ]
    );
    let unresolved: Vec<(&str, &str)> = import
        .unresolved
        .iter()
        .map(|u| (u.panel.as_str(), u.text.as_str()))
        .collect();
    assert_eq!(unresolved, [("OVR-SUM-CI-O1", "INV-009")]);
    assert!(
        yaml.contains(
            "      - { id: \"INV-009\", unresolved: \"not defined in the repository's data\" }\n"
        ),
        "{yaml}"
    );
    let unchecked: usize = registry.panels().iter().map(|p| p.unchecked.len()).sum();
    assert_eq!(unchecked, 4, "nothing is dropped");
    assert!(yaml.contains(
        "  # untranslated (backend/scripts/sdsr/scenarios/SDSR-OVR-SUM-CI-O1-001.yaml): response.total > 0\n"
    ));
}

#[test]
fn imports_are_deterministic_whatever_the_input_order() {
    let first = import_aurora(&sources()).unwrap();
    let mut shuffled = sources();
    shuffled.intents.reverse();
    shuffled.capabilities.reverse();
    shuffled.scenarios.rotate_left(2);
    let second = import_aurora(&shuffled).unwrap();
    assert_eq!(first.draft.to_yaml(), second.draft.to_yaml());
    assert_eq!(first.lint, second.lint);
    assert_eq!(first.untranslated, second.untranslated);
}

#[test]
fn unreadable_files_are_errors_naming_the_file() {
    let mut bad = sources();
    bad.scenarios[1].text = "panel_id: [unclosed\n".to_owned();
    let err = import_aurora(&bad).unwrap_err();
    let AuroraError::Yaml { file, line, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        file,
        "backend/scripts/sdsr/scenarios/SDSR-LOG-REC-AUD-O1-001.yaml"
    );
    assert!(line.is_some());
    let shown = err.to_string();
    assert!(
        shown.starts_with("parse backend/scripts/sdsr/scenarios/SDSR-LOG-REC-AUD-O1-001.yaml:"),
        "{shown}"
    );
    assert!(!shown.contains("error:"), "{shown}");

    let mut not_a_plan = sources();
    not_a_plan.plan.as_mut().unwrap().text = "version: 1\n".to_owned();
    assert_eq!(
        import_aurora(&not_a_plan).unwrap_err().to_string(),
        "read design/l2_1/ui_plan.yaml as an AURORA UI plan: no `domains:` list"
    );
}

#[test]
fn messy_values_are_lint_not_errors() {
    let mut messy = sources();
    messy.intents[0].text = "panel_id: OVR-SUM-CI-O1\npanel_class: widget\ncapability: { id: Overview.Cost, assumed_endpoint: 'cost/summary' }\n".to_owned();
    let import = import_aurora(&messy).unwrap();
    let p = &import.draft.panels[0];
    assert_eq!(
        p.capability, "overview.cost_summary",
        "the plan's, after the intent's bad id"
    );
    assert_eq!(
        p.endpoint, "GET /cost/summary",
        "the capability's, after the intent's bad path"
    );
    assert_eq!(p.class, Some(PanelClass::Interpretation), "the plan's");
    let invalid = import
        .lint
        .iter()
        .filter(|l| l.kind == LintKind::InvalidValue && l.panel.as_deref() == Some("OVR-SUM-CI-O1"))
        .count();
    assert_eq!(invalid, 3);
    hisar_core::Registry::from_yaml(&import.draft.to_yaml(), "x").unwrap();
}

mod fuzz {
    //! Arbitrary input never panics the importer, and whatever it imports loads as a registry.
    use proptest::prelude::*;

    use super::*;

    const YAML_LINES: &[&str] = &[
        "panel_id: OVR-SUM-CI-O1",
        "panel_id: ANL-X-Y-O1",
        "panel_id: 'é-ü'",
        "panel_class: interpretation",
        "panel_class: [1]",
        "capability: { id: overview.cost_summary, assumed_endpoint: 'null' }",
        "capability: { id: overview.cost_summary, assumed_endpoint: '/a/{id}/b', assumed_method: GET }",
        "capability: { id: Bad.Id, assumed_endpoint: 'a b' }",
        "capability_id: overview.cost_summary",
        "status: ASSUMED",
        "assumption: { endpoint: /cost/summary, method: FETCH }",
        "binding: { observed_endpoint: /api/v1/x, observed_method: GET }",
        "binding: { observed_endpoint: 'null' }",
        "source_panels: [OVR-SUM-CI-O1, 3]",
        "locked_endpoints: [{ endpoint: /api/v1/x, deprecated_capabilities: [overview.cost_summary] }]",
        "statuses: { DECLARED: {}, OBSERVED: {} }",
        "inject: { endpoint: /é/ü, method: GET, params: { a: [1] }, path_params: { id: '../x' } }",
        "inject: { endpoint: 'null' }",
        "auth: { mode: 'Ünïcode mode' }",
        "invariant_ids: [INV-1, INV-L0-003, 7]",
        "invariants: [{ id: INV-1, assertion: 'response is café and \"k\" in response' }]",
        "invariants: [{ id: INV-1 }, 'status_code == 200 and ']",
        "steps: [{ request: { endpoint: /x }, expect: { status_code: 99999, has_fields: [a..b] } }]",
        "domains: [{ id: OVERVIEW, subdomains: [{ id: S, topics: [{ id: T, panels: [{ panel_id: OVR-SUM-CI-O1, state: DRAFT }, { panel_id: OVR-SUM-CI-O2 }] }] }] }]",
        "domains: [{ subdomains: [{ topics: [{ panels: [{ panel_id: X }] }] }] }]",
        "domains: 3",
        "invariants:\n  INV-L0-003: status_code == 200",
        "- { id: INV-1, assertion: status_code != 401 }",
        "metadata: { domain: OVERVIEW, subdomain: SUMMARY, topic: COST, order: O1 }",
        "data: { read: true, write: yes }",
        "'",
        "a: [",
        "",
    ];

    const LEDGER_LINES: &[&str] = &[
        "### Panel: OVR-SUM-CI-O1",
        "### Panel: ACC-PR-OV-O1",
        "### Panel: ",
        "### Capability: overview.cost_summary",
        "### Capability: ",
        "Location:",
        "- Domain: OVERVIEW",
        "- Domain: ACCOUNT",
        "- Subdomain: SUMMARY",
        "- Topic: COST",
        "- Slot: 1",
        "Domain: Incidents",
        "Class: interpretation",
        "Class: widget",
        "State: EMPTY",
        "Capability: null",
        "Capability: overview.cost_summary",
        "Panel: OVR-SUM-CI-O1, ACC-PR-OV-O1",
        "Status: OBSERVED",
        "Implementation:",
        "- Endpoint: /api/v1/x",
        "- Endpoint: null",
        "- Endpoint: not a path",
        "- Method: POST",
        "Topics Served:",
        "  - topic: COST",
        "    endpoint: /api/v1/cost",
        "Purpose:",
        "Some purpose — with ünïcode.",
        "```",
        "## Capabilities",
        "",
    ];

    const ROUTE_TEXTS: &[&str] = &[
        r#"{"generated_at_utc": "2026-02-21T07:47:56Z", "path_prefix": "/hoc/api/cus/", "endpoints": [{"method": "GET", "path": "/hoc/api/cus/x"}]}"#,
        r#"{"/api/v1/x": ["GET"], "/cost/summary": ["GET"]}"#,
        r#"{"openapi": "3.1.0", "info": {"x-date": "not a date"}, "paths": {"/a/{id}": {"get": {}}}}"#,
        r#"{"endpoints": [{"method": "GET"}]}"#,
        "not json: [",
        "",
    ];

    fn text(lines: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(lines), 0..10).prop_map(|v| v.join("\n"))
    }

    fn files(
        dir: &'static str,
        lines: &'static [&'static str],
    ) -> impl Strategy<Value = Vec<AuroraFile>> {
        prop::collection::vec(text(lines), 0..3).prop_map(move |texts| {
            texts
                .into_iter()
                .enumerate()
                .map(|(i, text)| file(&format!("{dir}/f{i}.yaml"), &text))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn translation_never_panics_and_always_parses(s in "\\PC{0,40}|[ -~éü\"'()\\[\\]{}]{0,60}") {
            if let Some(found) = translate_assertion(&s) {
                for inv in found {
                    prop_assert!(Invariant::parse(&inv).is_ok(), "{s:?} → {inv:?}");
                }
            }
        }

        #[test]
        fn any_repository_imports_or_fails_cleanly(
            plan in prop::option::of(text(YAML_LINES)),
            ledger in prop::option::of(text(LEDGER_LINES)),
            intents in files(INTENTS_DIR, YAML_LINES),
            capabilities in files(CAPABILITIES_DIR, YAML_LINES),
            scenarios in files(SCENARIOS_DIR, YAML_LINES),
            invariants in files(INVARIANTS_DIR, YAML_LINES),
            routes in prop::collection::vec(prop::sample::select(ROUTE_TEXTS), 0..3),
        ) {
            let sources = AuroraSources {
                plan: plan.map(|t| file(PLAN_PATH, &t)),
                ledger: ledger.map(|t| file(LEDGER_PATH, &t)),
                intents,
                capabilities,
                scenarios,
                invariants,
                routes: routes
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| file(&format!("docs/api/r{i}.json"), t))
                    .collect(),
                root: None,
            };
            if let Ok(import) = import_aurora(&sources) {
                let yaml = import.draft.to_yaml();
                prop_assert!(
                    hisar_core::Registry::from_yaml(&yaml, "r.yaml").is_ok(),
                    "{}\n{yaml}",
                    hisar_core::Registry::from_yaml(&yaml, "r.yaml").unwrap_err()
                );
                let _ = import.summary.to_string();
                let _ = aurora_topology(&sources);
            }
        }
    }
}

/// Byte-slicing used to panic on a character past the first byte of a multi-byte one.
#[test]
fn non_ascii_assertions_never_panic() {
    for text in [
        "response is café",
        "\"clé\" in response and response is café",
        "é and ü",
        "status_code == 200 and \"naïve\" in response",
        "« and »",
    ] {
        let _ = translate_assertion(text);
    }
    assert_eq!(
        translate_assertion("status_code == 200 and \"naïve\" in response").unwrap(),
        ["status == 200", "$['naïve'] exists"]
    );
}

/// Invariant ids resolve where the repository defines them as data: its catalogue, or the
/// scenarios that all define an id the same way; an id defined two ways stays unresolved.
#[test]
fn invariant_ids_resolve_from_data_and_only_from_data() {
    let mut s = sources();
    s.scenarios = vec![
        file(
            "backend/scripts/sdsr/scenarios/SDSR-OVR-SUM-CI-O1-001.yaml",
            "panel_id: OVR-SUM-CI-O1\ninject: { endpoint: /api/v1/cost/summary }\ninvariant_ids: [INV-L0-001, INV-SHARED, INV-TWO, INV-NOWHERE, INV-WEIRD]\n",
        ),
        file(
            "backend/scripts/sdsr/scenarios/SDSR-X-1.yaml",
            "scenario_id: X1\ninvariants:\n- { id: INV-SHARED, assertion: '\"total\" in response' }\n- { id: INV-TWO, assertion: status_code == 200 }\n",
        ),
        file(
            "backend/scripts/sdsr/scenarios/SDSR-X-2.yaml",
            "scenario_id: X2\ninvariants:\n- { id: INV-SHARED, assertion: '\"total\" in response' }\n- { id: INV-TWO, assertion: status_code == 201 }\n",
        ),
    ];
    s.invariants = vec![file(
        "backend/sdsr/invariants/catalogue.yaml",
        "invariants:\n- { id: INV-L0-001, assertion: 'status_code != 401 and status_code != 403' }\n- { id: INV-WEIRD, assertion: 'len(response) > 0' }\n",
    )];
    let import = import_aurora(&s).unwrap();
    let p = &import.draft.panels[0];
    assert_eq!(
        p.invariants,
        ["status != 401", "status != 403", "$.total exists"],
        "from the catalogue, then from the scenarios that agree"
    );
    let unchecked: Vec<(&str, &str)> = p
        .unchecked
        .iter()
        .map(|(id, why)| (id.as_str(), why.as_str()))
        .collect();
    assert_eq!(
        unchecked,
        [
            ("INV-TWO", "defined differently by several scenarios"),
            ("INV-NOWHERE", "not defined in the repository's data"),
            ("INV-WEIRD", "no HISAR equivalent"),
        ]
    );
    assert_eq!(import.counts.resolved_ids, 3);
    assert_eq!(import.counts.unresolved_ids, 3);
    let weird = import
        .unresolved
        .iter()
        .find(|u| u.text == "INV-WEIRD")
        .unwrap();
    assert_eq!(
        weird.reason,
        "defined in backend/sdsr/invariants/catalogue.yaml as `len(response) > 0`, which has no HISAR equivalent"
    );
    hisar_core::Registry::from_yaml(&import.draft.to_yaml(), "r.yaml").unwrap();
}

/// False gap: no scenario gives OVR-SUM-CI-O3's `{incident_id}`; a made-up value
/// (`TODO-incident_id`) would be sent and its 404 recorded as a gap. It is a `{ todo }`:
/// the panel is UNVERIFIED naming it, offline or whatever the backend would answer. Once a
/// scenario gives the value, the same answer is judged (so the todo is what keeps it out).
#[test]
fn a_path_parameter_no_scenario_gives_is_a_todo_never_a_gap() {
    use hisar_core::{Observation, Outcome, Response, RouteTable, Status, classify};

    let import = import_aurora(&sources()).unwrap();
    let yaml = import.draft.to_yaml();
    assert!(
        yaml.contains(
            "    path_params: { incident_id: { todo: \"a real incident_id, which no AURORA scenario gives\" } }\n"
        ),
        "{yaml}"
    );
    assert!(
        yaml.contains("  # TODO: a real `incident_id`; until it has one a sweep does not send this panel (UNVERIFIED)\n"),
        "{yaml}"
    );
    let lint = import
        .lint
        .iter()
        .find(|l| l.kind == LintKind::PathParamPlaceholder)
        .unwrap();
    assert_eq!(
        lint.message,
        "OVR-SUM-CI-O3: path parameter {incident_id} of GET /replay/{incident_id}/summary has no value in any scenario; it is a `{ todo }` (the panel is UNVERIFIED, never sent, until it has a real value or a { from, select })"
    );
    let registry = hisar_core::Registry::from_yaml(&yaml, "hisar.yaml")
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    for p in registry.panels() {
        let values = p
            .path_params
            .values()
            .chain(p.params.iter().map(|(_, v)| v));
        for v in values {
            assert!(!v.starts_with("TODO-"), "{}: {v}", p.id);
        }
        assert!(!p.request_path().contains("TODO-"), "{}", p.id);
    }

    let routes = RouteTable::parse(r#"{"/replay/{incident_id}/summary": ["GET"]}"#).unwrap();
    let not_found = Observation::answered(Response::json(404, serde_json::json!({})));
    let panel = registry.panel("OVR-SUM-CI-O3").unwrap();
    let reason = panel.todo_reason().expect("a todo");
    assert!(
        reason.contains("(todo: a real incident_id, which no AURORA scenario gives)"),
        "{reason}"
    );
    for verdict in [
        classify(panel, None, None),
        classify(panel, None, Some(&routes)),
        classify(panel, Some(&not_found), Some(&routes)),
    ] {
        assert_eq!(verdict.status(), Status::Unverified, "{verdict:?}");
        assert_eq!(verdict.code(), None);
        let Outcome::Unverified { reason: why } = &verdict.outcome else {
            unreachable!()
        };
        assert!(why.contains(&reason), "{why}");
    }

    // A scenario that gives the value: it is written, no todo, no lint, and the 404 is judged.
    let mut given = sources();
    given.scenarios.push(file(
        "backend/scripts/sdsr/scenarios/SDSR-OVR-SUM-CI-O3-001.yaml",
        "panel_id: OVR-SUM-CI-O3\ninject: { endpoint: '/replay/{incident_id}/summary', path_params: { incident_id: inc-7 } }\n",
    ));
    let import = import_aurora(&given).unwrap();
    assert!(
        !import
            .lint
            .iter()
            .any(|l| l.kind == LintKind::PathParamPlaceholder)
    );
    let yaml = import.draft.to_yaml();
    let registry = hisar_core::Registry::from_yaml(&yaml, "hisar.yaml")
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let panel = registry.panel("OVR-SUM-CI-O3").unwrap();
    assert_eq!(panel.todo_reason(), None);
    assert_eq!(panel.request_path(), "/replay/inc-7/summary");
    let verdict = classify(panel, Some(&not_found), Some(&routes));
    assert_eq!(verdict.status(), Status::Blocked, "{verdict:?}");
}
