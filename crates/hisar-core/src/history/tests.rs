use super::*;
use crate::history::Closure;
use crate::id::CapabilityId;
use crate::policy::FailOn;
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
