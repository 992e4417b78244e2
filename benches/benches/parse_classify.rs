//! Parse + classify of realistic JSON bodies (1 KiB, 16 KiB, 256 KiB) beside a baseline that
//! only parses the same bytes with serde_json, so the classifier's share is visible: the
//! ratio of their throughputs is BENCHMARKS.md's "parse + classify / parse only".
//!
//! Both routines start from the raw bytes and return what they built, so copying the bytes in
//! (setup) and freeing the parsed tree (after the routine) are outside the timing of both.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hisar_benches::{BOUND_PANEL, sized_body};
use hisar_core::{Body, Observation, Registry, Response, Status, classify};

fn bench(c: &mut Criterion) {
    let registry = Registry::from_yaml(BOUND_PANEL, "bench").expect("valid registry");
    let panel = &registry.panels[0];
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
                BatchSize::SmallInput,
            );
        });
        group.bench_with_input(
            BenchmarkId::new("x_iter_parse", label),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    serde_json::from_slice::<serde_json::Value>(black_box(bytes)).expect("ok")
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("x_body_json", label),
            &bytes,
            |b, bytes| {
                b.iter_batched(
                    || observe(bytes),
                    |observation| {
                        let _ = observation.response().unwrap().body.json().is_ok();
                        observation
                    },
                    BatchSize::SmallInput,
                );
            },
        );
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
                    BatchSize::SmallInput,
                );
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
