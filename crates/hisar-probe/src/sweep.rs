//! One sweep from selection to record, the one place a sweep is orchestrated (the CLI's
//! `sweep`, `check` and `demo`, and the service's schedule all call it): select panels, load
//! the route table, plan unique requests, probe, classify, and return the sweep to record.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hisar_core::history::{NewSweep, PanelRecord, Selection};
use hisar_core::{
    Env, HumanDuration, Masker, Misdirection, Outcome, Panel, Registry, RouteTable, Status,
    Verdict, classify, demote,
};
use jiff::Timestamp;

use crate::auth::Authenticator;
use crate::error::ProbeError;
use crate::http::HttpProbe;
use crate::live::LiveSweep;
use crate::mask::SweepMasker;
use crate::plan::plan;
use crate::probe::Probe;
use crate::routes::{RouteLoadError, RouteSource, load_routes};
use crate::run::{DEADLINE_REASON, SweepOptions};

/// A selection that names what the registry does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectionError {
    /// An unknown panel id.
    #[error("unknown panel `{0}`{1}")]
    Panel(String, String),
    /// An unknown domain code.
    #[error("unknown domain `{0}`; the registry declares {1}")]
    Domain(String, String),
}

/// What can stop a sweep before it probes anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// The selection names unknown panels or domains.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// The requests could not be built.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// No base URL was given anywhere.
    #[error(
        "no base URL: pass --base-url, set HISAR_BASE_URL, or set backend.base_url in the registry"
    )]
    NoBaseUrl,
    /// An offline check needs a route table.
    #[error(
        "--offline needs a route table: pass --routes FILE|URL or set backend.routes in the registry"
    )]
    NoRouteTable,
    /// The route table is unusable (unreadable file, not a route table).
    #[error(transparent)]
    Routes(#[from] RouteLoadError),
}

/// The panels a selection covers, in registry order: every panel when empty; otherwise the
/// panels named and the panels of the domains named.
pub fn select<'r>(
    registry: &'r Registry,
    selection: &Selection,
) -> Result<Vec<&'r Panel>, SelectionError> {
    for id in &selection.panels {
        if registry.panel(id).is_none() {
            let hint = registry
                .panels()
                .iter()
                .map(|p| p.id.as_str())
                .find(|p| p.eq_ignore_ascii_case(id))
                .map_or(String::new(), |p| format!(" (did you mean `{p}`?)"));
            return Err(SelectionError::Panel(id.clone(), hint));
        }
    }
    for code in &selection.domains {
        if registry.domain(code).is_none() {
            let codes: Vec<&str> = registry.domains().iter().map(|d| d.code.as_str()).collect();
            return Err(SelectionError::Domain(code.clone(), codes.join(", ")));
        }
    }
    Ok(registry
        .panels()
        .iter()
        .filter(|p| {
            selection.is_all()
                || selection.panels.iter().any(|id| id == p.id.as_str())
                || selection
                    .domains
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(p.id.domain().as_str()))
        })
        .collect())
}

/// Whether more than `share` of verdicts are unverified (the sweep is degraded). Panels
/// skipped on purpose (an unsafe method, SPEC §3.4) count neither way.
pub fn is_degraded<'v>(verdicts: impl IntoIterator<Item = &'v Verdict>, share: f64) -> bool {
    let (mut total, mut unverified) = (0usize, 0usize);
    for v in verdicts.into_iter().filter(|v| !v.evidence.skipped) {
        total += 1;
        if v.status() == Status::Unverified {
            unverified += 1;
        }
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "panel counts are far below 2^52"
    )]
    let degraded = total > 0 && unverified as f64 > share * total as f64;
    degraded
}

/// Where a sweep goes: the settings resolved once from flags, environment and registry.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The backend's base URL; `None` when nothing gave one (a live sweep then fails).
    pub base_url: Option<String>,
    /// The route table's source, if any.
    pub routes: Option<RouteSource>,
}

/// A finished sweep, ready to append.
#[derive(Debug, Clone)]
pub struct Swept {
    /// The sweep to record.
    pub sweep: NewSweep,
    /// Unique requests sent (0 offline).
    pub requests: usize,
    /// Attempts made, retries included.
    pub attempts: usize,
    /// Wall time of the probing.
    pub elapsed: Duration,
    /// Routes in the table used for stage 1, when one was loaded.
    pub routes: Option<usize>,
    /// What the sweep could not do but went on without (a route table it could not fetch).
    pub warnings: Vec<String>,
    /// Misconfigurations found before the first request, one line per unset credential
    /// variable (SPEC §3.5); [`Sweeper::preflight`] gives them before sweeping.
    pub preflight: Vec<String>,
    /// Panels skipped because their method is not safe (SPEC §3.4).
    pub skipped: usize,
    /// Why the sweep is degraded (exit 3), if it is: every verdict was then recorded as
    /// `UNVERIFIED`, so it changes nothing in history.
    pub degraded: Option<String>,
    /// One line per setup step the sweep sent (SPEC §4.2): what it captured, or why it failed;
    /// secrets masked.
    pub setup: Vec<String>,
}

/// Runs sweeps of one registry against one target.
pub struct Sweeper {
    registry: Arc<Registry>,
    http: HttpProbe,
    probe: Arc<dyn Probe>,
    env: Arc<dyn Env + Send + Sync>,
    target: Target,
    options: SweepOptions,
    masker: Arc<Masker>,
}

impl std::fmt::Debug for Sweeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweeper")
            .field("target", &self.target)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The process environment seen through the sweep: `HISAR_BASE_URL` is the base URL the sweep
/// resolved (so `routes: ${HISAR_BASE_URL}/openapi.json` follows `--base-url`).
struct SweepEnv<'a> {
    env: &'a (dyn Env + Send + Sync),
    base_url: Option<&'a str>,
}

impl Env for SweepEnv<'_> {
    fn get(&self, name: &str) -> Option<String> {
        match (name, self.base_url) {
            ("HISAR_BASE_URL", Some(url)) => Some(url.trim_end_matches('/').to_owned()),
            _ => self.env.get(name),
        }
    }
}

impl Target {
    /// Resolves where a sweep goes, once: the base URL from `--base-url` (or `HISAR_BASE_URL`,
    /// which the caller passes as `base_url`), else the registry's `backend.base_url`; the
    /// route table from `--routes` (relative to the working directory), else the registry's
    /// `backend.routes` (relative to the registry's directory), where `${HISAR_BASE_URL}`
    /// stands for the base URL just resolved.
    pub fn resolve(
        registry: &Registry,
        registry_dir: &Path,
        env: &(dyn Env + Send + Sync),
        base_url: Option<String>,
        routes: Option<&str>,
    ) -> Self {
        let base_url = base_url
            .or_else(|| {
                registry
                    .backend()
                    .base_url
                    .as_ref()
                    .map(|t| t.resolve(env).value)
            })
            .filter(|u| !u.is_empty());
        let routes = match routes {
            Some(text) => Some(RouteSource::parse(text, Path::new("."))),
            None => {
                let env = SweepEnv {
                    env,
                    base_url: base_url.as_deref(),
                };
                RouteSource::from_registry(registry, registry_dir, &env)
            }
        };
        Self { base_url, routes }
    }
}

impl Sweeper {
    /// A sweeper probing over `http`, resolving `${VAR}` from `env`.
    pub fn new(
        registry: Arc<Registry>,
        http: HttpProbe,
        env: Arc<dyn Env + Send + Sync>,
        target: Target,
        options: SweepOptions,
    ) -> Self {
        let masker = {
            let env = SweepEnv {
                env: &*env,
                base_url: target.base_url.as_deref(),
            };
            let mut urls: Vec<&str> = target.base_url.iter().map(String::as_str).collect();
            if let Some(RouteSource::Url(url)) = &target.routes {
                urls.push(url);
            }
            let mut masker = Masker::for_sweep(&registry, &env, &urls);
            http.options().network.add_secrets(&mut masker);
            masker
        };
        Self {
            registry,
            probe: Arc::new(http.clone()),
            http,
            env,
            target,
            options,
            masker: Arc::new(masker),
        }
    }

    /// The masker built from every secret this sweeper resolves (SPEC §3.6): callers mask
    /// what they print about the target with it (`--base-url` with a password, say).
    pub fn masker(&self) -> &Masker {
        &self.masker
    }

    /// Probes with `probe` instead of HTTP (route tables are still fetched over HTTP).
    #[must_use]
    pub fn with_probe(mut self, probe: Arc<dyn Probe>) -> Self {
        self.probe = probe;
        self
    }

    /// The registry swept.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Where the sweep goes.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Loads the route table, if one is configured.
    pub async fn routes(&self) -> Result<Option<RouteTable>, RouteLoadError> {
        match &self.target.routes {
            Some(source) => load_routes(source, &self.http).await.map(Some),
            None => Ok(None),
        }
    }

    /// What would stop panels from being probed for lack of configuration, one line per unset
    /// credential variable, said before the first request (SPEC §3.5).
    pub fn preflight(&self, selection: &Selection) -> Result<Vec<String>, SweepError> {
        let panels = select(&self.registry, selection)?;
        let base_url = self
            .target
            .base_url
            .as_deref()
            .ok_or(SweepError::NoBaseUrl)?;
        let env = SweepEnv {
            env: &*self.env,
            base_url: Some(base_url),
        };
        let planned = plan(
            &self.registry,
            panels,
            base_url,
            &env,
            self.options.allow_unsafe,
        )
        .map_err(|e| self.masked(e.into()))?;
        Ok(preflight_lines(&planned.missing_credentials()))
    }

    /// Probes the selected panels and returns the sweep to record. A route table that cannot
    /// be fetched leaves stage 1 unchecked with a warning (the backend may be down, which the
    /// panels' verdicts will say); one that is unreadable or malformed is an error. Panels
    /// whose credentials are unset or whose method is unsafe get no request. A degraded sweep
    /// (every answer a 404 or the same page, or too many panels unverified) is recorded with
    /// every verdict `UNVERIFIED`.
    pub async fn sweep(
        &self,
        selection: Selection,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Swept, SweepError> {
        let panels = select(&self.registry, &selection)?;
        let base_url = self
            .target
            .base_url
            .as_deref()
            .ok_or(SweepError::NoBaseUrl)?;
        let env = SweepEnv {
            env: &*self.env,
            base_url: Some(base_url),
        };
        // The deadline covers the whole sweep, the route table's fetch included.
        let since = tokio::time::Instant::now();
        let mut warnings = Vec::new();
        let routes = match tokio::time::timeout(self.options.deadline, self.routes()).await {
            Ok(Ok(table)) => table,
            // A URL that answers, but not with a route table (a frontend's page, say), is the
            // backend's state, not bad input: the sweep goes on and its answers tell.
            Ok(Err(e @ (RouteLoadError::Fetch(..) | RouteLoadError::Parse(..))))
                if matches!(self.target.routes, Some(RouteSource::Url(_))) =>
            {
                warnings.push(
                    self.masker
                        .mask(&format!("{e}; coherency (stage 1) is unchecked this sweep"))
                        .into_owned(),
                );
                None
            }
            Ok(Err(e)) => return Err(self.masked(e.into())),
            Err(_) => {
                warnings.push(format!(
                    "the route table was not loaded before the sweep deadline ({}); coherency (stage 1) is unchecked this sweep",
                    HumanDuration(self.options.deadline)
                ));
                None
            }
        };
        // The sweep's masker: the sweeper's secrets, every token obtained during the sweep and
        // every captured credential.
        let masker = SweepMasker::new((*self.masker).clone());
        // Token flows start afresh each sweep: a token outlives no sweep.
        let auth = Authenticator::new(
            &self.registry,
            self.http.client().clone(),
            Arc::clone(&self.env),
            base_url,
            self.http.options().max_time,
            &self.options,
            masker.clone(),
        );
        let started_at = Timestamp::now();
        // Setup steps, then panels in waves by dependency (SPEC §4.2); without live values,
        // one wave: the plan and run of any sweep.
        let chained = LiveSweep {
            registry: &self.registry,
            probe: &*self.probe,
            routes: routes.as_ref(),
            options: &self.options,
            auth: Some(&auth),
            base_url,
            env: &env,
            masker: &masker,
            all_steps: selection.is_all(),
            since,
        }
        .run(&panels, progress)
        .await
        .map_err(|e| self.masked(e.into()))?;
        let preflight = preflight_lines(&chained.missing_credentials);
        let skipped = chained.skipped;
        let result = chained.result;
        if result.unfinished > 0 {
            warnings.push(format!(
                "sweep deadline reached ({}): {} of {} requests unfinished; their panels are UNVERIFIED",
                HumanDuration(self.options.deadline),
                result.unfinished,
                result.requests
            ));
        }
        let finished_at = Timestamp::now();
        let mut verdicts = result.verdicts;
        let shown_url = self.masker.mask(base_url);
        let degraded = match Misdirection::detect(&result.answers, result.failures) {
            Some(misdirection) => Some(misdirection.describe(&shown_url, routes.is_some())),
            None => too_many_unverified(
                (&chained.missing_credentials, chained.unset_panels),
                &verdicts,
                &result.no_token,
                self.registry.gate().max_unverified_share,
                &shown_url,
                (result.unfinished > 0).then_some((result.unfinished, self.options.deadline)),
            ),
        };
        // A flow that obtained no token is said once, as an unset variable is before the
        // sweep (SPEC §3.5); the text is masked already.
        for (failure, panels) in &result.no_token {
            warnings.push(format!(
                "{failure}: {panels} panel{} not probed (UNVERIFIED, never a gap); fix the flow's settings or the identity provider",
                if *panels == 1 { "" } else { "s" },
            ));
        }
        if let Some(reason) = &degraded {
            for verdict in &mut verdicts {
                if verdict.status() != Status::Unverified {
                    demote(verdict, reason);
                }
            }
        }
        let records = panels
            .iter()
            .zip(verdicts)
            .map(|(panel, verdict)| PanelRecord::new(panel, verdict))
            .collect();
        Ok(Swept {
            sweep: NewSweep {
                started_at,
                finished_at,
                selection,
                records,
            },
            requests: result.requests,
            attempts: result.attempts,
            elapsed: result.elapsed,
            routes: routes.as_ref().map(|r| r.routes().len()),
            warnings,
            preflight,
            skipped,
            degraded,
            setup: chained.setup,
        })
    }

    /// An error with the sweep's secrets masked (a base URL with a password in it).
    fn masked(&self, error: SweepError) -> SweepError {
        let m = |text: &mut String| {
            self.masker.mask_in_place(text);
        };
        match error {
            SweepError::Probe(ProbeError::BaseUrl(mut url, reason)) => {
                m(&mut url);
                SweepError::Probe(ProbeError::BaseUrl(url, reason))
            }
            SweepError::Probe(ProbeError::PanelUrl {
                panel,
                mut url,
                mut reason,
            }) => {
                m(&mut url);
                m(&mut reason);
                SweepError::Probe(ProbeError::PanelUrl { panel, url, reason })
            }
            SweepError::Routes(RouteLoadError::Fetch(mut url, e)) => {
                m(&mut url);
                SweepError::Routes(RouteLoadError::Fetch(url, e))
            }
            SweepError::Routes(RouteLoadError::Parse(mut source, mut reason)) => {
                m(&mut source);
                m(&mut reason);
                SweepError::Routes(RouteLoadError::Parse(source, reason))
            }
            other => other,
        }
    }

    /// Stage 1 alone, for `--offline`: panels the table already blocks are gaps; the rest are
    /// listed as not probed. Nothing is sent but the route table's fetch.
    pub async fn offline(&self, selection: Selection) -> Result<Swept, SweepError> {
        let panels = select(&self.registry, &selection)?;
        let routes = self
            .routes()
            .await
            .map_err(|e| self.masked(e.into()))?
            .ok_or(SweepError::NoRouteTable)?;
        let now = Timestamp::now();
        Ok(Swept {
            sweep: NewSweep {
                started_at: now,
                finished_at: now,
                selection,
                records: panels
                    .iter()
                    .map(|p| {
                        let mut verdict = classify(p, None, Some(&routes));
                        self.masker.mask_verdict(&mut verdict);
                        PanelRecord::new(p, verdict)
                    })
                    .collect(),
            },
            requests: 0,
            attempts: 0,
            elapsed: Duration::ZERO,
            routes: Some(routes.routes().len()),
            warnings: Vec::new(),
            preflight: Vec::new(),
            skipped: 0,
            degraded: None,
            setup: Vec::new(),
        })
    }
}

/// Why the sweep is degraded when more than `share` of the panels it could probe are
/// unverified, naming the cause that explains most of them: unset credentials, a token flow
/// that obtained no token (`no_token`: its masked failure and the panels it left unprobed), the
/// sweep deadline (`cut`: requests unfinished when it was reached, and the deadline), or a
/// backend that did not answer.
fn too_many_unverified(
    (unset, unset_panels): (&[UnsetVariable], usize),
    verdicts: &[Verdict],
    no_token: &[(String, usize)],
    share: f64,
    shown_url: &str,
    cut: Option<(usize, Duration)>,
) -> Option<String> {
    if !is_degraded(verdicts, share) {
        return None;
    }
    let counted = verdicts.iter().filter(|v| !v.evidence.skipped);
    let unverified = counted
        .clone()
        .filter(|v| v.status() == Status::Unverified)
        .count();
    // Panels whose request the deadline cut (a request may serve several panels).
    let cut_panels = verdicts
        .iter()
        .filter(|v| matches!(&v.outcome, Outcome::Unverified { reason } if reason.starts_with(DEADLINE_REASON)))
        .count();
    let no_token_panels: usize = no_token.iter().map(|(_, n)| n).sum();
    let cause = match unset {
        [(one, ..)] if unset_panels * 2 >= unverified => {
            format!("credential variable {one} is not set")
        }
        many if !many.is_empty() && unset_panels * 2 >= unverified => {
            let names: Vec<&str> = many.iter().map(|(v, ..)| v.as_str()).collect();
            format!("credential variables {} are not set", names.join(", "))
        }
        _ if no_token_panels > 0 && no_token_panels * 2 >= unverified => {
            // The flow that left the most panels unprobed (`no_token` comes sorted so).
            no_token.first().map(|(f, _)| f.clone()).unwrap_or_default()
        }
        _ if cut.is_some() && cut_panels * 2 >= unverified => {
            let (requests, deadline) = cut.unwrap_or_default();
            format!(
                "the sweep deadline ({}) was reached with {requests} requests unfinished: is the backend at {shown_url} stalling? raise --deadline if it is only slow",
                HumanDuration(deadline)
            )
        }
        _ => format!("is the backend at {shown_url} reachable?"),
    };
    Some(format!(
        "{unverified} of {} panels unverified (more than {:.0}%), so nothing was recorded as a gap: {cause}",
        counted.count(),
        share * 100.0
    ))
}

/// An unset credential variable: its name, the auth modes that read it, the panels it stops.
type UnsetVariable = (String, Vec<String>, usize);

/// One line per unset credential variable, saying what to fix.
fn preflight_lines(missing: &[UnsetVariable]) -> Vec<String> {
    missing
        .iter()
        .map(|(var, modes, panels)| {
            let modes: Vec<String> = modes.iter().map(|m| format!("`{m}`")).collect();
            format!(
                "credential variable {var} is not set: {panels} panel{} of auth mode {} will not be probed (UNVERIFIED, never a gap); set {var} in the environment",
                if *panels == 1 { "" } else { "s" },
                modes.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY: &str = "version: 1\ndomains: [{code: OVR, name: O}, {code: LOG, name: L}]\ndefaults: {class: evidence}\npanels:\n  - {id: OVR-A-B-O1, capability: a.a, endpoint: /a}\n  - {id: LOG-REC-SYS-O2, capability: a.b, endpoint: /b}\n  - {id: OVR-A-B-O2, capability: a.c, endpoint: /c}\n";

    #[test]
    fn selection() {
        let reg = Registry::from_yaml(REGISTRY, "r").unwrap();
        assert_eq!(select(&reg, &Selection::default()).unwrap().len(), 3);
        let by_domain = Selection {
            domains: vec!["OVR".into()],
            panels: vec!["LOG-REC-SYS-O2".into()],
        };
        let ids: Vec<&str> = select(&reg, &by_domain)
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        assert_eq!(ids, ["OVR-A-B-O1", "LOG-REC-SYS-O2", "OVR-A-B-O2"]);
        let bad = Selection {
            panels: vec!["log-rec-sys-o2".into()],
            domains: vec![],
        };
        assert_eq!(
            select(&reg, &bad).unwrap_err().to_string(),
            "unknown panel `log-rec-sys-o2` (did you mean `LOG-REC-SYS-O2`?)"
        );
        let bad = Selection {
            panels: vec![],
            domains: vec!["XYZ".into()],
        };
        assert_eq!(
            select(&reg, &bad).unwrap_err().to_string(),
            "unknown domain `XYZ`; the registry declares OVR, LOG"
        );
    }
}
