//! History (SPEC §5.2–§5.4): the tracker as a pure function of stored sweeps.
//!
//! A [`Ledger`] folds sweeps in order. A gap has an identity (panel, code) and a first-seen
//! time; BLOCKED → BOUND is a resolution, BOUND → BLOCKED a regression; a change of code keeps
//! the first-seen time of the panel's blocked spell; a partial sweep touches only the panels it
//! probed; an `UNVERIFIED` verdict changes nothing. Capabilities move between `DECLARED`,
//! `OBSERVED` and `TRUSTED` by the [`TrustPolicy`](crate::TrustPolicy). Times come from the
//! records: nothing here reads a clock.
//!
//! - [`record`](self::record): what a sweep stores;
//! - [`ledger`](self::ledger): folding sweeps into the tracked state, and diffs;
//! - [`trust`](self::trust): capability status over a window of sweeps;
//! - [`gate`](self::gate): the verdict CI acts on.

mod gate;
mod ledger;
mod record;
mod trust;

pub use gate::{GateReport, gate};
pub use ledger::{
    Change, ChangeKind, FOLD_VERSION, Ledger, PanelState, Resolution, SweepMeta, Tracked,
    TrackerState, derive, diff, diff_tracked,
};
pub use record::{NewSweep, PanelRecord, Selection, SweepRecord, day};
pub use trust::{CapabilityState, CapabilityStatus};

#[cfg(test)]
mod tests;
