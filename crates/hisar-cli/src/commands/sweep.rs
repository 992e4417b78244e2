//! `hisar sweep` and `hisar check`: probe, record, report, gate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::anyhow;
use hisar_core::history::{FailOn, Selection, SweepRecord, gate};
use hisar_core::{Change, ChangeKind, Env, GapCode, Registry, RouteTable, Status};
use hisar_probe::{HttpOptions, HttpProbe, SweepOptions};
use hisar_report::{DomainRow, Report};
use hisar_server::store::HistoryStore;
use hisar_server::sweeper::{self, RouteLoadError, RouteSource, SweepSpec};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{CheckArgs, OutputArgs, ProbeArgs, SweepArgs};
use crate::context::{
    Environment, load_history, load_registry, open_store, registry_dir, today, write_outputs,
};
use crate::exit::{Exit, Failure, Outcome, invalid, usage};
use crate::ui::Ui;
use hisar_core::history::derive;

/// The setting that remembers the tracker file, so `check` can update it.
const TRACKER_SETTING: &str = "tracker";

/// One sweep to run.
pub(crate) struct Job<'a> {
    pub(crate) registry_path: &'a Path,
    pub(crate) registry: &'a Registry,
    pub(crate) selection: Selection,
    pub(crate) probe: &'a ProbeArgs,
    pub(crate) offline: bool,
    pub(crate) state: &'a Path,
    pub(crate) outputs: OutputArgs,
    pub(crate) fail_on: FailOn,
    pub(crate) env: Environment,
    /// `check`: when no tracker is named, update the one the last sweep wrote.
    pub(crate) reuse_tracker: bool,
}

pub(crate) async fn sweep(args: SweepArgs, ui: Ui) -> Outcome {
    let selection = Selection {
        panels: args.panels,
        domains: args.domains,
    };
    run(
        &args.registry.registry,
        &args.probe,
        selection,
        args.offline,
        &args.state.state,
        args.outputs,
        args.gate.fail_on,
        false,
        ui,
    )
    .await
}

pub(crate) async fn check(args: CheckArgs, ui: Ui) -> Outcome {
    let selection = Selection {
        panels: args.panels,
        domains: Vec::new(),
    };
    run(
        &args.registry.registry,
        &args.probe,
        selection,
        false,
        &args.state.state,
        args.outputs,
        args.gate.fail_on,
        true,
        ui,
    )
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "the flags of sweep and check, passed through once"
)]
async fn run(
    registry_path: &Path,
    probe: &ProbeArgs,
    selection: Selection,
    offline: bool,
    state: &Path,
    outputs: OutputArgs,
    fail_on: FailOn,
    reuse_tracker: bool,
    ui: Ui,
) -> Outcome {
    let registry = load_registry(registry_path)?;
    let job = Job {
        registry_path,
        registry: &registry,
        selection,
        probe,
        offline,
        state,
        outputs,
        fail_on,
        env: Environment::default(),
        reuse_tracker,
    };
    execute(job, ui).await
}

fn http_options(probe: &ProbeArgs, registry: &Registry) -> HttpOptions {
    HttpOptions {
        connect_timeout: probe.connect_timeout,
        max_time: probe
            .max_time
            .or(registry.defaults.timeout)
            .unwrap_or(Duration::from_secs(10)),
        max_body: probe.max_body,
        ..HttpOptions::default()
    }
}

/// Runs a sweep (or an offline check), records it, writes reports and applies the gate.
pub(crate) async fn execute(mut job: Job<'_>, ui: Ui) -> Outcome {
    let registry = job.registry;
    // Fail on a bad selection before touching the network or the state.
    sweeper::select(registry, &job.selection).map_err(usage)?;
    let http = HttpProbe::new(http_options(job.probe, registry)).map_err(invalid)?;

    let base_url = job
        .probe
        .base_url
        .clone()
        .or_else(|| {
            registry
                .backend
                .base_url
                .as_ref()
                .map(|t| t.resolve(&job.env).value)
        })
        .filter(|u| !u.is_empty());
    if let Some(url) = &base_url {
        job.env.set("HISAR_BASE_URL", url.trim_end_matches('/'));
    }
    let routes = load_route_table(&job, &http, ui).await?;

    let store = if job.offline {
        None
    } else {
        Some(open_store(job.state)?)
    };
    if job.reuse_tracker
        && job.outputs.tracker.is_none()
        && let Some(store) = &store
    {
        job.outputs.tracker = store
            .setting(TRACKER_SETTING)
            .map_err(invalid)?
            .map(PathBuf::from);
    }

    let (sweeps, this_sweep, request_line, degraded) = if job.offline {
        let Some(routes) = &routes else {
            return Err(usage(anyhow!(
                "--offline needs a route table: pass --routes FILE|URL or set backend.routes in {}",
                job.registry_path.display()
            )));
        };
        let new = sweeper::offline(registry, &job.selection, routes).map_err(usage)?;
        let record = SweepRecord {
            id: 0,
            started_at: new.started_at,
            finished_at: new.finished_at,
            selection: new.selection,
            records: new.records,
        };
        let line = format!(
            "checked {} panels offline against {} routes (stage 1 only; nothing probed, nothing recorded)",
            record.records.len(),
            routes.routes().len()
        );
        (vec![record.clone()], record, line, false)
    } else {
        let Some(base_url) = base_url else {
            return Err(usage(anyhow!(
                "no base URL: pass --base-url, set HISAR_BASE_URL, or set backend.base_url in {}",
                job.registry_path.display()
            )));
        };
        let store = store.as_ref().expect("opened for live sweeps");
        let bar = progress_bar(ui);
        let spec = SweepSpec {
            registry,
            selection: job.selection.clone(),
            base_url: base_url.clone(),
            env: &job.env,
            routes: routes.as_ref(),
            max_time: job.probe.max_time,
            options: SweepOptions {
                jobs: job.probe.jobs,
                retries: job.probe.retry,
                ..SweepOptions::default()
            },
        };
        let swept = sweeper::sweep(&http, spec, &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await
        .map_err(usage)?;
        bar.finish_and_clear();
        let degraded = swept.degraded(registry.gate.max_unverified_share);
        let line = format!(
            "swept {} panels with {} requests ({} attempts) in {:.2}s against {base_url}",
            swept.sweep.records.len(),
            swept.result.requests,
            swept.result.attempts,
            swept.result.elapsed.as_secs_f64()
        );
        let record = store.append(swept.sweep).map_err(invalid)?;
        (load_history(store)?, record, line, degraded)
    };

    let (state, changes) = derive(registry, &sweeps);
    if let (Some(store), Some(tracker)) = (&store, &job.outputs.tracker)
        && !job.reuse_tracker
    {
        let absolute = std::path::absolute(tracker).unwrap_or_else(|_| tracker.clone());
        store
            .set_setting(TRACKER_SETTING, &absolute.display().to_string())
            .map_err(invalid)?;
    }
    let mut report = Report::new(
        registry,
        &state,
        today(),
        job.registry_path.display().to_string(),
    );
    if job.outputs.html.is_some() {
        report = report.with_series(hisar_report::series(registry, &sweeps));
    }

    if job.offline {
        ui.line(&request_line);
    } else {
        ui.line(&format!("{request_line} (sweep #{})", this_sweep.id));
    }
    if let Some(routes) = &routes {
        ui.line(&ui.dim(&format!("route table: {} routes", routes.routes().len())));
    }
    summary(&report, &this_sweep, &changes, ui);

    let written = write_outputs(&report, &job.outputs, ui);
    let verdict = gate(job.fail_on, registry, &state, &changes, today());
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
    if degraded {
        let (_, _, unverified) = this_sweep.counts();
        ui.error(&format!(
            "sweep degraded: {unverified} of {} panels unverified (more than {:.0}%): is the backend reachable?",
            this_sweep.records.len(),
            registry.gate.max_unverified_share * 100.0
        ));
        return Ok(Exit::Invalid);
    }
    let policy = format!("{:?}", job.fail_on).to_lowercase();
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

async fn load_route_table(
    job: &Job<'_>,
    http: &HttpProbe,
    ui: Ui,
) -> Result<Option<RouteTable>, Failure> {
    let dir = registry_dir(job.registry_path);
    let source = match &job.probe.routes {
        Some(text) => Some(RouteSource::parse(text, Path::new("."))),
        None => RouteSource::from_registry(job.registry, &dir, &job.env as &dyn Env),
    };
    let Some(source) = source else {
        return Ok(None);
    };
    match sweeper::load_routes(&source, http).await {
        Ok(table) => Ok(Some(table)),
        Err(e @ RouteLoadError::Fetch(..)) if !job.offline => {
            ui.warn(&format!("{e}; coherency (stage 1) is unchecked this sweep"));
            Ok(None)
        }
        Err(e) => Err(usage(e)),
    }
}

fn progress_bar(ui: Ui) -> ProgressBar {
    if !ui.is_terminal() {
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

fn summary(report: &Report<'_>, sweep: &SweepRecord, changes: &[Change], ui: Ui) {
    let (rows, total) = report.dashboard();
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(5).max(6);
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
    for r in &rows {
        ui.line(&line(r));
    }
    ui.line(&ui.bold(&line(&total)));
    ui.line("");
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
    if !sweep.selection.is_all() && sweep.records.len() <= 20 {
        for r in &sweep.records {
            let status = match r.verdict.status() {
                Status::Bound => ui.green("BOUND"),
                Status::Blocked => ui.red("BLOCKED"),
                Status::Unverified => ui.yellow("UNVERIFIED"),
            };
            let detail = match &r.verdict.outcome {
                hisar_core::Outcome::Bound => r.verdict.evidence.summary(),
                hisar_core::Outcome::Blocked(gap) => format!("{} {}", gap.code, gap.detail),
                hisar_core::Outcome::Unverified { reason } => reason.clone(),
            };
            ui.line(&format!("  {} {status} {}  {detail}", r.panel, r.endpoint));
        }
    }
}
