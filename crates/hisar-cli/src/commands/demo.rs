//! `hisar demo`: the whole product on a fresh machine. An embedded backend that behaves as the
//! reference backend did is started on a loopback port, the 87 reference panels are swept
//! against it, and the tracker is written.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use anyhow::anyhow;
use hisar_core::history::Selection;
use hisar_core::{FailOn, Registry};
use hisar_demo::{DEMO_REGISTRY, DemoBackend};
use hisar_probe::{HttpOptions, SweepOptions, Target};

use crate::args::{DemoArgs, OutputArgs};
use crate::commands::serve;
use crate::commands::sweep::execute;
use crate::context::{Environment, write_atomic};
use crate::exit::{Outcome, invalid};
use crate::settings::{ProbeSettings, ServeSettings, SweepSettings};
use crate::ui::Ui;

/// The tracker's file name in the demo's output directory.
pub(crate) const TRACKER_FILE: &str = "HISAR_BACKEND_GAPS_TRACKER.md";

/// A key the demo backend accepts from the verifier, fresh for each run.
fn fresh_key() -> String {
    let state = RandomState::new();
    format!(
        "demo-{:016x}{:016x}",
        state.hash_one(std::process::id()),
        state.hash_one(std::time::SystemTime::now())
    )
}

pub(crate) async fn demo(args: DemoArgs, ui: Ui) -> Outcome {
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|e| invalid(anyhow!("create {}: {e}", out.display())))?;
    let state = out.join(".hisar");
    if state.exists() {
        std::fs::remove_dir_all(&state)
            .map_err(|e| invalid(anyhow!("reset {}: {e}", state.display())))?;
    }
    let registry_path = out.join("hisar.yaml");
    write_atomic(&registry_path, |w| w.write_all(DEMO_REGISTRY.as_bytes())).map_err(invalid)?;
    let registry = Registry::from_yaml(DEMO_REGISTRY, &registry_path.display().to_string())
        .map_err(|e| invalid(anyhow!("the bundled demo registry is invalid: {e}")))?;

    let key = fresh_key();
    let backend = DemoBackend::new(key.clone());
    let running = hisar_server::net::spawn(backend.router(), "127.0.0.1:0")
        .await
        .map_err(|e| invalid(anyhow!("start the demo backend: {e}")))?;
    ui.line(&format!("demo backend listening on {}", running.url()));

    let mut env = Environment::default();
    env.set("AOS_API_KEY", key);
    let registry = Arc::new(registry);
    let probe = ProbeSettings {
        http: HttpOptions::default(),
        run: SweepOptions::default(),
        target: Target::resolve(&registry, out, &env, Some(running.url()), None),
    };
    let outputs = OutputArgs {
        tracker: Some(out.join(TRACKER_FILE)),
        json: Some(out.join("tracker.json")),
        junit: None,
        html: Some(out.join("dashboard.html")),
    };
    let job = SweepSettings {
        registry_path: registry_path.clone(),
        registry: Arc::clone(&registry),
        env: env.clone(),
        probe: probe.clone(),
        selection: Selection::default(),
        offline: false,
        state: state.clone(),
        lock_wait: std::time::Duration::from_secs(60),
        outputs,
        fail_on: FailOn::Regressed,
        reuse_tracker: false,
    };
    let outcome = execute(job, ui).await;
    if !args.serve || outcome.is_err() {
        running.stop().await;
        return outcome;
    }
    // Keep the backend and serve the dashboard on the demo's history.
    let service = serve::start(
        ServeSettings {
            registry_path,
            registry,
            env,
            probe,
            state,
            listen: args.listen.clone(),
            every: None,
            token: std::env::var("HISAR_TOKEN").ok().filter(|t| !t.is_empty()),
            serve: hisar_server::net::ServeOptions::default(),
        },
        ui,
    )
    .await;
    let service = match service {
        Ok(s) => s,
        Err(e) => {
            running.stop().await;
            return Err(e);
        }
    };
    ui.line(&format!(
        "demo backend: {} (Ctrl-C stops both)",
        running.url()
    ));
    serve::until_stopped().await;
    service.stop().await;
    running.stop().await;
    outcome
}
