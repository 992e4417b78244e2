//! `hisar report`: render from stored history alone, without the network.

use anyhow::anyhow;
use hisar_report::Report;

use crate::args::ReportArgs;
use crate::context::{load_registry, read_view, series, today, write_outputs};
use crate::exit::{Exit, Outcome, usage};
use crate::ui::Ui;

pub(crate) async fn report(args: &ReportArgs, ui: Ui) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    let o = &args.outputs;
    if o.tracker.is_none() && o.json.is_none() && o.junit.is_none() && o.html.is_none() {
        return Err(usage(anyhow!(
            "nothing to write: pass --tracker, --json, --junit or --html"
        )));
    }
    let view = read_view(&args.state.state, &registry).await?;
    if view.ledger.sweeps() == 0 {
        ui.warn(&format!(
            "no sweep recorded in {}: every panel is shown unverified",
            args.state.state.display()
        ));
    }
    let state = view.ledger.state(&registry);
    let report = Report::new(
        &registry,
        &state,
        today(),
        args.registry.registry.display().to_string(),
    )
    .with_series(series(&view.summaries));
    write_outputs(&report, &args.outputs, ui)?;
    Ok(Exit::Pass)
}
