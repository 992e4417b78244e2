use super::*;
use crate::history::Closure;
use crate::id::CapabilityId;
use crate::policy::{FailOn, TrustPolicy};
use crate::registry::Registry;
use crate::verdict::{CoherencyCheck, Evidence, Gap, GapCode, Outcome, Stage, Status, Verdict};
use jiff::Timestamp;

const REGISTRY: &str = r"
version: 1
domains: [{ code: A, name: ALPHA }]
defaults: { class: evidence }
capabilities:
  c.old: { status: deprecated }
panels:
  - { id: A-B-C-O1, capability: c.one, endpoint: /one }
  - { id: A-B-C-O2, capability: c.two, endpoint: /two }
  - { id: A-B-C-O3, capability: c.three, endpoint: /three }
  - { id: A-B-C-O4, capability: c.old, endpoint: /old }
waivers:
  - { panel: A-B-C-O2, code: SDSR_FAILED, owner: team, expires: 2026-01-20, reason: known }
";

fn registry() -> Registry {
    Registry::from_yaml(REGISTRY, "r.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn ts(day: i64, hour: i64) -> Timestamp {
    Timestamp::from_second(1_768_435_200 + day * 86_400 + hour * 3600).unwrap() // 2026-01-15T00:00Z + offsets
}

fn bound() -> Verdict {
    Verdict {
        outcome: Outcome::Bound,
        findings: vec![],
        evidence: Evidence {
            coherency: CoherencyCheck::Unchecked,
            status: Some(200),
            elapsed_ms: Some(5),
            retries: 0,
            invariants_passed: Some(3),
            invariants_total: 3,
            ..Evidence::default()
        },
    }
}

fn blocked(code: GapCode) -> Verdict {
    Verdict {
        outcome: Outcome::Blocked(Gap {
            code,
            stage: Stage::Status,
            detail: format!("{code} seen"),
            fix: None,
        }),
        findings: vec![],
        evidence: Evidence {
            status: Some(401),
            ..Evidence::default()
        },
    }
}

fn unverified() -> Verdict {
    Verdict {
        outcome: Outcome::Unverified {
            reason: "connection refused".into(),
        },
        findings: vec![],
        evidence: Evidence::default(),
    }
}

fn record(panel: &str, capability: &str, verdict: Verdict) -> PanelRecord {
    PanelRecord {
        panel: panel.into(),
        capability: capability.into(),
        // The endpoint the registry gives it, so the record is about the panel as declared.
        endpoint: registry()
            .panel(panel)
            .map_or_else(|| format!("GET /{panel}"), |p| p.endpoint.to_string()),
        invariants_fingerprint: 7,
        identity: None,
        verdict,
    }
}

fn sweep(id: u64, at: Timestamp, records: Vec<PanelRecord>) -> SweepRecord {
    SweepRecord {
        id,
        started_at: at,
        finished_at: at,
        selection: Selection::default(),
        records,
    }
}

fn sweeps() -> Vec<SweepRecord> {
    vec![
        sweep(
            1,
            ts(0, 8),
            vec![
                record("A-B-C-O1", "c.one", blocked(GapCode::AuthFailure)),
                record("A-B-C-O2", "c.two", bound()),
                record("A-B-C-O3", "c.three", blocked(GapCode::EndpointMissing)),
            ],
        ),
        sweep(
            2,
            ts(1, 8),
            vec![
                record("A-B-C-O1", "c.one", bound()),
                record("A-B-C-O2", "c.two", blocked(GapCode::SdsrFailed)),
                record("A-B-C-O3", "c.three", blocked(GapCode::SdsrFailed)),
            ],
        ),
        sweep(
            3,
            ts(2, 8),
            vec![
                record("A-B-C-O1", "c.one", unverified()),
                record("A-B-C-O2", "c.two", blocked(GapCode::SdsrFailed)),
                record("A-B-C-O3", "c.three", unverified()),
            ],
        ),
    ]
}

#[test]
fn resolutions_regressions_and_code_changes() {
    let reg = registry();
    let all = sweeps();
    let mut ledger = Ledger::new(reg.trust().clone());
    let first = ledger.apply(&all[0]);
    assert_eq!(
        first.iter().filter(|c| c.kind == ChangeKind::New).count(),
        2
    );
    let second = ledger.apply(&all[1]);
    assert_eq!(
        second,
        vec![
            Change {
                panel: "A-B-C-O1".into(),
                kind: ChangeKind::Resolved,
                code: GapCode::AuthFailure
            },
            Change {
                panel: "A-B-C-O2".into(),
                kind: ChangeKind::Regressed,
                code: GapCode::SdsrFailed
            },
            Change {
                panel: "A-B-C-O3".into(),
                kind: ChangeKind::CodeChanged {
                    from: GapCode::EndpointMissing
                },
                code: GapCode::SdsrFailed
            },
        ]
    );
    // UNVERIFIED changes nothing.
    assert!(ledger.apply(&all[2]).is_empty());

    let state = ledger.state(&reg);
    let one = state.panel("A-B-C-O1").unwrap();
    assert_eq!(
        one.status,
        Status::Bound,
        "unverified keeps the previous state"
    );
    assert_eq!(one.unverified_now.as_deref(), Some("connection refused"));
    let three = state.panel("A-B-C-O3").unwrap();
    assert_eq!(
        three.since,
        Some(ts(0, 8)),
        "code change keeps first seen of the spell"
    );
    assert_eq!(three.code_since, Some(ts(1, 8)));
    let four = state.panel("A-B-C-O4").unwrap();
    assert_eq!(four.status, Status::Unverified, "never swept");

    assert_eq!(state.resolutions.len(), 1);
    let r = &state.resolutions[0];
    assert_eq!(
        (r.panel.as_str(), r.code, r.resolved_at, r.first_seen),
        ("A-B-C-O1", GapCode::AuthFailure, ts(1, 8), ts(0, 8))
    );
    assert_eq!(r.seen, "HTTP 200, 3/3 invariants, 5 ms");

    let regressions: Vec<&str> = state
        .regressions()
        .iter()
        .map(|p| p.panel.as_str())
        .collect();
    assert_eq!(regressions, ["A-B-C-O2"]);
    assert_eq!(
        state.unverified_now(),
        [
            ("A-B-C-O1", "connection refused".to_owned()),
            ("A-B-C-O3", "connection refused".to_owned())
        ]
    );
}

#[test]
fn partial_sweeps_touch_only_what_they_probed() {
    let reg = registry();
    let mut all = sweeps();
    all.truncate(1);
    let mut partial = sweep(2, ts(1, 9), vec![record("A-B-C-O1", "c.one", bound())]);
    partial.selection.panels = vec!["A-B-C-O1".into()];
    all.push(partial);
    let (state, changes) = derive(&reg, &all);
    assert_eq!(changes.len(), 1);
    assert_eq!(state.panel("A-B-C-O3").unwrap().verified_in, Some(1));
    assert_eq!(state.panel("A-B-C-O2").unwrap().status, Status::Bound);
    assert_eq!(
        state.latest.as_ref().unwrap().selection.describe(),
        "panel A-B-C-O1"
    );
}

#[test]
fn diff_between_any_two_sweeps() {
    let reg = registry();
    let all = sweeps();
    let d = diff(&reg, &all, 1, 3);
    let kinds: Vec<(&str, &ChangeKind)> = d.iter().map(|c| (c.panel.as_str(), &c.kind)).collect();
    assert_eq!(kinds.len(), 3);
    assert_eq!(kinds[0], ("A-B-C-O1", &ChangeKind::Resolved));
    assert_eq!(kinds[1], ("A-B-C-O2", &ChangeKind::Regressed));
    assert!(diff(&reg, &all, 2, 3).is_empty());
}

#[test]
fn gate_policies_and_waivers() {
    let reg = registry();
    let all = sweeps();
    let (state, _) = derive(&reg, &all[..2]);
    let changes = Ledger::replay(reg.trust().clone(), &all[..1])
        .clone()
        .apply(&all[1]);
    let today = jiff::civil::date(2026, 1, 16);
    // The regression of A-B-C-O2 is waived until 2026-01-20.
    let report = gate(FailOn::Regressed, &reg, &state, &changes, today);
    assert!(!report.failed, "{report:?}");
    assert_eq!(report.waived, ["A-B-C-O2 SDSR_FAILED: regressed"]);
    // After the waiver expires, it fails the gate and the waiver is reported.
    let later = jiff::civil::date(2026, 1, 21);
    let report = gate(FailOn::Regressed, &reg, &state, &changes, later);
    assert!(report.failed);
    assert_eq!(report.expired.len(), 1);
    // new: code changes count as new gaps.
    let report = gate(FailOn::New, &reg, &state, &changes, today);
    assert_eq!(
        report.reasons,
        ["A-B-C-O3 SDSR_FAILED: gap changed from ENDPOINT_MISSING"]
    );
    let report = gate(FailOn::Blocked, &reg, &state, &changes, today);
    assert_eq!(report.reasons, ["A-B-C-O3 SDSR_FAILED: blocked"]);
    assert!(!gate(FailOn::Never, &reg, &state, &changes, later).failed);
}

#[expect(clippy::cast_possible_wrap, reason = "test histories are short")]
fn trust_history(
    outcomes: &[bool],
    hours_apart: i64,
    fingerprint_change_at: Option<usize>,
) -> Vec<SweepRecord> {
    outcomes
        .iter()
        .enumerate()
        .map(|(i, ok)| {
            let mut r = record(
                "A-B-C-O1",
                "c.one",
                if *ok {
                    bound()
                } else {
                    blocked(GapCode::SdsrFailed)
                },
            );
            if fingerprint_change_at.is_some_and(|at| i >= at) {
                r.invariants_fingerprint = 8;
            }
            sweep(i as u64 + 1, ts(0, i as i64 * hours_apart), vec![r])
        })
        .collect()
}

fn status_after(history: &[SweepRecord]) -> CapabilityStatus {
    let reg = registry();
    let (state, _) = derive(&reg, history);
    state.capabilities[&CapabilityId::parse("c.one").unwrap()].status
}

#[test]
fn trust_promotion_needs_ten_bound_verifications_in_the_window() {
    assert_eq!(
        status_after(&trust_history(&[true; 9], 6, None)),
        CapabilityStatus::Observed
    );
    assert_eq!(
        status_after(&trust_history(&[true; 10], 6, None)),
        CapabilityStatus::Trusted
    );
    // Ten verifications spread over more than 7 days are not enough.
    assert_eq!(
        status_after(&trust_history(&[true; 10], 20, None)),
        CapabilityStatus::Observed
    );
    // Two failures in a row in the window block promotion.
    let mut outcomes = vec![true; 14];
    outcomes[3] = false;
    outcomes[4] = false;
    assert_eq!(
        status_after(&trust_history(&outcomes, 6, None)),
        CapabilityStatus::Observed
    );
    // A changed invariant set blocks promotion until the window holds only the new one.
    assert_eq!(
        status_after(&trust_history(&[true; 12], 6, Some(5))),
        CapabilityStatus::Observed
    );
}

#[test]
fn trust_demotion() {
    // Trusted, then three failing sweeps in a row demote it while the rate stays above 90%.
    let mut outcomes = vec![true; 30];
    outcomes.extend([false, false]);
    assert_eq!(
        status_after(&trust_history(&outcomes, 4, None)),
        CapabilityStatus::Trusted,
        "two failures keep trust"
    );
    outcomes.push(false);
    assert_eq!(
        status_after(&trust_history(&outcomes, 4, None)),
        CapabilityStatus::Declared,
        "three failures demote; the latest failed"
    );
    // Bound rate falling below 90% in the window demotes even without three in a row.
    let mut outcomes = vec![true; 10];
    outcomes.extend([false, true, false, true]);
    assert_eq!(
        status_after(&trust_history(&outcomes, 6, None)),
        CapabilityStatus::Observed
    );
    // Deprecated wins whatever happened.
    let reg = registry();
    let history = vec![sweep(
        1,
        ts(0, 0),
        vec![record("A-B-C-O4", "c.old", bound())],
    )];
    let (state, _) = derive(&reg, &history);
    assert_eq!(
        state.capabilities[&CapabilityId::parse("c.old").unwrap()].status,
        CapabilityStatus::Deprecated
    );
}

/// A ledger as its snapshot, restored under the same policy.
fn through_snapshot(ledger: &Ledger) -> Ledger {
    let text = serde_json::to_string(ledger).unwrap();
    Ledger::from_snapshot(
        ledger.policy().clone(),
        &mut serde_json::Deserializer::from_str(&text),
    )
    .unwrap()
}

#[test]
fn a_snapshot_keeps_everything_but_the_policy() {
    let reg = registry();
    let ledger = Ledger::replay(reg.trust().clone(), &sweeps());
    let text = serde_json::to_value(&ledger).unwrap();
    assert!(
        text.get("policy").is_none(),
        "the registry gives the policy"
    );
    let restored = through_snapshot(&ledger);
    assert_eq!(restored.state(&reg), ledger.state(&reg));
    assert_eq!(restored.sweeps(), 3);
    // Fields added later read with their defaults; fields this version does not know are
    // ignored.
    let mut old = serde_json::to_value(&ledger).unwrap();
    old.as_object_mut().unwrap().remove("resolutions");
    old.as_object_mut()
        .unwrap()
        .insert("retired".into(), serde_json::json!([{"panel": "X"}]));
    let read = Ledger::from_snapshot(reg.trust().clone(), old).unwrap();
    assert!(read.state(&reg).resolutions.is_empty());
    assert_eq!(read.panel("A-B-C-O2"), ledger.panel("A-B-C-O2"));
}

#[test]
fn capability_trust_state_stays_bounded_however_long_and_dense_the_history() {
    let reg = registry();
    // 500 sweeps six hours apart: 125 days, against a 7-day window.
    let history = trust_history(&[true; 500], 6, None);
    let ledger = Ledger::replay(reg.trust().clone(), &history);
    let snapshot = serde_json::to_value(&ledger).unwrap();
    let runs = snapshot["caps"]["c.one"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one outcome throughout: one run");
    // The timeline keeps the window and the skew margin: 8 days of sweeps 6 hours apart.
    let times = snapshot["timeline"]["times"].as_array().unwrap().len();
    assert_eq!(times, 32);
    let state = ledger.state(&reg);
    let cap = &state.capabilities[&CapabilityId::parse("c.one").unwrap()];
    assert_eq!(cap.status, CapabilityStatus::Trusted);
    assert_eq!(
        cap.verified_in_window, 28,
        "exactly 7 days of sweeps 6 hours apart"
    );
    assert_eq!(cap.last_verified, Some(ts(0, 499 * 6)));

    // A sweep every 5 minutes for a week, failing once every 6 hours: 2,016 verifications,
    // 57 runs (one failure and the bound run after it per 6 hours), nothing per verification.
    #[expect(clippy::cast_possible_wrap, reason = "test histories are short")]
    let dense: Vec<SweepRecord> = (0..2_016)
        .map(|i| {
            let at = Timestamp::from_second(1_768_435_200 + i as i64 * 300).unwrap();
            let verdict = if i % 72 == 36 {
                blocked(GapCode::SdsrFailed)
            } else {
                bound()
            };
            sweep(i + 1, at, vec![record("A-B-C-O1", "c.one", verdict)])
        })
        .collect();
    let ledger = Ledger::replay(reg.trust().clone(), &dense);
    let snapshot = serde_json::to_value(&ledger).unwrap();
    let runs = snapshot["caps"]["c.one"]["runs"].as_array().unwrap().len();
    assert_eq!(runs, 1 + 2 * 28);
    let state = ledger.state(&reg);
    let cap = &state.capabilities[&CapabilityId::parse("c.one").unwrap()];
    assert_eq!(cap.verified_in_window, 2_016);
    assert!(
        (cap.bound_rate - 1_988.0 / 2_016.0).abs() < 1e-12,
        "{cap:?}"
    );
    assert_eq!(cap.status, CapabilityStatus::Trusted);
}

/// A failure run cut by the window's start counts only its failures inside the window.
#[test]
fn the_window_starts_exactly_a_window_before_the_latest_verification() {
    let policy = TrustPolicy {
        window: std::time::Duration::from_secs(10 * 3600),
        min_verified: 3,
        max_consecutive_failures: 1,
        ..TrustPolicy::default()
    };
    let reg = registry();
    // Hourly: two failures at hours 0 and 1, then bound from hour 2. At hour 10 the window
    // (hour 0 excluded) holds one failure: 9 of 10 bound, below 98%. At hour 11 none.
    let mut outcomes = vec![false, false];
    outcomes.extend([true; 10]);
    let history = trust_history(&outcomes, 1, None);
    let status = |n: usize| {
        let state = Ledger::replay(policy.clone(), &history[..n]).state(&reg);
        let cap = state.capabilities[&CapabilityId::parse("c.one").unwrap()].clone();
        (cap.status, cap.verified_in_window)
    };
    assert_eq!(status(11), (CapabilityStatus::Observed, 10));
    assert_eq!(status(12), (CapabilityStatus::Trusted, 10));
}

#[test]
fn a_failing_streak_longer_than_the_window_still_demotes() {
    // Trusted, then one failure a day for four days with a 2-day window: the streak (4) outlasts
    // the window (2 events), and three in a row demote. The window alone would hold 2.
    let mut policy = TrustPolicy {
        window: std::time::Duration::from_secs(2 * 86_400),
        min_verified: 2,
        ..TrustPolicy::default()
    };
    policy.demote_below_rate = 0.0;
    let mut outcomes = vec![true; 10];
    outcomes.extend([false; 4]);
    let history = trust_history(&outcomes, 24, None);
    let reg = registry();
    let ledger = Ledger::replay(policy, &history);
    let state = ledger.state(&reg);
    assert_eq!(
        state.capabilities[&CapabilityId::parse("c.one").unwrap()].status,
        CapabilityStatus::Declared
    );
}

#[test]
fn diff_tracked_compares_tracked_statuses_in_registry_order() {
    let reg = registry();
    let bound = Tracked {
        status: Status::Bound,
        code: None,
    };
    let blocked = |code| Tracked {
        status: Status::Blocked,
        code: Some(code),
    };
    let before = |id: &str| match id {
        "A-B-C-O1" => Some(blocked(GapCode::AuthFailure)),
        "A-B-C-O2" => Some(bound),
        "A-B-C-O3" => Some(blocked(GapCode::EndpointMissing)),
        _ => None,
    };
    let after = |id: &str| match id {
        "A-B-C-O1" => Some(bound),
        "A-B-C-O2" => Some(blocked(GapCode::SdsrFailed)),
        "A-B-C-O3" => Some(blocked(GapCode::SdsrFailed)),
        "A-B-C-O4" => Some(blocked(GapCode::AuthFailure)),
        // Not in the registry: not shown.
        _ => Some(blocked(GapCode::AuthFailure)),
    };
    let kinds: Vec<(String, ChangeKind, GapCode)> = diff_tracked(&reg, before, after)
        .into_iter()
        .map(|c| (c.panel, c.kind, c.code))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "A-B-C-O1".to_owned(),
                ChangeKind::Resolved,
                GapCode::AuthFailure
            ),
            (
                "A-B-C-O2".to_owned(),
                ChangeKind::Regressed,
                GapCode::SdsrFailed
            ),
            (
                "A-B-C-O3".to_owned(),
                ChangeKind::CodeChanged {
                    from: GapCode::EndpointMissing
                },
                GapCode::SdsrFailed
            ),
            ("A-B-C-O4".to_owned(), ChangeKind::New, GapCode::AuthFailure),
        ]
    );
    assert!(diff_tracked(&reg, before, before).is_empty());
}

mod snapshot_equals_replay {
    use proptest::prelude::*;

    use super::*;

    const PANELS: [(&str, &str); 5] = [
        ("A-B-C-O1", "c.one"),
        ("A-B-C-O2", "c.two"),
        ("A-B-C-O3", "c.three"),
        ("A-B-C-O4", "c.old"),
        // Not in the registry: tracked all the same.
        ("A-B-C-O9", "c.one"),
    ];

    fn verdict(kind: u8) -> Verdict {
        match kind {
            0..=3 => bound(),
            4 => blocked(GapCode::AuthFailure),
            5 => blocked(GapCode::EndpointMissing),
            6 => blocked(GapCode::SdsrFailed),
            7 => blocked(GapCode::CoherencyFailed),
            8 => blocked(GapCode::ProvenanceMissing),
            _ => unverified(),
        }
    }

    /// One sweep: hours since the previous one, and per panel whether it was probed, its
    /// verdict, its invariant fingerprint, and whether it was probed as another endpoint (the
    /// registry of the time pointed it elsewhere).
    type SweepPlan = (u8, Vec<(bool, u8, bool, bool)>);

    /// The sweeps of a plan. With `retire`, a sweep with an odd gap is a full sweep even when
    /// it misses panels: those it misses retire.
    fn history(plans: &[SweepPlan], retire: bool) -> Vec<SweepRecord> {
        let reg = registry();
        let mut hours = 0i64;
        plans
            .iter()
            .enumerate()
            .map(|(i, (gap, panels))| {
                hours += i64::from(*gap);
                let records = PANELS
                    .iter()
                    .zip(panels)
                    .filter(|(_, (probed, _, _, _))| *probed)
                    .map(|((panel, cap), (_, kind, print, moved))| {
                        let declared = reg.panel(panel);
                        PanelRecord {
                            panel: (*panel).to_owned(),
                            capability: (*cap).to_owned(),
                            endpoint: match declared {
                                Some(p) if !*moved => p.endpoint.to_string(),
                                _ => format!("GET /moved/{panel}"),
                            },
                            invariants_fingerprint: if *print { 8 } else { 7 },
                            identity: declared.map(ProbeIdentity::of),
                            verdict: verdict(*kind),
                        }
                    })
                    .collect();
                let mut s = sweep(u64::try_from(i).unwrap() + 1, ts(0, hours), records);
                if panels.iter().any(|(probed, _, _, _)| !probed) && !(retire && gap % 2 == 1) {
                    s.selection.domains = vec!["A".into()];
                }
                s
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Folding a restored snapshot onwards gives what replaying the whole history gives:
        /// the same changes sweep by sweep, the same state, the same next snapshot.
        #[test]
        fn snapshot_then_continue_equals_full_replay(
            plans in prop::collection::vec(
                (0u8..=48, prop::collection::vec(
                    (any::<bool>(), 0u8..=10, prop::bool::weighted(0.1), prop::bool::weighted(0.1)),
                    PANELS.len(),
                )),
                0..40,
            ),
            split in 0usize..40,
            window_hours in 6u64..=200,
            min_verified in 1u32..=6,
        ) {
            let reg = registry();
            let policy = TrustPolicy {
                window: std::time::Duration::from_secs(window_hours * 3600),
                min_verified,
                ..TrustPolicy::default()
            };
            let all = history(&plans, true);
            let split = split.min(all.len());

            let mut replayed = Ledger::new(policy.clone());
            let replayed_changes: Vec<Vec<Change>> =
                all.iter().map(|s| replayed.apply(s)).collect();

            // Snapshot once, then continue.
            let mut resumed = through_snapshot(&Ledger::replay(policy.clone(), &all[..split]));
            for (s, changes) in all[split..].iter().zip(&replayed_changes[split..]) {
                prop_assert_eq!(&resumed.apply(s), changes);
            }
            // Snapshot after every sweep, as a store does.
            let mut stepwise = Ledger::new(policy.clone());
            for (s, changes) in all.iter().zip(&replayed_changes) {
                stepwise = through_snapshot(&stepwise);
                prop_assert_eq!(&stepwise.apply(s), changes);
            }

            prop_assert_eq!(resumed.state(&reg), replayed.state(&reg));
            prop_assert_eq!(stepwise.state(&reg), replayed.state(&reg));
            prop_assert_eq!(
                serde_json::to_value(&resumed).unwrap(),
                serde_json::to_value(&replayed).unwrap()
            );
            prop_assert_eq!(resumed.counts(&reg), replayed.counts(&reg));
        }

        /// A diff from tracked statuses equals the diff of replayed states.
        #[test]
        fn diff_from_tracked_statuses_equals_diff_of_replays(
            plans in prop::collection::vec(
                (0u8..=48, prop::collection::vec((any::<bool>(), 0u8..=10, Just(false), Just(false)), PANELS.len())),
                2..20,
            ),
            from in 1u64..20,
            to in 1u64..20,
        ) {
            let reg = registry();
            let all = history(&plans, false);
            let n = all.len() as u64;
            let (from, to) = (from.min(n), to.min(n));
            prop_assume!(from < to);
            let state_at = |id: u64| Ledger::replay(reg.trust().clone(), all.iter().take_while(|s| s.id <= id)).state(&reg);
            let (a, b) = (state_at(from), state_at(to));
            let old_style: Vec<Change> = a.panels.iter().zip(&b.panels).filter_map(|(pa, pb)| {
                let (ta, tb) = (Tracked::of(pa), Tracked::of(pb));
                let kind = match (ta.status, tb.status) {
                    (Status::Blocked, Status::Bound) => Some((ChangeKind::Resolved, ta.code?)),
                    (Status::Bound, Status::Blocked) => Some((ChangeKind::Regressed, tb.code?)),
                    (Status::Unverified, Status::Blocked) => Some((ChangeKind::New, tb.code?)),
                    (Status::Blocked, Status::Blocked) if ta.code != tb.code =>
                        Some((ChangeKind::CodeChanged { from: ta.code? }, tb.code?)),
                    _ => None,
                }?;
                Some(Change { panel: pb.panel.clone(), kind: kind.0, code: kind.1 })
            }).collect();
            prop_assert_eq!(diff(&reg, &all, from, to), old_style);
        }
    }
}

/// SPEC §5.2: a panel is verified as a probe identity. Before, a panel re-pointed to another
/// endpoint kept its old gap, shown against the new endpoint, and the fix list asked to
/// create an endpoint no panel used any more.
#[test]
fn a_changed_probe_identity_supersedes_the_gap() {
    let before = registry();
    let after = Registry::from_yaml(
        &REGISTRY.replace("endpoint: /three", "endpoint: /tres"),
        "r.yaml",
    )
    .unwrap();
    let on = |reg: &Registry, verdict: Verdict| {
        PanelRecord::new(reg.panel("A-B-C-O3").unwrap(), verdict)
    };
    let first = sweep(
        1,
        ts(0, 8),
        vec![on(&before, blocked(GapCode::EndpointMissing))],
    );

    // The registry changed and nothing probed it since: changed, not verified since.
    let (state, _) = derive(&after, std::slice::from_ref(&first));
    let panel = state.panel("A-B-C-O3").unwrap();
    assert_eq!(panel.status, Status::Unverified);
    assert_eq!(
        panel.verdict, None,
        "no old verdict against the new endpoint"
    );
    assert_eq!(
        state.unverified_now(),
        [(
            "A-B-C-O3",
            "changed, not verified since (endpoint changed: GET /three → GET /tres; its ENDPOINT_MISSING gap is superseded)".to_owned()
        )]
    );
    // The same history against the old registry still shows the gap.
    let (state, _) = derive(&before, std::slice::from_ref(&first));
    assert_eq!(state.panel("A-B-C-O3").unwrap().status, Status::Blocked);

    // A sweep probes the new endpoint: the old gap closes as superseded, never as resolved,
    // and a gap at the new endpoint is new, not a change of code.
    for (verdict, kind) in [
        (bound(), None),
        (blocked(GapCode::SdsrFailed), Some(ChangeKind::New)),
    ] {
        let second = sweep(2, ts(1, 8), vec![on(&after, verdict)]);
        let (state, changes) = derive(&after, &[first.clone(), second]);
        let kinds: Vec<&ChangeKind> = changes.iter().map(|c| &c.kind).collect();
        let mut expected = vec![&ChangeKind::Superseded];
        expected.extend(kind.as_ref());
        assert_eq!(kinds, expected);
        assert_eq!(changes[0].code, GapCode::EndpointMissing);
        let closed = &state.resolutions[0];
        assert_eq!(closed.endpoint, "GET /three");
        assert_eq!(
            closed.closed,
            Closure::Superseded {
                change: "endpoint changed: GET /three → GET /tres".into()
            }
        );
        assert_eq!(state.panel("A-B-C-O3").unwrap().changed, None);
        // `diff` shows the closure beside the new verdict's own change.
        let second = sweep(
            2,
            ts(1, 8),
            vec![on(
                &after,
                if kind.is_some() {
                    blocked(GapCode::SdsrFailed)
                } else {
                    bound()
                },
            )],
        );
        let between: Vec<ChangeKind> = diff(&after, &[first.clone(), second], 1, 2)
            .into_iter()
            .map(|c| c.kind)
            .collect();
        let mut expected_diff: Vec<ChangeKind> = kind.iter().cloned().collect();
        expected_diff.push(ChangeKind::Superseded);
        assert_eq!(between, expected_diff);
    }

    // An unverified sweep after the change closes the old gap too, and keeps the panel
    // "changed, not verified since" with this sweep's reason.
    let second = sweep(2, ts(1, 8), vec![on(&after, unverified())]);
    let (state, changes) = derive(&after, &[first.clone(), second]);
    assert_eq!(changes[0].kind, ChangeKind::Superseded);
    assert_eq!(
        state.unverified_now()[0].1,
        "changed, not verified since (endpoint changed: GET /three → GET /tres); connection refused"
    );

    // Parameter values and the auth mode are part of the identity; the wording says which.
    let params = Registry::from_yaml(
        &REGISTRY.replace(
            "endpoint: /three }",
            "endpoint: /three, params: { window: 1h } }",
        ),
        "r.yaml",
    )
    .unwrap();
    let (state, _) = derive(&params, std::slice::from_ref(&first));
    assert!(
        state
            .panel("A-B-C-O3")
            .unwrap()
            .changed
            .as_deref()
            .unwrap()
            .starts_with("parameter values changed"),
        "{:?}",
        state.panel("A-B-C-O3")
    );
    let identity = |auth: &str| ProbeIdentity {
        auth: auth.into(),
        params: 1,
    };
    assert_eq!(
        identity_change(
            ("GET /a", Some(&identity("observer"))),
            ("GET /a", Some(&identity("none")))
        )
        .as_deref(),
        Some("auth mode changed: observer → none")
    );
    // A record stored before identities were kept is compared by endpoint alone.
    let mut legacy = on(&before, blocked(GapCode::EndpointMissing));
    legacy.identity = None;
    let (state, _) = derive(&params, &[sweep(1, ts(0, 8), vec![legacy])]);
    assert_eq!(state.panel("A-B-C-O3").unwrap().status, Status::Blocked);
}

/// SPEC §5.2: a panel removed from the registry closes its gap as retired and is listed for
/// 30 days. Before, it vanished from the tracker without a word.
#[test]
fn removed_panels_retire_and_are_listed_for_thirty_days() {
    let before = registry();
    let after = Registry::from_yaml(
        &REGISTRY.replace(
            "  - { id: A-B-C-O3, capability: c.three, endpoint: /three }\n",
            "",
        ),
        "r.yaml",
    )
    .unwrap();
    assert!(after.panel("A-B-C-O3").is_none());
    let on = |reg: &Registry, id: &str, verdict: Verdict| {
        PanelRecord::new(reg.panel(id).unwrap(), verdict)
    };
    let first = sweep(
        1,
        ts(0, 8),
        vec![
            on(&before, "A-B-C-O1", bound()),
            on(&before, "A-B-C-O3", blocked(GapCode::AuthFailure)),
        ],
    );
    let (state, _) = derive(&after, std::slice::from_ref(&first));
    assert_eq!(state.retired.len(), 1);
    assert_eq!(state.retired[0].panel, "A-B-C-O3");
    assert_eq!(state.retired[0].endpoint, "GET /three");
    assert_eq!(state.retired[0].code, Some(GapCode::AuthFailure));
    assert_eq!(
        state.retired[0].retired_at, None,
        "no sweep ran without it yet"
    );

    // The first full sweep without it retires it; a partial sweep does not.
    let mut partial = sweep(2, ts(1, 8), vec![on(&after, "A-B-C-O1", bound())]);
    partial.selection.panels = vec!["A-B-C-O1".into()];
    let (state, changes) = derive(&after, &[first.clone(), partial]);
    assert!(changes.is_empty());
    assert_eq!(state.retired[0].retired_at, None);
    let full = sweep(2, ts(1, 8), vec![on(&after, "A-B-C-O1", bound())]);
    let (state, changes) = derive(&after, &[first.clone(), full.clone()]);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].kind, ChangeKind::Retired);
    assert_eq!(changes[0].code, GapCode::AuthFailure);
    assert_eq!(state.retired[0].retired_at, Some(ts(1, 8)));
    assert!(state.panels.iter().all(|p| p.panel != "A-B-C-O3"));
    // `diff` names it too, though today's registry has no such panel to compare.
    let between = diff(&after, &[first.clone(), full.clone()], 1, 2);
    assert_eq!(between.len(), 1);
    assert_eq!(between[0].kind, ChangeKind::Retired);

    // Listed for 30 days after it left.
    let later = |day| sweep(3, ts(day, 8), vec![on(&after, "A-B-C-O1", bound())]);
    let (state, _) = derive(&after, &[first.clone(), full.clone(), later(31)]);
    assert_eq!(state.retired.len(), 1, "30 days after");
    let (state, _) = derive(&after, &[first, full, later(32)]);
    assert!(state.retired.is_empty(), "31 days after");
}

/// The fold's trust state equals SPEC §5.4 computed from every verification ever made (the
/// rules as the fold applied them before it kept runs instead of verifications), on random
/// histories: any spacing (sweeps minutes to days apart, some started before the one folded
/// before them, within the fold's skew margin), sweeps that do not verify the capability,
/// failures, fingerprint changes, any window and thresholds.
mod trust_equals_every_verification {
    use proptest::prelude::*;

    use super::*;

    /// SPEC §5.4 over the full list of (time, bound, fingerprint) verifications, in fold
    /// order: (trusted, verified in window, bound rate) after each.
    fn reference(policy: &TrustPolicy, events: &[(Timestamp, bool, u64)]) -> Vec<(bool, u32, f64)> {
        let mut trusted = false;
        let mut out = Vec::new();
        for n in 1..=events.len() {
            let seen = &events[..n];
            let (end, latest_bound, last_print) = seen[n - 1];
            let window = jiff::SignedDuration::try_from(policy.window).unwrap();
            let start = end.checked_sub(window).unwrap_or(Timestamp::MIN);
            let inside: Vec<_> = seen.iter().filter(|e| e.0 > start).collect();
            let verified = u32::try_from(inside.len()).unwrap();
            let bound = inside.iter().filter(|e| e.1).count();
            #[expect(clippy::cast_precision_loss, reason = "short histories")]
            let rate = bound as f64 / inside.len() as f64;
            let (mut run, mut max_run) = (0u32, 0u32);
            for e in &inside {
                run = if e.1 { 0 } else { run + 1 };
                max_run = max_run.max(run);
            }
            let stable = inside.iter().all(|e| e.2 == last_print);
            let streak = u32::try_from(seen.iter().rev().take_while(|e| !e.1).count()).unwrap();
            trusted = if trusted {
                !(rate < policy.demote_below_rate
                    || streak >= policy.demote_after_failures
                    || !stable)
            } else {
                latest_bound
                    && verified >= policy.min_verified
                    && rate >= policy.min_bound_rate
                    && max_run <= policy.max_consecutive_failures
                    && stable
            };
            out.push((trusted, verified, rate));
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn the_folds_trust_is_the_rules_over_every_verification(
            // Per sweep: minutes after the previous sweep's start (negative: started before
            // it, by up to 12 hours), whether it verifies the capability, bound, fingerprint.
            plan in prop::collection::vec(
                (-720i64..=3000, prop::bool::weighted(0.85), prop::bool::weighted(0.85), prop::bool::weighted(0.05)),
                1..120,
            ),
            window_hours in 1u64..=72,
            min_verified in 1u32..=8,
            max_consecutive_failures in 0u32..=2,
            demote_after_failures in 1u32..=4,
            split in 0usize..120,
        ) {
            let reg = registry();
            let policy = TrustPolicy {
                window: std::time::Duration::from_secs(window_hours * 3600),
                min_verified,
                min_bound_rate: 0.8,
                max_consecutive_failures,
                demote_below_rate: 0.6,
                demote_after_failures,
            };
            let mut minutes = 0i64;
            let mut latest = i64::MIN;
            let mut print = 7;
            let mut sweeps = Vec::new();
            let mut events = Vec::new();
            for (i, (gap, verifies, ok, flip)) in plan.iter().enumerate() {
                // Out of order by at most 12 hours behind the latest start: within the margin.
                minutes = (minutes + gap).max(latest.saturating_sub(720));
                latest = latest.max(minutes);
                let at = Timestamp::from_second(1_768_435_200 + minutes * 60).unwrap();
                if *flip {
                    print = 15 - print;
                }
                let mut records = Vec::new();
                if *verifies {
                    let mut r = record(
                        "A-B-C-O1",
                        "c.one",
                        if *ok { bound() } else { blocked(GapCode::SdsrFailed) },
                    );
                    r.invariants_fingerprint = print;
                    records.push(r);
                    events.push((at, *ok, print));
                }
                let mut s = sweep(u64::try_from(i).unwrap() + 1, at, records);
                s.selection.domains = vec!["A".into()];
                sweeps.push(s);
            }
            let expected = reference(&policy, &events);
            let id = CapabilityId::parse("c.one").unwrap();
            let split = split.min(sweeps.len());
            let mut ledger = through_snapshot(&Ledger::replay(policy.clone(), &sweeps[..split]));
            let mut n = sweeps[..split].iter().filter(|s| !s.records.is_empty()).count();
            let check = |ledger: &Ledger, n: usize| -> Result<(), TestCaseError> {
                if n == 0 {
                    return Ok(());
                }
                let cap = ledger.state(&reg).capabilities[&id].clone();
                let (trusted, verified, rate) = expected[n - 1];
                prop_assert_eq!(cap.status == CapabilityStatus::Trusted, trusted, "after verification {}", n);
                prop_assert_eq!(cap.verified_in_window, verified, "after verification {}", n);
                prop_assert!((cap.bound_rate - rate).abs() < 1e-12, "after verification {n}: {} != {rate}", cap.bound_rate);
                Ok(())
            };
            check(&ledger, n)?;
            for s in &sweeps[split..] {
                ledger = through_snapshot(&ledger);
                ledger.apply(s);
                n += usize::from(!s.records.is_empty());
                check(&ledger, n)?;
            }
        }
    }
}

/// A panel whose registry value became a `{ todo }` is UNVERIFIED by the classifier itself:
/// in history it neither regresses a BOUND panel nor resolves a gap; both keep their state
/// and show why they were not probed.
#[test]
fn a_todo_panel_neither_regresses_nor_resolves() {
    let todo = Registry::from_yaml(
        r#"
version: 1
domains: [{ code: A, name: ALPHA }]
defaults: { class: evidence }
panels:
  - { id: A-B-C-O1, capability: c.one, endpoint: "/one/{id}", path_params: { id: { todo: "an id" } } }
  - { id: A-B-C-O2, capability: c.two, endpoint: "/two/{id}", path_params: { id: { todo: "an id" } } }
"#,
        "r.yaml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let not_found = crate::Observation::answered(crate::Response::json(
        404,
        serde_json::json!({"detail": "Not Found"}),
    ));
    let judged = |i: usize| crate::classify(&todo.panels()[i], Some(&not_found), None);
    // Records of the panels as this registry declares them.
    let record = |panel: &str, capability: &str, verdict: Verdict| PanelRecord {
        endpoint: todo.panel(panel).unwrap().endpoint.to_string(),
        ..record(panel, capability, verdict)
    };
    let mut ledger = Ledger::new(todo.trust().clone());
    ledger.apply(&sweep(
        1,
        ts(0, 8),
        vec![
            record("A-B-C-O1", "c.one", bound()),
            record("A-B-C-O2", "c.two", blocked(GapCode::AuthFailure)),
        ],
    ));
    let changes = ledger.apply(&sweep(
        2,
        ts(1, 8),
        vec![
            record("A-B-C-O1", "c.one", judged(0)),
            record("A-B-C-O2", "c.two", judged(1)),
        ],
    ));
    assert!(changes.is_empty(), "{changes:?}");
    let state = ledger.state(&todo);
    assert!(state.regressions().is_empty());
    assert!(state.resolutions.is_empty());
    let one = state.panel("A-B-C-O1").unwrap();
    assert_eq!(one.status, Status::Bound);
    assert!(
        one.unverified_now
            .as_deref()
            .is_some_and(|r| r.contains("`id` has no value yet (todo: an id)"))
    );
    assert_eq!(state.panel("A-B-C-O2").unwrap().status, Status::Blocked);
}
