//! The runner the service sweeps with: `hisar-probe`'s [`Sweeper`] behind a small trait, so
//! tests can bring their own.

use async_trait::async_trait;
use hisar_core::history::{NewSweep, Selection};
use hisar_probe::{SweepError, Sweeper};

/// Runs one sweep of a selection and returns it, ready to record.
#[async_trait]
pub trait SweepRunner: Send + Sync {
    /// Probes the selected panels.
    async fn sweep(&self, selection: Selection) -> Result<NewSweep, SweepError>;
}

#[async_trait]
impl SweepRunner for Sweeper {
    async fn sweep(&self, selection: Selection) -> Result<NewSweep, SweepError> {
        // Misconfiguration first, once per variable, before the first request (SPEC §3.5).
        for line in self.preflight(&selection)? {
            tracing::warn!("{line}");
        }
        let swept = Sweeper::sweep(self, selection, &|_, _| {}).await?;
        for warning in &swept.warnings {
            tracing::warn!("{warning}");
        }
        if let Some(reason) = &swept.degraded {
            tracing::warn!("sweep degraded: {reason}");
        }
        Ok(swept.sweep)
    }
}
