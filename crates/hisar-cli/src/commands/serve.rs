//! `hisar serve`: the tracker as a service, sharing history with the CLI.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use hisar_core::Registry;
use hisar_probe::{HttpOptions, HttpProbe, SweepOptions};
use hisar_server::service::{AppState, Logger, router};
use hisar_server::store::{HistoryStore, SqliteStore};
use hisar_server::sweeper::{HttpRunner, HttpRunnerSpec};

use crate::args::{ProbeArgs, ServeArgs};
use crate::context::{Environment, load_registry, registry_dir};
use crate::exit::{Exit, Failure, Outcome, invalid, usage};
use crate::ui::Ui;

/// A logger that stamps each line with the time, on stderr.
pub(crate) fn logger(ui: Ui) -> Logger {
    Arc::new(move |line: &str| {
        ui.line(&format!(
            "{} {line}",
            ui.dim(
                &jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            )
        ));
    })
}

/// Everything a service needs, built from the command line (or by `hisar demo --serve`).
pub(crate) struct ServiceSpec<'a> {
    pub(crate) registry: Registry,
    pub(crate) registry_path: &'a Path,
    pub(crate) probe: &'a ProbeArgs,
    pub(crate) state: &'a Path,
    pub(crate) listen: &'a str,
    pub(crate) every: Option<Duration>,
    pub(crate) token: Option<String>,
    pub(crate) env: Environment,
}

/// Starts the service and returns it running, with its address.
pub(crate) async fn start(
    spec: ServiceSpec<'_>,
    ui: Ui,
) -> Result<hisar_server::net::Running, Failure> {
    let mut env = spec.env;
    let base_url = spec
        .probe
        .base_url
        .clone()
        .or_else(|| {
            spec.registry
                .backend
                .base_url
                .as_ref()
                .map(|t| t.resolve(&env).value)
        })
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            usage(anyhow!(
                "no base URL: pass --base-url, set HISAR_BASE_URL, or set backend.base_url in {}",
                spec.registry_path.display()
            ))
        })?;
    env.set("HISAR_BASE_URL", base_url.trim_end_matches('/'));
    let store = SqliteStore::open_dir(spec.state).map_err(invalid)?;
    let abandoned = store.abandon_running().map_err(invalid)?;
    if abandoned > 0 {
        ui.warn(&format!(
            "{abandoned} sweep(s) left running by a stopped service marked abandoned"
        ));
    }
    let http = HttpProbe::new(HttpOptions {
        connect_timeout: spec.probe.connect_timeout,
        max_time: spec
            .probe
            .max_time
            .or(spec.registry.defaults.timeout)
            .unwrap_or(Duration::from_secs(10)),
        max_body: spec.probe.max_body,
        ..HttpOptions::default()
    })
    .map_err(invalid)?;
    let log = logger(ui);
    let runner = HttpRunner::new(HttpRunnerSpec {
        registry: Arc::new(spec.registry.clone()),
        registry_dir: registry_dir(spec.registry_path),
        http,
        base_url: base_url.clone(),
        env: Arc::new(env),
        routes: spec.probe.routes.clone(),
        max_time: spec.probe.max_time,
        options: SweepOptions {
            jobs: spec.probe.jobs,
            retries: spec.probe.retry,
            ..SweepOptions::default()
        },
        log: Arc::clone(&log),
    });
    let sweeps = store.summaries().map_err(invalid)?.len();
    let state = AppState::new(
        spec.registry,
        spec.registry_path.display().to_string(),
        Arc::new(store),
        Arc::new(runner),
        spec.token.clone(),
        Arc::clone(&log),
    );
    if let Some(every) = spec.every {
        state.schedule(every);
    }
    let running = hisar_server::net::spawn(router(state), spec.listen)
        .await
        .map_err(|e| invalid(anyhow!("listen on {}: {e}", spec.listen)))?;
    ui.line(&format!("dashboard: {}/", running.url()));
    ui.line(&format!(
        "api: {}/api/v1/ (OpenAPI at /api/v1/openapi.json)",
        running.url()
    ));
    ui.line(&format!(
        "history: {} ({sweeps} sweeps) · backend: {base_url}{}",
        spec.state.join(SqliteStore::FILE).display(),
        spec.every.map_or(String::new(), |e| format!(
            " · sweeping every {}s",
            e.as_secs()
        ))
    ));
    if spec.token.is_none() {
        ui.warn("no API token in the environment: POST /api/v1/sweeps is refused (403)");
    }
    Ok(running)
}

/// Waits for Ctrl-C or SIGTERM.
pub(crate) async fn until_stopped() {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub(crate) async fn serve(args: ServeArgs, ui: Ui) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    let token = std::env::var(&args.token_env)
        .ok()
        .filter(|t| !t.is_empty());
    let running = start(
        ServiceSpec {
            registry,
            registry_path: &args.registry.registry,
            probe: &args.probe,
            state: &args.state.state,
            listen: &args.listen,
            every: args.every,
            token,
            env: Environment::default(),
        },
        ui,
    )
    .await?;
    until_stopped().await;
    ui.line("stopping");
    running.stop().await;
    Ok(Exit::Pass)
}
