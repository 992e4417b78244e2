//! The HTTP response classifier (SPEC §3) on any answer: status, headers and body come from
//! the input, and every panel of a registry made to reach every stage (coherency against a
//! route table, status, contract with invariants, provenance at the top or at a pointer) is
//! classified with it, with and without the table. Never a panic, a verdict is always one of
//! BOUND, BLOCKED with a gap, or UNVERIFIED, and once masked (SPEC §3.6) no text of it holds
//! the sweep's secret, wherever in the answer (body, Location, transport error) it came.
#![no_main]

use std::sync::OnceLock;

use hisar_core::{
    Body, Masker, Observation, Outcome, Registry, Response, RouteTable, TransportErrorKind,
    classify,
};
use libfuzzer_sys::fuzz_target;

const REGISTRY: &str = r#"
version: 1
defaults: { class: evidence }
domains: [{ code: A, name: ALPHA }]
panels:
  - { id: A-B-C-O1, capability: a.one, endpoint: /health }
  - id: A-B-C-O2
    capability: a.two
    endpoint: GET /cost/summary
    class: interpretation
    provenance: { aggregation: summary }
    invariants: ["$.total >= 0", "$.items[*].id exists", "$.items count <= 100", "not $.error exists"]
  - id: A-B-C-O3
    capability: a.three
    endpoint: /runs/{run_id}
    path_params: { run_id: r1 }
    provenance: { at: /meta/provenance, aggregation: detail }
    invariants: ['$.name matches "^[a-z]+$"', '$.started isIsoDate', 'header "content-type" contains "json"', 'duration < 2000', 'status == 200']
  - { id: A-B-C-O4, capability: a.four, endpoint: /text, body: text }
  - { id: A-B-C-O5, capability: a.five, endpoint: /anything, body: any }
  - { id: A-B-C-O6, capability: a.six, endpoint: POST /runs/search, invariants: ['$..id isString', '$.items[?@.x > 1] isEmpty'] }
  - { id: A-B-C-O7, capability: a.seven, endpoint: /incidents/active }
"#;

const ROUTES: &str = r#"{"/health": ["GET"], "/api/v1/cost/summary": ["GET"], "/runs/{id}": ["GET", "DELETE"], "/runs/search": ["GET"], "/incidents/{incident_id}": ["GET"], "/text/": ["GET"]}"#;

const CONTENT_TYPES: [Option<&str>; 6] = [
    Some("application/json"),
    Some("application/problem+json; charset=utf-8"),
    Some("text/html; charset=utf-8"),
    Some("text/plain"),
    None,
    Some("application/octet-stream"),
];

const FAILURES: [TransportErrorKind; 6] = [
    TransportErrorKind::Refused,
    TransportErrorKind::Dns,
    TransportErrorKind::Timeout,
    TransportErrorKind::Tls,
    TransportErrorKind::Reset,
    TransportErrorKind::Other,
];

/// The sweep's secret: a backend may echo it anywhere (seeds in `fuzz/seeds/classify/echo-*`).
const SECRET: &str = "Zk9-fuzz-SECRET-7q";

fn fixture() -> &'static (Registry, RouteTable, Masker) {
    static FIXTURE: OnceLock<(Registry, RouteTable, Masker)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut masker = Masker::default();
        masker.add(SECRET);
        (
            Registry::from_yaml(REGISTRY, "fuzz.yaml").expect("the fuzz registry loads"),
            RouteTable::parse(ROUTES).expect("the fuzz route table parses"),
            masker,
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (registry, routes, masker) = fixture();
    if data.len() < 4 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]) % 1000;
    let flags = data[3];
    // The rest: a Location (up to the first NUL), then the body.
    let rest = &data[4..];
    let (location, body) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&[][..], rest),
    };
    let observation = if flags & 0x80 != 0 {
        let kind = FAILURES[usize::from(data[2]) % FAILURES.len()];
        Observation::failed(kind, String::from_utf8_lossy(body).into_owned())
    } else {
        let mut headers = Vec::new();
        if let Some(ct) = CONTENT_TYPES[usize::from(data[2]) % CONTENT_TYPES.len()] {
            headers.push(("content-type".to_owned(), ct.to_owned()));
        }
        if flags & 0x01 != 0 {
            headers.push((
                "location".to_owned(),
                String::from_utf8_lossy(location).into_owned(),
            ));
        }
        if flags & 0x02 != 0 {
            headers.push(("allow".to_owned(), "POST, DELETE".to_owned()));
        }
        let body = if flags & 0x04 != 0 {
            Body::truncated(body.to_vec(), body.len())
        } else {
            Body::new(body.to_vec())
        };
        Observation::answered(Response {
            status,
            headers,
            body,
        })
    }
    .with_elapsed(u64::from(flags) * 17)
    .at("2026-01-15T08:00:00Z".parse().expect("a timestamp"));
    let mut observation = observation;
    observation.retries = u32::from(flags >> 5 & 0x3);
    if flags & 0x08 != 0 {
        observation.missing_credentials = vec!["TOKEN".to_owned()];
    }
    if flags & 0x10 != 0 {
        // The URL probed, as a sweep records it (its query may carry a key).
        observation.url = Some(format!(
            "http://backend.test/x?q={}",
            String::from_utf8_lossy(location)
        ));
    }
    for panel in registry.panels() {
        for table in [None, Some(routes)] {
            let verdict = classify(panel, Some(&observation), table);
            match &verdict.outcome {
                Outcome::Bound => {
                    assert!(verdict.gap().is_none(), "{}: bound with a gap", panel.id)
                }
                Outcome::Blocked(gap) => assert!(!gap.detail.is_empty(), "{}", panel.id),
                Outcome::Unverified { reason } => assert!(!reason.is_empty(), "{}", panel.id),
            }
            let mut masked = verdict.clone();
            masker.mask_verdict(&mut masked);
            let written = serde_json::to_string(&masked).expect("a verdict serializes");
            assert!(
                !written.contains(SECRET),
                "{}: secret kept in {written}",
                panel.id
            );
            // Stage 1 alone (an offline sweep) on the same panel.
            let _ = classify(panel, None, table);
        }
    }
});
