//! Prometheus metrics of the service.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use hisar_core::GapCode;

const SWEEP_BUCKETS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];
const PROBE_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, value: f64) {
        for (i, bound) in self.bounds.iter().enumerate() {
            if value <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str) {
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum {}", self.sum);
        let _ = writeln!(out, "{name}_count {}", self.count);
    }
}

#[derive(Debug)]
struct Inner {
    complete: u64,
    failed: u64,
    sweep_seconds: Histogram,
    probe_seconds: Histogram,
}

/// Counters and histograms of sweeps run by this service.
#[derive(Debug)]
pub(crate) struct Metrics {
    inner: Mutex<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                complete: 0,
                failed: 0,
                sweep_seconds: Histogram::new(&SWEEP_BUCKETS),
                probe_seconds: Histogram::new(&PROBE_BUCKETS),
            }),
        }
    }
}

impl Metrics {
    /// Records a finished (or failed) sweep and the latency of each probed panel.
    pub(crate) fn sweep_done(
        &self,
        ok: bool,
        elapsed: Duration,
        latencies_ms: impl Iterator<Item = u64>,
    ) {
        let mut m = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if ok {
            m.complete += 1;
        } else {
            m.failed += 1;
        }
        m.sweep_seconds.observe(elapsed.as_secs_f64());
        for ms in latencies_ms {
            #[expect(clippy::cast_precision_loss, reason = "milliseconds")]
            m.probe_seconds.observe(ms as f64 / 1000.0);
        }
    }

    /// The exposition text.
    pub(crate) fn render(
        &self,
        panels: &BTreeMap<&str, usize>,
        gaps: &[(GapCode, usize)],
        recorded: usize,
    ) -> String {
        let m = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        out.push_str("# HELP hisar_sweeps_total Sweeps run by this service, by outcome.\n# TYPE hisar_sweeps_total counter\n");
        let _ = writeln!(
            out,
            "hisar_sweeps_total{{outcome=\"complete\"}} {}",
            m.complete
        );
        let _ = writeln!(out, "hisar_sweeps_total{{outcome=\"failed\"}} {}", m.failed);
        out.push_str("# HELP hisar_sweeps_recorded Sweeps in the shared history (CLI and service).\n# TYPE hisar_sweeps_recorded gauge\n");
        let _ = writeln!(out, "hisar_sweeps_recorded {recorded}");
        out.push_str("# HELP hisar_panels Panels by tracked status.\n# TYPE hisar_panels gauge\n");
        for (status, n) in panels {
            let _ = writeln!(out, "hisar_panels{{status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP hisar_gaps Blocked panels by gap code.\n# TYPE hisar_gaps gauge\n");
        for (code, n) in gaps {
            let _ = writeln!(
                out,
                "hisar_gaps{{code=\"{code}\",priority=\"P{}\"}} {n}",
                code.priority()
            );
        }
        out.push_str("# HELP hisar_sweep_duration_seconds Wall time of sweeps run by this service.\n# TYPE hisar_sweep_duration_seconds histogram\n");
        m.sweep_seconds
            .render(&mut out, "hisar_sweep_duration_seconds");
        out.push_str("# HELP hisar_probe_latency_seconds Latency of each probed panel's request.\n# TYPE hisar_probe_latency_seconds histogram\n");
        m.probe_seconds
            .render(&mut out, "hisar_probe_latency_seconds");
        out
    }
}
