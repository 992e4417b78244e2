//! The gate (SPEC §5.3): the exit code CI acts on, with waivers.

use jiff::civil::Date;

use super::ledger::{Change, ChangeKind, TrackerState};
use crate::policy::{FailOn, Waiver};
use crate::registry::Registry;
use crate::verdict::{GapCode, Status, Verdict};

/// The gate's decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateReport {
    /// Whether the policy failed.
    pub failed: bool,
    /// The gaps that failed it (`PANEL CODE: why`).
    pub reasons: Vec<String>,
    /// Gaps the policy would have counted but a waiver covers.
    pub waived: Vec<String>,
    /// Waivers past their expiry date.
    pub expired: Vec<Waiver>,
}

/// Applies the gate policy to the changes of the latest sweep and the current state.
pub fn gate(
    policy: FailOn,
    registry: &Registry,
    state: &TrackerState,
    changes: &[Change],
    today: Date,
) -> GateReport {
    let mut report = GateReport {
        expired: registry
            .waivers()
            .iter()
            .filter(|w| !w.active_on(today))
            .cloned()
            .collect(),
        ..GateReport::default()
    };
    let waived = |panel: &str, code: GapCode| {
        registry
            .waivers()
            .iter()
            .any(|w| w.panel.as_str() == panel && w.code == code && w.active_on(today))
    };
    let mut consider = |panel: &str, code: GapCode, why: &str| {
        let line = format!("{panel} {code}: {why}");
        if waived(panel, code) {
            report.waived.push(line);
        } else {
            report.reasons.push(line);
        }
    };
    match policy {
        FailOn::Never => {}
        FailOn::Regressed => {
            for c in changes.iter().filter(|c| c.kind == ChangeKind::Regressed) {
                consider(&c.panel, c.code, "regressed");
            }
        }
        FailOn::New => {
            for c in changes {
                match &c.kind {
                    ChangeKind::New => consider(&c.panel, c.code, "new gap"),
                    ChangeKind::Regressed => consider(&c.panel, c.code, "regressed"),
                    ChangeKind::CodeChanged { from } => {
                        consider(&c.panel, c.code, &format!("gap changed from {from}"));
                    }
                    ChangeKind::Resolved | ChangeKind::Superseded | ChangeKind::Retired => {}
                }
            }
        }
        FailOn::Blocked => {
            for p in state.panels.iter().filter(|p| p.status == Status::Blocked) {
                if let Some(code) = p.verdict.as_ref().and_then(Verdict::code) {
                    consider(&p.panel, code, "blocked");
                }
            }
        }
    }
    report.failed = !report.reasons.is_empty();
    report
}
