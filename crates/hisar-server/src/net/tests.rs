//! Issue 11 (2), against real sockets: idle connections, half-sent requests, bodies before
//! tokens, load on the heavy routes, and a stop that ends whatever clients do. Timeouts here
//! only keep a broken build from hanging the suite; the assertions are on behaviour.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::routing::get;
use hisar_core::Registry;
use hisar_core::history::{NewSweep, Selection};
use hisar_probe::SweepError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::{ServeOptions, spawn_with};
use crate::limits::{Limits, shed};
use crate::{AppState, SweepRunner, router_with};

/// The bound on anything a test waits for.
const PATIENCE: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no outcome within {PATIENCE:?}"))
}

/// Sends `raw` on a new connection and reads until the server closes it.
async fn exchange(addr: std::net::SocketAddr, raw: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    read_all(&mut stream).await
}

async fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match within("read", stream.read(&mut buf)).await {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
}

/// Whether the server closed `stream` (EOF or reset) within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(wait, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

fn ops_router() -> Router {
    Router::new().route("/healthz", get(|| async { "ok" }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_never_lock_out_a_health_check() {
    let options = ServeOptions {
        max_connections: 20,
        header_read_timeout: Duration::from_secs(60),
        ..ServeOptions::default()
    };
    let running = spawn_with(ops_router(), "127.0.0.1:0", options)
        .await
        .unwrap();
    // Five times the limit, each sending nothing.
    let mut idle = Vec::new();
    for _ in 0..100 {
        idle.push(TcpStream::connect(running.addr).await.unwrap());
    }
    let answer = within("healthz", exchange(running.addr, &get_request("/healthz"))).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    // The server holds at most its limit: the idlest were closed to make room.
    let checks = idle
        .iter_mut()
        .map(|s| closed_within(s, Duration::from_secs(3)));
    let closed = futures::future::join_all(checks)
        .await
        .into_iter()
        .filter(|c| *c)
        .count();
    assert!(closed >= 80, "only {closed} of 100 idle connections closed");
    within("stop", running.stop()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_is_dropped_after_the_header_timeout() {
    let options = ServeOptions {
        header_read_timeout: Duration::from_millis(300),
        ..ServeOptions::default()
    };
    let running = spawn_with(ops_router(), "127.0.0.1:0", options)
        .await
        .unwrap();
    let mut stream = TcpStream::connect(running.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut stream, PATIENCE).await,
        "the server kept a half-sent request open"
    );
    // An idle keep-alive connection gets the same treatment after its first request.
    let mut stream = TcpStream::connect(running.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 1024];
    let n = within("answer", stream.read(&mut buf)).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    assert!(closed_within(&mut stream, PATIENCE).await);
    within("stop", running.stop()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_whatever_the_clients_do() {
    let options = ServeOptions {
        header_read_timeout: Duration::from_secs(3600),
        shutdown_grace: Duration::from_millis(300),
        ..ServeOptions::default()
    };
    let slow = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "late"
        }),
    );
    let running = spawn_with(slow.merge(ops_router()), "127.0.0.1:0", options)
        .await
        .unwrap();
    let addr = running.addr;
    // A half-sent request, an idle connection and a request whose handler never ends.
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nhost:")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let mut stuck = TcpStream::connect(addr).await.unwrap();
    stuck
        .write_all(get_request("/slow").as_bytes())
        .await
        .unwrap();
    // Let the server see all three.
    let answer = within("healthz", exchange(addr, &get_request("/healthz"))).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    within("stop", running.stop()).await;
    for (what, stream) in [
        ("half-sent", &mut half),
        ("idle", &mut idle),
        ("stuck", &mut stuck),
    ] {
        assert!(
            closed_within(stream, PATIENCE).await,
            "{what} connection still open after stop"
        );
    }
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after stop"
    );
}

struct NeverSweeps;

#[async_trait]
impl SweepRunner for NeverSweeps {
    async fn sweep(&self, _: Selection) -> Result<NewSweep, SweepError> {
        Err(SweepError::NoBaseUrl)
    }
}

fn app_state(dir: &std::path::Path) -> AppState {
    let registry = Registry::from_yaml(
        "version: 1\ndomains: [{code: LOG, name: LOGS}]\npanels:\n  - {id: LOG-REC-SYS-O2, capability: logs.health, endpoint: /health, class: evidence}\n",
        "hisar.yaml",
    )
    .unwrap();
    let store = hisar_store::SqliteStore::open_dir(dir).unwrap();
    AppState::new(
        registry,
        "hisar.yaml",
        Arc::new(store),
        Arc::new(NeverSweeps),
        Some("the-token".to_owned()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_is_never_read_before_its_token_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        body_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let app = router_with(app_state(dir.path()), &limits);
    let running = spawn_with(app, "127.0.0.1:0", ServeOptions::default())
        .await
        .unwrap();
    let addr = running.addr;
    let post = |length: usize, token: Option<&str>| {
        let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
        format!(
            "POST /api/v1/sweeps HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n{auth}\r\n"
        )
    };
    // The head announces a body that never comes: without the token, the answer comes anyway.
    let answer = within("no token", exchange(addr, &post(60_000, None))).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let answer = within("bad token", exchange(addr, &post(60_000, Some("guess")))).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // Two megabytes announced: refused from the head alone, token or not.
    let answer = within(
        "too large",
        exchange(addr, &post(2_000_000, Some("the-token"))),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // With the token, a body that never comes is given up after the body timeout.
    let answer = within("slow body", exchange(addr, &post(100, Some("the-token")))).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    within("stop", running.stop()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heavy_routes_shed_load_and_the_health_check_stays_out_of_it() {
    // A heavy route that holds its slot until the test releases it.
    let gate = Arc::new(Semaphore::new(0));
    let entered = Arc::new(AtomicUsize::new(0));
    let heavy = {
        let (gate, entered) = (Arc::clone(&gate), Arc::clone(&entered));
        Router::new().route(
            "/heavy",
            get(move || {
                let gate = Arc::clone(&gate);
                entered.fetch_add(1, Ordering::SeqCst);
                async move {
                    let _ = gate.acquire().await;
                    "done"
                }
            }),
        )
    };
    let limits = Limits {
        heavy_concurrency: 2,
        ..Limits::default()
    };
    let app = shed(heavy, &limits).merge(ops_router());
    let running = spawn_with(app, "127.0.0.1:0", ServeOptions::default())
        .await
        .unwrap();
    let addr = running.addr;
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(get_request("/heavy").as_bytes()).await.unwrap();
        holders.push(s);
    }
    // Wait until both hold their slot: a third is then shed at once.
    within("both heavy requests in progress", async {
        while entered.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let shed_answer = within("third", exchange(addr, &get_request("/heavy"))).await;
    assert!(shed_answer.starts_with("HTTP/1.1 503"), "{shed_answer}");
    assert_eq!(entered.load(Ordering::SeqCst), 2, "the third never ran");
    assert!(
        shed_answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{shed_answer}"
    );
    let health = within("healthz", exchange(addr, &get_request("/healthz"))).await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    gate.add_permits(2);
    for mut s in holders {
        let answer = read_all(&mut s).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("done"));
    }
    within("stop", running.stop()).await;
}
