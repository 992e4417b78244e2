//! Issue 11: the binary under hostile input and careless use. Every numbered failure of the
//! issue that a user meets through the CLI has a test here; the server's own (idle and
//! half-sent connections, bodies before tokens, load) are in `hisar-server`'s `net` tests.
//! Timeouts only keep a hang from stalling the suite; the assertions are on behaviour.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Backend, Run, Workspace, command, shared};

const KEY: &str = "k-hostile";

/// Waits for `child` at most `limit`, killing it after that; panics when it had to.
fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> Run {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stdout = String::new();
            let mut stderr = String::new();
            if let Some(mut out) = child.stdout.take() {
                let _ = out.read_to_string(&mut stdout);
            }
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut stderr);
            }
            return Run {
                code: status.code().unwrap_or(-1),
                stdout,
                stderr,
            };
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn(ws: &Workspace, args: &[&str]) -> Child {
    command(ws.dir.path(), args, &[("AOS_API_KEY", KEY)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Issue 11 (5): `serve --every 0s` panicked in the scheduler; zero is refused wherever it
/// makes no sense, and fractions of a second are taken.
#[test]
fn zero_durations_are_refused_and_fractions_accepted() {
    let ws = Workspace::new();
    for args in [
        &["serve", "--every", "0s"][..],
        &["sweep", "--max-time", "0s"],
        &["sweep", "--connect-timeout", "0"],
        &["sweep", "--deadline", "0ms"],
    ] {
        let run = ws.hisar(args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("must be longer than zero"),
            "{args:?}: {run:?}"
        );
        assert!(!run.stderr.contains("panicked"), "{run:?}");
    }
    // Fractions parse: an offline check needs no backend and sends nothing.
    std::fs::write(ws.path("routes.json"), r#"{"/health": ["GET"]}"#).unwrap();
    let run = ws.hisar(
        &[
            "sweep",
            "--offline",
            "--routes",
            "routes.json",
            "--max-time",
            "0.5s",
            "--deadline",
            "1.5m",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
}

/// Issue 11 (8): a backend that stalls every request held a sweep for as long as it had
/// panels; `--deadline` ends it, and its panels are UNVERIFIED, never gaps.
#[test]
fn a_stalling_backend_is_cut_at_the_sweep_deadline() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    backend.demo.set_delay(None, Duration::from_secs(3600));
    let child = spawn(
        &ws,
        &[
            "sweep",
            "--base-url",
            &backend.url,
            "--max-time",
            "1h",
            "--deadline",
            "1s",
            "--tracker",
            "t.md",
        ],
    );
    let run = wait_bounded(child, Duration::from_secs(120), "sweep");
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("sweep deadline reached (1s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("79 of 79 requests unfinished"),
        "{}",
        run.stderr
    );
    // No live evidence: nothing bound, nothing blocked (a degraded sweep records no gap,
    // not even one the route table alone proves), every panel unverified, and the cause
    // named is the deadline (not an unreachable backend: it accepted every request).
    assert!(run.stderr.contains("87 unverified"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "so nothing was recorded as a gap: the sweep deadline (1s) was reached with 79 requests unfinished: is the backend at {} stalling? raise --deadline if it is only slow",
            backend.url
        )),
        "{}",
        run.stderr
    );
    let tracker = ws.read("t.md");
    assert!(
        tracker.contains("| **TOTAL** | **87** | **0** | **0** | **87** | **0%** |"),
        "{tracker}"
    );
    assert!(tracker.contains("sweep deadline reached (1s) before this panel's request finished"));
}

/// A backend whose route table never ends and whose every other answer is an endless body.
struct Endless {
    url: String,
    _runtime: tokio::runtime::Runtime,
}

impl Endless {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(endless_answer(stream));
            }
        });
        Self {
            url,
            _runtime: runtime,
        }
    }
}

async fn endless_answer(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let start =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    if stream.write_all(start.as_bytes()).await.is_err() {
        return;
    }
    let mut chunk = format!("{:x}\r\n[", 64 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b'1', 64 * 1024 - 1));
    chunk.extend_from_slice(b"\r\n");
    // Endless for any client that reads: bounded at 64 GiB so the loop has an end.
    for _ in 0..1_048_576 {
        if stream.write_all(&chunk).await.is_err() {
            return;
        }
    }
}

/// Issue 11 (1): an endless route table took all memory; an endless body must not either.
/// The sweep ends with a verdict for every panel: the table is refused (stage 1 unchecked,
/// said once), and each body over the cap fails its contract.
#[test]
fn an_endless_route_table_and_endless_bodies_end_in_verdicts() {
    let ws = Workspace::new();
    let endless = Endless::start();
    let routes = format!("{}/openapi.json", endless.url);
    let child = spawn(
        &ws,
        &[
            "sweep",
            "--base-url",
            &endless.url,
            "--routes",
            &routes,
            "--max-body",
            "1048576",
            "--tracker",
            "t.md",
        ],
    );
    let run = wait_bounded(child, Duration::from_secs(300), "sweep");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "fetch route table {routes}: larger than the 33554432-byte cap; coherency (stage 1) is unchecked this sweep"
        )),
        "{}",
        run.stderr
    );
    let tracker = ws.read("t.md");
    assert!(
        tracker.contains("| **TOTAL** | **87** | **0** | **79** | **8** | **0%** |"),
        "{tracker}"
    );
    assert!(tracker.contains("body larger than the 1048576-byte cap"));
    // The seven panels behind the demo's token flows: the endless token answer is refused at
    // its cap, so they are not probed (UNVERIFIED, never a gap); and the one whose path value
    // comes from one of them.
    assert!(
        tracker.contains("more than 65536 bytes, more than any token answer"),
        "{tracker}"
    );
}

/// Reads `child`'s stderr until a line contains `needle`; returns what it read.
fn read_until(child: &mut Child, needle: &str) -> String {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(needle) {
            return seen;
        }
    }
    panic!("never printed {needle:?}:\n{seen}");
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Issue 11 (4) and (2): a second service on a state directory marked the first one's
/// running sweep abandoned, and two processes could record there at once. One service per
/// state directory (a second `serve` refuses to start) and one writer at a time (a sweep
/// waits, bounded, then exits 3 naming the writer; the service's own sweep is refused with
/// 409), while CLI sweeps still share a running service's history. And a half-sent request
/// no longer keeps `serve` from exiting on SIGTERM.
#[test]
fn one_service_and_one_writer_per_state_directory_and_serve_stops_on_sigterm() {
    const TOKEN: &str = "t0k3n-hostile";
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    let mut serve = command(
        ws.dir.path(),
        &[
            "serve",
            "--base-url",
            &backend.url,
            "--listen",
            "127.0.0.1:0",
        ],
        &[("AOS_API_KEY", KEY), ("HISAR_TOKEN", TOKEN)],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let banner = read_until(&mut serve, "dashboard: http://");
    let addr = banner
        .lines()
        .find_map(|l| l.split("dashboard: http://").nth(1))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();

    let second = ws.hisar(
        &[
            "serve",
            "--base-url",
            &backend.url,
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    assert_eq!(second.code, 3, "{second:?}");
    assert!(
        second
            .stderr
            .contains("refusing to serve: state directory .hisar is in use by another hisar (pid "),
        "{second:?}"
    );
    assert!(
        second.stderr.contains(", hisar serve, since "),
        "{second:?}"
    );

    // A sweep records beside the running service: they share the history.
    let quick = ["sweep", "--base-url", &backend.url, "--lock-wait", "0.3s"];
    let shared = ws.hisar(&quick, &[("AOS_API_KEY", KEY)]);
    assert_eq!(shared.code, 0, "{shared:?}");

    // A slow sweep is the writer: a second sweep waits 0.3 s and gives up, and so does the
    // service's own sweep, at once.
    backend.demo.set_delay(None, Duration::from_secs(3600));
    let slow = spawn(
        &ws,
        &["sweep", "--base-url", &backend.url, "--deadline", "1h"],
    );
    let lock = ws.path(".hisar/lock");
    let started = Instant::now();
    while !std::fs::read_to_string(&lock)
        .is_ok_and(|t| t.contains(&format!("pid {}, hisar sweep", slow.id())))
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the slow sweep never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let waited = ws.hisar(&quick, &[("AOS_API_KEY", KEY)]);
    assert_eq!(waited.code, 3, "{waited:?}");
    assert!(
        waited.stderr.contains(&format!(
            "state directory .hisar is in use by another hisar (pid {}, hisar sweep, since ",
            slow.id()
        )) && waited.stderr.contains("; waited "),
        "{waited:?}"
    );
    let mut post = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        post,
        "POST /api/v1/sweeps HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer {TOKEN}\r\ncontent-length: 0\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    post.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    post.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    assert!(answer.contains("hisar sweep"), "{answer}");
    // Killed, the writer leaves no lock behind.
    let mut slow = slow;
    slow.kill().unwrap();
    slow.wait().unwrap();
    backend.demo.set_delay(None, Duration::ZERO);
    let after = ws.hisar(&quick, &[("AOS_API_KEY", KEY)]);
    assert_eq!(after.code, 0, "{after:?}");

    // A half-sent request, then SIGTERM: the service still exits, and cleanly.
    let mut half = std::net::TcpStream::connect(&addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    sigterm(&serve);
    let stopped = wait_bounded(serve, Duration::from_secs(60), "serve after SIGTERM");
    assert_eq!(stopped.code, 0, "{stopped:?}");
}

/// Issue 11 (4): two sweeps at once on one state directory: history stayed whole, but the
/// tracker sometimes described the older sweep. Now the second waits for the first, and the
/// tracker left is the one of the sweep recorded last.
#[test]
fn concurrent_sweeps_record_and_report_in_order() {
    let ws = Workspace::new();
    let backend = Backend::start(KEY);
    let args = [
        "sweep",
        "--base-url",
        &backend.url,
        "--tracker",
        "t.md",
        "--json",
        "t.json",
    ];
    for round in 1..=2 {
        let first = spawn(&ws, &args);
        let second = spawn(&ws, &args);
        let first = wait_bounded(first, Duration::from_secs(120), "first sweep");
        let second = wait_bounded(second, Duration::from_secs(120), "second sweep");
        assert_eq!((first.code, second.code), (0, 0), "{first:?}\n{second:?}");
        let last = 2 * round;
        assert!(
            ws.read("t.md")
                .contains(&format!("**Sweep:** #{last} of {last}")),
            "round {round}: the tracker describes an older sweep"
        );
        let json: serde_json::Value = serde_json::from_str(&ws.read("t.json")).unwrap();
        assert_eq!(json["sweep"]["id"], last, "round {round}");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Issue 11 (3): `hisar import aurora` panicked (exit 101) on a non-ASCII character in a
/// scenario assertion, and hung on a FIFO named `*.yaml`; the registry and tracker given on
/// the command line must be regular files too.
#[test]
fn aurora_import_survives_non_ascii_and_skips_a_fifo() {
    let ws = Workspace::new();
    let repo = ws.path("aurora");
    copy_tree(&shared("fixtures/aurora-l2"), &repo);
    let scenarios = repo.join("backend/scripts/sdsr/scenarios");
    let file = scenarios.join("SDSR-ACT-LLM-COMP-O1-001.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replace(
        "assertion: status_code == 200",
        "assertion: status_code == 200 and \"clé\" in response and é",
    );
    assert_ne!(text, changed, "the fixture changed: adapt this test");
    std::fs::write(&file, changed).unwrap();
    let run = ws.hisar(&["import", "aurora", repo.to_str().unwrap()], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("untranslated assertions"), "{run:?}");

    let fifo = scenarios.join("zz-pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs (coreutils)");
    assert!(made.success());
    let child = spawn(&ws, &["import", "aurora", repo.to_str().unwrap()]);
    let run = wait_bounded(child, Duration::from_secs(60), "import with a FIFO");
    // Skipped unread, with a warning naming it: opening it would wait for a writer forever.
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("zz-pipe.yaml: not a regular file; not read"),
        "{run:?}"
    );
    // The same for a registry or a tracker given as a FIFO or a device.
    let run = ws.hisar(&["validate", fifo.to_str().unwrap()], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("not a regular file (a FIFO)"),
        "{run:?}"
    );
    let run = ws.hisar(&["import", "tracker", "/dev/zero"], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("not a regular file (a device)"),
        "{run:?}"
    );
}
