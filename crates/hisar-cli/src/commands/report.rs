//! `hisar report`: render from stored history alone, without the network.

use anyhow::anyhow;
use hisar_report::Report;

use crate::args::ReportArgs;
use crate::context::{
    existing_store, load_registry, read_view, series, shown_paths, timelines, today, tracker_link,
    write_outputs,
};
use crate::exit::{Exit, Outcome, usage};
use crate::ui::Ui;

/// Renders the stored snapshot of the tracked state, with the stored per-sweep counts as the
/// history chart: nothing replays history.
pub(crate) async fn report(args: &ReportArgs, ui: Ui) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    let o = &args.outputs;
    if o.tracker.is_none() && o.json.is_none() && o.junit.is_none() && o.html.is_none() {
        return Err(usage(anyhow!(
            "nothing to write: pass --tracker, --report-json, --report-junit or --report-html"
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
    let shown = shown_paths(
        &registry,
        &args.registry.registry,
        &args.state.state,
        &args.outputs,
    );
    let mut report = Report::new(&registry, &state, today(), shown.registry)
        .with_references(shown.references)
        .with_series(series(&view.summaries));
    // The per-panel timelines are the HTML dashboard's alone.
    if o.html.is_some()
        && let Some(store) = existing_store(&args.state.state)?
    {
        report.timelines = timelines(&store, &registry).await?;
    }
    if let Some(state) = shown.state {
        report = report.with_state_path(state);
    }
    report.tracker_link = tracker_link(&args.outputs);
    write_outputs(&report, &args.outputs, ui)?;
    Ok(Exit::Pass)
}
