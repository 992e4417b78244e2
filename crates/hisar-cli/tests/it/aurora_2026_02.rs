//! `hisar import aurora` and `hisar export aurora-projection` on the repository as it stood on
//! 2026-02-21 (`fixtures/aurora-l2-2026-02`), and on layouts made from it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Workspace, command, shared};

const FIXTURE: &str = "fixtures/aurora-l2-2026-02";
const LOCK: &str =
    "fixtures/aurora-l2-2026-02/website/app-shell/public/projection/ui_projection_lock.json";

fn import(ws: &Workspace, dir: &Path, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["import", "aurora", dir.to_str().unwrap()];
    args.extend(extra);
    ws.hisar(&args, &[])
}

#[test]
fn the_import_prints_a_one_screen_summary_and_a_valid_registry() {
    let ws = Workspace::new();
    let run = import(&ws, &shared(FIXTURE), &["--lint-json", "lint.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.len() <= 30, "one screen:\n{}", run.stderr);
    for needle in [
        "imported 83 of 84 plan panels, 5 of the 25 panels only in the ledger (of 109): 88 in the registry",
        "21 panels left out: no source gives an endpoint",
        "ledger design/l2_1/INTENT_LEDGER.md",
        "backend.routes = docs/api/HOC_CUS_API_LEDGER.json (endpoint list, generated_at_utc 2026-02-21T07:47:56.656226+00:00)",
        "prefix change in docs/api/HOC_CUS_API_LEDGER.json: /api/v1 → /hoc/api/cus",
        "1132 unresolved ids",
        "endpoint_replaced 19",
    ] {
        assert!(run.stderr.contains(needle), "{needle}\n{}", run.stderr);
    }
    assert!(
        !run.stderr.contains("    INC-EV-HIST-O4: "),
        "findings only with --verbose"
    );
    std::fs::write(ws.path("r.yaml"), &run.stdout).unwrap();
    assert!(
        run.stdout.contains("HOC_CUS_API_LEDGER.json"),
        "backend.routes is written"
    );

    // The published JSON Schema accepts it, unresolved invariants included.
    let schema = hisar_core::registry_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc: Value = serde_saphyr::from_str(&run.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The registry loads; validate names the invariants that cannot be checked.
    let valid = ws.hisar(&["validate", "r.yaml"], &[]);
    assert_eq!(valid.code, 0, "{valid:?}");
    assert!(
        valid
            .stderr
            .contains("1166 declared invariants on 69 panels cannot be checked"),
        "{}",
        valid.stderr
    );
    assert!(
        valid
            .stderr
            .contains("  INC-EV-HIST-O5: INV-L0-001, INV-L0-002"),
        "{}",
        valid.stderr
    );

    // Every choice is in the JSON lint, with both values and the files.
    let lint: Value = serde_json::from_str(&ws.read("lint.json")).unwrap();
    assert_eq!(lint["summary"]["counts"]["panels"], 88);
    assert_eq!(
        lint["routes"]["chosen"]["file"],
        "docs/api/HOC_CUS_API_LEDGER.json"
    );
    let replaced = lint["lint"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "endpoint_replaced" && l["panel"] == "INC-EV-HIST-O4")
        .expect("the choice for INC-EV-HIST-O4");
    let message = replaced["message"].as_str().unwrap();
    assert!(
        message.contains("GET /api/v1/incidents/historical/cost-trend"),
        "{message}"
    );
    assert!(
        message.contains("GET /api/v1/incidents/cost-impact"),
        "{message}"
    );
    assert!(replaced["files"].as_array().unwrap().len() >= 3);
    assert_eq!(lint["unresolved"].as_array().unwrap().len(), 1132);

    // With --verbose every finding follows the summary.
    let verbose = import(&ws, &shared(FIXTURE), &["--verbose"]);
    assert!(
        verbose.stderr.contains("  route_prefix_change (2)"),
        "{}",
        verbose.stderr
    );
    assert!(verbose.stderr.contains("    INC-EV-HIST-O4: "));
}

/// The same repository without its plan: the ledger lists the panels.
#[test]
fn the_import_works_without_the_plan() {
    let ws = Workspace::new();
    let repo = ws.path("repo");
    let fixture = shared(FIXTURE);
    for dir in ["backend", "docs", "website"] {
        std::os::unix::fs::symlink(fixture.join(dir), repo_dir(&repo).join(dir)).unwrap();
    }
    let design = repo.join("design/l2_1");
    std::fs::create_dir_all(&design).unwrap();
    for entry in ["INTENT_LEDGER.md", "intents"] {
        std::os::unix::fs::symlink(fixture.join("design/l2_1").join(entry), design.join(entry))
            .unwrap();
    }
    let run = import(&ws, &repo, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("88 of the 109 ledger panels: 88 in the registry"),
        "{}",
        run.stderr
    );
    std::fs::write(ws.path("r.yaml"), &run.stdout).unwrap();
    assert_eq!(ws.hisar(&["validate", "r.yaml"], &[]).code, 0);
}

fn repo_dir(repo: &Path) -> &Path {
    std::fs::create_dir_all(repo).unwrap();
    repo
}

/// A FIFO where the plan should be, and one among the intents: skipped with a warning, never
/// opened (opening a FIFO waits for a writer that never comes).
#[test]
fn the_import_reads_only_regular_files() {
    let ws = Workspace::new();
    let repo = ws.path("repo");
    let design = repo.join("design/l2_1/intents");
    std::fs::create_dir_all(&design).unwrap();
    std::fs::write(
        design.join("AURORA_L2_INTENT_OVR-SUM-CI-O1.yaml"),
        "panel_id: OVR-SUM-CI-O1\npanel_class: evidence\ncapability: { id: overview.costs, assumed_endpoint: /api/v1/overview/costs }\n",
    )
    .unwrap();
    for fifo in [
        repo.join("design/l2_1/ui_plan.yaml"),
        design.join("AURORA_L2_INTENT_OVR-SUM-CI-O2.yaml"),
    ] {
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo is needed for this test: {}",
            fifo.display()
        );
    }
    let mut child = command(
        ws.dir.path(),
        &["import", "aurora", repo.to_str().unwrap()],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // A bound on the wait, not a speed check: a reader blocked on a FIFO never returns.
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the import hangs on a FIFO");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("ui_plan.yaml: not a regular file; not read"),
        "{stderr}"
    );
    assert!(
        stderr.contains("AURORA_L2_INTENT_OVR-SUM-CI-O2.yaml: not a regular file; not read"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("id: OVR-SUM-CI-O1"));
}

#[test]
fn nothing_that_lists_panels_is_a_usage_error() {
    let ws = Workspace::new();
    let empty = ws.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let run = import(&ws, &empty, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("no UI plan (design/l2_1/ui_plan.yaml), no intent ledger"),
        "{}",
        run.stderr
    );
    let missing = import(&ws, &ws.path("nowhere"), &[]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("is not a directory"),
        "{}",
        missing.stderr
    );
}

/// Key paths of a JSON value: objects by key, arrays by `[]` (every item merged).
fn shape(value: &Value, at: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{at}.{k}");
                out.insert(path.clone());
                shape(v, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// The exported lock has every key the team's own file has (tested against the fixture's
/// file), and no history means no panel is BOUND.
#[test]
fn the_projection_lock_is_written_in_the_teams_shape() {
    let ws = Workspace::new();
    let fixture = shared(FIXTURE);
    let run = import(&ws, &fixture, &[]);
    std::fs::write(ws.path("r.yaml"), &run.stdout).unwrap();
    let export = ws.hisar(
        &[
            "export",
            "aurora-projection",
            "--registry",
            "r.yaml",
            "--aurora",
            fixture.to_str().unwrap(),
            "--out",
            "lock.json",
        ],
        &[],
    );
    assert_eq!(export.code, 0, "{export:?}");
    assert!(
        export.stderr.contains("no sweep recorded"),
        "{}",
        export.stderr
    );
    let ours: Value = serde_json::from_str(&ws.read("lock.json")).unwrap();
    let theirs: Value =
        serde_json::from_str(&std::fs::read_to_string(shared(LOCK)).unwrap()).unwrap();
    let (mut a, mut b) = (BTreeSet::new(), BTreeSet::new());
    shape(&ours, "", &mut a);
    shape(&theirs, "", &mut b);
    let missing: Vec<&String> = b.difference(&a).collect();
    assert!(
        missing.is_empty(),
        "keys of the team's lock we do not write: {missing:?}"
    );
    assert_eq!(ours["_contract"], theirs["_contract"]);
    assert_eq!(ours["_meta"]["type"], theirs["_meta"]["type"]);
    assert_eq!(
        ours["_meta"]["contract_version"],
        theirs["_meta"]["contract_version"]
    );

    // Their file has no panel; ours lists every panel of the plan and the ledger.
    let panels: Vec<&Value> = ours["domains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["panels"].as_array().unwrap())
        .collect();
    assert_eq!(panels.len(), 109);
    assert_eq!(ours["_statistics"]["panel_count"], 109);
    assert!(
        panels.iter().all(|p| p["binding_status"] == "UNBOUND"),
        "no history, nothing bound"
    );
    let hist = panels
        .iter()
        .find(|p| p["panel_id"] == "INC-EV-HIST-O4")
        .unwrap();
    assert_eq!(hist["topic_id"], "INCIDENTS.EVENTS.HISTORICAL");
    assert_eq!(hist["disabled_reason"], "HISAR: never verified");
    let empty = panels
        .iter()
        .find(|p| p["panel_id"] == "ACC-PR-OV-O1")
        .unwrap();
    assert!(
        empty["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("not in the registry")
    );
    // Every panel carries the fields the team's renderer requires of a panel.
    for key in [
        "panel_id",
        "panel_name",
        "order",
        "render_mode",
        "visibility",
        "enabled",
        "disabled_reason",
        "controls",
        "control_count",
        "topic",
        "topic_id",
        "subdomain",
        "topic_display_order",
        "panel_display_order",
        "content_blocks",
        "short_description",
        "permissions",
        "route",
        "view_type",
        "binding_status",
        "review_status",
        "panel_class",
    ] {
        assert!(panels.iter().all(|p| p.get(key).is_some()), "{key}");
    }
}
