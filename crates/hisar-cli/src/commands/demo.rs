//! `hisar demo`: the whole product on a fresh machine. An embedded backend that behaves as the
//! reference backend did is started on a loopback port, the 87 reference panels are swept
//! against it, and the tracker is written.
//!
//! The demo is a place to continue from: `hisar demo --panel ID` brings the backend back (with
//! a fresh key it hands the probe itself), re-checks the panel against the demo's history and
//! updates its tracker; the tracker says so in the form that works pasted in its own folder
//! (`hisar demo --out . --panel <PANEL_ID>`), and `hisar demo --serve` prints how to reach the
//! backend it keeps running, with a key that works.

use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use hisar_core::history::Selection;
use hisar_core::{FailOn, Registry};
use hisar_demo::{DEMO_REGISTRY, DemoBackend};
use hisar_probe::{HttpOptions, SweepOptions, Target};
use hisar_store::SqliteStore;

use crate::args::{DEMO_DIR, DemoArgs, OutputArgs};
use crate::commands::serve;
use crate::commands::sweep::execute;
use crate::context::{Environment, load_registry, write_atomic};
use crate::exit::{Outcome, invalid, usage};
use crate::settings::{ProbeSettings, ServeSettings, SweepSettings};
use crate::ui::Ui;

/// The tracker's file name in the demo's output directory.
pub(crate) const TRACKER_FILE: &str = "HISAR_BACKEND_GAPS_TRACKER.md";

/// The variable the demo registry's auth mode reads the verifier's key from.
const KEY_VARIABLE: &str = "AOS_API_KEY";

/// The re-check command the demo's own files show: pasted in their folder, it works.
const RECHECK_IN_FOLDER: &str = "hisar demo --out . --panel <PANEL_ID>";

/// A key the demo backend accepts from the verifier, fresh for each run.
fn fresh_key() -> String {
    let state = RandomState::new();
    format!(
        "demo-{:016x}{:016x}",
        state.hash_one(std::process::id()),
        state.hash_one(std::time::SystemTime::now())
    )
}

/// ` --out DIR` when DIR is not the default, for commands printed to be pasted where the demo
/// ran.
fn out_flag(out: &Path) -> String {
    if out == Path::new(DEMO_DIR) {
        String::new()
    } else {
        format!(" --out {}", shell_word(&out.display().to_string()))
    }
}

/// A word as a POSIX shell reads it back.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

pub(crate) async fn demo(args: DemoArgs, ui: Ui) -> Outcome {
    let out = &args.out;
    let registry_path = out.join("hisar.yaml");
    let state = out.join(".hisar");
    let recheck = !args.panels.is_empty();
    let registry = if recheck {
        // Continue the demo already there: its registry (edited or not) and its history.
        if !registry_path.exists() || !state.join(SqliteStore::FILE).exists() {
            return Err(usage(anyhow!(
                "no demo in {}: run `hisar demo{}` first",
                out.display(),
                out_flag(out)
            )));
        }
        load_registry(&registry_path)?
    } else {
        std::fs::create_dir_all(out)
            .map_err(|e| invalid(anyhow!("create {}: {e}", out.display())))?;
        if state.exists() {
            std::fs::remove_dir_all(&state)
                .map_err(|e| invalid(anyhow!("reset {}: {e}", state.display())))?;
        }
        write_atomic(&registry_path, |w| w.write_all(DEMO_REGISTRY.as_bytes())).map_err(invalid)?;
        Registry::from_yaml(DEMO_REGISTRY, &registry_path.display().to_string())
            .map_err(|e| invalid(anyhow!("the bundled demo registry is invalid: {e}")))?
    };

    let key = fresh_key();
    let backend = DemoBackend::new(key.clone());
    let running = hisar_server::net::spawn(backend.router(), "127.0.0.1:0")
        .await
        .map_err(|e| invalid(anyhow!("start the demo backend: {e}")))?;
    ui.note(&format!("demo backend listening on {}", running.url()));

    let mut env = Environment::default();
    env.set(KEY_VARIABLE, key.clone());
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
        selection: Selection {
            panels: args.panels.clone(),
            domains: Vec::new(),
        },
        offline: false,
        state: state.clone(),
        lock_wait: std::time::Duration::from_secs(60),
        outputs,
        fail_on: FailOn::Regressed,
        reuse_tracker: false,
        recheck: Some(RECHECK_IN_FOLDER.to_owned()),
        next_step: (!args.serve).then(|| {
            format!(
                "re-check a panel against the demo backend, brought back: hisar demo{} --panel <PANEL_ID>",
                out_flag(out)
            )
        }),
    };
    let outcome = execute(job, ui).await;
    if !args.serve || outcome.is_err() {
        running.stop().await;
        return outcome;
    }
    // Keep the backend and serve the dashboard on the demo's history.
    let service = serve::start(
        ServeSettings {
            registry_path: registry_path.clone(),
            registry,
            env,
            probe,
            state: state.clone(),
            listen: args.listen.clone(),
            every: None,
            token: std::env::var("HISAR_TOKEN").ok().filter(|t| !t.is_empty()),
            serve: hisar_server::net::ServeOptions::default(),
            recheck: Some(format!("hisar demo{} --panel <PANEL_ID>", out_flag(out))),
            cors: None,
            webhooks: Vec::new(),
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
    ui.line(&format!(
        "its key: {KEY_VARIABLE}={key} (new each run; the registry reads it from {KEY_VARIABLE})"
    ));
    ui.line(&format!(
        "try: {KEY_VARIABLE}={key} hisar check --registry {} --state {} --base-url {} --panel {}",
        shell_word(&registry_path.display().to_string()),
        shell_word(&state.display().to_string()),
        running.url(),
        EXAMPLE_PANEL
    ));
    serve::until_stopped().await;
    service.stop().await;
    running.stop().await;
    outcome
}

/// A panel of the bundled registry that the demo backend serves: checked, it stays BOUND.
const EXAMPLE_PANEL: &str = "OVR-SUM-HL-O1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_words_survive_the_shell() {
        assert_eq!(shell_word("hisar-demo/hisar.yaml"), "hisar-demo/hisar.yaml");
        assert_eq!(shell_word("my demo"), "'my demo'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(out_flag(Path::new(DEMO_DIR)), "");
        assert_eq!(out_flag(Path::new("x y")), " --out 'x y'");
    }

    #[test]
    fn the_example_panel_is_in_the_bundled_registry() {
        let registry = Registry::from_yaml(DEMO_REGISTRY, "demo").unwrap();
        assert!(registry.panel(EXAMPLE_PANEL).is_some());
    }
}
