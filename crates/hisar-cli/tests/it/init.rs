//! `hisar init --from-openapi`: a registry generated from the backend's own document loads,
//! sweeps with verdicts the backend's behaviour explains, and is the same bytes every time.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use serde_json::Value;

use crate::support::{Backend, run_in, shared};

/// The status a plain GET of `url` gets, with the demo key: the backend's real behaviour,
/// seen without HISAR.
fn raw_status(url: &str, key: &str) -> u16 {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nX-AOS-Key: {key}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line from {url}: {answer:?}"))
}

fn get_paths(openapi: &Value) -> Vec<String> {
    let mut paths: Vec<String> = openapi["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(p, _)| p.clone())
        .collect();
    paths.sort();
    paths
}

#[test]
fn init_from_the_demo_backend_sweeps_and_the_backend_explains_every_verdict() {
    let key = "init-demo-key";
    let backend = Backend::start(key);
    let dir = tempfile::tempdir().unwrap();
    let openapi_url = format!("{}/openapi.json", backend.url);
    let init = run_in(
        dir.path(),
        &[
            "init",
            "--from-openapi",
            &openapi_url,
            "--auth-header",
            "X-AOS-Key: ${AOS_API_KEY}",
        ],
        &[],
    );
    assert_eq!(init.code, 0, "{init:?}");
    // The demo publishes no list of replays: its one path parameter has no value yet, said so.
    assert!(
        init.stderr.contains(
            "REP-REPLAY-INCIDENT_ID-SUMMARY: no list operation of the same family gives `incident_id`"
        ),
        "{init:?}"
    );
    assert!(
        init.stderr
            .contains("path parameters bound to a list, 1 warning\n"),
        "{init:?}"
    );
    let yaml = std::fs::read_to_string(dir.path().join("hisar.yaml")).unwrap();
    assert!(
        !yaml.contains(key),
        "the key is read from the environment, never written"
    );
    assert!(
        yaml.contains(&format!("base_url: \"{}\"", backend.url)),
        "{yaml}"
    );

    let sweep = run_in(
        dir.path(),
        &[
            "sweep",
            "--tracker",
            "GAPS.md",
            "--report-json",
            "report.json",
        ],
        &[("AOS_API_KEY", key)],
    );
    assert_eq!(sweep.code, 0, "{sweep:?}");
    let tracker = std::fs::read_to_string(dir.path().join("GAPS.md")).unwrap();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let panels = report["panels"].as_array().unwrap();

    // Every GET route the backend publishes is a panel, and nothing else is.
    let mut endpoints: Vec<String> = panels
        .iter()
        .map(|p| {
            p["endpoint"]
                .as_str()
                .unwrap()
                .strip_prefix("GET ")
                .unwrap()
                .to_owned()
        })
        .collect();
    endpoints.sort();
    assert_eq!(endpoints, get_paths(&backend.demo.openapi()));

    // Each verdict is what the backend does to a plain GET with the same key.
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for p in panels {
        let id = p["id"].as_str().unwrap();
        assert!(tracker.contains(id), "{id} is in the tracker");
        if p["endpoint"] == "GET /replay/{incident_id}/summary" {
            // Its `{ todo }` is never sent: no false ENDPOINT_MISSING for a made-up id.
            assert_eq!(p["status"], "UNVERIFIED", "{p}");
            assert!(p["evidence"]["url"].is_null(), "{p}");
            assert!(
                p["unverified_now"]
                    .as_str()
                    .unwrap()
                    .contains("`incident_id` has no value yet (todo: a real incident id"),
                "{p}"
            );
            continue;
        }
        let url = p["evidence"]["url"]
            .as_str()
            .unwrap_or_else(|| panic!("{p}"));
        let status = raw_status(url, key);
        let verdict = match p["status"].as_str().unwrap() {
            "BLOCKED" => p["gap"]["code"].as_str().unwrap().to_owned(),
            other => other.to_owned(),
        };
        match verdict.as_str() {
            "BOUND" | "PROVENANCE_MISSING" => assert_eq!(status, 200, "{id}: {p}"),
            "AUTH_FAILURE" => assert!(matches!(status, 401 | 403), "{id}: {status}"),
            "ENDPOINT_MISSING" => assert_eq!(status, 404, "{id}"),
            // The answer is not what its own schema or the panel needs: a wrong status, an
            // empty or non-JSON body, or a body its schema refuses.
            "SDSR_FAILED" => {
                let detail = p["gap"]["detail"].as_str().unwrap();
                assert!(
                    status != 200
                        || detail.contains("OpenAPI schema")
                        || detail.contains("empty body")
                        || detail.contains("not JSON"),
                    "{id}: {status} {detail}"
                );
            }
            other => panic!("{id}: unexpected verdict {other}: {p}"),
        }
        *counts.entry(verdict).or_default() += 1;
    }
    // The backend's real mix: healthy routes bound, closed ones refused, broken ones named.
    for verdict in ["BOUND", "AUTH_FAILURE", "SDSR_FAILED", "PROVENANCE_MISSING"] {
        assert!(counts.get(verdict).is_some_and(|n| *n > 0), "{counts:?}");
    }
}

#[test]
fn init_on_the_aurora_snapshot_validates_and_is_deterministic() {
    let snapshot = shared("fixtures/aurora-l2/backend/.openapi_snapshot.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    assert_eq!(doc["paths"].as_object().unwrap().len(), 394);
    let gets = get_paths(&doc).len();
    let dir = tempfile::tempdir().unwrap();
    let source = snapshot.to_str().unwrap();
    let first = run_in(dir.path(), &["init", "--from-openapi", source], &[]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        first
            .stderr
            .contains(&format!("wrote hisar.yaml: {gets} panels")),
        "{first:?}"
    );
    // The invariants written agree with the response schemas they came from; the values no
    // list operation gives are todos, each a warning with its place (--strict: an error).
    let validate = run_in(dir.path(), &["validate", "hisar.yaml"], &[]);
    assert_eq!(validate.code, 0, "{validate:?}");
    let todos = validate
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: hisar.yaml:") && l.contains("has no value yet (todo: "))
        .count();
    assert!(todos > 0, "{validate:?}");
    let strict = run_in(dir.path(), &["validate", "hisar.yaml", "--strict"], &[]);
    assert_eq!(strict.code, 2, "{strict:?}");
    assert_eq!(
        strict
            .stderr
            .lines()
            .filter(
                |l| l.starts_with("error: hisar.yaml:") && l.contains("has no value yet (todo: ")
            )
            .count(),
        todos,
        "{strict:?}"
    );
    let said = format!("{}{}", validate.stdout, validate.stderr);
    assert!(
        said.contains(&format!("valid: {gets} panels")),
        "{validate:?}"
    );
    assert!(
        said.contains("every invariant agrees with the OpenAPI response schemas"),
        "{validate:?}"
    );
    // The published JSON Schema of `hisar.yaml` accepts it too.
    let yaml = std::fs::read_to_string(dir.path().join("hisar.yaml")).unwrap();
    let value: Value = serde_saphyr::from_str(&yaml).unwrap();
    let schema = hisar_core::registry_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Same input, same bytes.
    let again = run_in(
        dir.path(),
        &["init", "--from-openapi", source, "--out", "again.yaml"],
        &[],
    );
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        yaml == std::fs::read_to_string(dir.path().join("again.yaml")).unwrap(),
        "two runs on the same document differ"
    );
    let warnings = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("warning:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(warnings(&first.stderr), warnings(&again.stderr));
    assert!(!warnings(&first.stderr).is_empty());
}

/// A backend that answers `200 {}` to the paths in `known` and 404 to every other request,
/// with its log of request paths. One request per connection; a request head is read up to
/// 64 KiB.
fn not_found_backend(
    known: std::collections::BTreeSet<String>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::BufRead;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = std::io::BufReader::new((&stream).take(64 * 1024));
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            loop {
                let mut header = String::new();
                match reader.read_line(&mut header) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if header == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            let (status, body) = if known.contains(path.split('?').next().unwrap_or("")) {
                ("200 OK", "{}")
            } else {
                ("404 Not Found", r#"{"detail":"Not Found"}"#)
            };
            seen.lock().unwrap().push(path);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, log)
}

/// The panels of a sweep's JSON report that have a `{ todo }` in `yaml`, by id.
fn todo_panels(yaml: &str) -> std::collections::BTreeSet<String> {
    let registry = hisar_core::Registry::from_yaml(yaml, "hisar.yaml").unwrap();
    registry
        .panels()
        .iter()
        .filter(|p| p.todo_reason().is_some())
        .map(|p| p.id.to_string())
        .collect()
}

/// A registry generated from AURORA's document, swept offline and against a backend that
/// answers its real paths and 404s every other (what a placeholder would ask): no panel with a `{ todo }` is sent or recorded
/// as a gap (the false ENDPOINT_MISSING / SDSR_FAILED a `TODO-name` placeholder made).
#[test]
fn init_on_the_aurora_snapshot_sweeps_without_a_false_gap() {
    let snapshot = shared("fixtures/aurora-l2/backend/.openapi_snapshot.json");
    let dir = tempfile::tempdir().unwrap();
    let init = run_in(
        dir.path(),
        &["init", "--from-openapi", snapshot.to_str().unwrap()],
        &[],
    );
    assert_eq!(init.code, 0, "{init:?}");
    let yaml = std::fs::read_to_string(dir.path().join("hisar.yaml")).unwrap();
    assert!(!yaml.contains("TODO-"), "no placeholder a sweep would send");
    let todos = todo_panels(&yaml);
    assert!(
        todos.len() > 50,
        "AURORA has many ids no list gives: {}",
        todos.len()
    );

    let check = |report: &str| {
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(report)).unwrap())
                .unwrap();
        let mut seen = 0;
        for p in report["panels"].as_array().unwrap() {
            if !todos.contains(p["id"].as_str().unwrap()) {
                continue;
            }
            seen += 1;
            assert_eq!(p["status"], "UNVERIFIED", "{p}");
            assert!(p["gap"].is_null(), "{p}");
            let reason = p["unverified_now"].as_str().unwrap();
            assert!(
                reason.starts_with("not probed: ") && reason.contains("has no value yet (todo: "),
                "{p}"
            );
        }
        assert_eq!(seen, todos.len());
    };
    let offline = run_in(
        dir.path(),
        &["sweep", "--offline", "--report-json", "offline.json"],
        &[],
    );
    assert_eq!(offline.code, 0, "{offline:?}");
    check("offline.json");

    // The paths of the panels with all their values answer; anything else, such as a
    // made-up id, gets 404.
    let registry = hisar_core::Registry::from_yaml(&yaml, "hisar.yaml").unwrap();
    let complete: std::collections::BTreeSet<String> = registry
        .panels()
        .iter()
        .filter(|p| p.live.is_empty())
        .map(hisar_core::Panel::request_path)
        .collect();
    let (url, log) = not_found_backend(complete.clone());
    let live = run_in(
        dir.path(),
        &["sweep", "--base-url", &url, "--report-json", "live.json"],
        &[],
    );
    // Not degraded (the backend answers its paths): the todo panels are judged on their own.
    assert_eq!(live.code, 0, "{live:?}");
    assert!(!live.stderr.contains("degraded"), "{live:?}");
    check("live.json");
    // Every request the backend saw is the path of a panel with all its values: none is
    // a todo panel's (each has a `{ todo }`, so no request path of its own).
    let sent = log.lock().unwrap().clone();
    assert!(
        sent.len() > 100,
        "the other panels were probed: {}",
        sent.len()
    );
    for path in &sent {
        let path = path.split('?').next().unwrap();
        assert!(
            complete.contains(path),
            "{path} is no complete panel's path"
        );
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn bad_input_exits_2_naming_the_file_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "not-openapi.json", r#"{"hello": "world"}"#);
    write(
        d,
        "post-only.yaml",
        "openapi: 3.0.3\npaths:\n  /x:\n    post: {}\n",
    );
    write(d, "broken.json", "{\"openapi\": ");
    std::fs::create_dir(d.join("folder")).unwrap();
    let cases = [
        (
            "not-openapi.json",
            "not-openapi.json: not an OpenAPI 3 document",
        ),
        ("post-only.yaml", "post-only.yaml: no GET operation"),
        ("broken.json", "broken.json: not JSON or YAML"),
        ("missing.json", "read missing.json"),
        ("folder", "read folder"),
        // Nothing listens on port 1: the URL is named, nothing is written.
        (
            "http://127.0.0.1:1/openapi.json",
            "fetch http://127.0.0.1:1/openapi.json",
        ),
    ];
    for (file, message) in cases {
        let run = run_in(d, &["init", "--from-openapi", file], &[]);
        assert_eq!(run.code, 2, "{file}: {run:?}");
        assert!(run.stderr.contains(message), "{file}: {run:?}");
        assert!(!d.join("hisar.yaml").exists(), "{file}: nothing written");
    }

    write(
        d,
        "ok.yaml",
        "openapi: 3.0.3\npaths:\n  /x:\n    get:\n      responses: {}\n",
    );
    write(d, "hisar.yaml", "mine\n");
    let refused = run_in(d, &["init", "--from-openapi", "ok.yaml"], &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("hisar.yaml exists: pass --force"),
        "{refused:?}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("hisar.yaml")).unwrap(),
        "mine\n"
    );
    let forced = run_in(d, &["init", "--from-openapi", "ok.yaml", "--force"], &[]);
    assert_eq!(forced.code, 0, "{forced:?}");
    let written = std::fs::read_to_string(d.join("hisar.yaml")).unwrap();
    assert!(written.contains("endpoint: GET /x"), "{written}");
    assert!(written.contains("  routes: ok.yaml\n"), "{written}");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".hisar-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");

    // A header without `: ` is refused without echoing what might be a secret.
    let secret = run_in(
        d,
        &[
            "init",
            "--from-openapi",
            "ok.yaml",
            "--out",
            "-",
            "--auth-header",
            "s3cr3t-token",
        ],
        &[],
    );
    assert_eq!(secret.code, 2, "{secret:?}");
    assert!(!secret.stderr.contains("s3cr3t"), "{secret:?}");
}
