//! Parse + classify of realistic JSON bodies (1 KiB, 16 KiB, 256 KiB) beside a baseline that
//! only parses the same bytes with serde_json, so the classifier's share is visible: the
//! ratio of their throughputs is BENCHMARKS.md's "parse + classify / parse only". A third
//! routine classifies the same body already parsed, the classifier's own cost at that size.
//!
//! Every routine gets its input from an untimed setup and returns what it built, so copying
//! the bytes in and freeing the parsed tree stay outside the timing; each iteration is timed
//! on its own (`BatchSize::PerIteration`) so that no batch of parsed trees piles up in memory.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hisar_benches::{BOUND_PANEL, sized_body};
use hisar_core::{Body, Observation, Registry, Response, Status, classify};

fn bench(c: &mut Criterion) {
    let registry = Registry::from_yaml(BOUND_PANEL, "bench").expect("valid registry");
    let panel = &registry.panels()[0];
    let observe = |bytes: &[u8]| {
        Observation::answered(Response {
            status: 200,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Body::new(bytes),
        })
    };

    let mut group = c.benchmark_group("parse_classify");
    for (label, size) in [("1KiB", 1024), ("16KiB", 16 * 1024), ("256KiB", 256 * 1024)] {
        let bytes = sized_body(size);
        assert_eq!(
            classify(panel, Some(&observe(&bytes)), None).status(),
            Status::Bound
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse_only", label), &bytes, |b, bytes| {
            b.iter_batched(
                || bytes.clone(),
                |bytes| {
                    let value: serde_json::Value =
                        serde_json::from_slice(black_box(&bytes)).expect("valid JSON");
                    (value, bytes)
                },
                BatchSize::PerIteration,
            );
        });
        group.bench_with_input(
            BenchmarkId::new("parse_and_classify", label),
            &bytes,
            |b, bytes| {
                b.iter_batched(
                    || observe(bytes),
                    |observation| {
                        let verdict = classify(panel, Some(black_box(&observation)), None);
                        (verdict, observation)
                    },
                    BatchSize::PerIteration,
                );
            },
        );
        let parsed = observe(&bytes);
        let _ = parsed.response().map(|r| r.body.json());
        group.bench_with_input(
            BenchmarkId::new("classify_preparsed", label),
            &parsed,
            |b, observation| {
                b.iter(|| classify(panel, Some(black_box(observation)), None));
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
