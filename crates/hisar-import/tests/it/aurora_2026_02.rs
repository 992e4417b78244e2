//! The AURORA repository as it stood on 2026-02-21 (`fixtures/aurora-l2-2026-02`), imported.
//!
//! Expected values are read from the fixture files by these tests themselves (the plan's and
//! the ledger's panel ids, the scenarios' invariant ids, the capability binding), not copied
//! from the importer's output.

use std::collections::BTreeSet;

use hisar_core::{Registry, RouteCheck, RouteTable};
use hisar_import::aurora::{AuroraImport, AuroraSources, LintKind, import_aurora};
use serde_json::Value;

use crate::{aurora_sources, shared};

const ROOT: &str = "fixtures/aurora-l2-2026-02";
const HIST_O4: &str = "INC-EV-HIST-O4";
const COST_TREND: &str = "/api/v1/incidents/historical/cost-trend";

fn sources() -> AuroraSources {
    aurora_sources(ROOT)
}

/// The import, done once for the tests that only read it.
fn import() -> &'static AuroraImport {
    static IMPORT: std::sync::OnceLock<AuroraImport> = std::sync::OnceLock::new();
    IMPORT.get_or_init(|| import_aurora(&sources()).expect("the February repository imports"))
}

fn registry(import: &AuroraImport) -> Registry {
    let yaml = import.draft.to_yaml();
    Registry::from_yaml(&yaml, "hisar.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn of_kind(import: &AuroraImport, kind: LintKind) -> Vec<&hisar_import::aurora::LintFinding> {
    import.lint.iter().filter(|l| l.kind == kind).collect()
}

/// A YAML file of the fixture as JSON values, parsed independently of the importer.
fn yaml(path: &str) -> Value {
    serde_saphyr::from_str(&shared(&format!("{ROOT}/{path}")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn plan_ids() -> Vec<String> {
    let plan = yaml("design/l2_1/ui_plan.yaml");
    let mut ids = Vec::new();
    for d in plan["domains"].as_array().unwrap() {
        for s in d["subdomains"].as_array().unwrap() {
            for t in s["topics"].as_array().unwrap() {
                for p in t["panels"].as_array().into_iter().flatten() {
                    ids.push(p["panel_id"].as_str().unwrap().to_owned());
                }
            }
        }
    }
    ids
}

fn ledger_ids() -> Vec<String> {
    shared(&format!("{ROOT}/design/l2_1/INTENT_LEDGER.md"))
        .lines()
        .filter_map(|l| l.strip_prefix("### Panel: "))
        .map(|id| id.trim().to_owned())
        .collect()
}

#[test]
fn every_panel_of_the_ledger_and_the_plan_is_imported_or_listed_with_a_reason() {
    let import = import();
    let registry = registry(import);
    let plan = plan_ids();
    let ledger = ledger_ids();
    assert_eq!(
        (plan.len(), ledger.len()),
        (84, 109),
        "the fixture's README"
    );
    let mut all: BTreeSet<&str> = plan.iter().map(String::as_str).collect();
    all.extend(ledger.iter().map(String::as_str));
    assert_eq!(all.len(), 109, "every plan panel is in the ledger");

    let left_out: BTreeSet<&str> = of_kind(import, LintKind::PanelWithoutEndpoint)
        .iter()
        .map(|l| l.panel.as_deref().unwrap())
        .collect();
    for id in &all {
        let imported = registry.panel(id).is_some();
        assert!(
            imported != left_out.contains(id),
            "{id}: imported {imported}, listed as left out {}",
            left_out.contains(id)
        );
    }
    assert_eq!(registry.panels().len(), 88);
    assert_eq!(left_out.len(), 21);
    // The 20 EMPTY ACCOUNT and CONNECTIVITY panels and OVR-SUM-HL-O3 have no endpoint
    // anywhere; the five ANALYTICS panels only in the ledger have scenarios that give one.
    assert!(left_out.contains("OVR-SUM-HL-O3"));
    assert!(
        left_out
            .iter()
            .filter(|id| **id != "OVR-SUM-HL-O3")
            .all(|id| id.starts_with("ACC-") || id.starts_with("CON-"))
    );
    for n in 1..=5 {
        let id = format!("ANA-CST-USG-O{n}");
        assert!(registry.panel(&id).is_some(), "{id}");
        assert!(
            of_kind(import, LintKind::PanelNotInPlan)
                .iter()
                .any(|l| l.panel.as_deref() == Some(id.as_str())),
            "{id} is said to come from the ledger only"
        );
    }
    let c = import.counts;
    assert_eq!(
        (c.plan_panels, c.ledger_panels, c.ledger_only_panels),
        (84, 109, 25)
    );
    assert_eq!(
        (
            c.panels_from_plan,
            c.panels_from_ledger,
            c.panels_from_intents
        ),
        (83, 5, 0)
    );
    // Plan order first, then the ledger's panels the plan lacks.
    assert_eq!(registry.panels()[0].id.as_str(), plan[0]);
    assert_eq!(registry.panels()[83].id.as_str(), "ANA-CST-USG-O1");
    let domains: Vec<&str> = registry.domains().iter().map(|d| d.name.as_str()).collect();
    assert!(domains.contains(&"ANALYTICS"), "{domains:?}");

    // The five intents for panels in neither the plan nor the ledger are listed.
    let orphans: Vec<&str> = of_kind(import, LintKind::IntentWithoutPanel)
        .iter()
        .map(|l| l.panel.as_deref().unwrap())
        .collect();
    assert_eq!(
        orphans,
        [
            "POL-GOV-LES-O1",
            "POL-GOV-LES-O2",
            "POL-GOV-LES-O3",
            "POL-GOV-LES-O4",
            "POL-GOV-LES-O5"
        ]
    );
}

/// Every invariant id and assertion of every attached scenario is in the registry: checked, or
/// kept as not checked. Before, 66 of 83 panels had no invariant at all and were BOUND on any
/// 2xx without a word.
#[test]
fn no_panel_silently_loses_its_invariants() {
    let import = import();
    let registry = registry(import);
    let dir = format!("{ROOT}/backend/scripts/sdsr/scenarios");
    let mut cited = 0;
    for (name, text) in crate::shared_yaml_dir(&dir) {
        let s: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(panel) = s["panel_id"].as_str().and_then(|p| registry.panel(p)) else {
            continue;
        };
        let inline: Vec<&str> = s["invariants"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["id"].as_str())
            .collect();
        for id in s["invariant_ids"].as_array().into_iter().flatten() {
            let id = id.as_str().unwrap();
            if inline.contains(&id) {
                continue;
            }
            cited += 1;
            assert!(
                panel.unchecked.iter().any(|u| u.id == id),
                "{name}: {id} is not kept on {}",
                panel.id
            );
        }
    }
    assert_eq!(cited, 1132, "the issue's count of invariant-id citations");
    assert_eq!(import.counts.unresolved_ids, 1132);
    assert_eq!(import.unresolved.len(), 1132);
    assert_eq!(
        import.counts.resolved_ids, 0,
        "nothing here defines them as data"
    );
    let bare: Vec<&str> = registry
        .panels()
        .iter()
        .filter(|p| p.invariants.is_empty() && p.unchecked.is_empty())
        .map(|p| p.id.as_str())
        .collect();
    assert!(
        bare.is_empty(),
        "panels with no expectation at all: {bare:?}"
    );

    // A panel whose only expectations are unresolved ids is never BOUND silently: a 200
    // passes (no false gap), and the verdict says what was not checked.
    let panel = registry.panel("ACT-LLM-COMP-O1").unwrap();
    assert!(panel.invariants.is_empty() && panel.unchecked.len() >= 18);
    let ok = hisar_core::Observation::answered(hisar_core::Response::json(
        200,
        serde_json::json!({"items": []}),
    ));
    let v = hisar_core::classify(panel, Some(&ok), None);
    assert!(
        v.findings
            .iter()
            .any(|f| f.message.starts_with("not checked: 18 declared invariants")),
        "{v:?}"
    );
}

/// The ledger, the capability binding and the newest route table agree on INC-EV-HIST-O4's
/// endpoint; its scenario's guess (`/api/v1/incidents/cost-impact`) loses.
#[test]
fn inc_ev_hist_o4_is_on_the_endpoint_the_sources_agree_on() {
    // What the files say, read here.
    let binding = yaml(
        "backend/AURORA_L2_CAPABILITY_REGISTRY/AURORA_L2_CAPABILITY_incidents.historical_cost_trend.yaml",
    );
    assert_eq!(binding["binding"]["observed_endpoint"], COST_TREND);
    let intent = yaml("design/l2_1/intents/AURORA_L2_INTENT_INC-EV-HIST-O4.yaml");
    assert_eq!(intent["capability"]["assumed_endpoint"], "null");
    let ledger = shared(&format!("{ROOT}/design/l2_1/INTENT_LEDGER.md"));
    let section = ledger
        .split("### Capability: incidents.historical_cost\n")
        .nth(1)
        .unwrap();
    assert!(section.starts_with("\nPanel: INC-EV-HIST-O4"));
    assert!(section[..200].contains(&format!("- Endpoint: {COST_TREND}")));
    let scenario = yaml("backend/scripts/sdsr/scenarios/SDSR-INC-EV-HIST-O4-001.yaml");
    assert_eq!(
        scenario["inject"]["endpoint"],
        "/api/v1/incidents/cost-impact"
    );

    let import = import();
    let registry = registry(import);
    let panel = registry.panel(HIST_O4).unwrap();
    assert_eq!(panel.endpoint.to_string(), format!("GET {COST_TREND}"));
    let replaced = of_kind(import, LintKind::EndpointReplaced);
    let why = replaced
        .iter()
        .find(|l| l.panel.as_deref() == Some(HIST_O4))
        .expect("the replacement of 'null' is said");
    assert!(
        why.message.contains("intent gives 'null'"),
        "{}",
        why.message
    );
    assert!(
        why.message
            .contains("proposed by 2 of 3 kinds of source (binding, ledger)"),
        "{}",
        why.message
    );
    assert!(
        why.message
            .contains("GET /api/v1/incidents/cost-impact by scenario"),
        "{}",
        why.message
    );
    assert!(
        why.files
            .iter()
            .any(|f| f.ends_with("SDSR-INC-EV-HIST-O4-001.yaml"))
    );
    assert!(
        why.files
            .iter()
            .any(|f| f.ends_with("incidents.historical_cost_trend.yaml"))
    );

    // The newest route table serves it under its new mount: stage 1 names the moved route.
    let ledger_routes =
        RouteTable::parse(&shared(&format!("{ROOT}/docs/api/HOC_CUS_API_LEDGER.json"))).unwrap();
    match ledger_routes.check(&panel.endpoint) {
        RouteCheck::Near { route, kinds, .. } => {
            assert_eq!(route, "/hoc/api/cus/incidents/historical/cost-trend");
            assert_eq!(kinds, [hisar_core::NearKind::Prefix]);
        }
        other => panic!("{other:?}"),
    }
    let offline = hisar_core::classify(panel, None, Some(&ledger_routes));
    assert_eq!(offline.code(), Some(hisar_core::GapCode::CoherencyFailed));
    assert!(
        offline
            .gap()
            .unwrap()
            .detail
            .contains("did you mean GET /hoc/api/cus/incidents/historical/cost-trend"),
        "{offline:?}"
    );
}

#[test]
fn the_newest_route_table_is_chosen_and_named_with_its_date() {
    let import = import();
    let chosen = import.routes.chosen.as_ref().unwrap();
    assert_eq!(chosen.file, "docs/api/HOC_CUS_API_LEDGER.json");
    assert_eq!(
        chosen.date.as_ref().map(|(k, v)| (k.as_str(), v.as_str())),
        Some(("generated_at_utc", "2026-02-21T07:47:56.656226+00:00"))
    );
    assert_eq!(chosen.routes, 441, "441 distinct paths in 502 endpoints");
    assert_eq!(chosen.mount.as_deref(), Some("/hoc/api/cus"));
    let others: Vec<&str> = import
        .routes
        .others
        .iter()
        .map(|o| o.file.as_str())
        .collect();
    assert_eq!(
        others,
        [
            "backend/.openapi_snapshot.json",
            "backend/aurora_l2/tools/.routes_cache.json"
        ]
    );
    assert_eq!(
        import.draft.routes.as_deref(),
        Some("docs/api/HOC_CUS_API_LEDGER.json")
    );
    let choice = of_kind(import, LintKind::RouteTableChoice);
    assert_eq!(choice.len(), 1);
    assert!(
        choice[0].message.contains("2026-02-21"),
        "{}",
        choice[0].message
    );
    assert!(
        choice[0].message.contains("carry no date"),
        "{}",
        choice[0].message
    );
    assert_eq!(choice[0].files.len(), 3);

    // The /api/v1 → /hoc/api/cus move is one finding, not one per endpoint.
    let moves = of_kind(import, LintKind::RoutePrefixChange);
    let api_v1: Vec<_> = moves
        .iter()
        .filter(|l| {
            l.message
                .contains("under /hoc/api/cus that the panels write under /api/v1 ")
        })
        .collect();
    assert_eq!(api_v1.len(), 1, "{moves:#?}");
    let change = import
        .routes
        .prefix_changes
        .iter()
        .find(|p| p.from == "/api/v1" && p.to == "/hoc/api/cus")
        .unwrap();
    assert!(change.endpoints >= 50, "{change:?}");
    // No endpoint that merely moved is linted on its own.
    for l in of_kind(import, LintKind::RouteDisagreement) {
        if l.panel.is_some() {
            assert!(
                l.message
                    .contains("HOC_CUS_API_LEDGER.json does not serve it"),
                "{}",
                l.message
            );
        }
    }
}

#[test]
fn null_endpoints_locks_and_bindings_are_reported_with_both_values() {
    let import = import();
    let registry = registry(import);
    // 14 plan-panel intents say 'null'; each replacement is said, and none lands on a lock.
    let intents = crate::shared_yaml_dir(&format!("{ROOT}/design/l2_1/intents"));
    let mut nulls = Vec::new();
    for (name, text) in &intents {
        let v: Value = serde_saphyr::from_str(text).unwrap();
        if v["capability"]["assumed_endpoint"] == "null" {
            nulls.push((name.clone(), v["panel_id"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(nulls.len(), 14);
    let locked = ["/api/v1/incidents", "/api/v1/activity/runs"];
    for (_, id) in &nulls {
        let panel = registry
            .panel(id)
            .unwrap_or_else(|| panic!("{id} imported"));
        assert!(
            !locked.contains(&panel.endpoint.path.as_str()),
            "{id} on a locked endpoint"
        );
        assert!(
            of_kind(import, LintKind::EndpointReplaced)
                .iter()
                .any(|l| l.panel.as_deref() == Some(id.as_str())),
            "{id}"
        );
    }
    // Scenario guesses on the locked /api/v1/incidents are set aside, saying so.
    let set_aside = of_kind(import, LintKind::EndpointReplaced)
        .iter()
        .filter(|l| {
            l.message
                .contains("set aside: /api/v1/incidents is locked since 2026-01-18")
        })
        .count();
    assert_eq!(set_aside, 4);

    // The four intents that still assume the locked /api/v1/activity/runs are told.
    let on_lock: Vec<&str> = of_kind(import, LintKind::LockedEndpoint)
        .iter()
        .map(|l| l.panel.as_deref().unwrap())
        .collect();
    assert_eq!(
        on_lock,
        [
            "ACT-LLM-COMP-O1",
            "ACT-LLM-COMP-O4",
            "ACT-LLM-LIVE-O1",
            "ACT-LLM-LIVE-O3"
        ]
    );
    // Capabilities the locks deprecate are declared so, with the files that disagree.
    for cap in [
        "activity.live_runs",
        "activity.completed_runs",
        "activity.signals",
        "incidents.learnings",
    ] {
        let id = hisar_core::CapabilityId::parse(cap).unwrap();
        assert_eq!(
            registry.capability_status(&id),
            hisar_core::DeclaredStatus::Deprecated,
            "{cap}"
        );
        assert!(
            of_kind(import, LintKind::CapabilityDeprecated)
                .iter()
                .any(|l| l.capability.as_deref() == Some(cap)),
            "{cap}"
        );
    }
    // A real path that differs from the observed binding names both and both files.
    let dc = of_kind(import, LintKind::BindingMismatch)
        .into_iter()
        .find(|l| l.panel.as_deref() == Some("OVR-SUM-DC-O1"))
        .unwrap();
    assert!(
        dc.message.contains("GET /api/v1/overview/decisions"),
        "{}",
        dc.message
    );
    assert!(
        dc.message.contains("GET /founder/timeline/decisions"),
        "{}",
        dc.message
    );
    assert_eq!(dc.files.len(), 2);
    // No panel contradicts its capability's binding because of a replaced 'null'.
    for (_, id) in &nulls {
        assert!(
            !of_kind(import, LintKind::BindingMismatch)
                .iter()
                .any(|l| l.panel.as_deref() == Some(id.as_str())),
            "{id}"
        );
    }
}

/// Without the plan, the ledger lists the panels; without the ledger too, the intents do.
#[test]
fn without_a_plan_the_ledger_or_the_intents_carry_the_topology() {
    let full = import();
    let mut no_plan = sources();
    no_plan.plan = None;
    let ledger = import_aurora(&no_plan).expect("imports without the plan");
    let ids = |i: &AuroraImport| -> BTreeSet<String> {
        i.draft.panels.iter().map(|p| p.id.clone()).collect()
    };
    assert_eq!(ids(&ledger), ids(full), "the same panels, in ledger order");
    assert_eq!(ledger.counts.panels_from_ledger, 88);
    registry(&ledger);

    let mut intents_only = no_plan;
    intents_only.ledger = None;
    let intents = import_aurora(&intents_only).expect("imports from the intents alone");
    let reg = registry(&intents);
    assert_eq!(intents.counts.panels_from_intents, reg.panels().len());
    // The intents name 88 panels; the three without any endpoint are left out and listed.
    assert_eq!(
        reg.panels().len() + of_kind(&intents, LintKind::PanelWithoutEndpoint).len(),
        88
    );
    let domains: Vec<&str> = reg.domains().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        domains,
        ["ACTIVITY", "INCIDENTS", "LOGS", "OVERVIEW", "POLICIES"]
    );
    assert!(
        reg.panel(HIST_O4)
            .is_some_and(|p| p.endpoint.path.as_str() == COST_TREND)
    );
}

#[test]
fn a_second_import_is_byte_identical() {
    let mut s = sources();
    let first = import();
    s.intents.reverse();
    s.capabilities.reverse();
    s.scenarios.reverse();
    s.routes.reverse();
    let second = import_aurora(&s).unwrap();
    assert_eq!(second.draft.to_yaml(), first.draft.to_yaml());
    assert_eq!(second.lint, first.lint);
    assert_eq!(second.summary, first.summary);
}
