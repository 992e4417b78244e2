//! Snapshots of every renderer on one fixed history.
//!
//! The fixture is a small registry and three sweeps at fixed times whose tracked state holds
//! bound panels, every gap code, a resolution, regressions, a code change, a panel unverified in
//! the latest sweep, a panel never verified, an active and an expired waiver. Any change to a
//! rendered byte shows up here as a snapshot diff.

use hisar_core::history::{Ledger, PanelRecord, Selection, SweepRecord, TrackerState};
use hisar_core::{GapCode, Observation, Registry, Response, Status, TransportErrorKind, classify};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::{
    GapFilter, Report, json_report, json_value, render_html, write_html, write_json, write_junit,
    write_markdown,
};

const REGISTRY: &str = r#"
version: 1
auth:
  user:
    headers: { Authorization: "Bearer ${AUTH_TOKEN}" }
defaults: { class: evidence }
domains:
  - { code: OVR, name: OVERVIEW }
  - { code: INC, name: INCIDENTS }
  - { code: ACT, name: ACTIVITY }
  - { code: LOG, name: LOGS }
panels:
  - id: OVR-SUM-CI-O1
    capability: overview.cost_summary
    endpoint: GET /cost/summary
    params: { window: 24h }
    class: interpretation
    provenance: { aggregation: summary }
    invariants: ["$.total_cost isNumber"]
    purpose: Cost summary for the tenant
  - id: OVR-SUM-CI-O2
    capability: overview.cost_trend
    endpoint: /cost/trend
    class: interpretation
    provenance: { aggregation: list }
  - id: OVR-SUM-CI-O3
    capability: overview.forecast
    endpoint: /cost/forecast
    class: interpretation
    provenance: { aggregation: summary }
    purpose: Forecast | next month
  - id: INC-EV-RES-O1
    capability: incidents.detail
    endpoint: /incidents/{incident_id}
    path_params: { incident_id: inc-001 }
    auth: user
  - id: INC-EV-RES-O2
    capability: incidents.timeline
    endpoint: /incidents/{incident_id}/timeline
    path_params: { incident_id: inc-001 }
  - id: INC-EV-RES-O3
    capability: incidents.summary
    endpoint: /incidents/summary
    class: interpretation
    provenance: { aggregation: count }
    invariants: ["$.open isNumber"]
  - id: ACT-LLM-LIVE-O1
    capability: activity.jobs
    endpoint: GET /agents/jobs
    invariants: ["$.items isArray"]
  - id: ACT-LLM-LIVE-O2
    capability: activity.search
    endpoint: POST /agents/jobs/search
  - id: LOG-REC-SYS-O1
    capability: logs.health_check
    endpoint: /health
  - id: LOG-REC-SYS-O2
    capability: logs.stream
    endpoint: /logs/stream
  - id: LOG-REC-SYS-O3
    capability: logs.archive
    endpoint: /logs/archive
waivers:
  - { panel: INC-EV-RES-O1, code: AUTH_FAILURE, owner: "platform | gateway", expires: 2026-12-31, reason: gateway rework }
  - { panel: OVR-SUM-CI-O3, code: ENDPOINT_MISSING, owner: forecasting, expires: 2026-01-10, reason: "engine not\nshipped" }
tracker:
  related: PIN-427
  references: [docs/gaps.md]
"#;

/// The day the fixture's reports are rendered.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 1, 15)
}

/// 2026-01-13T08:00:00Z plus whole days.
fn at(day: i64) -> Timestamp {
    Timestamp::from_second(1_768_291_200 + day * 86_400).expect("valid timestamp")
}

fn registry() -> Registry {
    Registry::from_yaml(REGISTRY, "hisar.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn provenance(aggregation: &str, when: Timestamp) -> Value {
    let generated_at = when
        .checked_sub(jiff::SignedDuration::from_mins(1))
        .expect("in range");
    json!({
        "generated_at": generated_at.to_string(),
        "aggregation": aggregation,
        "source": "cost-engine",
    })
}

fn ok(body: Value) -> Observation {
    Observation::answered(Response::json(200, body))
}

fn status(code: u16, body: Value) -> Observation {
    Observation::answered(Response::json(code, body))
}

/// What each panel answered in each sweep (`None`: not probed).
fn observation(panel: &str, sweep: u64, when: Timestamp) -> Option<Observation> {
    let seen = match (panel, sweep) {
        // Bound, bound, then bound without provenance: a regression to PROVENANCE_MISSING.
        ("OVR-SUM-CI-O1", 1 | 2) => ok(json!({
            "total_cost": 12.5,
            "provenance": provenance("summary", when),
        })),
        ("OVR-SUM-CI-O1", _) => ok(json!({"total_cost": 12.5})),
        // PROVENANCE_MISSING, then resolved.
        ("OVR-SUM-CI-O2", 1) => ok(json!({"points": []})),
        ("OVR-SUM-CI-O2", _) => ok(json!({
            "points": [],
            "provenance": provenance("list", when),
        })),
        // ENDPOINT_MISSING throughout, under an expired waiver.
        ("OVR-SUM-CI-O3", _) => status(404, json!({"detail": "Not Found"})),
        // AUTH_FAILURE throughout, under an active waiver.
        ("INC-EV-RES-O1", _) => {
            let mut seen = status(401, json!({"detail": "missing bearer token"}));
            seen.missing_credentials = vec!["AUTH_TOKEN".to_owned()];
            seen
        }
        // ENDPOINT_MISSING, then SDSR_FAILED: a code change.
        ("INC-EV-RES-O2", 1) => status(404, json!({"detail": "Not Found"})),
        ("INC-EV-RES-O2", _) => status(500, json!({"detail": "timeline store | pool\nexhausted"})),
        // SDSR_FAILED with a secondary PROVENANCE_MISSING finding.
        ("INC-EV-RES-O3", _) => ok(json!({"open": "three"})),
        // Bound, then COHERENCY_FAILED (405): a regression.
        ("ACT-LLM-LIVE-O1", 1) => ok(json!({"items": []})),
        ("ACT-LLM-LIVE-O1", _) => Observation::answered(
            Response::json(405, json!({"detail": "Method Not Allowed"}))
                .with_header("allow", "POST"),
        ),
        ("ACT-LLM-LIVE-O2" | "LOG-REC-SYS-O1", _) => ok(json!({"status": "ok"})),
        // Bound, then unverified in the latest sweep (it keeps BOUND).
        ("LOG-REC-SYS-O2", 1 | 2) => ok(json!({"lines": []})),
        ("LOG-REC-SYS-O2", _) => Observation::failed(TransportErrorKind::Refused, "127.0.0.1:8000"),
        // Never verified: a timeout, then a transient status.
        ("LOG-REC-SYS-O3", 1) => Observation::failed(TransportErrorKind::Timeout, "after 10s"),
        ("LOG-REC-SYS-O3", _) => {
            let mut seen = status(503, json!({"detail": "warming up"}));
            seen.retries = 2;
            seen
        }
        _ => return None,
    };
    let elapsed = 10 + u64::from(u8::try_from(panel.len()).unwrap_or(0)) + sweep * 3;
    Some(seen.with_elapsed(elapsed).at(when))
}

/// Three sweeps a day apart; the second covers the OVR, INC and ACT domains only.
fn sweeps(registry: &Registry) -> Vec<SweepRecord> {
    (1..=3)
        .map(|id| {
            let started_at = at(i64::try_from(id).expect("small") - 1);
            let selection = if id == 2 {
                Selection {
                    panels: Vec::new(),
                    domains: vec!["OVR".to_owned(), "INC".to_owned(), "ACT".to_owned()],
                }
            } else {
                Selection::default()
            };
            let records = registry
                .panels()
                .iter()
                .filter(|p| {
                    selection.is_all()
                        || selection
                            .domains
                            .iter()
                            .any(|d| d == p.id.domain().as_str())
                })
                .map(|p| {
                    let seen = observation(p.id.as_str(), id, started_at);
                    PanelRecord::new(p, classify(p, seen.as_ref(), None))
                })
                .collect();
            SweepRecord {
                id,
                started_at,
                finished_at: started_at
                    .checked_add(jiff::SignedDuration::from_secs(95))
                    .expect("in range"),
                selection,
                records,
            }
        })
        .collect()
}

fn state(registry: &Registry, sweeps: &[SweepRecord]) -> TrackerState {
    Ledger::replay(registry.trust().clone(), sweeps).state(registry)
}

fn render(
    write: fn(&Report<'_>, &mut dyn std::io::Write) -> std::io::Result<()>,
    report: &Report<'_>,
) -> String {
    let mut out = Vec::new();
    write(report, &mut out).expect("writes to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

/// Calls `f` with the report of the fixture history.
fn with_fixture(f: impl FnOnce(&Report<'_>)) {
    let registry = registry();
    let sweeps = sweeps(&registry);
    let state = state(&registry, &sweeps);
    let report = Report::new(&registry, &state, today(), "hisar.yaml").with_history(&sweeps);
    f(&report);
}

#[test]
fn the_fixture_covers_what_the_snapshots_claim() {
    with_fixture(|report| {
        let codes: Vec<GapCode> = report
            .rows()
            .filter_map(|r| r.gap().map(|g| g.code))
            .collect();
        for code in GapCode::ALL {
            assert!(codes.contains(&code), "no {code} in the fixture");
        }
        let state = report.state;
        assert_eq!(state.resolutions.len(), 1);
        assert_eq!(state.regressions().len(), 2);
        assert_eq!(state.unverified_now().len(), 2);
        assert_eq!(report.expired_waivers().count(), 1);
        let waived: Vec<&str> = report
            .rows()
            .filter(|r| report.waiver(r).is_some())
            .map(|r| r.panel.id.as_str())
            .collect();
        assert_eq!(waived, ["INC-EV-RES-O1"]);
        let changed = state.panel("INC-EV-RES-O2").expect("in the registry");
        assert!(changed.code_since > changed.since, "no code change");
        let never = state.panel("LOG-REC-SYS-O3").expect("in the registry");
        assert_eq!(never.status, Status::Unverified);
        let (_, total) = report.dashboard();
        assert_eq!(
            (total.total, total.bound, total.blocked, total.unverified),
            (11, 4, 6, 1)
        );
        assert_eq!(report.series.len(), 3);
    });
}

#[test]
fn markdown() {
    with_fixture(|report| insta::assert_snapshot!(render(write_markdown, report)));
}

#[test]
fn json() {
    with_fixture(|report| insta::assert_snapshot!(render(write_json, report)));
}

#[test]
fn junit() {
    with_fixture(|report| insta::assert_snapshot!(render(write_junit, report)));
}

#[test]
fn html() {
    with_fixture(|report| insta::assert_snapshot!(render(write_html, report)));
}

#[test]
fn html_filtered() {
    let filter = GapFilter {
        domain: Some("INC".to_owned()),
        code: Some(GapCode::SdsrFailed),
    };
    with_fixture(|report| insta::assert_snapshot!(render_html(report, &report.series, &filter)));
}

#[test]
fn never_swept() {
    let registry = registry();
    let state = state(&registry, &[]);
    let report = Report::new(&registry, &state, today(), "hisar.yaml");
    insta::assert_snapshot!("never_swept_markdown", render(write_markdown, &report));
    insta::assert_snapshot!("never_swept_json", render(write_json, &report));
    insta::assert_snapshot!("never_swept_junit", render(write_junit, &report));
    insta::assert_snapshot!("never_swept_html", render(write_html, &report));
}

#[test]
fn typed_json_serializes_as_write_json() {
    with_fixture(|report| {
        let written = render(write_json, report);
        let doc = json_report(report);
        let typed = serde_json::to_string_pretty(&doc).expect("serializes") + "\n";
        assert_eq!(typed, written);
        assert_eq!(
            json_value(report),
            serde_json::to_value(&doc).expect("serializes")
        );
    });
}

#[test]
fn typed_rows_filter_as_the_value_rows_did() {
    with_fixture(|report| {
        let value = json_value(report);
        let by_value: Vec<&Value> = value["panels"]
            .as_array()
            .expect("panels")
            .iter()
            .filter(|p| p["status"] == "BLOCKED" && p["domain"] == "INC")
            .filter(|p| p["gap"]["code"] == "SDSR_FAILED")
            .collect();
        let doc = json_report(report);
        let typed: Vec<Value> = doc
            .panels
            .iter()
            .filter(|p| p.status == Status::Blocked && p.domain == "INC")
            .filter(|p| p.code() == Some(GapCode::SdsrFailed))
            .map(|p| serde_json::to_value(p).expect("serializes"))
            .collect();
        assert_eq!(typed.len(), 2);
        assert_eq!(typed.iter().collect::<Vec<_>>(), by_value);
        let gaps = serde_json::to_value(&doc.summary.gaps).expect("serializes");
        assert_eq!(gaps, value["summary"]["gaps"]);
    });
}

/// Issue 11 (6): backend text (an error message, a redirect's Location, a transport error)
/// went raw into the Markdown tracker, where it rendered as HTML, links and emphasis, and a
/// `|` split its table row. Rendered by a CommonMark (GFM) renderer, the tracker must show
/// that text as it was seen.
#[test]
fn hostile_backend_text_renders_as_text() {
    let registry = Registry::from_yaml(
        r"
version: 1
defaults: { class: evidence }
domains: [{ code: LOG, name: LOGS }]
panels:
  - { id: LOG-A-B-O1, capability: logs.a, endpoint: /a }
  - { id: LOG-A-B-O2, capability: logs.b, endpoint: /b }
  - { id: LOG-A-B-O3, capability: logs.c, endpoint: /c }
  - { id: LOG-A-B-O4, capability: logs.d, endpoint: /d }
",
        "hisar.yaml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let seen = |panel: &str| match panel {
        "LOG-A-B-O1" => status(
            500,
            json!({"detail": "<script>alert(1)</script> | injected cell <img src=x onerror=alert(2)>"}),
        ),
        "LOG-A-B-O2" => Observation::answered(
            Response::json(302, json!({})).with_header("location", "javascript:alert(3)"),
        ),
        "LOG-A-B-O3" => status(
            400,
            json!({"detail": "[click me](javascript:alert(4)) **URGENT** ~~ok~~ `rm -rf` &lt;b&gt; _x_"}),
        ),
        _ => Observation::failed(
            TransportErrorKind::Other,
            "<b>proxy</b> said [retry](http://evil.example) | twice",
        ),
    };
    let started_at = at(0);
    let sweeps = vec![SweepRecord {
        id: 1,
        started_at,
        finished_at: started_at,
        selection: Selection::default(),
        records: registry
            .panels()
            .iter()
            .map(|p| PanelRecord::new(p, classify(p, Some(&seen(p.id.as_str())), None)))
            .collect(),
    }];
    let state = state(&registry, &sweeps);
    let report = Report::new(&registry, &state, today(), "hisar.yaml");
    let markdown = render(write_markdown, &report);
    insta::assert_snapshot!("hostile_markdown", markdown);

    let options =
        pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(&markdown, options),
    );
    // Nothing of the backend's text became markup: not in the whole page, not in the rows.
    for forbidden in [
        "<script",
        "<img",
        "<b>",
        "href=\"javascript",
        "href=\"http://evil",
        "<del>",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} rendered:\n{html}");
    }
    let rows: Vec<&str> = html
        .split("<tr>")
        .filter(|row| row.contains("LOG-A-B-O"))
        .collect();
    assert_eq!(rows.len(), 7, "{html}");
    for row in &rows {
        for forbidden in ["<strong>", "<em>", "<a "] {
            assert!(!row.contains(forbidden), "{forbidden} rendered in {row}");
        }
    }
    // The text is all there, as text, in its cell (a `|` would have cut it off).
    for shown in [
        "&lt;script&gt;alert(1)&lt;/script&gt; | injected cell &lt;img src=x onerror=alert(2)&gt;",
        "javascript:alert(3)",
        "[click me](javascript:alert(4)) **URGENT** ~~ok~~ <code>rm -rf</code> &amp;lt;b&amp;gt; _x_",
        "&lt;b&gt;proxy&lt;/b&gt; said [retry](http://evil.example) | twice",
    ] {
        assert!(html.contains(shown), "{shown} not shown:\n{html}");
    }
}

/// SPEC §5.2: a re-pointed panel's old gap is never shown against its new endpoint nor asked
/// for in the fix lists, and a removed panel is listed as retired. Before, the old gap stayed
/// (shown against the new endpoint, and the fix list asked to create `/cost/forecast`), and
/// the removed panel vanished without a word.
#[test]
fn changed_and_removed_panels() {
    let old = registry();
    let sweeps = sweeps(&old);
    let changed = REGISTRY
        .replace("endpoint: /cost/forecast\n", "endpoint: /cost/forecasts\n")
        .replace(
            "  - id: LOG-REC-SYS-O1\n    capability: logs.health_check\n    endpoint: /health\n",
            "",
        );
    let new = Registry::from_yaml(&changed, "hisar.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert!(new.panel("LOG-REC-SYS-O1").is_none());
    let before = state(&old, &sweeps);
    let after = state(&new, &sweeps);
    let render_md = |registry: &Registry, state: &TrackerState| {
        render(
            write_markdown,
            &Report::new(registry, state, today(), "hisar.yaml"),
        )
    };
    let (md_before, md) = (render_md(&old, &before), render_md(&new, &after));
    assert!(
        md_before.contains("`/cost/forecast` |"),
        "the fixture has the gap"
    );
    assert!(!md.contains("`/cost/forecast`"), "{md}");
    assert!(
        md.contains("changed, not verified since (endpoint changed: GET /cost/forecast → GET /cost/forecasts; its ENDPOINT_MISSING gap is superseded)"),
        "{md}"
    );
    assert!(md.contains("## Retired Panels (1)"), "{md}");
    assert!(
        md.contains(
            "| LOG-REC-SYS-O1 | `GET /health` | BOUND | not swept since (last seen 2026-01-15) |"
        ),
        "{md}"
    );
    assert!(!md_before.contains("## Retired Panels"));
    let report = Report::new(&new, &after, today(), "hisar.yaml");
    let doc = json_value(&report);
    assert_eq!(doc["retired"][0]["panel"], "LOG-REC-SYS-O1");
}
