//! `hisar serve`'s cross-origin and webhook flags, run as a user runs them: bad values refused
//! with exit 2 before anything starts, and a receiver that fails every delivery retried a
//! bounded number of times, given up on in the log, its URL never printed.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{Backend, Workspace, command};

/// A `hisar serve` process and the lines of its stderr.
pub(crate) struct Serve {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every stderr line read so far.
    pub(crate) seen: Vec<String>,
    /// `http://host:port` of the service.
    pub(crate) url: String,
}

impl Serve {
    /// Starts `hisar serve --listen 127.0.0.1:0 ARGS` in `ws` and waits for its address.
    pub(crate) fn start(ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = command(ws.dir.path(), &all, env)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut serve = Self {
            child,
            lines,
            seen: Vec::new(),
            url: String::new(),
        };
        let line = serve.wait_for("dashboard: ");
        serve.url = line
            .trim_start_matches("dashboard: ")
            .trim()
            .trim_end_matches('/')
            .to_owned();
        serve
    }

    /// Waits (at most two minutes) for a stderr line containing `needle`, and returns it.
    pub(crate) fn wait_for(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no line with {needle:?} ({e}); stderr:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Stops the service (SIGTERM, then kill) and returns every stderr line.
    pub(crate) fn stop(mut self) -> String {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let stopped = (0..50).any(|_| {
            std::thread::sleep(Duration::from_millis(100));
            self.child.try_wait().ok().flatten().is_some()
        });
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

/// One HTTP/1.1 exchange over a socket, with bounded waits: the status and the whole answer.
pub(crate) fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut socket = TcpStream::connect(host).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n"
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    socket.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = socket.take(1 << 20).read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"));
    (status, answer)
}

/// A receiver that answers every request 500 and counts them. Its URL's path is its secret.
fn failing_receiver(secret: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/services/T0/B0/{secret}",
        listener.local_addr().unwrap()
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(&stream);
            let mut length = 0usize;
            let mut line = String::new();
            // The head, then the body it announces (bounded): a whole request read.
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length.min(1 << 20)];
            let _ = reader.read_exact(&mut body);
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = (&stream).write_all(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (url, hits)
}

#[test]
fn bad_origins_and_webhook_urls_are_usage_errors_that_name_the_flag() {
    let ws = Workspace::new();
    let base = ["--base-url", "http://127.0.0.1:9"];
    for (args, env, says) in [
        (
            vec!["--cors-origin", "https://ui.example/"],
            vec![],
            "--cors-origin (or HISAR_CORS_ORIGIN): \"https://ui.example/\" is not an origin: an origin has no trailing slash; did you mean https://ui.example?",
        ),
        (
            vec!["--cors-origin", "https://ui.example/app"],
            vec![],
            "an origin has no path, query or fragment; did you mean https://ui.example?",
        ),
        (
            vec![],
            vec![("HISAR_CORS_ORIGIN", "https://a.example,ui.example")],
            "\"ui.example\" is not an origin: relative URL without a base",
        ),
        (
            vec![
                "--webhook",
                "https://hooks.example/ok",
                "--webhook",
                "hooks.example/T0/s3cr3t-hook",
            ],
            vec![],
            "--webhook (or HISAR_WEBHOOK): webhook #2 is not an http(s) URL: relative URL without a base",
        ),
        (
            vec![],
            vec![("HISAR_WEBHOOK", "ftp://hooks.example/s3cr3t-hook")],
            "webhook #1 is not an http(s) URL: the scheme is \"ftp\", not http or https",
        ),
    ] {
        let mut all = base.to_vec();
        all.extend(args.iter().copied());
        let run = ws.hisar(
            &["serve", "--listen", "127.0.0.1:0"]
                .iter()
                .chain(&all)
                .copied()
                .collect::<Vec<_>>(),
            &env,
        );
        assert_eq!(run.code, 2, "{args:?} {env:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?} {env:?}: {run:?}");
        assert!(
            !run.stderr.contains("s3cr3t") && !run.stdout.contains("s3cr3t"),
            "{run:?}"
        );
        assert!(
            !run.stderr.contains("dashboard:"),
            "nothing started: {run:?}"
        );
    }
}

#[test]
fn a_failing_receiver_is_retried_then_given_up_and_its_url_never_printed() {
    const SECRET: &str = "hook-s3cret-t0ken-42";
    let backend = Backend::start("serve-observer-key");
    let ws = Workspace::new();
    let (hook, hits) = failing_receiver(SECRET);
    let mut serve = Serve::start(
        &ws,
        &["--base-url", &backend.url, "--webhook", &hook],
        &[
            ("AOS_API_KEY", "serve-observer-key"),
            ("HISAR_TOKEN", "serve-api-t0ken"),
        ],
    );
    let port = hook.split('/').nth(2).unwrap();
    let said = serve.wait_for("webhooks: ");
    assert_eq!(
        said,
        format!(
            "webhooks: #1 http://{port} (after each sweep that regressed, added or resolved gaps)"
        )
    );
    let (status, answer) = http(
        &serve.url,
        "POST",
        "/api/v1/sweeps",
        &[("Authorization", "Bearer serve-api-t0ken")],
    );
    assert_eq!(status, 202, "{answer}");
    // Four attempts (1 s, 2 s, 4 s apart), each logged, then given up.
    let retry = serve.wait_for("attempt 1/4 for sweep #1 failed");
    assert!(retry.contains("HTTP 500; retrying in 1s"), "{retry}");
    let gave_up = serve.wait_for("gave up on sweep #1");
    assert!(
        gave_up.contains(&format!(
            "webhook #1 http://{port}: gave up on sweep #1 after 4 attempts: HTTP 500"
        )),
        "{gave_up}"
    );
    // The sweep itself was recorded long before (it never waits for a receiver).
    let (_, sweeps) = http(&serve.url, "GET", "/api/v1/sweeps", &[]);
    assert!(sweeps.contains("\"status\":\"complete\""), "{sweeps}");
    let log = serve.stop();
    assert_eq!(hits.load(Ordering::SeqCst), 4, "{log}");
    assert!(
        !log.contains(SECRET) && !log.contains("/services/T0"),
        "the URL leaked: {log}"
    );
    assert!(
        !log.contains("serve-observer-key") && !log.contains("serve-api-t0ken"),
        "{log}"
    );
}
