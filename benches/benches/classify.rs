//! Classification of a pre-parsed observation: the BOUND path (five invariants and HIL v1
//! provenance) and each gap path. The body is parsed before timing starts (its JSON is cached
//! in the observation), so these figures are the classifier's own cost per panel.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hisar_benches::{BOUND_PANEL, RUNS_OPENAPI, sized_body};
use hisar_core::{
    Body, Observation, Registry, Response, RouteTable, Status, TransportErrorKind, classify,
};
use serde_json::json;

fn answered(status: u16, body: serde_json::Value) -> Observation {
    Observation::answered(Response::json(status, body))
}

fn bench(c: &mut Criterion) {
    let registry = Registry::from_yaml(BOUND_PANEL, "bench").expect("valid registry");
    let panel = &registry.panels()[0];
    let routes = RouteTable::parse(r#"{"/api/v1/runs/": ["GET"], "/api/v1/agents": ["GET"]}"#)
        .expect("valid route table");
    // The same route with and without the backend's response schema (SPEC §3.7): the ratio of
    // the two is the cost of checking an answer against its schema, compiled once per table.
    let served = RouteTable::parse(r#"{"/api/v1/runs": ["GET"]}"#).expect("valid route table");
    let with_schema = RouteTable::parse(RUNS_OPENAPI).expect("valid OpenAPI document");

    let bytes = sized_body(1024);
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
    let mut no_provenance = value.clone();
    no_provenance
        .as_object_mut()
        .expect("an object")
        .remove("provenance");
    let mut failing = value.clone();
    failing["total"] = json!(-1);
    let html = Observation::answered(Response {
        status: 200,
        headers: vec![("content-type".to_owned(), "text/html".to_owned())],
        body: Body::new(&b"<!doctype html><html><body><div id=root></div></body></html>"[..]),
    });
    let cases: Vec<(&str, Observation, Option<&RouteTable>, Status)> = vec![
        ("bound", answered(200, value.clone()), None, Status::Bound),
        (
            "bound_route_table",
            answered(200, value.clone()),
            Some(&served),
            Status::Bound,
        ),
        (
            "bound_response_schema",
            answered(200, value),
            Some(&with_schema),
            Status::Bound,
        ),
        (
            "auth_failure_401",
            answered(401, json!({"detail": "Not authenticated"})),
            None,
            Status::Blocked,
        ),
        (
            "endpoint_missing_404",
            answered(404, json!({"detail": "Not Found"})),
            None,
            Status::Blocked,
        ),
        (
            "coherency_failed_405",
            Observation::answered(
                Response::json(405, json!({"detail": "Method Not Allowed"}))
                    .with_header("allow", "POST"),
            ),
            None,
            Status::Blocked,
        ),
        (
            "coherency_failed_route_table",
            answered(404, json!({"detail": "Not Found"})),
            Some(&routes),
            Status::Blocked,
        ),
        (
            "provenance_missing",
            answered(200, no_provenance),
            None,
            Status::Blocked,
        ),
        (
            "sdsr_failed_invariant",
            answered(200, failing),
            None,
            Status::Blocked,
        ),
        (
            "sdsr_failed_500",
            answered(500, json!({"detail": "Internal Server Error"})),
            None,
            Status::Blocked,
        ),
        ("sdsr_failed_html", html, None, Status::Blocked),
        (
            "unverified_refused",
            Observation::failed(TransportErrorKind::Refused, "Connection refused"),
            None,
            Status::Unverified,
        ),
    ];

    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(1));
    for (name, observation, routes, expected) in &cases {
        // Parse outside the timing, and check the case is the path it claims to be.
        let _ = observation.response().map(|r| r.body.json());
        assert_eq!(
            classify(panel, Some(observation), *routes).status(),
            *expected,
            "{name}"
        );
        if name.starts_with("bound_") {
            // The schema was really used: a schema that could not be would be a finding.
            let findings = classify(panel, Some(observation), *routes).findings;
            assert!(findings.is_empty(), "{name}: {findings:?}");
        }
        group.bench_function(*name, |b| {
            b.iter(|| classify(black_box(panel), Some(black_box(observation)), *routes));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
