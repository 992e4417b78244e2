//! `hisar-bench-backend`: the synthetic registry and its backend, for `benches/sweep.sh`.
//!
//! - `registry --panels N --shared P` writes the registry YAML on stdout;
//! - `urls --panels N --shared P` writes the request targets a sweep sends, one per line (what
//!   wrk cycles through);
//! - `serve --panels N --shared P` serves every endpoint the registry reads on a loopback port,
//!   prints its URL on stdout, and stops on SIGTERM or Ctrl-C, when its standard input closes
//!   (with `--watch-stdin`), or after `--lifetime` seconds, whichever comes first;
//! - `fetch --base-url URL --targets FILE` sends those requests with reqwest alone, as hisar's
//!   HTTP probe sends them (same client settings, one task per exchange, at most `--jobs` in
//!   flight), cycling through them for `--seconds`, and prints the requests per second: what
//!   hisar's HTTP stack reaches before hisar does anything with the answers. `--client hyper`
//!   sends them with hyper's pooled client (hyper-util's legacy `Client`) instead, URLs parsed
//!   once per distinct request: the candidate to replace reqwest with.
//!
//! Served endpoints answer a small JSON body (about 400 bytes) with the panels' invariants and,
//! for all but one endpoint in twenty, HIL v1 provenance; one endpoint in twenty is not served
//! (404). Requests without the `X-AOS-Key` header get 401, as behind a gateway.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use clap::{Args, Parser, Subcommand};
use futures::StreamExt as _;
use hisar_benches::Synthetic;
use tokio::io::AsyncReadExt as _;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Synthetic registry and backend for HISAR's sweep benchmark"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the registry YAML on stdout.
    Registry(Shape),
    /// Write the request targets (path and query) of the sweep's unique requests, one per line.
    Urls(Shape),
    /// Write the sweep as Hurl files (one per request, equivalent asserts) into a directory.
    Hurl {
        #[command(flatten)]
        shape: Shape,
        /// The directory to write into (created if needed).
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve an axum hello-world on loopback (`GET /`) and print its URL: the baseline of the
    /// service benchmark.
    Hello {
        /// Stop when standard input closes.
        #[arg(long)]
        watch_stdin: bool,
        /// Stop after this many seconds whatever happens.
        #[arg(long, default_value_t = 900, value_name = "SECONDS")]
        lifetime: u64,
    },
    /// Serve the registry's endpoints on loopback and print the base URL.
    Serve {
        #[command(flatten)]
        shape: Shape,
        /// Address to listen on; loopback only.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Stop when standard input closes (give it a pipe that the caller holds open).
        #[arg(long)]
        watch_stdin: bool,
        /// Stop after this many seconds whatever happens.
        #[arg(long, default_value_t = 900, value_name = "SECONDS")]
        lifetime: u64,
    },
    /// Send the request targets with reqwest alone for a while and print requests/s.
    Fetch {
        /// The backend's base URL; loopback only.
        #[arg(long)]
        base_url: String,
        /// Request targets, one per line (as `urls` writes them).
        #[arg(long)]
        targets: PathBuf,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 16)]
        jobs: usize,
        /// How long to keep sending.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The HTTP client.
        #[arg(long, value_enum, default_value_t = Client::Reqwest)]
        client: Client,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Client {
    /// reqwest, as hisar's HTTP probe builds it.
    Reqwest,
    /// hyper-util's pooled legacy client, URLs parsed once.
    Hyper,
}

#[derive(Debug, Clone, Copy, Args)]
struct Shape {
    /// Number of panels.
    #[arg(long, default_value_t = 1000)]
    panels: usize,
    /// Percentage of panels that read an endpoint another panel already reads.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    shared: u8,
}

impl Shape {
    fn synthetic(self) -> Synthetic {
        Synthetic {
            panels: self.panels,
            shared_percent: usize::from(self.shared),
        }
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Registry(shape) => out.write_all(shape.synthetic().registry_yaml().as_bytes())?,
        Command::Urls(shape) => {
            for endpoint in shape.synthetic().endpoints() {
                writeln!(out, "{}", endpoint.target())?;
            }
        }
        Command::Hurl { shape, out: dir } => {
            std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
            for (name, text) in hisar_benches::hurl_files(&shape.synthetic()) {
                let path = dir.join(name);
                std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
            }
        }
        Command::Hello {
            watch_stdin,
            lifetime,
        } => {
            drop(out);
            let router = Router::new().route("/", get(|| async { "Hello, World!" }));
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(serve_router(
                    router,
                    "127.0.0.1:0".parse()?,
                    watch_stdin,
                    Duration::from_secs(lifetime),
                ))?;
        }
        Command::Serve {
            shape,
            listen,
            watch_stdin,
            lifetime,
        } => {
            if !listen.ip().is_loopback() {
                bail!("refusing to listen on {listen}: the benchmark backend is loopback only");
            }
            drop(out);
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(serve(
                    shape.synthetic(),
                    listen,
                    watch_stdin,
                    Duration::from_secs(lifetime),
                ))?;
        }
        Command::Fetch {
            base_url,
            targets,
            jobs,
            seconds,
            client,
        } => {
            let url = reqwest::Url::parse(&base_url).context("--base-url")?;
            let loopback = url.host_str().is_some_and(|host| {
                host == "localhost"
                    || host
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            });
            if !loopback {
                bail!("refusing to fetch from {base_url}: the benchmark is loopback only");
            }
            let targets = std::fs::read_to_string(&targets)
                .with_context(|| format!("read {}", targets.display()))?;
            let urls: Vec<String> = targets
                .lines()
                .filter(|l| !l.is_empty())
                .map(|t| format!("{}{t}", base_url.trim_end_matches('/')))
                .collect();
            if urls.is_empty() {
                bail!("no request targets");
            }
            let (ok, failed, elapsed) = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(async {
                    let (jobs, duration) = (jobs.max(1), Duration::from_secs(seconds));
                    match client {
                        Client::Reqwest => fetch(urls, jobs, duration).await,
                        Client::Hyper => fetch_hyper(urls, jobs, duration).await,
                    }
                })?;
            writeln!(
                out,
                "{:.0} requests/s ({ok} answered and {failed} failed in {:.2} s)",
                per_second(ok, elapsed),
                elapsed.as_secs_f64()
            )?;
        }
    }
    Ok(())
}

#[expect(
    clippy::cast_precision_loss,
    reason = "request counts are far below 2^52"
)]
fn per_second(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

/// Cycles through `urls` with at most `jobs` exchanges in flight until `duration` has passed.
async fn fetch(
    urls: Vec<String>,
    jobs: usize,
    duration: Duration,
) -> anyhow::Result<(usize, usize, Duration)> {
    // As hisar's HTTP probe builds its client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(64)
        .pool_idle_timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()?;
    let started = Instant::now();
    let deadline = started + duration;
    let mut answers = futures::stream::iter(urls.iter().cycle())
        .take_while(|_| std::future::ready(Instant::now() < deadline))
        .map(|url| {
            let request = client
                .get(url)
                .header("x-aos-key", "bench-key")
                .timeout(Duration::from_secs(10));
            let task = tokio::spawn(async move { request.send().await?.bytes().await });
            async move { matches!(task.await, Ok(Ok(_))) }
        })
        .buffer_unordered(jobs);
    let (mut ok, mut failed) = (0, 0);
    while let Some(answered) = answers.next().await {
        if answered {
            ok += 1;
        } else {
            failed += 1;
        }
    }
    Ok((ok, failed, started.elapsed()))
}

/// As [`fetch`], with hyper's pooled client and URLs parsed once.
async fn fetch_hyper(
    urls: Vec<String>,
    jobs: usize,
    duration: Duration,
) -> anyhow::Result<(usize, usize, Duration)> {
    use http_body_util::{BodyExt as _, Empty};
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;

    let parsed: Vec<hyper::Uri> = urls
        .iter()
        .map(|u| u.parse())
        .collect::<Result<_, _>>()
        .context("parse a request target")?;
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(5)));
    let client: Client<HttpConnector, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector);
    let started = Instant::now();
    let deadline = started + duration;
    let mut answers = futures::stream::iter(parsed.iter().cycle())
        .take_while(|_| std::future::ready(Instant::now() < deadline))
        .map(|uri| {
            let request = hyper::Request::get(uri.clone())
                .header("x-aos-key", "bench-key")
                .body(Empty::<Bytes>::new());
            let client = client.clone();
            let task = tokio::spawn(async move {
                let exchange = async {
                    let response = client.request(request?).await?;
                    let body = response.into_body().collect().await?.to_bytes();
                    anyhow::Ok(body)
                };
                tokio::time::timeout(Duration::from_secs(10), exchange).await
            });
            async move { matches!(task.await, Ok(Ok(Ok(_)))) }
        })
        .buffer_unordered(jobs);
    let (mut ok, mut failed) = (0, 0);
    while let Some(answered) = answers.next().await {
        if answered {
            ok += 1;
        } else {
            failed += 1;
        }
    }
    Ok((ok, failed, started.elapsed()))
}

fn router(synthetic: Synthetic) -> Router {
    let mut router = Router::new();
    for endpoint in synthetic.endpoints().into_iter().filter(|e| e.served) {
        let body = Bytes::from(serde_json::to_vec(&endpoint.answer()).expect("JSON serializes"));
        router = router.route(
            &endpoint.template,
            get(move |headers: HeaderMap| async move {
                if headers.contains_key("x-aos-key") {
                    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
                } else {
                    (
                        StatusCode::UNAUTHORIZED,
                        [(header::CONTENT_TYPE, "application/json")],
                        r#"{"detail":"Not authenticated"}"#,
                    )
                        .into_response()
                }
            }),
        );
    }
    router
}

async fn serve(
    synthetic: Synthetic,
    listen: SocketAddr,
    watch_stdin: bool,
    lifetime: Duration,
) -> anyhow::Result<()> {
    serve_router(router(synthetic), listen, watch_stdin, lifetime).await
}

async fn serve_router(
    router: Router,
    listen: SocketAddr,
    watch_stdin: bool,
    lifetime: Duration,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("bind {listen}"))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "http://{addr}")?;
        out.flush()?;
    }
    let stdin_closed = async {
        if !watch_stdin {
            return std::future::pending().await;
        }
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 256];
        while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        served = axum::serve(listener, router) => served.context("serve")?,
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
        () = stdin_closed => {}
        () = tokio::time::sleep(lifetime) => {}
    }
    Ok(())
}
