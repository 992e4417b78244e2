//! The ledger: sweeps folded, in order, into the tracked state of every panel.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::record::{ProbeIdentity, Selection, SweepRecord, identity_change};
use super::trust::{CapTrack, CapabilityState, CapabilityStatus, Timeline};
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
    /// A blocked panel's probe identity changed (the registry re-pointed it): its gap closed
    /// as superseded, and its next verdict starts afresh.
    Superseded,
    /// A blocked panel left the registry: its gap closed as retired.
    Retired,
}

/// How a gap closed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "closed", rename_all = "snake_case")]
pub enum Closure {
    /// The panel was seen bound.
    #[default]
    Resolved,
    /// The registry changed the panel's probe identity (SPEC §5.2).
    Superseded {
        /// What changed, such as `endpoint changed: GET /a → GET /b`.
        change: String,
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
    /// How it closed: resolved, or superseded by a change of the panel.
    #[serde(default, flatten)]
    pub closed: Closure,
}

/// How many days a retired panel stays in the tracker's "Retired Panels" section.
pub const RETIRED_SHOWN_FOR: i64 = 30;

/// A panel the registry no longer has (SPEC §5.2), listed for [`RETIRED_SHOWN_FOR`] days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetiredPanel {
    /// The panel.
    pub panel: String,
    /// The endpoint it last read.
    pub endpoint: String,
    /// Its last tracked status.
    pub status: Status,
    /// Its last gap code, if it was blocked (the gap closed as retired).
    pub code: Option<GapCode>,
    /// When the first full sweep without it ran; `None` when none has run since it left the
    /// registry.
    pub retired_at: Option<Timestamp>,
    /// When a sweep last recorded it.
    pub last_seen: Timestamp,
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
    /// How the panel changed since its last verdict, while it is "changed, not verified
    /// since" (its gap, if any, closed as superseded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<String>,
}

impl PanelState {
    /// The state of a panel with no verdict.
    fn fresh(panel: &str) -> Self {
        Self {
            panel: panel.to_owned(),
            status: Status::Unverified,
            verdict: None,
            verified_in: None,
            verified_at: None,
            since: None,
            code_since: None,
            regressed_at: None,
            unverified_now: None,
            changed: None,
        }
    }
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
pub const FOLD_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Track {
    state: PanelState,
    /// The probe identity of the latest record: endpoint, and the rest when known.
    identity: (String, Option<ProbeIdentity>),
    /// When a sweep last recorded the panel.
    last_seen: Timestamp,
    /// When the first full sweep without the panel ran.
    #[serde(default)]
    retired_at: Option<Timestamp>,
}

impl Track {
    /// How the registry's panel differs from what the track was verified as.
    fn change_for(&self, panel: &crate::model::Panel) -> Option<String> {
        let identity = ProbeIdentity::of(panel);
        identity_change(
            (self.identity.0.as_str(), self.identity.1.as_ref()),
            (&panel.endpoint.to_string(), Some(&identity)),
        )
    }
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
    timeline: Timeline,
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
            timeline: Timeline::default(),
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

    /// One panel's tracked state as history left it (whatever the registry says of it now),
    /// if any sweep recorded it.
    pub fn panel(&self, id: &str) -> Option<&PanelState> {
        self.tracks.get(id).map(|t| &t.state)
    }

    /// One panel's tracked state and the probe identity it holds for (endpoint, and the rest
    /// when known), if any sweep recorded it.
    pub fn panel_identity(&self, id: &str) -> Option<(&PanelState, &str, Option<&ProbeIdentity>)> {
        self.tracks
            .get(id)
            .map(|t| (&t.state, t.identity.0.as_str(), t.identity.1.as_ref()))
    }

    /// Applies one sweep and returns what it changed.
    pub fn apply(&mut self, sweep: &SweepRecord) -> Vec<Change> {
        let at = sweep.started_at;
        let mut changes = Vec::new();
        for track in self.tracks.values_mut() {
            track.state.unverified_now = None;
        }
        // A full sweep probes every panel of the registry: a tracked panel it lacks has left.
        if sweep.selection.is_all() {
            let recorded: BTreeSet<&str> = sweep.records.iter().map(|r| r.panel.as_str()).collect();
            for (id, track) in &mut self.tracks {
                if track.retired_at.is_none() && !recorded.contains(id.as_str()) {
                    track.retired_at = Some(at);
                    if let Some(code) = track.state.verdict.as_ref().and_then(Verdict::code)
                        && track.state.status == Status::Blocked
                    {
                        changes.push(Change {
                            panel: id.clone(),
                            kind: ChangeKind::Retired,
                            code,
                        });
                    }
                }
            }
        }
        let mut cap_events: BTreeMap<&str, (bool, bool, Vec<u64>)> = BTreeMap::new();
        for record in &sweep.records {
            let identity = (record.endpoint.clone(), record.identity.clone());
            let track = self
                .tracks
                .entry(record.panel.clone())
                .or_insert_with(|| Track {
                    state: PanelState::fresh(&record.panel),
                    identity: identity.clone(),
                    last_seen: at,
                    retired_at: None,
                });
            track.last_seen = at;
            track.retired_at = None;
            let change = identity_change(
                (track.identity.0.as_str(), track.identity.1.as_ref()),
                (identity.0.as_str(), identity.1.as_ref()),
            );
            if let Some(change) = change {
                // The old verdict says nothing about the new identity: its gap closes as
                // superseded, and the panel starts afresh.
                let s = &track.state;
                if let (Status::Blocked, Some(code)) =
                    (s.status, s.verdict.as_ref().and_then(Verdict::code))
                {
                    self.resolutions.push(Resolution {
                        panel: record.panel.clone(),
                        endpoint: track.identity.0.clone(),
                        code,
                        first_seen: s.since.unwrap_or(at),
                        resolved_at: at,
                        sweep: sweep.id,
                        seen: format!("superseded ({change})"),
                        closed: Closure::Superseded {
                            change: change.clone(),
                        },
                    });
                    changes.push(Change {
                        panel: record.panel.clone(),
                        kind: ChangeKind::Superseded,
                        code,
                    });
                }
                track.state = PanelState::fresh(&record.panel);
                track.state.changed = Some(change);
            }
            track.identity = identity;
            let s = &mut track.state;
            let status = record.verdict.status();
            if let crate::verdict::Outcome::Unverified { reason } = &record.verdict.outcome {
                s.unverified_now = Some(reason.clone());
                continue;
            }
            s.changed = None;
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
                        closed: Closure::Resolved,
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
        let window = self.timeline.push(&self.policy, at);
        for (cap, (all_bound, any_bound, mut prints)) in cap_events {
            prints.sort_unstable();
            let fingerprint = prints.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, p| {
                (h ^ p).wrapping_mul(0x0100_0000_01b3)
            });
            let track = self.caps.entry(cap.to_owned()).or_default();
            track.record(&self.policy, &window, at, all_bound, fingerprint);
            track.last_any_bound = any_bound;
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
            let status = match self.tracks.get(p.id.as_str()) {
                Some(t) if t.change_for(p).is_none() => t.state.status,
                _ => Status::Unverified,
            };
            match status {
                Status::Bound => c.0 += 1,
                Status::Blocked => c.1 += 1,
                Status::Unverified => c.2 += 1,
            }
        }
        c
    }

    /// The state of every panel of the registry, in registry order, with history. A panel the
    /// registry changed since its last verdict is "changed, not verified since": no old verdict
    /// is shown against its new endpoint, and its old gap is no fix to make.
    pub fn state(&self, registry: &Registry) -> TrackerState {
        let panels = registry
            .panels()
            .iter()
            .map(|p| match self.tracks.get(p.id.as_str()) {
                None => PanelState::fresh(p.id.as_str()),
                Some(t) => match t.change_for(p) {
                    None => t.state.clone(),
                    Some(change) => {
                        let mut state = PanelState::fresh(p.id.as_str());
                        let gap = t.state.verdict.as_ref().and_then(Verdict::code);
                        state.changed = Some(match gap {
                            Some(code) if t.state.status == Status::Blocked => {
                                format!("{change}; its {code} gap is superseded")
                            }
                            _ => change,
                        });
                        state
                    }
                },
            })
            .collect();
        let known: BTreeSet<&str> = registry.panels().iter().map(|p| p.id.as_str()).collect();
        let latest = self.latest.as_ref().map(|m| m.started_at);
        let mut retired: Vec<RetiredPanel> = self
            .tracks
            .iter()
            .filter(|(id, _)| !known.contains(id.as_str()))
            .filter(|(_, t)| match (t.retired_at, latest) {
                (Some(retired), Some(latest)) => {
                    latest.duration_since(retired).as_hours() <= RETIRED_SHOWN_FOR * 24
                }
                _ => true,
            })
            .map(|(id, t)| RetiredPanel {
                panel: id.clone(),
                endpoint: t.identity.0.clone(),
                status: t.state.status,
                code: t.state.verdict.as_ref().and_then(Verdict::code),
                retired_at: t.retired_at,
                last_seen: t.last_seen,
            })
            .collect();
        retired.sort_by(|a, b| {
            b.retired_at
                .is_none()
                .cmp(&a.retired_at.is_none())
                .then_with(|| b.retired_at.cmp(&a.retired_at))
                .then_with(|| a.panel.cmp(&b.panel))
        });
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
            retired,
            capabilities,
            panel_index: IdIndex::default(),
        }
    }

    fn capability_state(&self, registry: &Registry, id: &CapabilityId) -> CapabilityState {
        let track = self.caps.get(id.as_str());
        let (verified_in_window, bound_rate) = track.map_or((0, 0.0), CapTrack::window);
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
    /// Resolutions of registry panels, newest first (superseded gaps included).
    pub resolutions: Vec<Resolution>,
    /// Panels the registry no longer has, retired in the last [`RETIRED_SHOWN_FOR`] days,
    /// newest first.
    pub retired: Vec<RetiredPanel>,
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

    /// Panels unverified in the latest sweep, and panels changed and not verified since, with
    /// the reason.
    pub fn unverified_now(&self) -> Vec<(&str, String)> {
        self.panels
            .iter()
            .filter_map(|p| {
                let reason = match (&p.changed, &p.unverified_now) {
                    (Some(c), Some(r)) => format!("changed, not verified since ({c}); {r}"),
                    (Some(c), None) => format!("changed, not verified since ({c})"),
                    (None, Some(r)) => r.clone(),
                    (None, None) => return None,
                };
                Some((p.panel.as_str(), reason))
            })
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

/// A panel's tracked status and gap code: what a diff compares. It changes when a sweep
/// verifies the panel (BOUND or BLOCKED), and when the panel's probe identity changes (it
/// starts afresh); an UNVERIFIED verdict leaves it as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    /// BOUND or BLOCKED (UNVERIFIED for a panel never verified, or not since it changed).
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

/// The net change of each registry panel between two points of history, from its tracked
/// status at both (`None`: never verified by then, or verified as another probe identity than
/// the registry's), in registry order.
///
/// Stores answer this without replaying history: a panel's tracked status at a sweep is the
/// latest change of it up to that sweep, which they keep as one row per change.
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

/// Whether a change closed a gap because the registry changed (superseded or retired): a
/// diff lists these besides the net change of each panel, which cannot show them.
pub fn closed_by_the_registry(change: &Change) -> bool {
    matches!(change.kind, ChangeKind::Superseded | ChangeKind::Retired)
}

/// What changed between the state after sweep `from` and the state after sweep `to`
/// (both ids present in `sweeps`, `from` before `to`), replaying `sweeps`: the net change of
/// each panel of the registry, then every gap the sweeps in between closed because the
/// registry changed (superseded or retired), which no comparison of two states against
/// today's registry shows.
pub fn diff(registry: &Registry, sweeps: &[SweepRecord], from: u64, to: u64) -> Vec<Change> {
    let upto = |id: u64| {
        Ledger::replay(
            registry.trust().clone(),
            sweeps.iter().take_while(move |s| s.id <= id),
        )
        .state(registry)
    };
    let (a, b) = (upto(from), upto(to));
    let mut ledger = Ledger::replay(
        registry.trust().clone(),
        sweeps.iter().take_while(|s| s.id <= from),
    );
    let closed: Vec<Change> = sweeps
        .iter()
        .filter(|s| s.id > from && s.id <= to)
        .flat_map(|s| ledger.apply(s))
        .filter(closed_by_the_registry)
        .collect();
    let mut changes = diff_tracked(
        registry,
        |id| a.panel(id).map(Tracked::of),
        |id| b.panel(id).map(Tracked::of),
    );
    changes.extend(closed);
    changes
}
