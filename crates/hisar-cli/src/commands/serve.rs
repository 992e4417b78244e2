//! `hisar serve`: the tracker as a service, sharing history with the CLI.

use std::sync::{Arc, Once};

use anyhow::anyhow;
use hisar_server::net::Running;
use hisar_server::webhook::{DeliveryOptions, Source, Webhooks};
use hisar_server::{AppState, router};
use hisar_store::{HistoryStore, SqliteStore, StateLock};

use crate::args::ServeArgs;
use crate::exit::{Exit, Failure, Outcome, invalid, usage};
use crate::settings::ServeSettings;
use crate::ui::Ui;

/// Sends the service's log (`tracing`) to stderr, stamped with the time; `RUST_LOG` filters it
/// (default `info`).
fn init_log(ui: Ui) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(ui.is_color())
            .with_target(false)
            .try_init();
    });
}

/// The service running, and the state directory it owns while it runs.
pub(crate) struct Service {
    running: Running,
    _lock: StateLock,
}

impl Service {
    /// Stops serving (within the grace period, whatever clients do) and releases the state.
    pub(crate) async fn stop(self) {
        self.running.stop().await;
    }
}

/// Starts the service and returns it running, with its address.
pub(crate) async fn start(settings: ServeSettings, ui: Ui) -> Result<Service, Failure> {
    init_log(ui);
    let base_url = settings
        .probe
        .target
        .base_url
        .clone()
        .ok_or_else(|| usage(hisar_probe::SweepError::NoBaseUrl))?;
    // One service per state directory: a second one would mark this one's running sweep
    // abandoned. Each of its sweeps takes the writer's lock as a CLI sweep does.
    let lock = StateLock::service(&settings.state, "hisar serve").map_err(|e| {
        invalid(anyhow!(
            "refusing to serve: {e}\n  one service at a time serves a state directory: stop the other one, or give this one another --state"
        ))
    })?;
    for warning in settings.probe.warnings() {
        ui.warn(&warning);
    }
    let store = SqliteStore::open_dir(&settings.state).map_err(invalid)?;
    let abandoned = store.abandon_running().await.map_err(invalid)?;
    if abandoned > 0 {
        ui.warn(&format!(
            "{abandoned} sweep(s) left running by a stopped service marked abandoned"
        ));
    }
    let sweeper = settings
        .probe
        .sweeper(Arc::clone(&settings.registry), settings.env.clone())?;
    let masker = sweeper.masker().clone();
    let sweeps = store.summaries().await.map_err(invalid)?.len();
    let state = AppState::new(
        (*settings.registry).clone(),
        settings.registry_path.display().to_string(),
        Arc::new(store),
        Arc::new(sweeper),
        settings.token.clone(),
    );
    if let Some(recheck) = &settings.recheck {
        state.set_recheck(recheck.clone());
    }
    state.lock_writes_in(settings.state.clone());
    if !settings.webhooks.is_empty() {
        // SPEC §5.5: the service is the registry's file stem and the environment `default`
        // until registries name their service and sweeps their environment.
        let source = Source {
            service: settings
                .registry_path
                .file_stem()
                .map_or_else(|| "hisar".to_owned(), |s| s.to_string_lossy().into_owned()),
            environment: "default".to_owned(),
        };
        let webhooks = Webhooks::start(
            settings.webhooks.clone(),
            source,
            masker,
            &DeliveryOptions::default(),
        )
        .map_err(usage)?;
        ui.line(&format!(
            "webhooks: {} (after each sweep that regressed, added or resolved gaps)",
            webhooks.labels().join(", ")
        ));
        state.set_webhooks(webhooks);
    }
    if let Some(every) = settings.every {
        state.schedule(every).map_err(usage)?;
    }
    let app = match &settings.cors {
        Some(cors) => {
            ui.line(&format!("cors: GET from {}", cors.origins().join(", ")));
            router(state).layer(cors.layer())
        }
        None => router(state),
    };
    let running = hisar_server::net::spawn_with(app, &settings.listen, settings.serve)
        .await
        .map_err(|e| invalid(anyhow!("listen on {}: {e}", settings.listen)))?;
    ui.line(&format!("dashboard: {}/", running.url()));
    ui.line(&format!(
        "api: {}/api/v1/ (OpenAPI at /api/v1/openapi.json)",
        running.url()
    ));
    ui.line(&format!(
        "history: {} ({sweeps} sweeps) · backend: {base_url}{}",
        settings.state.join(SqliteStore::FILE).display(),
        settings.every.map_or(String::new(), |e| format!(
            " · sweeping every {}",
            hisar_core::HumanDuration(e)
        ))
    ));
    if settings.token.is_none() {
        ui.warn("no API token in the environment: POST /api/v1/sweeps is refused (403)");
    }
    Ok(Service {
        running,
        _lock: lock,
    })
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
    let service = start(ServeSettings::resolve(args)?, ui).await?;
    until_stopped().await;
    ui.line("stopping");
    service.stop().await;
    Ok(Exit::Pass)
}
