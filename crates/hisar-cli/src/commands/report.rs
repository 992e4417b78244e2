//! `hisar report`: render from stored history alone, without the network.

use anyhow::anyhow;
use hisar_report::Report;

use crate::args::ReportArgs;
use crate::context::{
    load_registry, read_history, shown_paths, today, tracker_link, write_outputs,
};
use crate::exit::{Exit, Outcome, usage};
use crate::ui::Ui;
use hisar_core::history::derive;

pub(crate) fn report(args: &ReportArgs, ui: Ui) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    let o = &args.outputs;
    if o.tracker.is_none() && o.json.is_none() && o.junit.is_none() && o.html.is_none() {
        return Err(usage(anyhow!(
            "nothing to write: pass --tracker, --report-json, --report-junit or --report-html"
        )));
    }
    let sweeps = read_history(&args.state.state)?;
    if sweeps.is_empty() {
        ui.warn(&format!(
            "no sweep recorded in {}: every panel is shown unverified",
            args.state.state.display()
        ));
    }
    let (state, _) = derive(&registry, &sweeps);
    let shown = shown_paths(
        &registry,
        &args.registry.registry,
        &args.state.state,
        &args.outputs,
    );
    let mut report = Report::new(&registry, &state, today(), shown.registry)
        .with_references(shown.references)
        .with_history(&sweeps);
    if let Some(state) = shown.state {
        report = report.with_state_path(state);
    }
    report.tracker_link = tracker_link(&args.outputs);
    write_outputs(&report, &args.outputs, ui)?;
    Ok(Exit::Pass)
}
