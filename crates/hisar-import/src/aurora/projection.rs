//! The UI projection lock, in AURORA's own shape, written from HISAR's history.
//!
//! AURORA's UI shell reads `ui_projection_lock.json` (see [`PROJECTION_PATH`](super::PROJECTION_PATH)):
//! `_meta`, `_statistics`, `_contract` and `domains` → `subdomains` → `topics`, and per domain
//! the `panels` with a `binding_status` each. Its own runner wrote `BOUND` from observations
//! that counted a 401 as a pass. This writes the same shape from HISAR's render plan
//! ([`hisar_core::history::render_plan`]), so the shell switches without code changes:
//! - `binding_status` is `BOUND` only for a panel HISAR would render (bound in its latest
//!   verification, capability `OBSERVED` or `TRUSTED`); every other panel is `UNBOUND` (the
//!   shell shows a placeholder, never data) with `disabled_reason` saying why;
//! - panels the repository lays out but the registry lacks (nothing gave them an endpoint) are
//!   listed `UNBOUND` too, so the shell keeps their slots;
//! - `binding_metadata` (bound panels) names the HISAR sweep that verified them.
//!
//! Values HISAR has no notion of take fixed, documented defaults: `render_mode` `FLAT`,
//! `visibility` `ALWAYS`, no controls, `review_status` `UNREVIEWED`, and the
//! permissions the panel's intent gives (all false when it has none).

use std::collections::BTreeMap;

use hisar_core::history::{TrackerState, render_plan};
use hisar_core::{Aggregation, Panel, PanelClass, ProvenanceRequirement, Registry};
use serde_json::{Value, json};

use super::topology::{Topology, TopologyPanel};

/// What the projection is written from.
#[derive(Debug, Clone, Copy)]
pub struct ProjectionInput<'a> {
    /// The registry.
    pub registry: &'a Registry,
    /// The state derived from HISAR's history.
    pub state: &'a TrackerState,
    /// The repository's layout (domain → subdomain → topic per panel), when known; otherwise
    /// subdomain and topic come from the panel ids (`OVR-SUM-CI-O1`: `SUM`, `CI`).
    pub topology: Option<&'a Topology>,
    /// When the lock is written (RFC 3339), passed in: nothing here reads a clock.
    pub generated_at: &'a str,
    /// `preflight` or `production`.
    pub environment: &'a str,
}

/// Topics and the slots under each, in first-seen order.
type Topics = Vec<(String, Vec<usize>)>;

/// One slot of the projection: a registry panel, or a panel only the layout knows.
struct Slot<'a> {
    id: String,
    place: TopologyPanel,
    panel: Option<&'a Panel>,
}

fn title(id: &str) -> String {
    id.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_lowercase();
            let mut c = lower.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn slug(id: &str) -> String {
    id.to_lowercase().replace([' ', '-'], "_")
}

/// The place a panel id implies: `OVR-SUM-CI-O1` → subdomain `SUM`, topic `CI`, slot `O1`.
fn place_from_id(id: &str, domain: &str) -> TopologyPanel {
    let parts: Vec<&str> = id.split('-').collect();
    TopologyPanel {
        id: id.to_owned(),
        domain: domain.to_owned(),
        subdomain: parts.get(1).map(|s| (*s).to_owned()),
        topic: (parts.len() > 3).then(|| parts[2..parts.len() - 1].join("-")),
        slot: parts.last().map(|s| (*s).to_owned()),
        ..TopologyPanel::default()
    }
}

fn aggregation(a: Option<Aggregation>) -> &'static str {
    match a {
        Some(Aggregation::Count) => "COUNT",
        Some(Aggregation::List) => "TOP_N",
        Some(Aggregation::Detail) => "LATEST",
        _ => "SUM",
    }
}

/// The projection lock, as JSON.
pub fn projection_lock(input: &ProjectionInput<'_>) -> Value {
    let registry = input.registry;
    let plan = render_plan(registry, input.state);
    let decisions: BTreeMap<&str, &hisar_core::history::RenderEntry> =
        plan.iter().map(|e| (e.id.as_str(), e)).collect();
    let domain_name = |p: &Panel| {
        registry
            .domain(p.id.domain().as_str())
            .map_or_else(|| p.id.domain().as_str().to_owned(), |d| d.name.clone())
    };

    // Slots in UI order: the layout's, then registry panels it lacks.
    let mut slots: Vec<Slot<'_>> = Vec::new();
    if let Some(t) = input.topology {
        for place in &t.panels {
            slots.push(Slot {
                id: place.id.clone(),
                place: place.clone(),
                panel: registry.panel(&place.id),
            });
        }
    }
    for p in registry.panels() {
        if slots.iter().any(|s| s.id == p.id.as_str()) {
            continue;
        }
        slots.push(Slot {
            id: p.id.as_str().to_owned(),
            place: place_from_id(p.id.as_str(), &domain_name(p)),
            panel: Some(p),
        });
    }

    // domain → subdomain → topic → slot indexes, each in first-seen order.
    let mut tree: Vec<(String, Vec<(String, Topics)>)> = Vec::new();
    for (i, s) in slots.iter().enumerate() {
        let d = s.place.domain.clone();
        let sd = s
            .place
            .subdomain
            .clone()
            .unwrap_or_else(|| "GENERAL".to_owned());
        let tp = s
            .place
            .topic
            .clone()
            .unwrap_or_else(|| "GENERAL".to_owned());
        let di = match tree.iter().position(|(n, _)| *n == d) {
            Some(x) => x,
            None => {
                tree.push((d, Vec::new()));
                tree.len() - 1
            }
        };
        let subs = &mut tree[di].1;
        let si = match subs.iter().position(|(n, _)| *n == sd) {
            Some(x) => x,
            None => {
                subs.push((sd, Vec::new()));
                subs.len() - 1
            }
        };
        let topics = &mut subs[si].1;
        match topics.iter_mut().find(|(n, _)| *n == tp) {
            Some((_, list)) => list.push(i),
            None => topics.push((tp, vec![i])),
        }
    }

    let mut display_order = 0usize;
    let mut stats = BTreeMap::<&str, usize>::new();
    let mut domains = Vec::new();
    for (order, (domain, subdomains)) in tree.iter().enumerate() {
        let mut panels = Vec::new();
        let mut subs_json = Vec::new();
        for (so, (sub, topics)) in subdomains.iter().enumerate() {
            let mut topics_json = Vec::new();
            for (to, (topic, indexes)) in topics.iter().enumerate() {
                topics_json.push(json!({
                    "id": slug(topic),
                    "name": title(topic),
                    "order": to,
                    "description": format!("{} panel{}", indexes.len(), if indexes.len() == 1 { "" } else { "s" }),
                }));
                for &i in indexes {
                    let s = &slots[i];
                    let decision = decisions.get(s.id.as_str()).copied();
                    let bound = decision.is_some_and(|d| d.render);
                    *stats
                        .entry(if bound { "bound" } else { "unbound" })
                        .or_default() += 1;
                    let interpretation = s
                        .panel
                        .is_some_and(|p| p.class == PanelClass::Interpretation);
                    *stats
                        .entry(if interpretation {
                            "interpretation"
                        } else {
                            "execution"
                        })
                        .or_default() += 1;
                    let reason = match (s.panel, decision) {
                        (_, Some(d)) if d.render => Value::Null,
                        (_, Some(d)) => Value::String(format!("HISAR: {}", d.reason)),
                        (None, _) => Value::String(
                            "HISAR: not in the registry (no source gives this panel an endpoint)"
                                .to_owned(),
                        ),
                        (Some(_), None) => Value::String("HISAR: never verified".to_owned()),
                    };
                    let perm = |k: &str| {
                        s.place
                            .permissions
                            .iter()
                            .find(|(n, _)| n == k)
                            .is_some_and(|(_, v)| *v)
                    };
                    let route = format!("/{}/{}/{}/{}", slug(domain), slug(sub), slug(topic), s.id);
                    let mut panel = json!({
                        "panel_id": s.id,
                        "panel_name": s.id,
                        "order": s.place.slot.clone().map_or_else(|| "O1".to_owned(), |o| if o.starts_with('O') { o } else { format!("O{o}") }),
                        "render_mode": "FLAT",
                        "visibility": "ALWAYS",
                        "enabled": bound,
                        "disabled_reason": reason,
                        "controls": [],
                        "control_count": 0,
                        "topic": topic,
                        "topic_id": format!("{domain}.{sub}.{topic}"),
                        "subdomain": sub,
                        "topic_display_order": to,
                        "panel_display_order": display_order,
                        "content_blocks": [
                            {"type": "HEADER", "order": 0, "visibility": "ALWAYS", "enabled": true, "components": ["title"]},
                            {"type": "DATA", "order": 1, "visibility": "ALWAYS", "enabled": bound, "components": ["data"], "render_mode": "FLAT"},
                        ],
                        "short_description": s.place.description.clone().or_else(|| s.panel.and_then(|p| p.purpose.clone())),
                        "permissions": {
                            "nav_required": perm("nav_required"),
                            "filtering": perm("filtering"),
                            "read": perm("read"),
                            "write": perm("write"),
                            "activate": perm("activate"),
                        },
                        "route": route,
                        "view_type": "PANEL_VIEW",
                        "binding_status": if bound { "BOUND" } else { "UNBOUND" },
                        "review_status": "UNREVIEWED",
                        "panel_class": if interpretation { "interpretation" } else { "execution" },
                    });
                    if bound && let Some(state) = input.state.panel(&s.id) {
                        panel["binding_metadata"] = json!({
                            "scenario_ids": state.verified_in.map(|n| vec![format!("hisar-sweep-{n}")]).unwrap_or_default(),
                            "observed_at": state.verified_at.map(|t| t.to_string()),
                            "capability_ids": s.panel.map(|p| vec![p.capability.as_str().to_owned()]).unwrap_or_default(),
                            "trace_count": 1,
                            "observed_effects": [],
                        });
                        *stats.entry("traces").or_default() += 1;
                    }
                    if let Some(p) = s.panel
                        && interpretation
                    {
                        let a = match &p.provenance {
                            ProvenanceRequirement::Required { aggregation: a, .. } => *a,
                            ProvenanceRequirement::None => None,
                        };
                        panel["provenance"] = json!({
                            "source_panels": [],
                            "aggregation": aggregation(a),
                            "endpoint": p.endpoint.path.as_str(),
                        });
                    }
                    display_order += 1;
                    panels.push(panel);
                }
            }
            subs_json.push(json!({
                "id": slug(sub),
                "name": title(sub),
                "order": so,
                "topics": topics_json,
            }));
        }
        let bound = panels
            .iter()
            .filter(|p| p["binding_status"] == "BOUND")
            .count();
        domains.push(json!({
            "domain": title(domain),
            "order": order,
            "panels": panels,
            "panel_count": panels.len(),
            "total_controls": 0,
            "short_description": format!("{} of {} panels bound (HISAR)", bound, panels.len()),
            "route": format!("/{}", slug(domain)),
            "subdomains": subs_json,
        }));
    }
    let n = |k: &str| stats.get(k).copied().unwrap_or(0);
    let subdomain_count: usize = tree.iter().map(|(_, s)| s.len()).sum();
    let topic_count: usize = tree.iter().flat_map(|(_, s)| s).map(|(_, t)| t.len()).sum();
    let sweep = input.state.latest.as_ref().map(|l| l.id);
    json!({
        "_meta": {
            "type": "ui_projection_lock",
            "version": "2.1.0",
            "generated_at": input.generated_at,
            "source": sweep.map_or_else(|| "HISAR history (no sweep recorded)".to_owned(), |s| format!("HISAR history, sweep #{s}")),
            "generator": "hisar export aurora-projection",
            "generator_version": env!("CARGO_PKG_VERSION"),
            "db_authority": "local",
            "source_of_truth": "HISAR_HISTORY",
            "contract_version": "ui_projection@2.0",
            "processing_stage": "LOCKED",
            "frozen": true,
            "editable": false,
            "environment": input.environment,
            "approval_status": "APPROVED",
            "sdsr_verified": sweep.is_some(),
            "routes_relative": true,
        },
        "_statistics": {
            "domain_count": tree.len(),
            "subdomain_count": subdomain_count,
            "topic_count": topic_count,
            "panel_count": slots.len(),
            "control_count": 0,
            "bound_panels": n("bound"),
            "draft_panels": 0,
            "info_panels": 0,
            "unbound_panels": n("unbound"),
            "sdsr_trace_count": n("traces"),
            "panels_with_traces": n("traces"),
            "unique_scenario_count": usize::from(sweep.is_some()),
            "execution_panels": n("execution"),
            "interpretation_panels": n("interpretation"),
        },
        "_contract": {
            "renderer_must_consume_only_this_file": true,
            "no_optional_fields": true,
            "explicit_ordering_everywhere": true,
            "all_controls_have_type": true,
            "all_panels_have_render_mode": true,
            "all_items_have_visibility": true,
            "binding_status_required": true,
            "ordering_semantic": "numeric_only",
            "panel_display_order_required": true,
            "topic_display_order_required": true,
            "content_blocks_required": true,
            "binding_metadata_on_bound_panels": true,
            "sdsr_trace_provenance": true,
            "ui_must_not_infer": true,
            "panel_class_required": true,
            "provenance_on_interpretation_panels": true,
        },
        "domains": domains,
    })
}

#[cfg(test)]
mod tests {
    use hisar_core::history::{PanelRecord, Selection, SweepRecord, derive};
    use hisar_core::{Observation, Response, classify};
    use serde_json::json;

    use super::*;

    const REGISTRY: &str = r"
version: 1
domains: [{ code: INC, name: INCIDENTS }]
capabilities:
  incidents.old: { status: deprecated }
panels:
  - id: INC-EV-HIST-O1
    capability: incidents.trend
    endpoint: GET /api/v1/incidents/historical/trend
    class: interpretation
    provenance: { aggregation: summary }
  - id: INC-EV-HIST-O2
    capability: incidents.dist
    endpoint: GET /api/v1/incidents/historical/distribution
    class: evidence
  - id: INC-EV-HIST-O3
    capability: incidents.old
    endpoint: GET /api/v1/incidents
    class: evidence
  - id: INC-EV-HIST-O5
    capability: incidents.never
    endpoint: GET /api/v1/incidents/patterns
    class: evidence
";

    fn state(registry: &Registry) -> TrackerState {
        let provenance = json!({"generated_at": "2026-01-15T07:58:01Z", "aggregation": "summary", "source": "x"});
        let seen = [
            Observation::answered(Response::json(200, json!({"provenance": provenance}))),
            Observation::answered(Response::json(404, json!({"detail": "Not Found"}))),
            Observation::answered(Response::json(200, json!({"items": [1]}))),
        ];
        let at: jiff::Timestamp = "2026-02-21T08:00:00Z".parse().unwrap();
        let records = registry
            .panels()
            .iter()
            .zip(&seen)
            .map(|(p, o)| PanelRecord::new(p, classify(p, Some(o), None)))
            .collect();
        let sweep = SweepRecord {
            id: 7,
            started_at: at,
            finished_at: at,
            selection: Selection::default(),
            records,
        };
        derive(registry, &[sweep]).0
    }

    fn topology() -> Topology {
        let place = |id: &str, topic: &str| TopologyPanel {
            id: id.into(),
            domain: "INCIDENTS".into(),
            subdomain: Some("EVENTS".into()),
            topic: Some(topic.into()),
            slot: Some(id.rsplit('-').next().unwrap().into()),
            permissions: vec![("read".into(), true)],
            description: None,
        };
        Topology {
            panels: vec![
                place("INC-EV-HIST-O1", "HISTORICAL"),
                place("INC-EV-HIST-O4", "HISTORICAL"),
                place("INC-EV-HIST-O2", "HISTORICAL"),
                place("INC-EV-HIST-O3", "HISTORICAL"),
                place("INC-EV-HIST-O5", "HISTORICAL"),
            ],
        }
    }

    fn panels(lock: &Value) -> Vec<&Value> {
        lock["domains"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["panels"].as_array().unwrap())
            .collect()
    }

    /// Only what HISAR would render is BOUND: a blocked panel, a bound one whose capability is
    /// deprecated, a never-verified one and one the registry lacks are all UNBOUND, each saying
    /// why (a false BOUND here is a broken panel on screen).
    #[test]
    fn only_renderable_panels_are_bound() {
        let registry = Registry::from_yaml(REGISTRY, "r.yaml").unwrap();
        let state = state(&registry);
        let topology = topology();
        let lock = projection_lock(&ProjectionInput {
            registry: &registry,
            state: &state,
            topology: Some(&topology),
            generated_at: "2026-02-21T09:00:00Z",
            environment: "preflight",
        });
        let list = panels(&lock);
        let status: Vec<(&str, &str)> = list
            .iter()
            .map(|p| {
                (
                    p["panel_id"].as_str().unwrap(),
                    p["binding_status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            status,
            [
                ("INC-EV-HIST-O1", "BOUND"),
                ("INC-EV-HIST-O4", "UNBOUND"),
                ("INC-EV-HIST-O2", "UNBOUND"),
                ("INC-EV-HIST-O3", "UNBOUND"),
                ("INC-EV-HIST-O5", "UNBOUND"),
            ]
        );
        let reason = |i: usize| list[i]["disabled_reason"].as_str().unwrap_or_default();
        assert_eq!(list[0]["disabled_reason"], Value::Null);
        assert!(reason(1).contains("not in the registry"), "{}", reason(1));
        assert!(
            reason(2).starts_with("HISAR: blocked: ENDPOINT_MISSING"),
            "{}",
            reason(2)
        );
        assert!(
            reason(3).contains("capability incidents.old is DEPRECATED"),
            "{}",
            reason(3)
        );
        assert_eq!(reason(4), "HISAR: never verified");
        assert_eq!(
            list[0]["binding_metadata"]["scenario_ids"],
            json!(["hisar-sweep-7"])
        );
        assert_eq!(
            list[0]["binding_metadata"]["observed_at"],
            "2026-02-21T08:00:00Z"
        );
        assert!(list[1].get("binding_metadata").is_none());
        assert_eq!(list[0]["panel_class"], "interpretation");
        assert_eq!(list[0]["provenance"]["aggregation"], "SUM");
        assert_eq!(list[2]["panel_class"], "execution");
        assert_eq!(list[0]["permissions"]["read"], true);
        assert_eq!(list[0]["permissions"]["write"], false);
        assert_eq!(
            list[0]["route"],
            "/incidents/events/historical/INC-EV-HIST-O1"
        );
        let order: Vec<u64> = list
            .iter()
            .map(|p| p["panel_display_order"].as_u64().unwrap())
            .collect();
        assert_eq!(order, [0, 1, 2, 3, 4]);
        let counts = &lock["_statistics"];
        assert_eq!(
            (
                counts["panel_count"].as_u64(),
                counts["bound_panels"].as_u64(),
                counts["unbound_panels"].as_u64()
            ),
            (Some(5), Some(1), Some(4))
        );
        assert_eq!(lock["_meta"]["source"], "HISAR history, sweep #7");
        assert_eq!(lock["domains"][0]["domain"], "Incidents");
        assert_eq!(
            lock["domains"][0]["subdomains"][0]["topics"][0]["id"],
            "historical"
        );
    }

    #[test]
    fn without_history_or_layout_nothing_is_bound() {
        let registry = Registry::from_yaml(REGISTRY, "r.yaml").unwrap();
        let state = derive(&registry, &[]).0;
        let lock = projection_lock(&ProjectionInput {
            registry: &registry,
            state: &state,
            topology: None,
            generated_at: "2026-02-21T09:00:00Z",
            environment: "production",
        });
        let list = panels(&lock);
        assert_eq!(list.len(), 4);
        assert!(
            list.iter()
                .all(|p| p["binding_status"] == "UNBOUND" && p["enabled"] == false)
        );
        // Places come from the ids: INC-EV-HIST-O1 → subdomain EV, topic HIST.
        assert_eq!(list[0]["topic_id"], "INCIDENTS.EV.HIST");
        assert_eq!(lock["_meta"]["sdsr_verified"], false);
        assert_eq!(lock["_meta"]["environment"], "production");
    }
}
