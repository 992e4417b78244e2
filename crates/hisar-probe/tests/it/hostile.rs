//! Issue 11 (1): every network read has a cap and a deadline. A raw TCP server misbehaves in
//! the ways a broken or hostile backend does: an endless body, a body that trickles, a
//! `Content-Length` of a terabyte.

use std::time::Duration;

use hisar_core::{Method, Transport, TransportErrorKind};
use hisar_probe::{
    FetchError, HttpOptions, HttpProbe, Probe, ProbeRequest, ReadLimits, send_bounded,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy)]
enum Mode {
    /// A chunked body that never ends (bounded here at 4 GiB so the loop has an end).
    Endless,
    /// One byte every 50 ms, forever (bounded at 10,000 bytes).
    Trickle,
    /// Claims a terabyte, sends a few bytes, then waits.
    HugeLength,
}

/// Serves `mode` on an ephemeral port until the test's runtime ends.
async fn serve(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(answer(stream, mode));
        }
    });
    format!("http://{addr}")
}

async fn answer(mut stream: TcpStream, mode: Mode) {
    // Read the request head.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    match mode {
        Mode::Endless => {
            let start = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(start.as_bytes()).await.is_err() {
                return;
            }
            let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
            chunk.extend(std::iter::repeat_n(b' ', 64 * 1024));
            chunk.extend_from_slice(b"\r\n");
            for _ in 0..65_536 {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
        Mode::Trickle => {
            let start = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n";
            if stream.write_all(start.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..10_000 {
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Mode::HugeLength => {
            let start = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000000000\r\n\r\n{\"a\":";
            if stream.write_all(start.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }
}

fn probe(max_time: Duration) -> HttpProbe {
    HttpProbe::new(HttpOptions {
        max_time,
        max_body: 1024 * 1024,
        max_document: 2 * 1024 * 1024,
        ..HttpOptions::default()
    })
    .unwrap()
}

fn request(url: String) -> ProbeRequest {
    ProbeRequest {
        method: Method::Get,
        url,
        headers: Vec::new(),
        auth_mode: "none".to_owned(),
        missing_credentials: Vec::new(),
        body: None,
    }
}

/// Bounds a test: a hang fails it instead of hanging the suite.
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .unwrap_or_else(|_| panic!("{what} did not end"))
}

#[tokio::test]
async fn an_endless_route_table_is_refused_at_its_cap() {
    let url = serve(Mode::Endless).await;
    let http = probe(Duration::from_secs(30));
    let err = within("get_text", http.get_text(&format!("{url}/openapi.json")))
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooLarge(2 * 1024 * 1024));
    assert_eq!(err.to_string(), "larger than the 2097152-byte cap");
}

#[tokio::test]
async fn a_trickling_route_table_is_cut_at_the_deadline() {
    let url = serve(Mode::Trickle).await;
    let http = probe(Duration::from_millis(300));
    let err = within("get_text", http.get_text(&url)).await.unwrap_err();
    // reqwest's own timeout or the bounded read's deadline, whichever fires first.
    assert!(
        matches!(&err, FetchError::Deadline(_))
            || matches!(&err, FetchError::Transport(m) if m.contains("timed out")),
        "{err:?}"
    );
}

#[tokio::test]
async fn send_bounded_caps_and_times_out_any_request() {
    let url = serve(Mode::Endless).await;
    let client = reqwest::Client::new();
    let limits = ReadLimits {
        max_bytes: 100_000,
        deadline: Duration::from_secs(30),
    };
    let answer = within("send_bounded", send_bounded(client.post(&url), limits))
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.body.truncated);
    assert_eq!(answer.body.bytes.len(), 100_000);
    assert_eq!(answer.header("Content-Type"), Some("application/json"));

    let url = serve(Mode::HugeLength).await;
    let limits = ReadLimits {
        max_bytes: 100_000,
        deadline: Duration::from_millis(300),
    };
    let answer = within("send_bounded", send_bounded(client.get(&url), limits))
        .await
        .unwrap();
    assert!(answer.body.truncated, "a terabyte announced is not read");
    assert!(answer.body.bytes.is_empty());
}

#[tokio::test]
async fn an_endless_body_is_cut_and_keeps_little_evidence() {
    let url = serve(Mode::Endless).await;
    let http = probe(Duration::from_secs(30));
    let observation = within("probe", http.probe(&request(url))).await;
    let Transport::Answered(response) = &observation.transport else {
        panic!("{observation:?}");
    };
    assert_eq!(response.body.truncated_at(), Some(1024 * 1024));
    assert!(response.body.bytes().len() <= 64 * 1024);
}

#[tokio::test]
async fn a_trickling_body_times_out() {
    let url = serve(Mode::Trickle).await;
    let http = probe(Duration::from_millis(300));
    let observation = within("probe", http.probe(&request(url))).await;
    let Transport::Failed(failure) = &observation.transport else {
        panic!("{observation:?}");
    };
    assert_eq!(failure.kind, TransportErrorKind::Timeout, "{failure:?}");
}

/// Endless bodies read at once share a memory budget (a few caps, not a cap each): those
/// past 1 MiB take turns, and every one still ends cut at the cap, none waiting forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_endless_bodies_at_once_all_end_at_the_cap() {
    let url = serve(Mode::Endless).await;
    // A 16 MiB cap leaves two turns in the 32 MiB budget: six bodies must take turns.
    let http = HttpProbe::new(HttpOptions {
        max_time: Duration::from_secs(60),
        max_body: 16 * 1024 * 1024,
        ..HttpOptions::default()
    })
    .unwrap();
    let probes = (0..6).map(|i| {
        let http = http.clone();
        let request = request(format!("{url}/{i}"));
        async move { http.probe(&request).await }
    });
    let observations = within("six probes", futures::future::join_all(probes)).await;
    for observation in observations {
        let Transport::Answered(response) = &observation.transport else {
            panic!("{observation:?}");
        };
        assert_eq!(response.body.truncated_at(), Some(16 * 1024 * 1024));
    }
}
