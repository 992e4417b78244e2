use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use std::sync::Arc;

use axum::Router;
use hisar_core::Registry;
use hisar_demo::{DEMO_REGISTRY, DemoBackend};
use hisar_probe::{HttpOptions, HttpProbe, SweepOptions, Sweeper, Target};
use hisar_store::SqliteStore;
use tower::ServiceExt;

use crate::net::Running;
use serde_json::Value;

use crate::{AppState, openapi, router};

const KEY: &str = "svc-observer-key";
const TOKEN: &str = "svc-token-Zt9";

struct Fixture {
    _dir: tempfile::TempDir,
    state_dir: std::path::PathBuf,
    backend: DemoBackend,
    running: Running,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let backend = DemoBackend::new(KEY);
    let running = crate::net::spawn(backend.router(), "127.0.0.1:0")
        .await
        .unwrap();
    Fixture {
        state_dir: dir.path().join("state"),
        _dir: dir,
        backend,
        running,
    }
}

fn state(f: &Fixture, token: Option<&str>) -> AppState {
    let registry = Registry::from_yaml(DEMO_REGISTRY, "demo.yaml").unwrap();
    let env: BTreeMap<String, String> = BTreeMap::from([("AOS_API_KEY".into(), KEY.into())]);
    let target = Target::resolve(
        &registry,
        std::path::Path::new("."),
        &env,
        Some(f.running.url()),
        None,
    );
    let runner = Sweeper::new(
        Arc::new(registry.clone()),
        HttpProbe::new(HttpOptions::default()).unwrap(),
        Arc::new(env),
        target,
        SweepOptions::default(),
    );
    let store = SqliteStore::open_dir(&f.state_dir).unwrap();
    AppState::new(
        registry,
        "demo.yaml",
        Arc::new(store),
        Arc::new(runner),
        token.map(str::to_owned),
    )
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let ctype = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, ctype, String::from_utf8_lossy(&bytes).into_owned())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn wait_done(app: &Router, id: u64) {
    for _ in 0..200 {
        let (_, _, body) = call(app, "GET", &format!("/api/v1/sweeps/{id}"), None, "").await;
        if json(&body)["sweep"]["status"] == "complete" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("sweep {id} did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutating_routes_need_a_configured_token() {
    let f = fixture().await;
    let closed = router(state(&f, None));
    let (status, _, body) = call(&closed, "POST", "/api/v1/sweeps", Some(TOKEN), "").await;
    assert_eq!(status, 403, "no token configured: refused, never open");
    assert!(body.contains("mutating routes are disabled"));

    let app = router(state(&f, Some(TOKEN)));
    assert_eq!(call(&app, "POST", "/api/v1/sweeps", None, "").await.0, 401);
    assert_eq!(
        call(&app, "POST", "/api/v1/sweeps", Some("svc-token-Zt8"), "")
            .await
            .0,
        401
    );
    assert_eq!(
        call(&app, "POST", "/api/v1/sweeps", Some("svc-token-Zt9x"), "")
            .await
            .0,
        401
    );
    let (status, _, body) = call(
        &app,
        "POST",
        "/api/v1/sweeps",
        Some(TOKEN),
        r#"{"panels": ["NOPE-X-Y-O1"]}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown panel"));
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/v1/sweeps",
            Some(TOKEN),
            r#"{"panel": []}"#
        )
        .await
        .0,
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sweep_at_a_time() {
    let f = fixture().await;
    let app = router(state(&f, Some(TOKEN)));
    f.backend.set_delay(None, Duration::from_millis(600));
    let (status, _, body) = call(&app, "POST", "/api/v1/sweeps", Some(TOKEN), "").await;
    assert_eq!(status, 202, "{body}");
    let id = json(&body)["sweep"].as_u64().unwrap();
    let (status, _, body) = call(
        &app,
        "POST",
        "/api/v1/sweeps",
        Some(TOKEN),
        r#"{"domains": ["LOG"]}"#,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(json(&body)["sweep"], id);
    let (_, _, listing) = call(&app, "GET", "/api/v1/sweeps", None, "").await;
    assert_eq!(json(&listing)["running"], id);
    assert_eq!(json(&listing)["sweeps"][0]["status"], "running");
    wait_done(&app, id).await;
    f.backend.set_delay(None, Duration::ZERO);
    let (status, _, body) = call(
        &app,
        "POST",
        "/api/v1/sweeps",
        Some(TOKEN),
        r#"{"domains": ["LOG"]}"#,
    )
    .await;
    assert_eq!(status, 202, "free again: {body}");
    wait_done(&app, json(&body)["sweep"].as_u64().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_after_a_sweep() {
    let f = fixture().await;
    let app = router(state(&f, Some(TOKEN)));
    let (status, _, body) = call(&app, "GET", "/api/v1/render-plan", None, "").await;
    assert_eq!(
        (status, json(&body)["renderable"].as_u64()),
        (200, Some(0)),
        "nothing renders before evidence"
    );
    let (_, _, body) = call(&app, "GET", "/healthz", None, "").await;
    assert_eq!(json(&body)["sweeps"], 0);
    let (_, _, body) = call(&app, "POST", "/api/v1/sweeps", Some(TOKEN), "").await;
    wait_done(&app, json(&body)["sweep"].as_u64().unwrap()).await;

    let (status, ctype, body) = call(&app, "GET", "/api/v1/panels", None, "").await;
    assert_eq!((status, ctype.as_str()), (200, "application/json"));
    assert_eq!(json(&body)["count"], 87);
    let (_, _, body) = call(
        &app,
        "GET",
        "/api/v1/panels?domain=LOG&status=BLOCKED&gap=AUTH_FAILURE",
        None,
        "",
    )
    .await;
    let ids: Vec<String> = json(&body)["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        [
            "LOG-REC-AUD-O1",
            "LOG-REC-AUD-O3",
            "LOG-REC-SYS-O1",
            "LOG-REC-SYS-O3",
            "LOG-REC-SYS-O4",
            "LOG-REC-SYS-O5"
        ]
    );
    assert_eq!(
        call(&app, "GET", "/api/v1/panels?status=GREEN", None, "")
            .await
            .0,
        400
    );

    let (status, _, body) = call(&app, "GET", "/api/v1/panels/OVR-SUM-CI-O3", None, "").await;
    let panel = json(&body);
    assert_eq!(
        (status, panel["gap"]["code"].as_str()),
        (200, Some("SDSR_FAILED"))
    );
    assert_eq!(panel["history"].as_array().unwrap().len(), 1);
    assert_eq!(
        call(&app, "GET", "/api/v1/panels/NOPE-X-Y-O1", None, "")
            .await
            .0,
        404
    );

    let (_, _, body) = call(&app, "GET", "/api/v1/gaps", None, "").await;
    let gaps = json(&body);
    assert_eq!(gaps["count"], 64);
    assert_eq!(
        gaps["gaps"][0]["gap"]["code"], "AUTH_FAILURE",
        "most urgent first"
    );
    let (_, _, body) = call(&app, "GET", "/api/v1/fixes", None, "").await;
    assert_eq!(json(&body)["p0"][0]["entry"], "/api/v1/recovery/");
    let (_, _, body) = call(&app, "GET", "/api/v1/sweeps/1", None, "").await;
    assert_eq!(json(&body)["verdicts"].as_array().unwrap().len(), 87);
    assert_eq!(
        call(&app, "GET", "/api/v1/sweeps/99", None, "").await.0,
        404
    );

    // The render plan: exactly the 23 bound panels.
    let (_, _, body) = call(&app, "GET", "/api/v1/render-plan", None, "").await;
    let plan = json(&body);
    assert_eq!(plan["renderable"], 23);
    let render: Vec<&str> = plan["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["render"] == true)
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let bound: Vec<String> = json(
        &call(&app, "GET", "/api/v1/panels?status=BOUND", None, "")
            .await
            .2,
    )["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(render, bound);
    let blocked = plan["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "LOG-REC-SYS-O3")
        .unwrap();
    assert!(
        blocked["reason"]
            .as_str()
            .unwrap()
            .starts_with("blocked: AUTH_FAILURE")
    );

    let (status, ctype, body) = call(&app, "GET", "/", None, "").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("text/html"));
    for name in [
        "OVERVIEW",
        "ACTIVITY",
        "INCIDENTS",
        "POLICIES",
        "LOGS",
        "26%",
    ] {
        assert!(body.contains(name), "{name}");
    }
    let (_, _, filtered) = call(&app, "GET", "/?domain=LOG&code=AUTH_FAILURE", None, "").await;
    assert!(filtered.contains("Active gaps (6)"));
    let (status, ctype, body) = call(&app, "GET", "/tracker.md", None, "").await;
    assert_eq!((status, ctype.starts_with("text/markdown")), (200, true));
    assert!(body.contains("| **TOTAL** | **87** | **23** | **64** | **26%** |"));
    let (_, _, body) = call(&app, "GET", "/healthz", None, "").await;
    assert_eq!(json(&body)["status"], "ok");
    // Kept in memory for speed, and forgotten when a sweep ends: it counts the new one.
    assert_eq!(json(&body)["sweeps"], 1);
    let (_, ctype, metrics) = call(&app, "GET", "/metrics", None, "").await;
    assert!(ctype.starts_with("text/plain; version=0.0.4"));
    for line in [
        "hisar_sweeps_total{outcome=\"complete\"} 1",
        "hisar_panels{status=\"BOUND\"} 23",
        "hisar_gaps{code=\"AUTH_FAILURE\",priority=\"P0\"} 24",
        "hisar_sweep_duration_seconds_count 1",
        "hisar_probe_latency_seconds_count 87",
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
    // Neither the token nor the verifier's key leaks anywhere.
    for uri in [
        "/",
        "/tracker.md",
        "/metrics",
        "/healthz",
        "/api/v1/panels",
        "/api/v1/sweeps/1",
        "/api/v1/gaps",
        "/api/v1/render-plan",
    ] {
        let (_, _, body) = call(&app, "GET", uri, None, "").await;
        assert!(
            !body.contains(TOKEN) && !body.contains(KEY),
            "leak in {uri}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_service_serves_the_same_history() {
    let f = fixture().await;
    let first = router(state(&f, Some(TOKEN)));
    let (_, _, body) = call(&first, "POST", "/api/v1/sweeps", Some(TOKEN), "").await;
    wait_done(&first, json(&body)["sweep"].as_u64().unwrap()).await;
    let mut before = Vec::new();
    for uri in [
        "/api/v1/panels",
        "/api/v1/gaps",
        "/api/v1/sweeps",
        "/api/v1/fixes",
        "/api/v1/render-plan",
    ] {
        before.push(call(&first, "GET", uri, None, "").await.2);
    }
    drop(first);
    let again = router(state(&f, Some(TOKEN)));
    for (i, uri) in [
        "/api/v1/panels",
        "/api/v1/gaps",
        "/api/v1/sweeps",
        "/api/v1/fixes",
        "/api/v1/render-plan",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            call(&again, "GET", uri, None, "").await.2,
            before[i],
            "{uri}"
        );
    }
}

#[test]
fn the_openapi_document_lists_every_route() {
    let doc: Value = serde_json::to_value(openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 12, "{:?}", paths.keys());
    for path in [
        "/api/v1/panels",
        "/api/v1/panels/{id}",
        "/api/v1/gaps",
        "/api/v1/fixes",
        "/api/v1/sweeps",
        "/api/v1/sweeps/{id}",
        "/api/v1/render-plan",
        "/api/v1/openapi.json",
        "/",
        "/tracker.md",
        "/healthz",
        "/metrics",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    assert!(paths["/api/v1/sweeps"].get("post").is_some());
    // The document is a route table HISAR itself reads.
    let table = hisar_core::RouteTable::from_value(&doc).unwrap();
    assert!(
        table
            .check(&"POST /api/v1/sweeps".parse().unwrap())
            .passes()
    );
}

/// A GET with extra headers: status, headers, raw body.
async fn get(
    app: &Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method("GET").uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

/// A sweep recorded by another process (the CLI) on the same store: LOG-REC-SYS-O1, blocked
/// by AUTH_FAILURE in the service's sweep, seen bound.
async fn record_elsewhere(f: &Fixture) {
    let registry = Registry::from_yaml(DEMO_REGISTRY, "demo.yaml").unwrap();
    let panel = registry.panel("LOG-REC-SYS-O1").unwrap();
    let verdict = hisar_core::Verdict {
        outcome: hisar_core::Outcome::Bound,
        findings: vec![],
        evidence: hisar_core::Evidence {
            status: Some(200),
            ..hisar_core::Evidence::default()
        },
    };
    let now = jiff::Timestamp::now();
    let other = SqliteStore::open_dir(&f.state_dir).unwrap();
    hisar_store::HistoryStore::append(
        &other,
        hisar_core::history::NewSweep {
            started_at: now,
            finished_at: now,
            selection: hisar_core::history::Selection {
                panels: vec!["LOG-REC-SYS-O1".into()],
                domains: vec![],
            },
            records: vec![hisar_core::history::PanelRecord::new(panel, verdict)],
        },
        &hisar_store::Fold::new(&registry),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_carry_an_etag_and_are_not_modified_until_history_changes() {
    let f = fixture().await;
    let app = router(state(&f, Some(TOKEN)));
    let (_, _, body) = call(&app, "POST", "/api/v1/sweeps", Some(TOKEN), "").await;
    wait_done(&app, json(&body)["sweep"].as_u64().unwrap()).await;

    let uris = [
        "/api/v1/render-plan",
        "/api/v1/panels?domain=LOG",
        "/api/v1/panels/LOG-REC-SYS-O1",
        "/api/v1/gaps",
        "/api/v1/fixes",
        "/",
        "/tracker.md",
    ];
    let mut tags = Vec::new();
    for uri in uris {
        let (status, headers, first) = get(&app, uri, &[]).await;
        assert_eq!(status, 200, "{uri}");
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with("W/\""), "{uri}: {etag}");
        assert_eq!(headers["cache-control"], "no-cache", "{uri}");
        let (status, headers, body) = get(&app, uri, &[("if-none-match", &etag)]).await;
        assert_eq!((status, body.len()), (304, 0), "{uri}");
        assert_eq!(headers["etag"].to_str().unwrap(), etag);
        // Another tag, or none: the whole answer, the same bytes as rendered the first time.
        let (status, _, again) = get(&app, uri, &[("if-none-match", "W/\"other\"")]).await;
        assert_eq!((status, &again), (200, &first), "{uri}");
        tags.push(etag);
    }

    // History changes behind the service's back (a CLI sweep on the same store): no answer
    // may stay as it was, and the tag a client holds no longer matches.
    record_elsewhere(&f).await;
    for (uri, etag) in uris.iter().zip(&tags) {
        let (status, headers, _) = get(&app, uri, &[("if-none-match", etag)]).await;
        assert_eq!(status, 200, "{uri} after a change of history");
        assert_ne!(headers["etag"].to_str().unwrap(), etag);
    }
    // The health check, kept apart from the cache, counts the sweep recorded elsewhere too.
    let (_, _, body) = call(&app, "GET", "/healthz", None, "").await;
    assert_eq!(json(&body)["sweeps"], 2, "{body}");
    let (_, _, body) = call(&app, "GET", "/api/v1/panels/LOG-REC-SYS-O1", None, "").await;
    let panel = json(&body);
    assert_eq!(panel["status"], "BOUND", "{panel}");
    assert_eq!(
        panel["history"].as_array().unwrap().len(),
        2,
        "oldest first"
    );
    assert_eq!(panel["history"][0]["status"], "BLOCKED");
    let (_, _, body) = call(&app, "GET", "/api/v1/panels?status=BOUND", None, "").await;
    assert_eq!(json(&body)["count"], 24);
    let (_, _, body) = call(&app, "GET", "/api/v1/sweeps", None, "").await;
    let sweeps = json(&body);
    assert_eq!(sweeps["count"], 2);
    assert_eq!(
        sweeps["sweeps"][1]["tracked"],
        serde_json::json!({"bound": 24, "blocked": 63, "total": 87}),
        "the tracked counts stored with the sweep"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_compressed_for_clients_that_accept_gzip() {
    use std::io::Read as _;

    let f = fixture().await;
    let app = router(state(&f, Some(TOKEN)));
    let (_, _, body) = call(&app, "POST", "/api/v1/sweeps", Some(TOKEN), "").await;
    wait_done(&app, json(&body)["sweep"].as_u64().unwrap()).await;
    for uri in ["/api/v1/panels", "/api/v1/render-plan", "/"] {
        let (_, headers, plain) = get(&app, uri, &[]).await;
        assert!(headers.get("content-encoding").is_none(), "{uri}");
        let (status, headers, zipped) = get(&app, uri, &[("accept-encoding", "gzip")]).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-encoding"], "gzip", "{uri}");
        assert!(
            zipped.len() * 3 < plain.len(),
            "{uri}: {} of {}",
            zipped.len(),
            plain.len()
        );
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(zipped.as_slice())
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain, "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_response_cache_stays_bounded_whatever_the_queries() {
    let f = fixture().await;
    let state = state(&f, Some(TOKEN));
    let app = router(state.clone());
    for i in 0..300 {
        let (status, _, body) = call(
            &app,
            "GET",
            &format!("/api/v1/panels?domain=LOG&x={i}"),
            None,
            "",
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(json(&body)["count"], 15, "query {i}: the 15 LOG panels");
    }
    let d = state.derived().await.unwrap();
    assert_eq!(d.cached_len(), 256);
}

/// The document is generated from the handlers the router serves: every documented operation
/// answers (no 404 or 405 from the router), with path parameters filled in, and the served
/// document is the generated one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served_and_the_served_document_is_generated() {
    let f = fixture().await;
    let app = router(state(&f, Some("t0k3n")));
    let (_, _, body) = call(&app, "POST", "/api/v1/sweeps", Some("t0k3n"), "").await;
    wait_done(&app, json(&body)["sweep"].as_u64().unwrap()).await;
    let doc: Value = serde_json::to_value(openapi()).unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let uri = path.replace(
                "{id}",
                if path.contains("sweeps") {
                    "1"
                } else {
                    "OVR-SUM-HL-O1"
                },
            );
            let (status, _, body) =
                call(&app, &method.to_uppercase(), &uri, Some("t0k3n"), "").await;
            operations += 1;
            let documented = item[method]["responses"]
                .as_object()
                .unwrap()
                .contains_key(&status.to_string());
            assert!(
                documented && status != 404 && status != 405,
                "{method} {uri}: {status} {body}"
            );
        }
    }
    assert_eq!(operations, 13);
    let (status, ctype, served) = call(&app, "GET", "/api/v1/openapi.json", None, "").await;
    assert_eq!((status, ctype.as_str()), (200, "application/json"));
    assert_eq!(json(&served), doc);
    // Filters ignore case, as the document says.
    let (status, _, body) = call(
        &app,
        "GET",
        "/api/v1/panels?status=bound&domain=ovr",
        None,
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["count"], 4);
    // And an undocumented route is not served.
    assert_eq!(call(&app, "GET", "/api/v1/nothing", None, "").await.0, 404);
}

/// The service's sweeps use the registry's token flows, and each sweep starts with no token:
/// two sweeps of the incidents, whose panels use the demo's OAuth2 mode, ask for two tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_sweep_obtains_its_own_token() {
    let f = fixture().await;
    let app = router(state(&f, Some(TOKEN)));
    for _ in 0..2 {
        // The service clears its running flag just after the sweep is recorded complete.
        let mut started = None;
        for _ in 0..100 {
            let (status, _, body) = call(
                &app,
                "POST",
                "/api/v1/sweeps",
                Some(TOKEN),
                r#"{"domains": ["INC"]}"#,
            )
            .await;
            if status == 202 {
                started = json(&body)["sweep"].as_u64();
                break;
            }
            assert_eq!(status, 409, "{body}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        wait_done(&app, started.expect("a sweep started")).await;
    }
    assert_eq!(f.backend.tokens_issued(), 2, "one token per sweep");
    let (status, _, body) = call(&app, "GET", "/api/v1/panels/INC-EV-ACT-O1", None, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["status"], "BOUND", "{body}");
}
