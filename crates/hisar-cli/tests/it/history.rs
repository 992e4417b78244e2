//! The living tracker: history, resolutions, regressions, the gate, crash safety, and the
//! JSON and JUnit renderings (issue: the living tracker).

use std::time::Duration;

use serde_json::Value;

use crate::support::{Backend, Workspace, command};

const KEY: &str = "k-history";

fn sweep(ws: &Workspace, backend: &Backend, extra: &[&str]) -> crate::support::Run {
    let mut args = vec![
        "sweep",
        "--base-url",
        &backend.url,
        "--max-time",
        "1s",
        "--retry",
        "0",
        "--tracker",
        "t.md",
        "--json",
        "t.json",
    ];
    args.extend_from_slice(extra);
    ws.hisar(&args, &[("AOS_API_KEY", KEY)])
}

fn json(ws: &Workspace, file: &str) -> Value {
    serde_json::from_str(&ws.read(file)).unwrap()
}

fn panel<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn three_sweeps_resolve_regress_and_leave_the_unreachable_alone() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    let first = sweep(&ws, &backend, &[]);
    assert_eq!(first.code, 0, "{first:?}");
    let before = ws.read("t.md");
    assert!(before.contains("| (none yet) | | | | |"));

    // Between 1 and 2: the backend team fixes two gaps.
    assert!(backend.demo.fix("/guard/logs")); // LOG-REC-SYS-O1, AUTH_FAILURE
    assert!(backend.demo.fix("/cost/by-model")); // OVR-SUM-CI-O3, SDSR_FAILED
    let second = sweep(&ws, &backend, &[]);
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second
            .stderr
            .contains("this sweep: 0 new, 2 resolved, 0 regressed"),
        "{second:?}"
    );

    // Between 2 and 3: a bound panel breaks and another endpoint stops answering in time.
    assert!(backend.demo.break_route("/status_history/stats")); // LOG-REC-AUD-O5 was BOUND
    assert!(
        backend
            .demo
            .set_delay(Some("/api/v1/discovery"), Duration::from_secs(3))
    ); // ACT-LLM-SIG-O4
    copy_dir(&ws.path(".hisar"), &ws.path(".hisar-never"));
    let third = sweep(&ws, &backend, &["--junit", "t.xml"]);
    assert_eq!(
        third.code, 1,
        "--fail-on regressed (the default) fails: {third:?}"
    );
    assert!(
        third
            .stderr
            .contains("LOG-REC-AUD-O5 SDSR_FAILED: regressed"),
        "{third:?}"
    );
    let never = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--max-time",
            "1s",
            "--retry",
            "0",
            "--state",
            ".hisar-never",
            "--fail-on",
            "never",
        ],
        &[("AOS_API_KEY", KEY)],
    );
    assert_eq!(never.code, 0, "--fail-on never passes: {never:?}");

    let tracker = ws.read("t.md");
    let resolved = tracker.split("## Resolved Gaps").nth(1).unwrap();
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    assert!(
        resolved.contains(&format!("| LOG-REC-SYS-O1 | `/guard/logs` | AUTH_FAILURE | {today} | seen HTTP 200, 1/1 invariants,")),
        "{resolved}"
    );
    assert!(resolved.contains(&format!("| OVR-SUM-CI-O3 | `/cost/by-model` | SDSR_FAILED | {today} | seen HTTP 200, 1/1 invariants,")));
    let regressions = tracker
        .split("## Regressions (1)")
        .nth(1)
        .expect("one regression")
        .split("\n---")
        .next()
        .unwrap();
    assert!(
        regressions.contains("| LOG-REC-AUD-O5 | `/status_history/stats` | SDSR_FAILED |"),
        "{regressions}"
    );
    let unverified = tracker
        .split("## Unverified This Sweep (1)")
        .nth(1)
        .expect("one unverified")
        .split("\n---")
        .next()
        .unwrap();
    assert!(
        unverified.contains("| ACT-LLM-SIG-O4 | `/api/v1/discovery` | BOUND | timed out"),
        "{unverified}"
    );

    let doc = json(&ws, "t.json");
    let sig = panel(&doc, "ACT-LLM-SIG-O4");
    assert_eq!(
        (sig["status"].as_str(), sig["verified_in"].as_u64()),
        (Some("BOUND"), Some(2)),
        "kept its state"
    );
    assert!(
        doc["resolved"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["panel"] != "ACT-LLM-SIG-O4")
    );
    assert_eq!(doc["regressions"].as_array().unwrap().len(), 1);

    // hisar diff between the last two sweeps, and between the first and the last.
    let diff = ws.hisar(&["diff"], &[]);
    assert!(
        diff.stdout
            .starts_with("sweep #2 -> #3: 0 new, 0 resolved, 1 regressed, 0 changed code"),
        "{diff:?}"
    );
    let diff = ws.hisar(&["diff", "1", "3", "--format", "json"], &[]);
    let d: Value = serde_json::from_str(&diff.stdout).unwrap();
    assert_eq!(
        d["counts"],
        serde_json::json!({"new": 0, "resolved": 2, "regressed": 1, "changed_code": 0, "closed": 0})
    );

    // Rendering from history alone, without the network, is byte-identical.
    let again = ws.hisar(
        &["report", "--tracker", "again.md", "--json", "again.json"],
        &[],
    );
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(ws.read("again.md"), tracker);
    assert_eq!(ws.read("again.json"), ws.read("t.json"));
    let piped = ws.hisar(&["report", "--json", "-"], &[]);
    assert_eq!(
        piped.stdout,
        ws.read("t.json"),
        "`-` writes a report to stdout"
    );
    assert_ne!(before, tracker);
}

#[test]
fn killed_sweep_leaves_the_previous_history() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    assert_eq!(sweep(&ws, &backend, &[]).code, 0);
    let report = ws.hisar(&["report", "--tracker", "before.md"], &[]);
    assert_eq!(report.code, 0, "{report:?}");

    backend.demo.set_delay(None, Duration::from_secs(5));
    let mut child = command(
        ws.dir.path(),
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--max-time",
            "20s",
            "--tracker",
            "t.md",
            "--json",
            "t.json",
        ],
        &[("AOS_API_KEY", KEY)],
    )
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success());
    backend.demo.set_delay(None, Duration::ZERO);

    let after = ws.hisar(&["report", "--tracker", "after.md"], &[]);
    assert_eq!(after.code, 0, "{after:?}");
    assert_eq!(ws.read("after.md"), ws.read("before.md"));
    assert!(
        ws.read("t.md").contains("**Sweep:** #1 of 1"),
        "the tracker of the first sweep is intact"
    );
    let leftovers: Vec<_> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no half-written report left behind");
}

#[test]
fn check_after_a_fix_resolves_that_gap_and_nothing_else() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    assert_eq!(sweep(&ws, &backend, &[]).code, 0);
    let before = json(&ws, "t.json");
    backend.demo.publish("/founder/timeline/"); // the P0 entry for OVR-SUM-DC-O1 and O2
    let check = ws.hisar(
        &[
            "check",
            "--base-url",
            &backend.url,
            "--panel",
            "OVR-SUM-DC-O1",
        ],
        &[("AOS_API_KEY", KEY)],
    );
    assert_eq!(check.code, 0, "{check:?}");
    assert!(
        check
            .stderr
            .contains("OVR-SUM-DC-O1 BOUND GET /founder/timeline/decisions"),
        "{check:?}"
    );
    assert!(
        check.stderr.contains("wrote t.md") || check.stderr.contains("t.md"),
        "the remembered tracker is updated: {check:?}"
    );
    let tracker = ws.read("t.md");
    let resolved = tracker.split("## Resolved Gaps").nth(1).unwrap();
    assert!(resolved.contains("| OVR-SUM-DC-O1 | `/founder/timeline/decisions` | AUTH_FAILURE |"));
    assert_eq!(
        resolved.matches("AUTH_FAILURE").count(),
        1,
        "OVR-SUM-DC-O2 was not re-checked"
    );

    let report = ws.hisar(&["report", "--json", "after.json"], &[]);
    assert_eq!(report.code, 0);
    let after = json(&ws, "after.json");
    for (a, b) in before["panels"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["panels"].as_array().unwrap())
    {
        if a["id"] == "OVR-SUM-DC-O1" {
            assert_eq!(b["status"], "BOUND");
            assert_eq!(b["verified_in"], 2);
        } else {
            assert_eq!(a, b, "{} untouched", a["id"]);
        }
    }
}

#[test]
fn json_matches_the_schema_and_junit_parses() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    std::fs::write(
        ws.path("hisar.yaml"),
        format!(
            "{}waivers:\n  - {{ panel: LOG-REC-SYS-O3, code: AUTH_FAILURE, owner: platform, expires: 2099-12-31, reason: gateway rework }}\n  - {{ panel: LOG-REC-SYS-O4, code: AUTH_FAILURE, owner: platform, expires: 2020-01-01, reason: long gone }}\n",
            hisar_demo::DEMO_REGISTRY
        ),
    )
    .unwrap();
    backend
        .demo
        .set_delay(Some("/health/skills"), Duration::from_secs(3));
    let run = sweep(&ws, &backend, &["--junit", "t.xml", "--fail-on", "blocked"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(
            "waiver for LOG-REC-SYS-O4 AUTH_FAILURE (owner platform) expired on 2020-01-01"
        ),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("waived: LOG-REC-SYS-O3 AUTH_FAILURE: blocked"),
        "{run:?}"
    );
    assert!(
        !run.stderr
            .contains("  LOG-REC-SYS-O3 AUTH_FAILURE: blocked"),
        "a waived gap is out of the gate"
    );
    assert!(ws.read("t.md").contains(
        "| LOG-REC-SYS-O3 | `/health/ready` | AUTH_FAILURE | WAIVED until 2099-12-31 (platform) |"
    ));

    let schema: Value =
        serde_json::from_str(include_str!("../../../../docs/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let doc = json(&ws, "t.json");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["schema_version"], 1);
    // The schema is strict enough to catch drift.
    let mut broken = doc.clone();
    broken["panels"][0]["status"] = Value::from("GREEN");
    assert!(!validator.is_valid(&broken));

    let xml = ws.read("t.xml");
    let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .expect("a JUnit consumer reads it");
    assert_eq!(suites.suites.len(), 5);
    // quick-junit writes no `skipped` count attribute: count the `<skipped>` cases, as CI
    // test reporters do.
    let skipped = suites
        .suites
        .iter()
        .flat_map(|s| &s.cases)
        .filter(|c| c.status.is_skipped())
        .count();
    assert_eq!(
        (suites.tests, suites.failures, skipped),
        (87, 62, 2),
        "64 gaps, one waived; one unverified"
    );
    let logs = suites.suites.iter().find(|s| s.name == "LOGS").unwrap();
    let case = |name: &str| {
        logs.cases
            .iter()
            .find(|c| c.original_name.starts_with(name))
            .unwrap()
    };
    assert_eq!(logs.cases[0].classname.as_deref(), Some("hisar.LOG"));
    assert!(case("LOG-REC-SYS-O1").status.is_failure());
    let failure = case("LOG-REC-SYS-O1").status.failure_as_ref().clone();
    assert_eq!(failure.failure_type, "AUTH_FAILURE");
    assert!(case("LOG-REC-SYS-O3").status.is_skipped(), "waived");
    assert!(case("LOG-REC-SYS-O2").status.is_success());
    assert!(case("LOG-REC-SYS-O5").status.is_skipped(), "unverified");
    // Deterministic: rendering again from history gives the same bytes.
    assert_eq!(ws.hisar(&["report", "--junit", "again.xml"], &[]).code, 0);
    assert_eq!(ws.read("again.xml"), xml);
}

#[test]
fn prune_keeps_the_tracked_state_and_later_sweeps_continue_from_it() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    assert_eq!(sweep(&ws, &backend, &[]).code, 0);
    assert!(backend.demo.fix("/guard/logs")); // LOG-REC-SYS-O1, AUTH_FAILURE
    assert_eq!(sweep(&ws, &backend, &[]).code, 0);
    assert!(backend.demo.break_route("/status_history/stats")); // LOG-REC-AUD-O5 was BOUND
    assert_eq!(sweep(&ws, &backend, &["--fail-on", "never"]).code, 0);
    let report = ws.hisar(
        &["report", "--tracker", "before.md", "--json", "before.json"],
        &[],
    );
    assert_eq!(report.code, 0, "{report:?}");

    // Another writer holds the state directory: prune waits, gives up, and prunes nothing.
    let held = hisar_store::StateLock::try_acquire(&ws.path(".hisar"), "test writer").unwrap();
    let refused = ws.hisar(&["prune", "--keep", "0s", "--lock-wait", "0.2s"], &[]);
    assert_eq!(refused.code, 3, "{refused:?}");
    assert!(
        refused.stderr.contains("in use by another hisar")
            && refused.stderr.contains("test writer"),
        "{refused:?}"
    );
    drop(held);

    // Everything older than now goes, except the latest sweep.
    let pruned = ws.hisar(&["prune", "--keep", "0s"], &[]);
    assert_eq!(pruned.code, 0, "{pruned:?}");
    assert!(
        pruned
            .stderr
            .contains("pruned 2 sweeps (174 panel records)"),
        "{pruned:?}"
    );
    let report = ws.hisar(
        &["report", "--tracker", "after.md", "--json", "after.json"],
        &[],
    );
    assert_eq!(report.code, 0, "{report:?}");
    assert_eq!(
        ws.read("after.md"),
        ws.read("before.md"),
        "resolutions, regressions and spells survive"
    );
    assert_eq!(ws.read("after.json"), ws.read("before.json"));
    let diff = ws.hisar(&["diff", "1", "3"], &[]);
    assert_eq!(diff.code, 2, "{diff:?}");
    assert!(diff.stderr.contains("no sweep #1"), "{diff:?}");

    // The next sweep folds onto the whole history: the regression of sweep 3 is kept, the
    // resolution of sweep 2 too, and fixing the route resolves it.
    assert!(backend.demo.fix("/status_history/stats"));
    let next = sweep(&ws, &backend, &[]);
    assert_eq!(next.code, 0, "{next:?}");
    assert!(next.stderr.contains("1 resolved, 0 regressed"), "{next:?}");
    let tracker = ws.read("t.md");
    let resolved = tracker.split("## Resolved Gaps").nth(1).unwrap();
    assert!(resolved.contains("| LOG-REC-SYS-O1 |"), "{resolved}");
    assert!(resolved.contains("| LOG-REC-AUD-O5 |"), "{resolved}");
    let diff = ws.hisar(&["diff"], &[]);
    assert!(
        diff.stdout
            .starts_with("sweep #3 -> #4: 0 new, 1 resolved, 0 regressed"),
        "{diff:?}"
    );
}

/// SPEC §5.2 end to end. Before, a panel re-pointed by the registry kept its old gap, shown
/// against the new endpoint, the fix list asked to create an endpoint no panel used any more,
/// and a removed panel vanished from the tracker without a word.
#[test]
fn a_re_pointed_panel_supersedes_its_gap_and_a_removed_one_retires() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    let first = sweep(&ws, &backend, &[]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        ws.read("t.md")
            .contains("| `GET /billing/status` | Billing status |")
    );

    let registry = ws.read("hisar.yaml");
    let edited = registry
        .replace(
            "    endpoint: GET /api/v1/guard/incidents\n",
            "    endpoint: GET /api/v1/incidents\n",
        )
        .replace(
            "  - id: POL-LIM-USG-O5\n    capability: policies.billing_status\n    endpoint: GET /billing/status\n    class: evidence\n    invariants: [\"$.plan isString\"]\n    purpose: Billing status\n",
            "",
        );
    assert_ne!(edited.len(), registry.len());
    assert!(edited.contains("GET /api/v1/incidents\n    class: interpretation\n    provenance: { aggregation: list }\n    invariants: [\"$.incidents isArray\"]\n    purpose: Guard-generated incidents"));
    std::fs::write(ws.path("hisar.yaml"), edited).unwrap();

    // Before any sweep of the new registry: no old verdict against the new endpoint, no fix
    // for an endpoint no panel uses, the removed panel listed as retired.
    let report = ws.hisar(&["report", "--tracker", "r.md"], &[]);
    assert_eq!(report.code, 0, "{report:?}");
    let tracker = ws.read("r.md");
    assert!(!tracker.contains("/api/v1/guard/incidents` |"), "{tracker}");
    assert!(
        !tracker.contains("| `GET /billing/status` | Billing status |"),
        "{tracker}"
    );
    assert!(
        tracker.contains("| INC-EV-HIST-O2 | `/api/v1/incidents` | UNVERIFIED | changed, not verified since (endpoint changed: GET /api/v1/guard/incidents → GET /api/v1/incidents; its ENDPOINT_MISSING gap is superseded) |"),
        "{tracker}"
    );
    assert!(tracker.contains("## Retired Panels (1)"), "{tracker}");
    assert!(
        tracker.contains("| POL-LIM-USG-O5 | `GET /billing/status` | BLOCKED ENDPOINT_MISSING | not swept since (last seen "),
        "{tracker}"
    );

    // The next full sweep: the gap closes as superseded, the panel is judged afresh at its new
    // endpoint, the removed one retires with a date; neither fails the gate.
    let second = sweep(&ws, &backend, &[]);
    assert_eq!(second.code, 0, "{second:?}");
    let tracker = ws.read("t.md");
    assert!(
        tracker.contains("| INC-EV-HIST-O2 | `GET /api/v1/guard/incidents` | ENDPOINT_MISSING |"),
        "{tracker}"
    );
    assert!(
        tracker.contains(
            "superseded (endpoint changed: GET /api/v1/guard/incidents → GET /api/v1/incidents)"
        ),
        "{tracker}"
    );
    let retired = tracker
        .lines()
        .find(|l| l.starts_with("| POL-LIM-USG-O5 |"))
        .unwrap_or_else(|| panic!("{tracker}"));
    assert!(!retired.contains("not swept since"), "{retired}");
    let doc = json(&ws, "t.json");
    assert_eq!(doc["retired"][0]["panel"], "POL-LIM-USG-O5");
    assert!(doc["retired"][0]["retired_at"].is_string());
    assert_eq!(
        panel(&doc, "INC-EV-HIST-O2")["endpoint"],
        "GET /api/v1/incidents"
    );
    assert!(
        panel(&doc, "INC-EV-HIST-O2")["evidence"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/incidents")
    );
    let diff = ws.hisar(&["diff"], &[]);
    assert!(
        diff.stdout.contains("superseded ENDPOINT_MISSING"),
        "{diff:?}"
    );
    assert!(
        diff.stdout.contains("retired    ENDPOINT_MISSING"),
        "{diff:?}"
    );
}
