//! `hisar export`: HISAR's verdicts in another system's format, from stored history alone.

use std::io::Write;

use anyhow::anyhow;
use hisar_import::aurora::{ProjectionInput, aurora_topology, projection_lock};

use crate::args::{ExportCommand, ProjectionArgs, ProjectionEnvironment};
use crate::commands::import::read_aurora;
use crate::context::{load_registry, read_view, write_atomic};
use crate::exit::{Exit, Outcome, invalid, usage};
use crate::ui::Ui;

async fn projection(args: &ProjectionArgs, ui: Ui) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    let view = read_view(&args.state.state, &registry).await?;
    if view.ledger.sweeps() == 0 {
        ui.warn(&format!(
            "no sweep recorded in {}: every panel is written UNBOUND (never verified)",
            args.state.state.display()
        ));
    }
    let state = view.ledger.state(&registry);
    let topology = match &args.aurora {
        Some(dir) => {
            let sources = read_aurora(dir, ui)?;
            Some(aurora_topology(&sources).map_err(|e| usage(anyhow!("{}: {e}", dir.display())))?)
        }
        None => None,
    };
    let generated_at = jiff::Timestamp::now().to_string();
    let environment = match args.environment {
        ProjectionEnvironment::Preflight => "preflight",
        ProjectionEnvironment::Production => "production",
    };
    let lock = projection_lock(&ProjectionInput {
        registry: &registry,
        state: &state,
        topology: topology.as_ref(),
        generated_at: &generated_at,
        environment,
    });
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, &lock).map_err(std::io::Error::other)?;
        writeln!(w)
    };
    if args.out.as_os_str() == "-" {
        write(&mut crate::ui::stdout()).map_err(|e| invalid(anyhow!(e)))?;
    } else {
        write_atomic(&args.out, write).map_err(invalid)?;
    }
    let counts = &lock["_statistics"];
    ui.line(&format!(
        "projection lock: {} panels, {} BOUND, {} UNBOUND{}",
        counts["panel_count"],
        counts["bound_panels"],
        counts["unbound_panels"],
        if args.out.as_os_str() == "-" {
            String::new()
        } else {
            format!("; wrote {}", args.out.display())
        }
    ));
    Ok(Exit::Pass)
}

pub(crate) async fn export(command: &ExportCommand, ui: Ui) -> Outcome {
    match command {
        ExportCommand::AuroraProjection(args) => projection(args, ui).await,
    }
}
