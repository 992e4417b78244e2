//! `hisar sweep` and `hisar check`: probe, record, report, gate.

use std::path::PathBuf;
use std::time::Duration;

use std::collections::BTreeMap;

use hisar_core::history::{Change, ChangeKind, SweepRecord, TrackerState, derive, gate};
use hisar_core::{GapCode, Outcome as Verdict, Status};
use hisar_probe::SweepError;
use hisar_report::{ChangeRow, DomainRow, Report, SeriesPoint, TimelineEntry, write_step_summary};
use hisar_store::{Fold, HistoryStore};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{CheckArgs, SweepArgs};
use crate::context::{
    lock_state, open_store, series, shown_paths, timelines, today, tracker_link, write_outputs,
};
use crate::exit::{Exit, Failure, Outcome, invalid, usage};
use crate::settings::SweepSettings;
use crate::ui::{Ui, Verbosity};
use crate::{github, lists};

/// The setting that remembers the tracker file, so `check` can update it.
const TRACKER_SETTING: &str = "tracker";

/// The setting that remembers the re-check command that tracker shows, so `check` keeps it.
const RECHECK_SETTING: &str = "recheck";

pub(crate) async fn sweep(args: SweepArgs, ui: Ui) -> Outcome {
    execute(SweepSettings::sweep(args)?, ui).await
}

pub(crate) async fn check(args: CheckArgs, ui: Ui) -> Outcome {
    execute(SweepSettings::check(args)?, ui).await
}

/// Bad input is exit 2; everything else that stops a sweep before it probes is too.
fn sweep_failure(e: SweepError) -> Failure {
    usage(e)
}

/// What a sweep left: the sweep, the tracked state after it and what it changed.
struct Swept {
    sweep: SweepRecord,
    state: TrackerState,
    changes: Vec<Change>,
    series: Vec<SeriesPoint>,
    timelines: BTreeMap<String, Vec<TimelineEntry>>,
    line: String,
    routes: Option<usize>,
    degraded: Option<String>,
}

/// Runs a sweep (or an offline check), records it, writes reports and applies the gate:
/// settings → `hisar_probe` sweep → store (which folds it into the stored tracked state) →
/// report → gate.
pub(crate) async fn execute(mut job: SweepSettings, ui: Ui) -> Outcome {
    let registry = &*job.registry;
    // Fail on a bad selection before touching the network or the state.
    hisar_probe::select(registry, &job.selection).map_err(usage)?;
    for warning in job.probe.warnings() {
        ui.warn(&warning);
    }
    let sweeper = job
        .probe
        .sweeper(std::sync::Arc::clone(&job.registry), job.env.clone())?;
    // One writer per state directory, from before the sweep to its last report, so that
    // sweeps are recorded and their reports written in the same order.
    let _lock = if job.offline {
        None
    } else {
        Some(lock_state(&job.state, "hisar sweep", job.lock_wait, ui).await?)
    };

    let swept = if job.offline {
        let checked = sweeper
            .offline(job.selection.clone())
            .await
            .map_err(sweep_failure)?;
        let record = SweepRecord::from_new(0, checked.sweep);
        let line = format!(
            "checked {} panels offline against {} routes (stage 1 only; nothing probed, nothing recorded)",
            record.records.len(),
            checked.routes.unwrap_or_default()
        );
        let (state, changes) = derive(registry, std::slice::from_ref(&record));
        Swept {
            sweep: record,
            state,
            changes,
            series: Vec::new(),
            timelines: BTreeMap::new(),
            line,
            routes: checked.routes,
            degraded: None,
        }
    } else {
        let store = open_store(&job.state)?;
        if job.reuse_tracker && job.outputs.tracker.is_none() {
            job.outputs.tracker = store
                .setting(TRACKER_SETTING)
                .await
                .map_err(invalid)?
                .map(PathBuf::from);
            if job.recheck.is_none() && job.outputs.tracker.is_some() {
                job.recheck = store
                    .setting(RECHECK_SETTING)
                    .await
                    .map_err(invalid)?
                    .filter(|c| !c.is_empty());
            }
        }
        // Misconfiguration first, once per variable, before the first request (SPEC §3.5).
        for line in sweeper.preflight(&job.selection).map_err(sweep_failure)? {
            ui.warn(&line);
        }
        let bar = progress_bar(ui);
        let swept = sweeper
            .sweep(job.selection.clone(), &|done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await
            .map_err(sweep_failure)?;
        bar.finish_and_clear();
        for warning in &swept.warnings {
            ui.warn(warning);
        }
        // What the setup steps did (SPEC §4.2), masked by the sweep.
        for line in &swept.setup {
            ui.note(line);
        }
        let degraded = swept.degraded.clone();
        let skipped = if swept.skipped > 0 {
            format!(
                "; {} skipped (unsafe method: declare `safe: true` or pass --allow-unsafe)",
                swept.skipped
            )
        } else {
            String::new()
        };
        let line = format!(
            "swept {} panels with {} requests ({} attempts) in {:.2}s against {}{skipped}",
            swept.sweep.records.len(),
            swept.requests,
            swept.attempts,
            swept.elapsed.as_secs_f64(),
            sweeper
                .masker()
                .mask(sweeper.target().base_url.as_deref().unwrap_or_default()),
        );
        let recorded = store
            .append(swept.sweep, &Fold::new(registry))
            .await
            .map_err(invalid)?;
        if let Some(tracker) = &job.outputs.tracker
            && !job.reuse_tracker
        {
            let absolute = std::path::absolute(tracker).unwrap_or_else(|_| tracker.clone());
            store
                .set_setting(TRACKER_SETTING, &absolute.display().to_string())
                .await
                .map_err(invalid)?;
            store
                .set_setting(RECHECK_SETTING, job.recheck.as_deref().unwrap_or_default())
                .await
                .map_err(invalid)?;
        }
        // The history chart and the panels' timelines are the HTML dashboard's alone; both
        // come from what the store keeps per sweep and per panel, not from a replay.
        let (series, timelines) = if job.outputs.html.is_some() {
            (
                series(&store.summaries().await.map_err(invalid)?),
                timelines(&store, registry).await?,
            )
        } else {
            (Vec::new(), BTreeMap::new())
        };
        Swept {
            state: recorded.ledger.state(registry),
            line: format!("{line} (sweep #{})", recorded.sweep.id),
            sweep: recorded.sweep,
            changes: recorded.changes,
            series,
            timelines,
            routes: swept.routes,
            degraded,
        }
    };
    let Swept {
        sweep: this_sweep,
        state,
        changes,
        series,
        timelines,
        line,
        routes,
        degraded,
    } = swept;

    let shown = shown_paths(registry, &job.registry_path, &job.state, &job.outputs);
    let mut report = Report::new(registry, &state, today(), shown.registry)
        .with_references(shown.references)
        .with_series(series);
    report.timelines = timelines;
    if let Some(state) = shown.state {
        report = report.with_state_path(state);
    }
    if let Some(recheck) = &job.recheck {
        report = report.with_recheck(recheck.clone());
    }
    report.tracker_link = tracker_link(&job.outputs);
    let rows = ChangeRow::rows(&changes, &this_sweep.records);

    ui.line(&line);
    if let Some(routes) = routes {
        ui.note(&ui.dim(&format!("route table: {routes} routes")));
    }
    summary(&report, &this_sweep, &changes, &rows, ui);

    let written = write_outputs(&report, &job.outputs, ui);
    let verdict = gate(job.fail_on, registry, &state, &changes, today());
    if github::active() && !job.offline {
        let file = github::repo_path(&job.registry_path);
        for line in github::annotations(&rows, registry, &file, &verdict.reasons) {
            ui.line(&line);
        }
        if let Some(path) = github::step_summary() {
            let unverified: Vec<(String, String)> = this_sweep
                .records
                .iter()
                .filter_map(|r| match &r.verdict.outcome {
                    Verdict::Unverified { reason } => Some((r.panel.clone(), reason.clone())),
                    _ => None,
                })
                .collect();
            let mut markdown = Vec::new();
            write_step_summary(&report, this_sweep.id, &rows, &unverified, &mut markdown)
                .map_err(|e| invalid(anyhow::anyhow!(e)))?;
            if let Err(e) = github::append_summary(&path, &markdown) {
                ui.warn(&format!("{e:#}"));
            }
        }
    }
    for w in &verdict.expired {
        ui.warn(&format!(
            "waiver for {} {} (owner {}) expired on {}",
            w.panel, w.code, w.owner, w.expires
        ));
    }
    for line in &verdict.waived {
        ui.line(&ui.dim(&format!("waived: {line}")));
    }
    written?;
    if let Some(reason) = degraded {
        ui.error(&format!("sweep degraded: {reason}"));
        return Ok(Exit::Invalid);
    }
    let policy = format!("{:?}", job.fail_on).to_lowercase();
    if let Some(next) = &job.next_step {
        // A real panel, so the line works pasted: the most urgent blocked one, else the first.
        let example = report
            .rows()
            .filter_map(|r| r.gap().map(|g| (g.code.priority(), r.panel.id.as_str())))
            .min_by_key(|(priority, _)| *priority)
            .map(|(_, id)| id)
            .or_else(|| registry.panels().first().map(|p| p.id.as_str()))
            .unwrap_or("<PANEL_ID>");
        ui.note(&format!("next: {}", next.replace("<PANEL_ID>", example)));
    }
    if verdict.failed {
        ui.line(&format!("gate --fail-on {policy}: {}", ui.red("FAIL")));
        for reason in &verdict.reasons {
            ui.line(&format!("  {reason}"));
        }
        Ok(Exit::PolicyFailed)
    } else {
        ui.line(&format!("gate --fail-on {policy}: {}", ui.green("pass")));
        Ok(Exit::Pass)
    }
}

fn progress_bar(ui: Ui) -> ProgressBar {
    // Only for a person watching: never in CI logs, never under -q.
    if !ui.progress() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} probing {pos}/{len} requests {wide_bar} {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn summary(
    report: &Report<'_>,
    sweep: &SweepRecord,
    changes: &[Change],
    rows: &[ChangeRow],
    ui: Ui,
) {
    let quiet = ui.verbosity() == Verbosity::Quiet;
    if !quiet {
        let (domains, total) = report.dashboard();
        let width = domains
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(5)
            .max(6);
        ui.line("");
        ui.line(&ui.bold(&format!(
            "  {:width$}  {:>6}  {:>5}  {:>7}  {:>10}  {:>10}",
            "DOMAIN", "PANELS", "BOUND", "BLOCKED", "UNVERIFIED", "COMPLETION"
        )));
        let line = |r: &DomainRow| {
            format!(
                "  {:width$}  {:>6}  {:>5}  {:>7}  {:>10}  {:>9}%",
                r.name,
                r.total,
                r.bound,
                r.blocked,
                r.unverified,
                r.completion()
            )
        };
        for r in &domains {
            ui.line(&line(r));
        }
        ui.line(&ui.bold(&line(&total)));
        ui.line("");
    }
    let gaps: Vec<String> = GapCode::ALL
        .into_iter()
        .filter(|c| report.gap_count(*c) > 0)
        .map(|c| format!("{} {c}", report.gap_count(c)))
        .collect();
    if gaps.is_empty() {
        ui.line(&format!("gaps: {}", ui.green("none")));
    } else {
        ui.line(&format!("gaps: {}", gaps.join(", ")));
    }
    let n = |kind: fn(&ChangeKind) -> bool| changes.iter().filter(|c| kind(&c.kind)).count();
    let (_, _, unverified) = sweep.counts();
    let regressed = n(|k| *k == ChangeKind::Regressed);
    let regressed_text = format!("{regressed} regressed");
    ui.line(&format!(
        "this sweep: {} new, {} resolved, {}, {} changed code, {unverified} unverified",
        n(|k| *k == ChangeKind::New),
        n(|k| *k == ChangeKind::Resolved),
        if regressed > 0 {
            ui.red(&regressed_text)
        } else {
            regressed_text
        },
        n(|k| matches!(k, ChangeKind::CodeChanged { .. })),
    ));
    let unchecked: Vec<usize> = sweep
        .records
        .iter()
        .filter(|r| r.verdict.status() == Status::Bound)
        .filter_map(|r| report.registry.panel(&r.panel))
        .map(|p| p.unchecked.len())
        .filter(|n| *n > 0)
        .collect();
    if !unchecked.is_empty() {
        ui.line(&format!(
            "not checked: {} declared invariants on {} bound panels cannot be evaluated (`hisar validate` lists them)",
            unchecked.iter().sum::<usize>(),
            unchecked.len()
        ));
    }
    if quiet {
        return;
    }
    // The panels behind the counts, by name: capped on a terminal unless -v.
    let capped = ui.is_terminal() && ui.verbosity() < Verbosity::Verbose;
    let groups = lists::groups(rows, &sweep.records);
    for line in lists::render(
        &groups,
        capped.then_some(lists::TERMINAL_CAP),
        capped.then_some(lists::TERMINAL_DETAIL),
    ) {
        ui.line(&line);
    }
    if !sweep.selection.is_all() && sweep.records.len() <= 20 {
        ui.line("checked:");
        for r in &sweep.records {
            let status = match r.verdict.status() {
                Status::Bound => ui.green("BOUND"),
                Status::Blocked => ui.red("BLOCKED"),
                Status::Unverified => ui.yellow("UNVERIFIED"),
            };
            let detail = match &r.verdict.outcome {
                Verdict::Bound => {
                    let mut seen = r.verdict.evidence.summary();
                    let unchecked = report
                        .registry
                        .panel(&r.panel)
                        .map_or(0, |p| p.unchecked.len());
                    if unchecked > 0 {
                        seen.push_str(&format!(", {unchecked} invariants not checked"));
                    }
                    seen
                }
                Verdict::Blocked(gap) => format!("{} {}", gap.code, gap.detail),
                Verdict::Unverified { reason } => reason.clone(),
            };
            ui.line(&format!("  {} {status} {}  {detail}", r.panel, r.endpoint));
        }
    }
}
