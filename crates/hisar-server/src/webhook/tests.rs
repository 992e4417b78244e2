//! Webhooks against the demo backend and a receiver of our own: one event per changing sweep
//! with the right lists, none for an unchanged one, retries bounded, a hanging receiver never
//! holding a sweep back.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use hisar_core::Registry;
use hisar_core::history::Selection;
use hisar_demo::{DEMO_REGISTRY, DemoBackend};
use hisar_probe::{HttpOptions, HttpProbe, SweepOptions, Sweeper, Target};
use hisar_store::SqliteStore;
use serde_json::Value;
use tokio::sync::mpsc;

use super::*;
use crate::AppState;
use crate::net::Running;

const KEY: &str = "hook-observer-key";
/// The receiver's path: a credential, as a Slack hook's is.
const SECRET_PATH: &str = "/services/T0/B0/hook-s3cret-t0ken";

/// How the receiver answers.
const OK: u8 = 0;
const FAIL: u8 = 1;
const REFUSE: u8 = 2;
const HANG: u8 = 3;

struct Receiver {
    running: Running,
    events: mpsc::UnboundedReceiver<Value>,
    hits: Arc<AtomicUsize>,
    mode: Arc<AtomicU8>,
}

impl Receiver {
    async fn start(mode: u8) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let hits = Arc::new(AtomicUsize::new(0));
        let mode = Arc::new(AtomicU8::new(mode));
        let (h, m) = (Arc::clone(&hits), Arc::clone(&mode));
        let app = Router::new().fallback(move |uri: axum::http::Uri, body: Bytes| {
            let (tx, h, m) = (tx.clone(), Arc::clone(&h), Arc::clone(&m));
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                assert_eq!(uri.path(), SECRET_PATH);
                match m.load(Ordering::SeqCst) {
                    FAIL => return StatusCode::INTERNAL_SERVER_ERROR,
                    REFUSE => return StatusCode::NOT_FOUND,
                    HANG => std::future::pending::<()>().await,
                    _ => {}
                }
                let _ = tx.send(serde_json::from_slice(&body).expect("the event is JSON"));
                StatusCode::OK
            }
        });
        let running = crate::net::spawn(app, "127.0.0.1:0").await.unwrap();
        Self {
            running,
            events,
            hits,
            mode,
        }
    }

    fn url(&self) -> String {
        format!("{}{SECRET_PATH}", self.running.url())
    }

    /// The next event, waiting at most a minute (a bound, not a timing assertion).
    async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(60), self.events.recv())
            .await
            .expect("an event within a minute")
            .expect("the receiver runs")
    }
}

struct Service {
    _dir: tempfile::TempDir,
    backend: DemoBackend,
    _backend_running: Running,
    state: AppState,
}

fn fast() -> DeliveryOptions {
    DeliveryOptions {
        attempts: 3,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        timeout: Duration::from_secs(30),
        ..DeliveryOptions::default()
    }
}

async fn service(receiver_url: &str, options: &DeliveryOptions) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let backend = DemoBackend::new(KEY);
    let backend_running = crate::net::spawn(backend.router(), "127.0.0.1:0")
        .await
        .unwrap();
    let registry = Registry::from_yaml(DEMO_REGISTRY, "demo.yaml").unwrap();
    let env: BTreeMap<String, String> = BTreeMap::from([("AOS_API_KEY".into(), KEY.into())]);
    let target = Target::resolve(
        &registry,
        std::path::Path::new("."),
        &env,
        Some(backend_running.url()),
        None,
    );
    let runner = Sweeper::new(
        Arc::new(registry.clone()),
        HttpProbe::new(HttpOptions::default()).unwrap(),
        Arc::new(env),
        target,
        SweepOptions::default(),
    );
    let masker = runner.masker().clone();
    let store = SqliteStore::open_dir(&dir.path().join("state")).unwrap();
    let state = AppState::new(
        registry,
        "demo.yaml",
        Arc::new(store),
        Arc::new(runner),
        None,
    );
    let webhooks = Webhooks::start(
        vec![WebhookTarget::parse(1, receiver_url).unwrap()],
        Source {
            service: "demo".into(),
            environment: "default".into(),
        },
        masker,
        options,
    )
    .unwrap();
    state.set_webhooks(webhooks);
    Service {
        _dir: dir,
        backend,
        _backend_running: backend_running,
        state,
    }
}

impl Service {
    /// Runs one full sweep to the end; its id.
    async fn sweep(&self) -> u64 {
        let id = self.state.start_sweep(Selection::default()).await.unwrap();
        for _ in 0..1200 {
            if self.state.running().is_none() {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("sweep #{id} did not finish within a minute");
    }

    /// Each panel's tracked status and endpoint after the latest sweep, as the API shows them.
    async fn statuses(&self) -> BTreeMap<String, (String, String)> {
        use tower::ServiceExt as _;
        let request = axum::http::Request::get("/api/v1/panels")
            .body(axum::body::Body::empty())
            .unwrap();
        let answer = crate::router(self.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
            .await
            .unwrap();
        let doc: Value = serde_json::from_slice(&body).unwrap();
        doc["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap().to_owned(),
                    (
                        p["status"].as_str().unwrap().to_owned(),
                        p["endpoint"].as_str().unwrap().to_owned(),
                    ),
                )
            })
            .collect()
    }

    /// The path of a panel's endpoint whose status is `status` (a plain path, no parameter).
    async fn path_of(&self, status: &str) -> String {
        self.statuses()
            .await
            .values()
            .find(|(s, e)| s == status && !e.contains('{') && !e.contains('?'))
            .map_or_else(
                || panic!("a {status} panel"),
                |(_, e)| e.rsplit(' ').next().unwrap().to_owned(),
            )
    }

    fn webhooks(&self) -> &Webhooks {
        self.state.inner.webhooks.get().unwrap()
    }
}

fn ids(event: &Value, list: &str) -> BTreeSet<String> {
    event[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is a list: {event}"))
        .iter()
        .map(|i| i["panel"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_event_per_changing_sweep_with_the_lists_and_none_for_an_unchanged_one() {
    let mut receiver = Receiver::start(OK).await;
    let svc = service(&receiver.url(), &fast()).await;

    // Sweep 1: every gap is new.
    assert_eq!(svc.sweep().await, 1);
    let first = receiver.next().await;
    assert_eq!(first["event"], "sweep.changed");
    assert_eq!(
        (&first["service"], &first["environment"], &first["sweep"]),
        (
            &Value::from("demo"),
            &Value::from("default"),
            &Value::from(1)
        )
    );
    assert_eq!(first["new"].as_array().unwrap().len(), 64);
    assert_eq!(first["counts"]["bound"], 23);
    assert!(ids(&first, "regressed").is_empty() && ids(&first, "resolved").is_empty());
    let text = first["text"].as_str().unwrap();
    assert!(
        text.starts_with("HISAR demo (default), sweep #1: 64 new"),
        "{text}"
    );
    assert!(
        text.contains("New gaps: ") && text.contains(" and 44 more"),
        "{text}"
    );
    let before = svc.statuses().await;

    // Sweep 2 changes nothing: no event (the next one the receiver gets is sweep 3's).
    assert_eq!(svc.sweep().await, 2);

    // Sweep 3: one bound panel's route breaks, one blocked panel's route is fixed.
    let endpoint_of = |wanted: &str| {
        before
            .iter()
            .find(|(_, (status, endpoint))| {
                status == wanted && !endpoint.contains('{') && !endpoint.contains('?')
            })
            .map(|(_, (_, e))| e.rsplit(' ').next().unwrap().to_owned())
            .unwrap()
    };
    let (broken, fixed) = (endpoint_of("BOUND"), endpoint_of("BLOCKED"));
    assert!(svc.backend.break_route(&broken), "{broken}");
    assert!(svc.backend.fix(&fixed), "{fixed}");
    assert_eq!(svc.sweep().await, 3);
    let third = receiver.next().await;
    assert_eq!(
        third["sweep"], 3,
        "sweep 2 changed nothing and sent nothing"
    );
    let after = svc.statuses().await;
    let moved = |from: &str, to: &str| -> BTreeSet<String> {
        before
            .iter()
            .filter(|(id, (s, _))| s == from && after.get(*id).is_some_and(|(t, _)| t == to))
            .map(|(id, _)| id.clone())
            .collect()
    };
    let (regressed, resolved) = (moved("BOUND", "BLOCKED"), moved("BLOCKED", "BOUND"));
    assert!(!regressed.is_empty() && !resolved.is_empty());
    assert_eq!(ids(&third, "regressed"), regressed);
    assert_eq!(ids(&third, "resolved"), resolved);
    assert!(ids(&third, "new").is_empty());
    let text = third["text"].as_str().unwrap();
    for id in regressed.iter().chain(&resolved) {
        assert!(text.contains(id.as_str()), "{id} named in {text}");
    }
    assert!(
        third["regressed"][0]["endpoint"]
            .as_str()
            .unwrap()
            .ends_with(&broken)
    );

    // Sweep 4 changes nothing again, sweep 5 resolves what broke: events of 1, 3 and 5 only.
    assert_eq!(svc.sweep().await, 4);
    svc.backend.fix(&broken);
    assert_eq!(svc.sweep().await, 5);
    assert_eq!(receiver.next().await["sweep"], 5);
    assert_eq!(receiver.hits.load(Ordering::SeqCst), 3);
    // The delivery task counts once the receiver's answer is back.
    for _ in 0..600 {
        if svc.webhooks().stats().delivered == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        svc.webhooks().stats(),
        DeliveryStats {
            delivered: 3,
            failed: 0,
            dropped: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_a_bounded_number_of_times_then_given_up() {
    let mut receiver = Receiver::start(FAIL).await;
    let svc = service(&receiver.url(), &fast()).await;
    svc.sweep().await;
    let mut stats = svc.webhooks().stats();
    for _ in 0..600 {
        if stats.failed > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        stats = svc.webhooks().stats();
    }
    assert_eq!((stats.failed, stats.delivered), (1, 0));
    assert_eq!(
        receiver.hits.load(Ordering::SeqCst),
        3,
        "3 attempts, no more"
    );

    // A receiver that refuses (404) is not retried: it would refuse again.
    receiver.mode.store(REFUSE, Ordering::SeqCst);
    assert!(svc.backend.fix(&svc.path_of("BLOCKED").await));
    svc.sweep().await;
    for _ in 0..600 {
        if svc.webhooks().stats().failed > 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(svc.webhooks().stats().failed, 2);
    assert_eq!(
        receiver.hits.load(Ordering::SeqCst),
        4,
        "one attempt for a 404"
    );

    // And a receiver back on its feet gets the next event.
    receiver.mode.store(OK, Ordering::SeqCst);
    assert!(svc.backend.break_route(&svc.path_of("BOUND").await));
    let id = svc.sweep().await;
    assert_eq!(receiver.next().await["sweep"], id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_never_holds_a_sweep_back() {
    let receiver = Receiver::start(HANG).await;
    // The request timeout is longer than the whole test may take: only the queue keeps the
    // sweeps free of the receiver.
    let options = DeliveryOptions {
        timeout: Duration::from_secs(3600),
        queue: 1,
        ..fast()
    };
    let svc = service(&receiver.url(), &options).await;
    svc.sweep().await;
    // The receiver holds the first delivery open; sweeps go on and are recorded.
    for _ in 0..600 {
        if receiver.hits.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(receiver.hits.load(Ordering::SeqCst), 1);
    assert!(svc.backend.break_route(&svc.path_of("BOUND").await));
    svc.sweep().await; // queued behind the hanging one
    assert!(svc.backend.break_route(&svc.path_of("BOUND").await));
    svc.sweep().await; // the queue (1) is full: dropped, said so
    let summaries = svc.state.inner.store.summaries().await.unwrap();
    assert_eq!(summaries.len(), 3);
    assert!(
        summaries
            .iter()
            .all(|s| s.status == hisar_store::SweepStatus::Complete)
    );
    let stats = svc.webhooks().stats();
    assert_eq!((stats.delivered, stats.failed), (0, 0), "still hanging");
    // The drop is counted once the third sweep's event was built (off the sweep's task).
    for _ in 0..600 {
        if svc.webhooks().stats().dropped == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(svc.webhooks().stats().dropped, 1);
    assert_eq!(receiver.hits.load(Ordering::SeqCst), 1);
    // Operators see it in /metrics.
    let text = svc.webhooks().metrics_text();
    for line in [
        "hisar_webhook_events_total{result=\"delivered\"} 0",
        "hisar_webhook_events_total{result=\"dropped\"} 1",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
}

#[test]
fn urls_are_checked_and_never_quoted() {
    for (bad, says) in [
        (
            "hooks.example/T0/s3cr3t-path",
            "relative URL without a base",
        ),
        ("ftp://hooks.example/s3cr3t-path", "the scheme is \"ftp\""),
        (
            "mailto:s3cr3t-path@hooks.example",
            "the scheme is \"mailto\"",
        ),
    ] {
        let e = WebhookTarget::parse(2, bad).unwrap_err().to_string();
        assert!(e.starts_with("webhook #2 is not an http(s) URL"), "{e}");
        assert!(e.contains(says), "{bad}: {e}");
        assert!(!e.contains("s3cr3t"), "the URL is never quoted: {e}");
    }
    let target = WebhookTarget::parse(
        1,
        "https://user:pa55word@hooks.example:8443/services/T0/s3cr3t-t0ken?token=q-s3cr3t",
    )
    .unwrap();
    assert_eq!(target.label(), "#1 https://hooks.example:8443");
    let said = target.masker.mask(
        "error sending request for url (https://user:pa55word@hooks.example:8443/services/T0/s3cr3t-t0ken?token=q-s3cr3t): s3cr3t-t0ken",
    );
    for secret in ["pa55word", "s3cr3t-t0ken", "q-s3cr3t"] {
        assert!(!said.contains(secret), "{said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_masked_with_the_sweeps_secrets_and_absent_without_change() {
    let mut receiver = Receiver::start(OK).await;
    let svc = service(&receiver.url(), &fast()).await;
    svc.sweep().await;
    receiver.next().await;
    let record = svc.state.inner.store.sweep(1).await.unwrap().unwrap();
    let (_, changes) =
        hisar_core::history::derive(&svc.state.inner.registry, std::slice::from_ref(&record));
    let source = Source {
        service: "demo".into(),
        environment: "default".into(),
    };
    // Stand-ins for secrets a backend echoed: a panel id and a word of a detail.
    let mut masker = Masker::default();
    masker.add("OVR-SUM-CI-O1").add("provenance");
    let event = Event::new(&source, &record, &changes, &masker).unwrap();
    let body = serde_json::to_string(&event).unwrap();
    assert!(
        !body.contains("OVR-SUM-CI-O1") && !body.contains("provenance"),
        "{body}"
    );
    assert!(event.text.contains("***") && event.new.iter().any(|i| i.detail.contains("***")));
    assert_eq!(
        Event::new(&source, &record, &[], &masker),
        None,
        "no change, no event"
    );
}
