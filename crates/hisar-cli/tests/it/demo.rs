//! `hisar demo` and sweeps of the demo registry (issue: first end to end).

use hisar_core::{GapCode, Registry, Status};
use hisar_demo::{DEMO_REGISTRY, DemoBackend};
use hisar_import::tracker::parse_tracker;
use serde_json::Value;

use crate::support::{Backend, Workspace, run_in, shared};

const REFERENCE: &str = "reference/HISAR_BACKEND_GAPS_TRACKER.md";

#[test]
fn demo_reproduces_every_reference_verdict() {
    let work = tempfile::tempdir().unwrap();
    let run = run_in(work.path(), &["demo", "--out", "out"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let out = work.path().join("out");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tracker.json")).unwrap()).unwrap();
    let tracker = std::fs::read_to_string(out.join("HISAR_BACKEND_GAPS_TRACKER.md")).unwrap();
    assert!(out.join("hisar.yaml").exists());

    // Derived dashboard: OVERVIEW 4/8, ACTIVITY 6/9, INCIDENTS 5/10, POLICIES 3/27, LOGS 5/10.
    let domains: Vec<(String, u64, u64)> = json["summary"]["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_owned(),
                d["bound"].as_u64().unwrap(),
                d["blocked"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("OVERVIEW", 4, 8),
        ("ACTIVITY", 6, 9),
        ("INCIDENTS", 5, 10),
        ("POLICIES", 3, 27),
        ("LOGS", 5, 10),
    ];
    assert_eq!(domains, expected.map(|(n, b, k)| (n.to_owned(), b, k)));
    assert!(tracker.contains("| **TOTAL** | **87** | **23** | **64** | **26%** |"));
    assert!(tracker.contains("| INCIDENTS | 15 | 5 | 10 | 33% |"));

    // Shared endpoints are probed once: fewer requests than panels.
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("swept "))
        .expect("summary line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let (panels, requests): (usize, usize) = (words[1].parse().unwrap(), words[4].parse().unwrap());
    assert_eq!(panels, 87);
    assert!(requests < panels, "{line}");

    // Every verdict equals the reference document's row, parsed now.
    let reference = shared(REFERENCE);
    let import = parse_tracker(&std::fs::read_to_string(reference).unwrap()).unwrap();
    assert_eq!(import.rows.len(), 87);
    let panels = json["panels"].as_array().unwrap();
    for row in &import.rows {
        let panel = panels
            .iter()
            .find(|p| p["id"] == row.panel.as_str())
            .unwrap_or_else(|| panic!("{} missing", row.panel));
        let status: Status = serde_json::from_value(panel["status"].clone()).unwrap();
        assert_eq!(status, row.status, "{}", row.panel);
        let gap: Option<GapCode> = panel["gap"]["code"].as_str().map(|c| c.parse().unwrap());
        assert_eq!(gap, row.gap, "{}: {}", row.panel, panel["gap"]);
    }
}

#[test]
fn unreachable_backend_is_unverified_not_a_gap() {
    let ws = Workspace::new();
    let mut backend = Backend::start("k");
    let url = backend.url.clone();
    backend.stop();
    let run = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &url,
            "--retry",
            "0",
            "--tracker",
            "t.md",
            "--json",
            "t.json",
        ],
        &[("AOS_API_KEY", "k")],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr
            .contains("sweep degraded: 87 of 87 panels unverified"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("coherency (stage 1) is unchecked"),
        "{run:?}"
    );
    let json: Value = serde_json::from_str(&ws.read("t.json")).unwrap();
    assert_eq!(json["summary"]["unverified"], 87);
    assert_eq!(json["summary"]["blocked"], 0);
    let tracker = ws.read("t.md");
    assert!(
        tracker.contains("| **TOTAL** | **87** | **0** | **0** | **87** | **0%** |"),
        "{tracker}"
    );
    for code in GapCode::ALL {
        assert!(
            !tracker.contains(&format!("| {code} | BLOCKED |")),
            "{code} reported as a gap"
        );
        assert!(
            tracker.contains(&format!("| {code} | 0 |")),
            "{code} counted"
        );
    }
    assert!(tracker.contains("## Unverified This Sweep (87)"));
    assert!(tracker.contains("connection refused"));
}

#[test]
fn credentials_never_appear_in_any_output() {
    const SECRET: &str = "s3cr3t-Xq7-credential";
    let ws = Workspace::new();
    let backend = Backend::start(SECRET);
    let env = [("AOS_API_KEY", SECRET), ("SDSR_TENANT_ID", SECRET)];
    let mut outputs = Vec::new();
    let sweep = ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--tracker",
            "t.md",
            "--json",
            "t.json",
            "--junit",
            "t.xml",
        ],
        &env,
    );
    assert_eq!(sweep.code, 0, "{sweep:?}");
    outputs.push(sweep);
    outputs.push(ws.hisar(
        &[
            "check",
            "--base-url",
            &backend.url,
            "--panel",
            "LOG-REC-SYS-O3",
        ],
        &env,
    ));
    outputs.push(ws.hisar(&["list", "--format", "json"], &env));
    // Under GitHub Actions: annotations on stderr, and the job summary.
    let summary = ws.path("summary.md");
    let summary_path = summary.to_str().unwrap().to_owned();
    outputs.push(ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--panel",
            "LOG-REC-SYS-O2",
        ],
        &[
            ("AOS_API_KEY", "wrong"),
            ("SDSR_TENANT_ID", SECRET),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary_path.as_str()),
        ],
    ));
    outputs.push(ws.hisar(&["diff", "--format", "markdown"], &env));
    outputs.push(ws.hisar(&["report", "--tracker", "r.md"], &env));
    // Errors too: a wrong key, a registry that does not validate.
    outputs.push(ws.hisar(
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--panel",
            "LOG-REC-SYS-O2",
        ],
        &[("AOS_API_KEY", "wrong"), ("SDSR_TENANT_ID", SECRET)],
    ));
    std::fs::write(
        ws.path("bad.yaml"),
        format!("version: 1\ntitle: x\nauth: {{ a: {{ headers: {{ K: \"{SECRET}${{\" }} }} }}\n"),
    )
    .unwrap();
    outputs.push(ws.hisar(&["validate", "bad.yaml"], &env));
    for run in &outputs {
        assert!(
            !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
            "leak in {run:?}"
        );
    }
    // The bad registry's own text is the user's: the error names the header, not the value.
    for file in ["t.md", "t.json", "t.xml", "r.md", "summary.md"] {
        assert!(!ws.read(file).contains(SECRET), "leak in {file}");
    }
    let db = std::fs::read(ws.path(".hisar/history.db")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(SECRET), "leak in the history store");
    // The tenant header reached the backend: provenance echoes it... and it must not be stored.
    assert!(ws.read("t.json").contains("\"BOUND\""));
}

#[test]
fn import_tracker_round_trips() {
    let reference = shared(REFERENCE);
    let ws = Workspace::new();
    let run = ws.hisar(&["import", "tracker", reference.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("imported 87 panels (23 bound, 64 blocked) in 5 domains"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("INC-EV-RES-O5: path parameter {incident_id} has no value in the tracker; it is a `{ todo }`"),
        "{run:?}"
    );
    assert!(
        !run.stdout.contains("TODO-"),
        "no made-up value a sweep would send"
    );
    std::fs::write(ws.path("imported.yaml"), &run.stdout).unwrap();
    let valid = ws.hisar(&["validate", "imported.yaml"], &[]);
    assert_eq!(valid.code, 0, "{valid:?}");
    assert!(valid.stderr.contains("87 panels in 5 domains"));
    let list = ws.hisar(
        &["list", "--registry", "imported.yaml", "--format", "json"],
        &[],
    );
    let items: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(items.len(), 87);
}

#[test]
fn usage_errors_exit_2() {
    let ws = Workspace::new();
    let run = ws.hisar(
        &[
            "check",
            "--base-url",
            "http://127.0.0.1:9",
            "--panel",
            "ovr-sum-hl-o1",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("unknown panel `ovr-sum-hl-o1` (did you mean `OVR-SUM-HL-O1`?)"),
        "{run:?}"
    );
    std::fs::write(
        ws.path("bad.yaml"),
        "version: 1\ndomains: []\npanels:\n  - {id: X-Y-Z-O1, capability: a.b, endpoint: /x}\n",
    )
    .unwrap();
    let run = ws.hisar(&["validate", "bad.yaml"], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("bad.yaml:4:10: panel X-Y-Z-O1: domain `X` of the panel id is not declared"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("bad.yaml:4:5: panel X-Y-Z-O1: missing `class`"),
        "{run:?}"
    );
    let run = ws.hisar(&["sweep", "--registry", "missing.yaml"], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("read registry missing.yaml"));
}

#[test]
fn the_demo_openapi_document_is_a_route_table_of_its_shipped_routes() {
    let doc = DemoBackend::new("k").openapi();
    let table = hisar_core::RouteTable::from_value(&doc).unwrap();
    assert_eq!(
        table.routes().len(),
        doc["paths"].as_object().unwrap().len()
    );
}

#[test]
fn every_demo_panel_has_a_route() {
    let registry = Registry::from_yaml(DEMO_REGISTRY, "demo").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(registry.panels().len(), 87);
    let paths = DemoBackend::new("k").paths();
    for panel in registry.panels() {
        assert!(
            paths.contains(&panel.endpoint.path.as_str()),
            "{} {}",
            panel.id,
            panel.endpoint
        );
    }
}

/// What `hisar sweep` prints for people, with the parts that change from run to run (the
/// port, timings, dates) replaced by placeholders.
fn normalise(text: &str, url: &str) -> String {
    let text = text.replace(url, "http://127.0.0.1:PORT");
    let timing = regex::Regex::new(r"in \d+\.\d+s").unwrap();
    let timing = timing.replace_all(&text, "in T.TTs");
    let ms = regex::Regex::new(r"\b\d+ ms\b").unwrap();
    let timing = ms.replace_all(&timing, "N ms");
    let date = regex::Regex::new(r"\d{4}-\d{2}-\d{2}").unwrap();
    date.replace_all(&timing, "YYYY-MM-DD").into_owned()
}

#[test]
fn sweep_summary_snapshot() {
    let backend = Backend::start("snapshot-key");
    let ws = Workspace::new();
    let env = [("AOS_API_KEY", "snapshot-key")];
    let args = [
        "sweep",
        "--base-url",
        backend.url.as_str(),
        "--retry",
        "0",
        "--max-time",
        "1s",
    ];
    // POL-LIM-VIO-O2's route does not answer in time: unverified, never verified.
    assert!(backend.demo.set_delay(
        Some("/guard/costs/incidents"),
        std::time::Duration::from_secs(3)
    ));
    let first = ws.hisar(&args, &env);
    assert_eq!(first.code, 0, "{first:?}");
    insta::assert_snapshot!("sweep_first", normalise(&first.stderr, &backend.url));

    // A fix, a break, an answer back and one lost: every group, each panel named.
    assert!(backend.demo.fix("/guard/logs")); // LOG-REC-SYS-O1 resolved
    assert!(backend.demo.break_route("/health")); // ACT-LLM-LIVE-O5, LOG-REC-SYS-O2 regressed
    assert!(
        backend
            .demo
            .set_delay(Some("/guard/costs/incidents"), std::time::Duration::ZERO)
    ); // POL-LIM-VIO-O2: a new AUTH_FAILURE
    assert!(
        backend
            .demo
            .set_delay(Some("/api/v1/discovery"), std::time::Duration::from_secs(3))
    ); // ACT-LLM-SIG-O4 unverified, keeps BOUND
    let second = ws.hisar(&args, &env);
    assert_eq!(
        second.code, 1,
        "a regression fails the default gate: {second:?}"
    );
    let text = normalise(&second.stderr, &backend.url);
    for expected in [
        "regressed (2):",
        "new (1):",
        "resolved (1):",
        "unverified (1):",
        "  POL-LIM-VIO-O2  GET /guard/costs/incidents  AUTH_FAILURE",
        "  LOG-REC-SYS-O1  GET /guard/logs  AUTH_FAILURE  seen HTTP 200",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    insta::assert_snapshot!("sweep_second", text);

    // -q names no panel; -v is the default list off a terminal, in full.
    let quiet = ws.hisar(&[&args[..], &["-q"]].concat(), &env);
    assert!(
        !quiet.stderr.contains("regressed (") && !quiet.stderr.contains("DOMAIN"),
        "{quiet:?}"
    );
    assert!(
        quiet
            .stderr
            .contains("this sweep: 0 new, 0 resolved, 0 regressed"),
        "{quiet:?}"
    );
    let verbose = ws.hisar(&[&args[..], &["-v"]].concat(), &env);
    assert!(verbose.stderr.contains("unverified (1):"), "{verbose:?}");
}

/// The first line of the tracker's "Re-check the panel" step, as a person would copy it.
fn recheck_line(tracker: &str) -> String {
    let line = tracker
        .lines()
        .find(|l| l.contains("Re-check the panel:"))
        .expect("the tracker says how to re-check a panel");
    line.split('`')
        .nth(1)
        .expect("a command in backticks")
        .to_owned()
}

#[test]
fn the_demo_continues_from_its_trackers_next_step() {
    let work = tempfile::tempdir().unwrap();
    let demo = run_in(work.path(), &["demo", "--out", "my demo"], &[]);
    assert_eq!(demo.code, 0, "{demo:?}");
    let folder = work.path().join("my demo");
    let tracker = std::fs::read_to_string(folder.join("HISAR_BACKEND_GAPS_TRACKER.md")).unwrap();
    let command = recheck_line(&tracker);
    // Pasted as printed, in the tracker's folder, with a panel id in place of the placeholder.
    let pasted = command.replace("<PANEL_ID>", "OVR-SUM-DC-O1");
    let words: Vec<&str> = pasted.split_whitespace().collect();
    assert_eq!(words[0], "hisar", "{command}");
    let again = run_in(&folder, &words[1..], &[]);
    assert_eq!(
        again.code, 0,
        "`{pasted}` in the tracker's folder: {again:?}"
    );
    assert!(
        again
            .stderr
            .contains("this sweep: 0 new, 0 resolved, 0 regressed"),
        "no regression: {again:?}"
    );
    let updated = std::fs::read_to_string(folder.join("HISAR_BACKEND_GAPS_TRACKER.md")).unwrap();
    assert!(
        updated.contains("**Sweep:** #2 of 2, panel OVR-SUM-DC-O1 (1 panel)"),
        "the tracker is updated by the re-check"
    );
    assert_eq!(recheck_line(&updated), command, "and still says how");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("tracker.json")).unwrap())
            .unwrap();
    let panel = json["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "OVR-SUM-DC-O1")
        .unwrap();
    assert_eq!(panel["status"], "BLOCKED", "same verdict");
    assert_eq!(panel["gap"]["code"], "AUTH_FAILURE", "same verdict");
    assert_eq!(panel["verified_in"], 2, "re-checked");

    // The next step the demo printed, pasted where it ran.
    let next = demo
        .stderr
        .lines()
        .find_map(|l| l.split_once(": hisar ").map(|(_, rest)| rest.to_owned()))
        .expect("the demo prints a next step");
    let next = next.replace("'my demo'", "my\u{0}demo");
    let words: Vec<String> = next
        .split_whitespace()
        .map(|w| w.replace('\u{0}', " "))
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let third = run_in(work.path(), &words, &[]);
    assert_eq!(
        third.code, 0,
        "`hisar {next}` where the demo ran: {third:?}"
    );
    let updated = std::fs::read_to_string(folder.join("HISAR_BACKEND_GAPS_TRACKER.md")).unwrap();
    assert!(updated.contains("**Sweep:** #3 of 3"), "{updated}");

    // Without a demo there, the command says what to run first.
    let none = run_in(
        work.path(),
        &["demo", "--panel", "OVR-SUM-DC-O1", "--out", "elsewhere"],
        &[],
    );
    assert_eq!(none.code, 2, "{none:?}");
    assert!(
        none.stderr
            .contains("no demo in elsewhere: run `hisar demo --out elsewhere` first"),
        "{none:?}"
    );
}
