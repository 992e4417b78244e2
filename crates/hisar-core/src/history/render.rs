//! The render plan: which panels the UI shell may render, and why (SPEC §1: only bound ones
//! do). One decision per registry panel, from the tracked state alone.

use serde::Serialize;

use super::ledger::TrackerState;
use super::trust::CapabilityStatus;
use crate::registry::Registry;
use crate::verdict::Status;

/// Whether the UI may render one panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderEntry {
    /// The panel id.
    pub id: String,
    /// True only for a panel bound in its latest verification whose capability is
    /// `OBSERVED` or `TRUSTED`.
    pub render: bool,
    /// Why, in a few words: the sweep that bound it, or what keeps it from rendering.
    pub reason: String,
    /// The panel's tracked status.
    pub status: Status,
    /// Its capability.
    pub capability: String,
    /// The capability's status, when history knows it.
    pub capability_status: Option<CapabilityStatus>,
}

/// The render decision of every registry panel, in registry order.
pub fn render_plan(registry: &Registry, state: &TrackerState) -> Vec<RenderEntry> {
    registry
        .panels()
        .iter()
        .zip(&state.panels)
        .map(|(p, s)| {
            let cap = state.capabilities.get(&p.capability).map(|c| c.status);
            let cap_ok = matches!(
                cap,
                Some(CapabilityStatus::Observed | CapabilityStatus::Trusted)
            );
            let (render, reason) = match (s.status, &s.verdict) {
                (Status::Bound, _) if cap_ok => {
                    let mut why = format!("bound in sweep #{}", s.verified_in.unwrap_or_default());
                    if let Some(r) = &s.unverified_now {
                        why.push_str(&format!("; not re-verified in the latest sweep ({r})"));
                    }
                    (true, why)
                }
                (Status::Bound, _) => (
                    false,
                    format!(
                        "capability {} is {}",
                        p.capability,
                        cap.map_or("DECLARED", |c| c.as_str())
                    ),
                ),
                (Status::Blocked, Some(v)) => (
                    false,
                    v.gap()
                        .map_or_else(String::new, |g| format!("blocked: {} {}", g.code, g.detail)),
                ),
                _ => (false, "never verified".to_owned()),
            };
            RenderEntry {
                id: p.id.as_str().to_owned(),
                render,
                reason,
                status: s.status,
                capability: p.capability.as_str().to_owned(),
                capability_status: cap,
            }
        })
        .collect()
}
