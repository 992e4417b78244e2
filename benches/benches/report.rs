//! Priority-fix derivation, history folding, the stored snapshot of the tracked state (encode,
//! decode, state) and Markdown rendering for [`VERDICTS`] verdicts
//! (two sweeps of a synthetic registry, every gap code, resolutions, regressions and unverified
//! panels; see `hisar_benches::tracker`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use hisar_benches::tracker;
use hisar_core::history::Ledger;
use hisar_core::{Gap, Panel, priority_fixes};
use hisar_report::{Report, write_markdown};
use hisar_store::Fold;

/// Panels of the tracked registry.
const VERDICTS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let (registry, sweeps) = tracker::sweeps(VERDICTS);
    let state = tracker::state(&registry, &sweeps);
    let today = jiff::civil::date(2026, 1, 15);
    let blocked: Vec<(&Panel, &Gap)> = registry
        .panels()
        .iter()
        .zip(&state.panels)
        .filter_map(|(p, s)| s.verdict.as_ref().and_then(|v| v.gap()).map(|g| (p, g)))
        .collect();

    let mut group = c.benchmark_group("report");
    // Slow routines: ten samples of a fixed number of iterations each.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(VERDICTS as u64));
    group.bench_function(format!("priority_fixes_{VERDICTS}"), |b| {
        b.iter(|| priority_fixes(black_box(blocked.iter().copied())));
    });
    group.bench_function(format!("ledger_fold_2_sweeps_{VERDICTS}"), |b| {
        b.iter(|| tracker::state(black_box(&registry), black_box(&sweeps)));
    });
    // The snapshot a store keeps beside each sweep: written with every sweep, read by every
    // report, list and the service instead of a replay.
    let ledger = Ledger::replay(registry.trust().clone(), &sweeps);
    let fold = Fold::new(&registry);
    let snapshot = fold.encode(&ledger);
    group.bench_function(format!("snapshot_encode_{VERDICTS}"), |b| {
        b.iter(|| fold.encode(black_box(&ledger)).len());
    });
    group.bench_function(format!("snapshot_decode_{VERDICTS}"), |b| {
        b.iter(|| fold.decode(black_box(&snapshot)).map(|l| l.sweeps()));
    });
    group.bench_function(format!("ledger_state_{VERDICTS}"), |b| {
        b.iter(|| black_box(&ledger).state(&registry).panels.len());
    });
    let mut out = Vec::with_capacity(64 << 20);
    group.bench_function(format!("markdown_{VERDICTS}"), |b| {
        b.iter(|| {
            out.clear();
            let report = Report::new(&registry, &state, today, "hisar.yaml");
            write_markdown(&report, &mut out).expect("writes to memory");
            out.len()
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
