//! History (SPEC §5.2–§5.4): the tracker as a pure function of stored sweeps.
//!
//! A [`Ledger`] folds sweeps in order. A gap has an identity (panel, code) and a first-seen
//! time; BLOCKED → BOUND is a resolution, BOUND → BLOCKED a regression; a change of code keeps
//! the first-seen time of the panel's blocked spell; a partial sweep touches only the panels it
//! probed; an `UNVERIFIED` verdict changes nothing. A verdict holds for one probe identity
//! (method, path template, parameter values, auth mode): when the registry changes it, the
//! panel's open gap closes as superseded and the panel is "changed, not verified since"; a
//! panel removed from the registry closes as retired. Capabilities move between `DECLARED`,
//! `OBSERVED` and `TRUSTED` by the [`TrustPolicy`](crate::TrustPolicy). Times come from the
//! records: nothing here reads a clock.
//!
//! - [`record`](self::record): what a sweep stores;
//! - [`ledger`](self::ledger): folding sweeps into the tracked state, and diffs;
//! - [`trust`](self::trust): capability status over a window of sweeps;
//! - [`gate`](self::gate): the verdict CI acts on;
//! - [`render`](self::render): which panels the UI shell may render.

mod gate;
mod ledger;
mod record;
mod render;
mod trust;

pub use gate::{GateReport, gate};
pub use ledger::{
    Change, ChangeKind, Closure, FOLD_VERSION, Ledger, PanelState, RETIRED_SHOWN_FOR, Resolution,
    RetiredPanel, SweepMeta, Tracked, TrackerState, closed_by_the_registry, derive, diff,
    diff_tracked,
};
pub use record::{
    NewSweep, PanelRecord, ProbeIdentity, Selection, SweepRecord, day, identity_change,
};
pub use render::{RenderEntry, render_plan};
pub use trust::{CapabilityState, CapabilityStatus};

#[cfg(test)]
mod tests;
