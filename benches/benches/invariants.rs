//! Invariant parsing: the compile step the registry runs once per invariant when it loads
//! (JSONPath queries and regular expressions are built here, never per observation).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hisar_core::Invariant;

/// Invariants as the reference registry writes them, one of each form.
const INVARIANTS: [&str; 10] = [
    "$.items isArray",
    "$.total >= 0",
    "$.items[*].id exists",
    "$.items count <= 100",
    "$.decisions[*].decided_at isIsoDate",
    r#"$.runs[*].state matches "^(running|queued|completed|failed)$""#,
    r#"$.cost.currency == "USD""#,
    "not $.error exists",
    r#"header "content-type" contains "json""#,
    "duration < 2000",
];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("invariants");
    group.throughput(Throughput::Elements(INVARIANTS.len() as u64));
    group.bench_function("parse_10_mixed", |b| {
        b.iter(|| {
            INVARIANTS
                .iter()
                .map(|text| Invariant::parse(black_box(text)).expect("valid invariant"))
                .collect::<Vec<_>>()
        });
    });
    group.throughput(Throughput::Elements(1));
    for (name, text) in [
        ("parse_jsonpath_type", INVARIANTS[0]),
        ("parse_jsonpath_wildcard", INVARIANTS[2]),
        ("parse_regex", INVARIANTS[5]),
        ("parse_header", INVARIANTS[8]),
    ] {
        group.bench_function(name, |b| b.iter(|| Invariant::parse(black_box(text))));
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
