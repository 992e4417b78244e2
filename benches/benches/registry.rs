//! Registry loading of 10,000 panels (YAML parse, validation, invariant compilation), and
//! planning the sweep of them (URLs built, identical requests merged).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use hisar_benches::Synthetic;
use hisar_core::Registry;

const PANELS: usize = 10_000;

fn bench(c: &mut Criterion) {
    let synthetic = Synthetic {
        panels: PANELS,
        shared_percent: 50,
    };
    let yaml = synthetic.registry_yaml();
    let registry = Registry::from_yaml(&yaml, "synthetic").expect("valid registry");

    let mut group = c.benchmark_group("registry");
    // Slow routines: ten samples of a fixed number of iterations each.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(PANELS as u64));
    group.bench_function("from_yaml_10000_panels", |b| {
        b.iter(|| Registry::from_yaml(black_box(&yaml), "synthetic"));
    });
    let env = BTreeMap::from([("AOS_API_KEY".to_owned(), "bench-key".to_owned())]);
    group.bench_function("plan_10000_panels", |b| {
        b.iter(|| {
            hisar_probe::plan(
                &registry,
                registry.panels().iter().collect(),
                "http://127.0.0.1:8000",
                &env,
                false,
            )
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
