//! The AURORA L2 fixture repository, imported.

use hisar_core::Registry;
use hisar_import::aurora::{
    AuroraFile, AuroraImport, AuroraSources, INTENTS_DIR, LintKind, OPENAPI_PATH, import_aurora,
};

use crate::shared_yaml_dir;

const ROOT: &str = "fixtures/aurora-l2";

fn folder(dir: &str) -> Vec<AuroraFile> {
    shared_yaml_dir(&format!("{ROOT}/{dir}"))
        .into_iter()
        .map(|(name, text)| AuroraFile {
            path: format!("{dir}/{name}"),
            text,
        })
        .collect()
}

fn sources() -> AuroraSources {
    crate::aurora_sources(ROOT)
}

fn import() -> AuroraImport {
    import_aurora(&sources()).expect("the fixtures import")
}

fn ids(import: &AuroraImport, kind: LintKind) -> Vec<&str> {
    import
        .lint
        .iter()
        .filter(|l| l.kind == kind)
        .map(|l| {
            l.panel
                .as_deref()
                .or(l.capability.as_deref())
                .unwrap_or("-")
        })
        .collect()
}

fn finding<'a>(import: &'a AuroraImport, kind: LintKind, panel: &str) -> Vec<&'a str> {
    import
        .lint
        .iter()
        .filter(|l| l.kind == kind && l.panel.as_deref() == Some(panel))
        .map(|l| l.message.as_str())
        .collect()
}

#[test]
fn the_fixture_repository_imports_into_a_valid_registry() {
    let import = import();
    let counts = import.counts;
    assert_eq!(
        (
            counts.plan_panels,
            counts.intents,
            counts.capabilities,
            counts.scenarios
        ),
        (87, 84, 61, 101)
    );
    assert_eq!(counts.scenarios_attached, 81, "101 less 20 orphans");
    assert_eq!(
        counts.panels, 86,
        "87 less OVR-SUM-HL-O3, which has no endpoint"
    );
    assert_eq!(
        import.lifecycle,
        ["DISCOVERED", "DECLARED", "OBSERVED", "TRUSTED"],
        "read from CAPABILITY_STATUS_MODEL.yaml"
    );

    let yaml = import.draft.to_yaml();
    let registry = Registry::from_yaml(&yaml, "hisar.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(registry.panels().len(), 86);
    let domains: Vec<(&str, &str)> = registry
        .domains()
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    assert_eq!(
        domains,
        [
            ("OVR", "OVERVIEW"),
            ("ACT", "ACTIVITY"),
            ("INC", "INCIDENTS"),
            ("POL", "POLICIES"),
            ("LOG", "LOGS")
        ]
    );
    assert_eq!(
        registry
            .backend()
            .routes
            .as_ref()
            .map(|t| t.source().to_owned()),
        Some(OPENAPI_PATH.to_owned())
    );

    // Every plan panel with an intent is there, with an endpoint; first and last in plan order.
    let intents = folder(INTENTS_DIR);
    for intent in &intents {
        let id = intent
            .path
            .rsplit('/')
            .next()
            .and_then(|n| n.strip_prefix("AURORA_L2_INTENT_"))
            .and_then(|n| n.strip_suffix(".yaml"))
            .unwrap();
        let panel = registry
            .panel(id)
            .unwrap_or_else(|| panic!("{id} has an intent but is not in the registry"));
        assert!(!panel.endpoint.path.as_str().is_empty());
    }
    assert_eq!(registry.panels()[0].id.as_str(), "OVR-SUM-CI-O1");
    assert_eq!(registry.panels()[85].id.as_str(), "LOG-REC-SYS-O5");

    // Endpoint precedence: the intent's, else the capability's, else the scenario's.
    let endpoint = |id: &str| registry.panel(id).unwrap().endpoint.to_string();
    assert_eq!(endpoint("POL-GOV-ACT-O4"), "GET /api/v1/policy-layer/state");
    assert_eq!(endpoint("OVR-SUM-CI-O1"), "GET /api/v1/overview/costs");
    assert_eq!(endpoint("OVR-SUM-CI-O2"), "GET /cost/by-feature");
    assert_eq!(endpoint("ACT-LLM-COMP-O3"), "GET /api/v1/tenants/runs");
    let vio = registry.panel("POL-LIM-VIO-O3").unwrap();
    assert_eq!(
        vio.params,
        [
            ("include_overrides".to_owned(), "true".to_owned()),
            ("window".to_owned(), "24h".to_owned())
        ]
    );
    // No scenario gives the replay panel's `{incident_id}`: a `{ todo }`, never a made-up
    // value a sweep would send.
    let replay = registry.panel("INC-EV-RES-O5").unwrap();
    assert!(replay.path_params.is_empty());
    assert_eq!(
        replay.todo_reason().as_deref(),
        Some(
            "path parameter `incident_id` has no value yet (todo: a real incident_id, which no AURORA scenario gives); put a value or a { from, select }"
        )
    );
    for p in registry.panels() {
        let values = p
            .path_params
            .values()
            .chain(p.params.iter().map(|(_, v)| v));
        for v in values {
            assert!(!v.starts_with("TODO-"), "{}: {v}", p.id);
        }
    }
    let todos: Vec<&str> = registry
        .panels()
        .iter()
        .filter(|p| p.todo_reason().is_some())
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        todos,
        [
            "INC-EV-RES-O5",
            "POL-GOV-LES-O2",
            "POL-GOV-LES-O3",
            "POL-GOV-LES-O4"
        ],
        "the panels linted path_param_placeholder"
    );

    // Invariants, translated from the scenario's five assertions.
    let invariants: Vec<String> = registry
        .panel("OVR-SUM-CI-O1")
        .unwrap()
        .invariants
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        invariants,
        [
            "$ isObject",
            "not $ isEmpty",
            "status == 200",
            "status != 401",
            "status != 403",
            "$.provenance exists",
            "$.provenance.aggregation exists"
        ]
    );

    // Auth: modes from the scenarios; the four OBSERVER panels; no literal credential.
    assert_eq!(registry.defaults().auth, "user");
    let modes: Vec<&str> = registry.auth_modes().keys().map(String::as_str).collect();
    assert_eq!(modes, ["observer", "service", "user"]);
    let observers: Vec<&str> = registry
        .panels()
        .iter()
        .filter(|p| p.auth == "observer")
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        observers,
        [
            "ACT-LLM-COMP-O1",
            "ACT-LLM-LIVE-O3",
            "ACT-LLM-SIG-O1",
            "LOG-REC-LLM-O5"
        ]
    );
    let services: Vec<&str> = registry
        .panels()
        .iter()
        .filter(|p| p.auth == "service")
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        services,
        [
            "OVR-SUM-CI-O1",
            "OVR-SUM-CI-O2",
            "OVR-SUM-CI-O3",
            "OVR-SUM-CI-O4",
            "ACT-LLM-LIVE-O4"
        ],
        "the other five SERVICE scenarios are for ANL panels, not in the plan"
    );
    for mode in registry.auth_modes().values() {
        for (_, value) in &mode.headers {
            assert!(value.has_variables(), "{}", value.source());
        }
    }
    assert_eq!(ids(&import, LintKind::AuthTemplate), ["-"]);
}

#[test]
fn the_lint_names_the_disagreements_found_by_reading_the_files() {
    let import = import();

    // Plan versus intents.
    assert_eq!(
        ids(&import, LintKind::PanelWithoutIntent),
        ["OVR-SUM-HL-O3", "ACT-LLM-COMP-O3", "ACT-LLM-LIVE-O2"]
    );
    assert!(ids(&import, LintKind::IntentWithoutPanel).is_empty());
    assert_eq!(
        ids(&import, LintKind::PanelWithoutEndpoint),
        ["OVR-SUM-HL-O3"]
    );
    let plan_vs_intent: Vec<&str> = import
        .lint
        .iter()
        .filter(|l| l.kind == LintKind::CapabilityMismatch && l.message.starts_with("the plan"))
        .map(|l| l.panel.as_deref().unwrap())
        .collect();
    assert_eq!(
        plan_vs_intent,
        [
            "POL-GOV-ACT-O1",
            "POL-GOV-ACT-O2",
            "POL-GOV-ACT-O3",
            "POL-GOV-DFT-O1",
            "POL-GOV-LIB-O3",
            "POL-GOV-LIB-O4",
            "POL-LIM-THR-O2",
            "POL-LIM-THR-O3",
            "POL-LIM-THR-O4",
            "POL-LIM-VIO-O2",
            "POL-LIM-VIO-O3",
            "POL-LIM-VIO-O4",
            "POL-LIM-VIO-O5"
        ]
    );
    assert_eq!(
        finding(&import, LintKind::CapabilityMismatch, "POL-LIM-THR-O4"),
        [
            "the plan expects capability policies.quota_tokens for POL-LIM-THR-O4; its intent names policies.simulate",
            "scenario for POL-LIM-THR-O4 verifies capability policies.quota_tokens; the panel's is policies.simulate",
            "capability policies.quota_tokens lists POL-LIM-THR-O4 among its source panels; the panel uses policies.simulate"
        ]
    );

    // Intent endpoint versus capability assumption: the policy-layer family lost its prefix.
    assert_eq!(ids(&import, LintKind::CapabilityEndpointMismatch).len(), 15);
    let l = import
        .lint
        .iter()
        .find(|l| l.kind == LintKind::CapabilityEndpointMismatch)
        .unwrap();
    assert_eq!(l.panel.as_deref(), Some("POL-GOV-ACT-O4"));
    assert_eq!(
        l.message,
        "intent for POL-GOV-ACT-O4 says GET /api/v1/policy-layer/state; capability policies.layer_state assumes GET /policy-layer/state (paths differ by API or version prefix)"
    );
    assert_eq!(
        l.files,
        [
            "design/l2_1/intents/AURORA_L2_INTENT_POL-GOV-ACT-O4.yaml",
            "backend/AURORA_L2_CAPABILITY_REGISTRY/AURORA_L2_CAPABILITY_policies.layer_state.yaml"
        ]
    );

    // Scenario endpoint versus the panel's.
    assert_eq!(ids(&import, LintKind::ScenarioEndpointMismatch).len(), 31);
    assert_eq!(
        finding(&import, LintKind::ScenarioEndpointMismatch, "OVR-SUM-CI-O1"),
        [
            "scenario for OVR-SUM-CI-O1 requests GET /cost/summary; the panel's endpoint is GET /api/v1/overview/costs (from capability overview.cost_summary; different paths)"
        ]
    );
    assert_eq!(
        finding(
            &import,
            LintKind::ScenarioEndpointMismatch,
            "INC-EV-HIST-O2"
        ),
        [
            "scenario for INC-EV-HIST-O2 requests GET /api/v1/guard/incidents; the panel's endpoint is GET /guard/incidents (from intent; paths differ by API or version prefix)"
        ]
    );

    // Scenario panel_class versus intent (the plan and the intents agree on every class).
    assert_eq!(ids(&import, LintKind::ClassMismatch).len(), 56);
    assert_eq!(
        finding(&import, LintKind::ClassMismatch, "INC-EV-ACT-O2"),
        ["scenario says INC-EV-ACT-O2 is evidence; its intent says interpretation"]
    );

    // Capability statuses outside AURORA's lifecycle: the 14 copied from intents as ASSUMED.
    let assumed = ids(&import, LintKind::CapabilityStatusOutsideLifecycle);
    assert_eq!(assumed.len(), 14);
    assert!(assumed.iter().all(|c| c.starts_with("policies.")));
    assert!(assumed.contains(&"policies.layer_state"));

    // Plan state versus capability status: DRAFT in the plan, OBSERVED in the capability.
    let stale = ids(&import, LintKind::StateMismatch);
    assert_eq!(stale.len(), 16);
    assert_eq!(
        finding(&import, LintKind::StateMismatch, "OVR-SUM-CI-O1"),
        [
            "the plan says OVR-SUM-CI-O1 is DRAFT, but capability overview.cost_summary is OBSERVED, which AURORA's gate makes BOUND"
        ]
    );
    assert!(
        !stale.contains(&"OVR-SUM-HL-O1"),
        "BOUND and OBSERVED agree"
    );
    assert_eq!(ids(&import, LintKind::CapabilityMissing).len(), 53);
    assert!(ids(&import, LintKind::CapabilityMissing).contains(&"POL-GOV-LES-O1"));

    assert_eq!(
        ids(&import, LintKind::PathParamPlaceholder),
        [
            "INC-EV-RES-O5",
            "POL-GOV-LES-O2",
            "POL-GOV-LES-O3",
            "POL-GOV-LES-O4"
        ]
    );
    assert_eq!(ids(&import, LintKind::OrphanScenario).len(), 20);
    assert!(ids(&import, LintKind::OrphanScenario).contains(&"ANL-CST-SUM-O1"));
    let orphans = ids(&import, LintKind::OrphanCapability);
    assert_eq!(orphans.len(), 13);
    assert!(orphans.contains(&"analytics.usage") && orphans.contains(&"policies.lessons_list"));
    assert!(ids(&import, LintKind::InvalidValue).is_empty());
    assert!(ids(&import, LintKind::Duplicate).is_empty());

    let json = serde_json::to_value(&import.lint[0]).unwrap();
    assert_eq!(json["kind"], "panel_without_intent");
}

#[test]
fn untranslated_assertions_are_listed_and_commented() {
    let import = import();
    let untranslated: Vec<(&str, &str, &str)> = import
        .untranslated
        .iter()
        .map(|u| (u.panel.as_str(), u.file.as_str(), u.text.as_str()))
        .collect();
    let file = "backend/scripts/sdsr/scenarios/observe_overview_activity_snapshot.yaml";
    assert_eq!(
        untranslated,
        [
            (
                "OVR-SUM-HL-O1",
                file,
                "step 1 (Verify endpoint exists): expect status_code: [200, 404]"
            ),
            (
                "OVR-SUM-HL-O1",
                file,
                "step 3 (Verify data is real (not hardcoded)): then expect count_running >= 1"
            ),
            (
                "OVR-SUM-HL-O1",
                file,
                "step 4 (Verify latency): expect p95: < 500ms"
            ),
        ]
    );
    let panel = import
        .draft
        .panels
        .iter()
        .find(|p| p.id == "OVR-SUM-HL-O1")
        .unwrap();
    assert_eq!(
        panel
            .comments
            .iter()
            .filter(|c| c.starts_with("untranslated"))
            .count(),
        3
    );
    assert_eq!(
        panel.invariants,
        [
            "$.count_running exists",
            "$.count_completed_window exists",
            "$.count_near_threshold exists",
            "$.last_observed_at exists"
        ]
    );
}

#[test]
fn a_second_import_is_byte_identical() {
    let mut sources = sources();
    let first = import_aurora(&sources).unwrap().draft.to_yaml();
    assert_eq!(import_aurora(&sources).unwrap().draft.to_yaml(), first);
    sources.intents.reverse();
    sources.capabilities.reverse();
    sources.scenarios.reverse();
    assert_eq!(import_aurora(&sources).unwrap().draft.to_yaml(), first);
}

/// The scraped route table and the OpenAPI document disagree on where families are mounted:
/// for the imported panels' endpoints, say which each one serves.
#[test]
fn the_two_route_sources_disagree_on_panel_endpoints() {
    let import = import();
    let cache = crate::shared("fixtures/aurora-l2/backend/aurora_l2/tools/.routes_cache.json");
    let openapi = crate::shared("fixtures/aurora-l2/backend/.openapi_snapshot.json");
    let cache =
        hisar_core::RouteTable::parse(&cache).expect("the scraped {path: [methods]} map loads");
    let openapi = hisar_core::RouteTable::parse(&openapi).expect("the OpenAPI document loads");
    // 365 paths, two of one shape (`/api/v1/recovery/scopes/{incident_id}` and `{scope_id}`).
    assert_eq!(cache.routes().len(), 364);
    assert_eq!(
        openapi.routes().len(),
        393,
        "394 paths, one of them without operations"
    );
    let registry = hisar_core::Registry::from_yaml(&import.draft.to_yaml(), "r.yaml").unwrap();
    let mut disagreements = std::collections::BTreeMap::new();
    for panel in registry.panels() {
        let (a, b) = (cache.check(&panel.endpoint), openapi.check(&panel.endpoint));
        if a.passes() != b.passes() {
            disagreements.insert(panel.endpoint.to_string(), (a.passes(), b.passes()));
        }
    }
    // Read in both files: the scraped table mounts the ops and replay families where the
    // intents expect them, the OpenAPI document mounts them elsewhere.
    assert_eq!(
        disagreements.get("GET /api/v1/ops/incidents/infra-summary"),
        Some(&(true, false))
    );
    assert_eq!(
        disagreements.get("GET /replay/{incident_id}/summary"),
        Some(&(true, false))
    );
    // The policy layer sits under /api/v1 in the OpenAPI document, bare in the scraped table.
    assert_eq!(
        disagreements.get("GET /api/v1/policy-layer/state"),
        Some(&(false, true))
    );
    assert!(disagreements.len() >= 10, "{disagreements:#?}");
}
