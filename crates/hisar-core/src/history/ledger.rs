//! The ledger: sweeps folded, in order, into the tracked state of every panel.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::record::{Selection, SweepRecord};
use super::trust::{CapTrack, CapabilityState, CapabilityStatus, next_trust, window_stats};
use crate::id::CapabilityId;
use crate::index::IdIndex;
use crate::model::DeclaredStatus;
use crate::policy::TrustPolicy;
use crate::registry::Registry;
use crate::verdict::{GapCode, Status, Verdict};

/// What changed for one panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeKind {
    /// A gap appeared on a panel that was not known bound.
    New,
    /// A blocked panel became bound.
    Resolved,
    /// A bound panel became blocked.
    Regressed,
    /// A blocked panel's gap code changed.
    CodeChanged {
        /// The previous code.
        from: GapCode,
    },
}

/// One change between two points of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The panel.
    pub panel: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: ChangeKind,
    /// The gap code involved: the new code, or for a resolution the code resolved.
    pub code: GapCode,
}

/// A dated resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The panel.
    pub panel: String,
    /// Its endpoint when resolved.
    pub endpoint: String,
    /// The code resolved.
    pub code: GapCode,
    /// First seen time of the blocked spell.
    pub first_seen: Timestamp,
    /// When the sweep that saw it bound ran.
    pub resolved_at: Timestamp,
    /// That sweep's id.
    pub sweep: u64,
    /// What was seen, e.g. `HTTP 200, 3/3 invariants, 12 ms`.
    pub seen: String,
}

/// The tracked state of one panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelState {
    /// The panel.
    pub panel: String,
    /// BOUND or BLOCKED from its last verified verdict; UNVERIFIED when never verified.
    pub status: Status,
    /// The last verified verdict.
    pub verdict: Option<Verdict>,
    /// The sweep that gave it.
    pub verified_in: Option<u64>,
    /// When that sweep ran.
    pub verified_at: Option<Timestamp>,
    /// Start of the current spell: first seen blocked, or first seen bound.
    pub since: Option<Timestamp>,
    /// When the current gap code was first seen (equals `since` unless the code changed).
    pub code_since: Option<Timestamp>,
    /// When the current blocked spell began with a regression.
    pub regressed_at: Option<Timestamp>,
    /// The reason, when the panel was unverified in the latest sweep.
    pub unverified_now: Option<String>,
}

/// A summary of the latest sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// Id.
    pub id: u64,
    /// Start.
    pub started_at: Timestamp,
    /// End.
    pub finished_at: Timestamp,
    /// Coverage.
    pub selection: Selection,
    /// Panels probed.
    pub panels: usize,
}

/// The version of the fold's semantics and of the ledger's serialized form. Bump it whenever
/// [`Ledger::apply`] would fold the same sweeps differently, or a field of the ledger changes
/// meaning: stores keep a snapshot of the ledger keyed by it, and rebuild their snapshots once
/// (from their stored sweeps) when it changes. Fields *added* with a serde default need no bump
/// when their default is what the old fold meant.
pub const FOLD_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Track {
    state: PanelState,
}

/// Folds sweeps into tracked state.
///
/// A ledger serializes (with serde; the format is the caller's) as a snapshot of the fold:
/// everything but the trust policy, which comes from the registry. Restore one with
/// [`Ledger::from_snapshot`]; applying further sweeps to it gives what replaying every sweep
/// from the start would. Every field has a serde default, so a snapshot written before a field
/// was added still reads; unknown fields are ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ledger {
    #[serde(skip)]
    policy: TrustPolicy,
    #[serde(default)]
    tracks: BTreeMap<String, Track>,
    #[serde(default)]
    resolutions: Vec<Resolution>,
    #[serde(default)]
    caps: BTreeMap<String, CapTrack>,
    #[serde(default)]
    latest: Option<SweepMeta>,
    #[serde(default)]
    sweeps: usize,
}

impl Ledger {
    /// An empty ledger.
    pub fn new(policy: TrustPolicy) -> Self {
        Self {
            policy,
            tracks: BTreeMap::new(),
            resolutions: Vec::new(),
            caps: BTreeMap::new(),
            latest: None,
            sweeps: 0,
        }
    }

    /// Folds every sweep in order.
    pub fn replay<'a>(
        policy: TrustPolicy,
        sweeps: impl IntoIterator<Item = &'a SweepRecord>,
    ) -> Self {
        let mut ledger = Self::new(policy);
        for sweep in sweeps {
            ledger.apply(sweep);
        }
        ledger
    }

    /// Restores a ledger from a snapshot written by its `Serialize` implementation, under the
    /// registry's trust policy (a snapshot does not carry one).
    pub fn from_snapshot<'de, D: serde::Deserializer<'de>>(
        policy: TrustPolicy,
        snapshot: D,
    ) -> Result<Self, D::Error> {
        let mut ledger = Self::deserialize(snapshot)?;
        ledger.policy = policy;
        Ok(ledger)
    }

    /// The trust policy the ledger folds with.
    pub fn policy(&self) -> &TrustPolicy {
        &self.policy
    }

    /// Sweeps folded so far.
    pub fn sweeps(&self) -> usize {
        self.sweeps
    }

    /// The latest sweep folded.
    pub fn latest(&self) -> Option<&SweepMeta> {
        self.latest.as_ref()
    }

    /// One panel's tracked state, if any sweep verified or probed it.
    pub fn panel(&self, id: &str) -> Option<&PanelState> {
        self.tracks.get(id).map(|t| &t.state)
    }

    /// Applies one sweep and returns what it changed.
    pub fn apply(&mut self, sweep: &SweepRecord) -> Vec<Change> {
        let at = sweep.started_at;
        let mut changes = Vec::new();
        for track in self.tracks.values_mut() {
            track.state.unverified_now = None;
        }
        let mut cap_events: BTreeMap<&str, (bool, bool, Vec<u64>)> = BTreeMap::new();
        for record in &sweep.records {
            let track = self
                .tracks
                .entry(record.panel.clone())
                .or_insert_with(|| Track {
                    state: PanelState {
                        panel: record.panel.clone(),
                        status: Status::Unverified,
                        verdict: None,
                        verified_in: None,
                        verified_at: None,
                        since: None,
                        code_since: None,
                        regressed_at: None,
                        unverified_now: None,
                    },
                });
            let s = &mut track.state;
            let status = record.verdict.status();
            if let crate::verdict::Outcome::Unverified { reason } = &record.verdict.outcome {
                s.unverified_now = Some(reason.clone());
                continue;
            }
            let event =
                cap_events
                    .entry(record.capability.as_str())
                    .or_insert((true, false, Vec::new()));
            event.0 &= status == Status::Bound;
            event.1 |= status == Status::Bound;
            event.2.push(record.invariants_fingerprint);

            let previous_code = s.verdict.as_ref().and_then(Verdict::code);
            match (s.status, status) {
                (Status::Blocked, Status::Bound) => {
                    let code = previous_code.expect("blocked has a code");
                    self.resolutions.push(Resolution {
                        panel: record.panel.clone(),
                        endpoint: record.endpoint.clone(),
                        code,
                        first_seen: s.since.unwrap_or(at),
                        resolved_at: at,
                        sweep: sweep.id,
                        seen: record.verdict.evidence.summary(),
                    });
                    changes.push(Change {
                        panel: record.panel.clone(),
                        kind: ChangeKind::Resolved,
                        code,
                    });
                    s.since = Some(at);
                    s.code_since = None;
                    s.regressed_at = None;
                }
                (Status::Bound, Status::Bound) => {}
                (_, Status::Bound) => {
                    s.since = Some(at);
                    s.code_since = None;
                }
                (prev, Status::Blocked) => {
                    let code = record.verdict.code().expect("blocked has a code");
                    match prev {
                        Status::Bound => {
                            changes.push(Change {
                                panel: record.panel.clone(),
                                kind: ChangeKind::Regressed,
                                code,
                            });
                            s.since = Some(at);
                            s.code_since = Some(at);
                            s.regressed_at = Some(at);
                        }
                        Status::Blocked if previous_code != Some(code) => {
                            changes.push(Change {
                                panel: record.panel.clone(),
                                kind: ChangeKind::CodeChanged {
                                    from: previous_code.expect("blocked has a code"),
                                },
                                code,
                            });
                            s.code_since = Some(at);
                        }
                        Status::Blocked => {}
                        Status::Unverified => {
                            changes.push(Change {
                                panel: record.panel.clone(),
                                kind: ChangeKind::New,
                                code,
                            });
                            s.since = Some(at);
                            s.code_since = Some(at);
                        }
                    }
                }
                (_, Status::Unverified) => unreachable!("handled above"),
            }
            s.status = status;
            s.verdict = Some(record.verdict.clone());
            s.verified_in = Some(sweep.id);
            s.verified_at = Some(at);
        }
        for (cap, (all_bound, any_bound, mut prints)) in cap_events {
            prints.sort_unstable();
            let fingerprint = prints.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, p| {
                (h ^ p).wrapping_mul(0x0100_0000_01b3)
            });
            let track = self.caps.entry(cap.to_owned()).or_default();
            track.record(&self.policy, at, all_bound, fingerprint);
            track.last_any_bound = any_bound;
            track.trusted = next_trust(&self.policy, track);
        }
        self.latest = Some(SweepMeta {
            id: sweep.id,
            started_at: sweep.started_at,
            finished_at: sweep.finished_at,
            selection: sweep.selection.clone(),
            panels: sweep.records.len(),
        });
        self.sweeps += 1;
        changes
    }

    /// Tracked (bound, blocked, never verified) counts over the registry's panels: cheaper
    /// than [`Ledger::state`] when only the numbers are needed (history charts).
    pub fn counts(&self, registry: &Registry) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for p in registry.panels() {
            match self
                .tracks
                .get(p.id.as_str())
                .map_or(Status::Unverified, |t| t.state.status)
            {
                Status::Bound => c.0 += 1,
                Status::Blocked => c.1 += 1,
                Status::Unverified => c.2 += 1,
            }
        }
        c
    }

    /// The state of every panel of the registry, in registry order, with history.
    pub fn state(&self, registry: &Registry) -> TrackerState {
        let panels = registry
            .panels()
            .iter()
            .map(|p| {
                self.tracks.get(p.id.as_str()).map_or_else(
                    || PanelState {
                        panel: p.id.to_string(),
                        status: Status::Unverified,
                        verdict: None,
                        verified_in: None,
                        verified_at: None,
                        since: None,
                        code_since: None,
                        regressed_at: None,
                        unverified_now: None,
                    },
                    |t| t.state.clone(),
                )
            })
            .collect();
        let known: BTreeSet<&str> = registry.panels().iter().map(|p| p.id.as_str()).collect();
        let mut resolutions: Vec<Resolution> = self
            .resolutions
            .iter()
            .filter(|r| known.contains(r.panel.as_str()))
            .cloned()
            .collect();
        resolutions.sort_by(|a, b| {
            b.resolved_at
                .cmp(&a.resolved_at)
                .then_with(|| a.panel.cmp(&b.panel))
        });

        let mut capabilities = BTreeMap::new();
        for panel in registry.panels() {
            let id = panel.capability.clone();
            if capabilities.contains_key(&id) {
                continue;
            }
            capabilities.insert(id.clone(), self.capability_state(registry, &id));
        }
        TrackerState {
            latest: self.latest.clone(),
            sweeps: self.sweeps,
            panels,
            resolutions,
            capabilities,
            panel_index: IdIndex::default(),
        }
    }

    fn capability_state(&self, registry: &Registry, id: &CapabilityId) -> CapabilityState {
        let track = self.caps.get(id.as_str());
        let (verified_in_window, bound_rate) =
            track.map_or((0, 0.0), |t| window_stats(&self.policy, t).0);
        let status = if registry.capability_status(id) == DeclaredStatus::Deprecated {
            CapabilityStatus::Deprecated
        } else {
            match track {
                Some(t) if t.trusted => CapabilityStatus::Trusted,
                Some(t) if t.last_any_bound => CapabilityStatus::Observed,
                _ => CapabilityStatus::Declared,
            }
        };
        CapabilityState {
            status,
            verified_in_window,
            bound_rate,
            last_verified: track.and_then(CapTrack::last_verified),
        }
    }
}

/// The tracked state of a registry after some history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackerState {
    /// The latest sweep, if any.
    pub latest: Option<SweepMeta>,
    /// Sweeps folded.
    pub sweeps: usize,
    /// Every registry panel, in registry order.
    pub panels: Vec<PanelState>,
    /// Resolutions of registry panels, newest first.
    pub resolutions: Vec<Resolution>,
    /// Capabilities of registry panels.
    pub capabilities: BTreeMap<CapabilityId, CapabilityState>,
    /// Panel positions by id, for [`TrackerState::panel`].
    #[serde(skip)]
    panel_index: IdIndex,
}

impl TrackerState {
    /// A panel's state.
    pub fn panel(&self, id: &str) -> Option<&PanelState> {
        self.panel_index
            .find(&self.panels, id, |p| p.panel.as_str())
    }

    /// Panels currently blocked after a regression, oldest regression first.
    pub fn regressions(&self) -> Vec<&PanelState> {
        let mut list: Vec<&PanelState> = self
            .panels
            .iter()
            .filter(|p| p.status == Status::Blocked && p.regressed_at.is_some())
            .collect();
        list.sort_by(|a, b| {
            a.regressed_at
                .cmp(&b.regressed_at)
                .then_with(|| a.panel.cmp(&b.panel))
        });
        list
    }

    /// Panels unverified in the latest sweep, with the reason.
    pub fn unverified_now(&self) -> Vec<(&str, &str)> {
        self.panels
            .iter()
            .filter_map(|p| p.unverified_now.as_deref().map(|r| (p.panel.as_str(), r)))
            .collect()
    }
}

/// Replays the sweeps and returns the state with the changes made by the last one.
pub fn derive(registry: &Registry, sweeps: &[SweepRecord]) -> (TrackerState, Vec<Change>) {
    let mut ledger = Ledger::new(registry.trust().clone());
    let mut last = Vec::new();
    for sweep in sweeps {
        last = ledger.apply(sweep);
    }
    (ledger.state(registry), last)
}

/// A panel's tracked status and gap code: what a diff compares. It changes only when a sweep
/// verifies the panel (BOUND or BLOCKED); an UNVERIFIED verdict leaves it as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    /// BOUND or BLOCKED (UNVERIFIED only for a panel never verified).
    pub status: Status,
    /// The gap code when blocked.
    pub code: Option<GapCode>,
}

impl Tracked {
    /// Never verified.
    pub const NEVER: Self = Self {
        status: Status::Unverified,
        code: None,
    };

    /// A panel's tracked status in a state.
    pub fn of(state: &PanelState) -> Self {
        Self {
            status: state.status,
            code: state.verdict.as_ref().and_then(Verdict::code),
        }
    }
}

/// What changed between two points of history, from each registry panel's tracked status at
/// both (`None`: never verified by then), in registry order.
///
/// Stores answer this without replaying history: a panel's tracked status at a sweep is its
/// latest verified verdict up to that sweep, which they keep as one row per change.
pub fn diff_tracked(
    registry: &Registry,
    before: impl Fn(&str) -> Option<Tracked>,
    after: impl Fn(&str) -> Option<Tracked>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for panel in registry.panels() {
        let id = panel.id.as_str();
        let a = before(id).unwrap_or(Tracked::NEVER);
        let b = after(id).unwrap_or(Tracked::NEVER);
        let kind = match (a.status, b.status) {
            (Status::Blocked, Status::Bound) => Some((ChangeKind::Resolved, a.code)),
            (Status::Bound, Status::Blocked) => Some((ChangeKind::Regressed, b.code)),
            (Status::Unverified, Status::Blocked) => Some((ChangeKind::New, b.code)),
            (Status::Blocked, Status::Blocked) if a.code != b.code => a
                .code
                .map(|from| (ChangeKind::CodeChanged { from }, b.code)),
            _ => None,
        };
        if let Some((kind, Some(code))) = kind {
            changes.push(Change {
                panel: id.to_owned(),
                kind,
                code,
            });
        }
    }
    changes
}

/// What changed between the state after sweep `from` and the state after sweep `to`
/// (both ids present in `sweeps`, `from` before `to`), replaying `sweeps`.
pub fn diff(registry: &Registry, sweeps: &[SweepRecord], from: u64, to: u64) -> Vec<Change> {
    let upto = |id: u64| {
        Ledger::replay(
            registry.trust().clone(),
            sweeps.iter().take_while(move |s| s.id <= id),
        )
    };
    let (a, b) = (upto(from), upto(to));
    diff_tracked(
        registry,
        |id| a.panel(id).map(Tracked::of),
        |id| b.panel(id).map(Tracked::of),
    )
}
