//! Values from live data and setup steps in a sweep (SPEC §4.2).
//!
//! A sweep runs the setup steps it needs first, one after another in registry order (a full
//! sweep runs them all; a partial one, those its panels read). Then it probes panels in waves
//! by dependency: wave 0 holds every panel that reads no other panel's answer, wave 1 the
//! panels whose sources are all in wave 0, and so on. Each wave is planned and run as any
//! sweep is (bounded concurrency, retries, one request for identical ones), so independent
//! panels still run concurrently; a panel whose values come from another panel waits for the
//! wave of its source. A source the selection leaves out is probed all the same and not
//! recorded.
//!
//! The values a dependent needs are picked out of its source's answer as the answer arrives
//! (a probe wrapper sees every observation before it is classified and dropped). A value is
//! used only when its source is `BOUND`; otherwise, or when the query selects nothing or a
//! setup step failed, the dependent is `UNVERIFIED` naming its source: its own endpoint was
//! never asked, so no gap can be its own. A panel with a value the registry does not have yet
//! (`{ todo }`) is never sent either: it is `UNVERIFIED` with the todo's hint.
//!
//! Secrets (SPEC §3.6): a value that goes into a header, or under a name like `token`, `key`,
//! `secret`, `password` or `signature`, is a credential: it joins the sweep's masker as soon as
//! it is captured, and every verdict of the sweep is masked with the final masker. Other
//! captured values are evidence (the probed URL shows them).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;
use hisar_core::{
    Env, JsonQuery, NotProbed, Observation, Outcome, Panel, Registry, RouteTable, SetupStep,
    Transport, ValuePlace, ValueSource, Verdict, classify_unprobed, is_sensitive_name,
};

use crate::auth::Authenticator;
use crate::error::ProbeError;
use crate::mask::SweepMasker;
use crate::plan::{SweepPlan, plan};
use crate::probe::{Probe, ProbeRequest, Secret};
use crate::run::{DEADLINE_REASON, RunResult, SweepOptions, probe_with_retries, run_since};

/// What a chained sweep found, beside the merged run.
pub(crate) struct Chained {
    /// The merged run; its verdicts are those of the selected panels, in selection order.
    pub(crate) result: RunResult,
    /// Unset credential variables: (variable, auth modes, panels), over every wave.
    pub(crate) missing_credentials: Vec<(String, Vec<String>, usize)>,
    /// Panels not probed for unset credentials.
    pub(crate) unset_panels: usize,
    /// Selected panels skipped for an unsafe method.
    pub(crate) skipped: usize,
    /// One line per setup step run, masked.
    pub(crate) setup: Vec<String>,
}

/// A sweep of panels whose values may come from other answers.
pub(crate) struct LiveSweep<'a> {
    pub(crate) registry: &'a Registry,
    pub(crate) probe: &'a dyn Probe,
    pub(crate) routes: Option<&'a RouteTable>,
    pub(crate) options: &'a SweepOptions,
    pub(crate) base_url: &'a str,
    pub(crate) env: &'a (dyn Env + Sync),
    pub(crate) masker: &'a SweepMasker,
    /// The sweep's token flows, if any.
    pub(crate) auth: Option<&'a Authenticator>,
    /// Run every setup step (a full sweep), not only those the panels read.
    pub(crate) all_steps: bool,
    /// When the sweep began: `options.deadline` counts from here, over setup steps and waves.
    pub(crate) since: tokio::time::Instant,
}

/// What a setup step yielded: its captures, or why it failed.
type StepOutcome = Result<BTreeMap<String, Result<String, String>>, String>;

impl<'a> LiveSweep<'a> {
    /// Runs the setup steps, then the waves; verdicts come back for `selected`, in order.
    pub(crate) async fn run(
        &self,
        selected: &[&'a Panel],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Chained, ProbeError> {
        let started = Instant::now();
        let panels = self.closure(selected);
        let position: HashMap<&str, usize> = panels
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let levels = levels(&panels, &position);
        let wanted = wanted_values(&panels, &position);
        let secrets = secret_sources(&panels);
        let masker = self.masker.clone();

        let mut setup_lines = Vec::new();
        let mut steps: HashMap<&str, StepOutcome> = HashMap::new();
        for step in self.steps_needed(&panels) {
            let outcome = match self.since.checked_add(self.options.deadline) {
                Some(at) => tokio::time::timeout_at(at, self.run_step(step))
                    .await
                    .unwrap_or_else(|_| {
                        Err(format!(
                            "{DEADLINE_REASON} ({}) before this setup step finished",
                            hisar_core::HumanDuration(self.options.deadline)
                        ))
                    }),
                None => self.run_step(step).await,
            };
            if let Ok(captures) = &outcome {
                for (name, value) in captures {
                    let secret = is_sensitive_name(name)
                        || secrets.contains(&(format!("setup.{}", step.id), name.clone()));
                    if let (Ok(value), true) = (value, secret) {
                        masker.add(value);
                    }
                }
            }
            setup_lines.push(describe_step(step, &outcome));
            steps.insert(&step.id, outcome);
        }

        let selected_ids: HashSet<&str> = selected.iter().map(|p| p.id.as_str()).collect();
        let mut verdicts: Vec<Option<Verdict>> = vec![None; panels.len()];
        let mut values: HashMap<(usize, String), Result<String, String>> = HashMap::new();
        let mut merged: Option<RunResult> = None;
        let mut missing: BTreeMap<String, (Vec<String>, usize)> = BTreeMap::new();
        let (mut unset_panels, mut skipped, mut done_before) = (0, 0, 0);
        let top = levels.iter().copied().max().unwrap_or(0);
        for level in 0..=top {
            // Resolve this wave's values; a panel that cannot have them is unverified now.
            let mut resolved: Vec<(usize, Panel)> = Vec::new();
            let mut wave: Vec<(usize, &Panel)> = Vec::new();
            for (i, panel) in panels
                .iter()
                .enumerate()
                .filter(|(i, _)| levels[*i] == level)
            {
                if panel.live.is_empty() {
                    wave.push((i, panel));
                    continue;
                }
                // A value the registry does not have yet: never sent, whatever its sources,
                // and, as a skipped panel, never counted toward a degraded sweep (an
                // unfinished registry says nothing of the backend).
                if let Some(reason) = panel.todo_reason() {
                    let mut verdict = classify_unprobed(
                        panel,
                        &NotProbed::SourceUnavailable { reason },
                        self.routes,
                    );
                    verdict.evidence.skipped = true;
                    verdicts[i] = Some(verdict);
                    continue;
                }
                match resolve(panel, &position, &verdicts, &values, &steps) {
                    Ok(texts) => {
                        for (live, text) in panel.live.iter().zip(&texts) {
                            if is_secret(live.place, &live.name) {
                                masker.add(text);
                            }
                        }
                        resolved.push((i, panel.with_values(&texts)));
                    }
                    Err(reason) => {
                        verdicts[i] = Some(classify_unprobed(
                            panel,
                            &NotProbed::SourceUnavailable { reason },
                            self.routes,
                        ));
                    }
                }
            }
            wave.extend(resolved.iter().map(|(i, p)| (*i, p)));
            wave.sort_by_key(|(i, _)| *i);
            let planned = plan(
                self.registry,
                wave.iter().map(|(_, p)| *p).collect(),
                self.base_url,
                self.env,
                self.options.allow_unsafe,
            )?;
            for (slot, (i, _)) in planned.request_of.iter().zip(&wave) {
                match slot {
                    Err(NotProbed::UnsafeMethod)
                        if selected_ids.contains(panels[*i].id.as_str()) =>
                    {
                        skipped += 1;
                    }
                    Err(NotProbed::MissingCredentials { .. }) => unset_panels += 1,
                    _ => {}
                }
            }
            for (var, modes, n) in planned.missing_credentials() {
                let entry = missing.entry(var).or_default();
                for m in modes {
                    if !entry.0.contains(&m) {
                        entry.0.push(m);
                    }
                }
                entry.1 += n;
            }
            let capturing = Capturing::new(self.probe, &planned, &wave, &wanted);
            let offset = done_before;
            let mut result = run_since(
                &capturing,
                &planned,
                self.routes,
                self.options,
                self.auth,
                &masker,
                &|done, total| progress(offset + done, offset + total),
                self.since,
            )
            .await;
            done_before += result.requests;
            values.extend(capturing.into_values());
            for ((i, _), verdict) in wave.iter().zip(result.verdicts.drain(..)) {
                verdicts[*i] = Some(verdict);
            }
            merged = Some(match merged {
                None => result,
                Some(mut all) => {
                    all.requests += result.requests;
                    all.attempts += result.attempts;
                    all.answers.append(&mut result.answers);
                    all.failures += result.failures;
                    all.unfinished += result.unfinished;
                    for (failure, n) in result.no_token.drain(..) {
                        match all.no_token.iter_mut().find(|(f, _)| *f == failure) {
                            Some(entry) => entry.1 += n,
                            None => all.no_token.push((failure, n)),
                        }
                    }
                    all.no_token
                        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    all
                }
            });
        }
        let mut result = merged.expect("wave 0 always runs");
        let masker = masker.snapshot();
        result.elapsed = started.elapsed();
        result.verdicts = panels
            .iter()
            .zip(verdicts)
            .filter(|(p, _)| selected_ids.contains(p.id.as_str()))
            .map(|(_, v)| {
                let mut verdict = v.expect("every panel of every wave is judged");
                masker.mask_verdict(&mut verdict);
                verdict
            })
            .collect();
        Ok(Chained {
            result,
            missing_credentials: missing
                .into_iter()
                .map(|(var, (modes, n))| (var, modes, n))
                .collect(),
            unset_panels,
            skipped,
            setup: setup_lines
                .iter()
                .map(|l| masker.mask(l).into_owned())
                .collect(),
        })
    }

    /// The selected panels and every panel their values come from, in registry order.
    fn closure(&self, selected: &[&'a Panel]) -> Vec<&'a Panel> {
        let mut included: Vec<&'a Panel> = selected.to_vec();
        let mut seen: HashSet<&str> = included.iter().map(|p| p.id.as_str()).collect();
        let mut at = 0;
        while at < included.len() {
            for source in included[at].source_panels() {
                if let Some(panel) = self.registry.panel(source)
                    && seen.insert(panel.id.as_str())
                {
                    included.push(panel);
                }
            }
            at += 1;
        }
        let order: HashMap<&str, usize> = self
            .registry
            .panels()
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        included.sort_by_key(|p| order.get(p.id.as_str()).copied().unwrap_or(usize::MAX));
        included
    }

    /// The setup steps to run, in registry order: all of them for a full sweep, else those
    /// the panels read.
    fn steps_needed(&self, panels: &[&Panel]) -> Vec<&'a SetupStep> {
        let read: HashSet<&str> = panels.iter().flat_map(|p| p.source_steps()).collect();
        self.registry
            .setup()
            .iter()
            .filter(|s| self.all_steps || read.contains(s.id.as_str()))
            .collect()
    }

    /// Sends one setup step and takes its captures. An unsafe method is sent once (a retry
    /// could seed twice); a safe one is retried as panels are.
    async fn run_step(&self, step: &SetupStep) -> StepOutcome {
        let request = self.step_request(step)?;
        let observation = if step.endpoint.method.is_safe() {
            probe_with_retries(self.probe, &request, self.options).await
        } else {
            self.probe.probe(&request).await
        };
        let response = match &observation.transport {
            Transport::Answered(r) => r,
            Transport::Failed(f) => {
                return Err(format!("no answer: {}: {}", f.kind.describe(), f.message));
            }
        };
        if !(200..300).contains(&response.status) {
            return Err(format!("HTTP {}{}", response.status, said(response)));
        }
        if step.capture.is_empty() {
            return Ok(BTreeMap::new());
        }
        let Ok(body) = response.body.json() else {
            return Err(format!(
                "HTTP {} with a body that is not JSON, so nothing could be captured",
                response.status
            ));
        };
        Ok(step
            .capture
            .iter()
            .map(|(name, query)| (name.clone(), query.value_in(body)))
            .collect())
    }

    /// The step's request: its auth mode's headers and its own, its JSON body.
    fn step_request(&self, step: &SetupStep) -> Result<ProbeRequest, String> {
        let url = join(self.base_url, &step.request_target())?;
        let mut headers: Vec<(String, Secret)> = Vec::new();
        let mut unset = Vec::new();
        let mode = self
            .registry
            .auth_mode(&step.auth)
            .map(|m| m.headers.as_slice())
            .unwrap_or_default();
        for (name, template) in mode.iter().chain(&step.headers) {
            let resolved = template.resolve(self.env);
            unset.extend(resolved.missing);
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name.clone(), Secret::new(resolved.value)));
        }
        let body = match step.resolved_json(self.env) {
            Some((json, missing)) => {
                unset.extend(missing);
                if !headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("Content-Type".to_owned(), Secret::new("application/json")));
                }
                Some(serde_json::to_vec(&json).unwrap_or_default())
            }
            None => None,
        };
        unset.sort();
        unset.dedup();
        match unset.as_slice() {
            [] => {}
            [one] => return Err(format!("credential variable {one} is not set: not sent")),
            many => {
                return Err(format!(
                    "credential variables {} are not set: not sent",
                    many.join(", ")
                ));
            }
        }
        Ok(ProbeRequest {
            method: step.endpoint.method,
            url,
            headers,
            auth_mode: step.auth.clone(),
            missing_credentials: Vec::new(),
            body,
        })
    }
}

/// The base URL (its own query kept) joined with a target (`/path?query`).
fn join(base_url: &str, target: &str) -> Result<String, String> {
    let base = reqwest::Url::parse(base_url).map_err(|e| format!("invalid base URL: {e}"))?;
    let mut root = base.clone();
    root.set_query(None);
    root.set_fragment(None);
    let root = root.as_str().trim_end_matches('/').to_owned();
    let target = match (base.query(), target.split_once('?')) {
        (None, _) => target.to_owned(),
        (Some(q), Some((path, params))) => format!("{path}?{q}&{params}"),
        (Some(q), None) => format!("{target}?{q}"),
    };
    Ok(format!("{root}{target}"))
}

/// The backend's own words for a failure, from a JSON `detail`, `message` or `error`.
fn said(response: &hisar_core::Response) -> String {
    let text = response.body.json().ok().and_then(|v| {
        ["detail", "message", "error"]
            .iter()
            .find_map(|k| v.get(*k).and_then(serde_json::Value::as_str))
            .map(|t| t.chars().take(120).collect::<String>())
    });
    text.map_or_else(String::new, |t| format!(": \"{t}\""))
}

fn describe_step(step: &SetupStep, outcome: &StepOutcome) -> String {
    match outcome {
        Ok(captures) => {
            let parts: Vec<String> = captures
                .iter()
                .map(|(name, value)| match value {
                    Ok(_) => format!("captured {name}"),
                    Err(why) => format!("{name}: {why}"),
                })
                .collect();
            let parts = if parts.is_empty() {
                String::new()
            } else {
                format!("; {}", parts.join(", "))
            };
            format!("setup step `{}` ({}): done{parts}", step.id, step.endpoint)
        }
        Err(why) => format!(
            "setup step `{}` ({}) failed: {why}; the panels that read its captures are UNVERIFIED",
            step.id, step.endpoint
        ),
    }
}

/// Every value of `panel`, in the order of its live values; or why one cannot be had.
fn resolve(
    panel: &Panel,
    position: &HashMap<&str, usize>,
    verdicts: &[Option<Verdict>],
    values: &HashMap<(usize, String), Result<String, String>>,
    steps: &HashMap<&str, StepOutcome>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::with_capacity(panel.live.len());
    for live in &panel.live {
        let name = &live.name;
        let value = match &live.source {
            ValueSource::Panel {
                panel: from,
                select,
            } => {
                let at = position.get(from.as_str()).copied();
                match at.and_then(|i| verdicts[i].as_ref()).map(|v| &v.outcome) {
                    Some(Outcome::Bound) => {
                        match at.and_then(|i| values.get(&(i, select.source().to_owned()))) {
                            Some(Ok(v)) => Ok(v.clone()),
                            Some(Err(why)) => {
                                Err(format!("`{name}` comes from panel {from}, where {why}"))
                            }
                            None => Err(format!(
                                "`{name}` comes from panel {from}, whose answer could not be read"
                            )),
                        }
                    }
                    Some(Outcome::Blocked(gap)) => Err(format!(
                        "`{name}` comes from panel {from}, which is BLOCKED ({})",
                        gap.code
                    )),
                    Some(Outcome::Unverified { .. }) => Err(format!(
                        "`{name}` comes from panel {from}, which is UNVERIFIED"
                    )),
                    None => Err(format!(
                        "`{name}` comes from panel {from}, which was not probed"
                    )),
                }
            }
            ValueSource::Setup { step, capture } => match steps.get(step.as_str()) {
                Some(Ok(captures)) => match captures.get(capture) {
                    Some(Ok(v)) => Ok(v.clone()),
                    Some(Err(why)) => Err(format!(
                        "`{name}` comes from setup step `{step}`, whose capture `{capture}`: {why}"
                    )),
                    None => Err(format!(
                        "`{name}` comes from setup step `{step}`, which captured no `{capture}`"
                    )),
                },
                Some(Err(why)) => Err(format!(
                    "`{name}` comes from setup step `{step}`, which failed: {why}"
                )),
                None => Err(format!(
                    "`{name}` comes from setup step `{step}`, which did not run"
                )),
            },
            ValueSource::Todo { .. } => Err(live.todo().unwrap_or_default()),
        }?;
        out.push(value);
    }
    Ok(out)
}

/// Each panel's wave: 0 without panel sources, else one more than its deepest source. The
/// registry refuses cycles; a chain is followed at most as deep as there are panels.
fn levels(panels: &[&Panel], position: &HashMap<&str, usize>) -> Vec<usize> {
    let mut levels = vec![0usize; panels.len()];
    for _ in 0..panels.len() {
        let mut changed = false;
        for (i, panel) in panels.iter().enumerate() {
            let level = panel
                .source_panels()
                .iter()
                .filter_map(|s| position.get(s))
                .map(|&s| levels[s] + 1)
                .max()
                .unwrap_or(0);
            if level != levels[i] {
                levels[i] = level.min(panels.len());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    levels
}

/// For each source panel, the queries its dependents read from its answer.
fn wanted_values(
    panels: &[&Panel],
    position: &HashMap<&str, usize>,
) -> HashMap<usize, Vec<JsonQuery>> {
    let mut wanted: HashMap<usize, Vec<JsonQuery>> = HashMap::new();
    for panel in panels {
        for live in &panel.live {
            if let ValueSource::Panel {
                panel: from,
                select,
            } = &live.source
                && let Some(&at) = position.get(from.as_str())
            {
                let queries = wanted.entry(at).or_default();
                if !queries.contains(select) {
                    queries.push(select.clone());
                }
            }
        }
    }
    wanted
}

/// Whether a value sent as `name` in `place` is a credential (SPEC §3.6).
fn is_secret(place: ValuePlace, name: &str) -> bool {
    place == ValuePlace::Header || is_sensitive_name(name)
}

/// The setup captures (`setup.<id>`, capture) whose values are credentials: sent in a header
/// or under a credential's name by some panel.
fn secret_sources(panels: &[&Panel]) -> HashSet<(String, String)> {
    panels
        .iter()
        .flat_map(|p| &p.live)
        .filter(|l| is_secret(l.place, &l.name))
        .filter_map(|l| match &l.source {
            ValueSource::Setup { step, capture } => {
                Some((format!("setup.{step}"), capture.clone()))
            }
            ValueSource::Panel { .. } | ValueSource::Todo { .. } => None,
        })
        .collect()
}

/// A request's identity for capture: what the plan made unique, less the token a flow adds.
type CaptureKey = (hisar_core::Method, String, String, Vec<(String, String)>);

fn capture_key(request: &ProbeRequest) -> CaptureKey {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.expose().to_owned()))
        .collect();
    headers.sort();
    (
        request.method,
        request.url.clone(),
        request.auth_mode.clone(),
        headers,
    )
}

/// A probe that picks the values dependents need out of each answer before it is classified
/// and dropped.
struct Capturing<'p> {
    inner: &'p dyn Probe,
    /// Request → (panel, queries) whose values it carries.
    wanted: HashMap<CaptureKey, Vec<(usize, Vec<JsonQuery>)>>,
    values: Mutex<HashMap<(usize, String), Result<String, String>>>,
}

impl<'p> Capturing<'p> {
    fn new(
        inner: &'p dyn Probe,
        planned: &SweepPlan<'_>,
        wave: &[(usize, &Panel)],
        wanted: &HashMap<usize, Vec<JsonQuery>>,
    ) -> Self {
        let mut by_request: HashMap<CaptureKey, Vec<(usize, Vec<JsonQuery>)>> = HashMap::new();
        for request in &planned.requests {
            for &j in &request.panels {
                let at = wave[j].0;
                if let Some(queries) = wanted.get(&at) {
                    by_request
                        .entry(capture_key(&request.request))
                        .or_default()
                        .push((at, queries.clone()));
                }
            }
        }
        Self {
            inner,
            wanted: by_request,
            values: Mutex::new(HashMap::new()),
        }
    }

    fn into_values(self) -> HashMap<(usize, String), Result<String, String>> {
        self.values
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Probe for Capturing<'_> {
    async fn probe(&self, request: &ProbeRequest) -> Observation {
        let observation = self.inner.probe(request).await;
        if let Some(wanted) = self.wanted.get(&capture_key(request)) {
            let body = observation.response().map(|r| r.body.json());
            let mut values = self
                .values
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (panel, queries) in wanted {
                for query in queries {
                    let value = match &body {
                        Some(Ok(json)) => query.value_in(json),
                        Some(Err(_)) => Err(format!("`{query}` found no JSON to read")),
                        None => Err(format!("`{query}` found no answer")),
                    };
                    values.insert((*panel, query.source().to_owned()), value);
                }
            }
        }
        observation
    }
}

#[cfg(test)]
mod tests;
