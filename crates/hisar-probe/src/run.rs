//! Running a planned sweep: bounded concurrency, retries with exponential backoff, and classification
//! as each answer arrives, so bodies are dropped as soon as their panels are judged.

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use hisar_core::{
    AnswerDigest, CoherencyCheck, HumanDuration, NotProbed, Observation, Outcome, RouteTable,
    TRANSIENT_STATUSES, Transport, TransportErrorKind, Verdict, classify, classify_unprobed,
};

use crate::auth::{Authenticator, Issued, Renewal};
use crate::mask::SweepMasker;
use crate::plan::SweepPlan;
use crate::probe::{Probe, ProbeRequest};

/// How a sweep runs.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Requests in flight at once (`--jobs`).
    pub jobs: usize,
    /// Retries for transport failures and transient statuses (`--retry`).
    pub retries: u32,
    /// First backoff; it doubles on each retry.
    pub backoff: Duration,
    /// Longest wait honoured from a `Retry-After` header.
    pub max_retry_after: Duration,
    /// Send panels with unsafe methods (`--allow-unsafe`) even when they do not declare
    /// `safe: true`.
    pub allow_unsafe: bool,
    /// Time allowed for the whole run (`--deadline`): panels whose requests have not finished
    /// by then are UNVERIFIED "sweep deadline reached".
    pub deadline: Duration,
}

impl Default for SweepOptions {
    fn default() -> Self {
        Self {
            jobs: crate::defaults::JOBS,
            retries: crate::defaults::RETRIES,
            backoff: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
            allow_unsafe: false,
            deadline: crate::defaults::DEADLINE,
        }
    }
}

/// The outcome of a sweep.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// One verdict per planned panel, in plan (registry) order.
    pub verdicts: Vec<Verdict>,
    /// Unique requests sent.
    pub requests: usize,
    /// Attempts made, retries included.
    pub attempts: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// What every answer looked like, for the sweep-level rules (a wrong base URL).
    pub answers: Vec<AnswerDigest>,
    /// Requests that got no answer after their retries.
    pub failures: usize,
    /// Requests not finished when the deadline was reached (their panels are UNVERIFIED).
    pub unfinished: usize,
    /// Token flows that obtained no token (their failure, masked), each with the panels it
    /// left unprobed; most panels first.
    pub no_token: Vec<(String, usize)>,
}

/// Runs a sweep. `auth` holds the sweep's token flows (none: every mode is static headers).
/// Every observation carries the URL it probed and is classified as it arrives, unmasked
/// (masking is for what HISAR writes, never for what it judges); every verdict is masked with
/// `masker` before it leaves (SPEC §3.6), once every probe and token flow of the sweep has
/// finished, so a token obtained during the sweep is masked in every verdict. Panels the plan
/// sends no request for, or whose token flow obtained no token, are classified from stage 1 and
/// the reason. `progress` is called with (requests done, requests planned).
///
/// The run ends at `options.deadline` whatever the backend does: requests still in flight are
/// dropped (which aborts them, token flows included) and requests not sent are not sent; their
/// panels are UNVERIFIED "sweep deadline reached" (a gap the route table alone proves still
/// stands).
pub async fn run(
    probe: &dyn Probe,
    plan: &SweepPlan<'_>,
    routes: Option<&RouteTable>,
    options: &SweepOptions,
    auth: Option<&Authenticator>,
    masker: &SweepMasker,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> RunResult {
    run_since(
        probe,
        plan,
        routes,
        options,
        auth,
        masker,
        progress,
        tokio::time::Instant::now(),
    )
    .await
}

/// [`run`], with the deadline counted from `since` (when the sweep began, before its route
/// table was fetched).
#[expect(
    clippy::too_many_arguments,
    reason = "run's arguments and the instant its deadline counts from"
)]
pub(crate) async fn run_since(
    probe: &dyn Probe,
    plan: &SweepPlan<'_>,
    routes: Option<&RouteTable>,
    options: &SweepOptions,
    auth: Option<&Authenticator>,
    masker: &SweepMasker,
    progress: &(dyn Fn(usize, usize) + Sync),
    since: tokio::time::Instant,
) -> RunResult {
    let started = Instant::now();
    // A deadline too far to represent is no deadline.
    let deadline = since.checked_add(options.deadline);
    let total = plan.requests.len();
    let mut verdicts: Vec<Option<Verdict>> = plan
        .request_of
        .iter()
        .zip(&plan.panels)
        .map(|(slot, panel)| {
            slot.as_ref()
                .err()
                .map(|why| classify_unprobed(panel, why, routes))
        })
        .collect();
    let mut attempts = 0;
    let mut done = 0;
    let mut answers = Vec::with_capacity(total);
    let mut failures = 0;
    let mut no_token: Vec<(String, usize)> = Vec::new();
    let mut unsent = 0;
    progress(0, total);
    let mut queue = plan.requests.iter().enumerate();
    let mut in_flight = FuturesUnordered::new();
    for (i, planned) in queue.by_ref().take(options.jobs.max(1)) {
        in_flight.push(probe_one(probe, i, &planned.request, options, auth));
    }
    loop {
        let next = match deadline {
            Some(at) => match tokio::time::timeout_at(at, in_flight.next()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => in_flight.next().await,
        };
        let Some((i, seen)) = next else {
            break;
        };
        if let Some((next, planned)) = queue.next() {
            in_flight.push(probe_one(probe, next, &planned.request, options, auth));
        }
        attempts += seen.attempts;
        done += 1;
        progress(done, total);
        let request = &plan.requests[i].request;
        let mut observation = match seen.outcome {
            Ok(observation) => observation,
            Err(why) => {
                if seen.attempts == 0 {
                    unsent += 1;
                }
                for &panel in &plan.requests[i].panels {
                    verdicts[panel] = Some(classify_unprobed(plan.panels[panel], &why, routes));
                }
                if let NotProbed::NoToken { failure, .. } = why {
                    let panels = plan.requests[i].panels.len();
                    match no_token.iter_mut().find(|(f, _)| *f == failure) {
                        Some((_, n)) => *n += panels,
                        None => no_token.push((failure, panels)),
                    }
                }
                continue;
            }
        };
        observation.url = Some(request.url.clone());
        let mut unrouted = routes.is_some();
        for &panel in &plan.requests[i].panels {
            let verdict = classify(plan.panels[panel], Some(&observation), routes);
            unrouted &= verdict.evidence.coherency == CoherencyCheck::Failed;
            verdicts[panel] = Some(verdict);
        }
        match &observation.transport {
            Transport::Answered(response) => {
                let mut digest = AnswerDigest::of(&request.url, response);
                if request.method == hisar_core::Method::Head {
                    digest = digest.to_head();
                }
                if unrouted {
                    digest = digest.to_unrouted();
                }
                answers.push(digest);
            }
            Transport::Failed(_) => failures += 1,
        }
    }
    // Cut by the deadline or not, nothing of the sweep runs on past here.
    drop(in_flight);
    let unfinished = total - done;
    // Every probe and every token flow of the sweep has finished: the masker now holds every
    // token obtained, and nothing has left yet.
    let masker = masker.snapshot();
    // Most panels first, then by text: the same sweep says the same, whatever finished first.
    no_token.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    RunResult {
        verdicts: verdicts
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let mut verdict = v.unwrap_or_else(|| deadline_verdict(plan, i, routes, options));
                masker.mask_verdict(&mut verdict);
                verdict
            })
            .collect(),
        requests: total - unsent,
        attempts,
        elapsed: started.elapsed(),
        answers,
        failures,
        unfinished,
        no_token: no_token
            .into_iter()
            .map(|(failure, panels)| (masker.mask(&failure).into_owned(), panels))
            .collect(),
    }
}

/// What became of one planned request: an observation, or why no request was sent.
struct Seen {
    outcome: Result<Observation, NotProbed>,
    attempts: usize,
}

impl Seen {
    fn observed(observation: Observation, before: usize) -> Self {
        Self {
            attempts: before + observation.retries as usize + 1,
            outcome: Ok(observation),
        }
    }

    /// No token for `auth` (SPEC §3.5): `failure` names the flow and what it got.
    fn no_token(auth: &str, failure: String, attempts: usize) -> Self {
        Self {
            outcome: Err(NotProbed::NoToken {
                auth: auth.to_owned(),
                failure,
            }),
            attempts,
        }
    }
}

/// How the reason of a panel cut by the sweep deadline begins.
pub(crate) const DEADLINE_REASON: &str = "sweep deadline reached";

/// The verdict of a panel whose request did not finish before the sweep's deadline: no
/// evidence, so UNVERIFIED (or the gap the route table alone proves, as for any panel without
/// an answer).
fn deadline_verdict(
    plan: &SweepPlan<'_>,
    panel: usize,
    routes: Option<&RouteTable>,
    options: &SweepOptions,
) -> Verdict {
    let reason = format!(
        "{DEADLINE_REASON} ({}) before this panel's request finished; raise --deadline, or lower --max-time or --retry",
        HumanDuration(options.deadline)
    );
    let observation = Observation::failed(TransportErrorKind::Timeout, reason.clone());
    let mut verdict = classify(plan.panels[panel], Some(&observation), routes);
    if let Outcome::Unverified { reason: r } = &mut verdict.outcome {
        *r = reason;
    }
    verdict
}

async fn probe_one(
    probe: &dyn Probe,
    index: usize,
    request: &ProbeRequest,
    options: &SweepOptions,
    auth: Option<&Authenticator>,
) -> (usize, Seen) {
    let seen = match auth.filter(|a| a.has_flow(&request.auth_mode)) {
        Some(auth) => probe_with_token(probe, request, options, auth).await,
        None => Seen::observed(probe_with_retries(probe, request, options).await, 0),
    };
    (index, seen)
}

/// The request with the token's header (it replaces a static header of the same name).
fn with_token(request: &ProbeRequest, issued: &Issued) -> ProbeRequest {
    let mut request = request.clone();
    let (name, value) = &issued.header;
    request
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    request.headers.push((name.clone(), value.clone()));
    request
}

fn status(observation: &Observation) -> Option<u16> {
    observation.response().map(|r| r.status)
}

/// A probe of a mode with a token flow: the mode's token (obtained now if this is the first
/// panel that needs it), and after a 401 one renewal and one repeat (SPEC §4.1). Without a
/// token the panel is not probed.
async fn probe_with_token(
    probe: &dyn Probe,
    request: &ProbeRequest,
    options: &SweepOptions,
    auth: &Authenticator,
) -> Seen {
    let mode = request.auth_mode.as_str();
    // `plan` sends no such request; a plan built otherwise must not run a flow on an empty
    // credential either (SPEC §3.5).
    if !request.missing_credentials.is_empty() {
        return Seen {
            outcome: Err(NotProbed::MissingCredentials {
                auth: mode.to_owned(),
                variables: request.missing_credentials.clone(),
            }),
            attempts: 0,
        };
    }
    let issued = match auth.credential(mode).await {
        Some(Ok(issued)) => issued,
        Some(Err(failure)) => return Seen::no_token(mode, failure.to_string(), 0),
        None => return Seen::observed(probe_with_retries(probe, request, options).await, 0),
    };
    let mut observation = probe_with_retries(probe, &with_token(request, &issued), options).await;
    match status(&observation) {
        Some(401) => {}
        Some(_) => {
            auth.accepted(mode, issued.generation);
            return Seen::observed(observation, 0);
        }
        None => return Seen::observed(observation, 0),
    }
    let first = observation.retries as usize + 1;
    match auth.renew_after_401(mode, issued.generation).await {
        Ok(Renewal::Renewed(fresh)) => {
            let mut again = probe_with_retries(probe, &with_token(request, &fresh), options).await;
            match status(&again) {
                Some(401) => again.renewed_token = true,
                Some(_) => auth.accepted(mode, fresh.generation),
                None => {}
            }
            Seen::observed(again, first)
        }
        Ok(Renewal::Futile) => {
            observation.renewed_token = true;
            Seen::observed(observation, 0)
        }
        Err(failure) => Seen::no_token(mode, format!("HTTP 401, and then {failure}"), first),
    }
}

/// Sends a request, retrying transport failures and transient statuses with exponential
/// backoff (honouring `Retry-After` up to a limit).
pub async fn probe_with_retries(
    probe: &dyn Probe,
    request: &ProbeRequest,
    options: &SweepOptions,
) -> Observation {
    let mut attempt = 0;
    loop {
        let mut observation = probe.probe(request).await;
        observation.retries = attempt;
        let (retry, retry_after) = match &observation.transport {
            Transport::Failed(_) => (true, None),
            Transport::Answered(r) if TRANSIENT_STATUSES.contains(&r.status) => (
                true,
                r.header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            ),
            Transport::Answered(_) => (false, None),
        };
        if !retry || attempt >= options.retries {
            return observation;
        }
        let backoff = options.backoff.saturating_mul(1 << attempt.min(16));
        let wait = retry_after.map_or(backoff, |ra| ra.min(options.max_retry_after).max(backoff));
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use hisar_core::{Registry, Response, Status, TransportErrorKind};
    use serde_json::json;

    use super::*;
    use crate::plan::plan;

    /// Answers by URL from a script; counts calls.
    struct Scripted {
        calls: AtomicUsize,
        flaky: AtomicUsize,
        log: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Probe for Scripted {
        async fn probe(&self, request: &ProbeRequest) -> Observation {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            self.log.lock().unwrap().push(request.url.clone());
            if request.url.ends_with("/flaky") && self.flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                return Observation::failed(TransportErrorKind::Reset, "reset by peer");
            }
            if request.url.ends_with("/down") {
                return Observation::failed(TransportErrorKind::Refused, "refused");
            }
            if request.url.ends_with("/busy") {
                return Observation::answered(Response::json(503, json!({})));
            }
            // Later requests answer sooner, so completion order differs from plan order.
            tokio::time::sleep(Duration::from_millis(20u64.saturating_sub(n as u64 * 5))).await;
            Observation::answered(Response::json(200, json!({"items": []})))
        }
    }

    #[tokio::test]
    async fn results_keep_registry_order_and_retries_count() {
        let reg = Registry::from_yaml(
            "version: 1\ndomains: [{code: A, name: A}]\ndefaults: {class: evidence}\npanels:\n  - {id: A-B-C-O1, capability: a.a, endpoint: /a}\n  - {id: A-B-C-O2, capability: a.b, endpoint: /flaky}\n  - {id: A-B-C-O3, capability: a.c, endpoint: /down}\n  - {id: A-B-C-O4, capability: a.d, endpoint: /a}\n  - {id: A-B-C-O5, capability: a.e, endpoint: /busy}\n",
            "r",
        )
        .unwrap();
        let plan = plan(
            &reg,
            reg.panels().iter().collect(),
            "http://x",
            &BTreeMap::<String, String>::new(),
            false,
        )
        .unwrap();
        let probe = Scripted {
            calls: AtomicUsize::new(0),
            flaky: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
        };
        let options = SweepOptions {
            jobs: 4,
            retries: 2,
            backoff: Duration::from_millis(1),
            ..SweepOptions::default()
        };
        let seen = Mutex::new(Vec::new());
        let result = run(
            &probe,
            &plan,
            None,
            &options,
            None,
            &SweepMasker::default(),
            &|done, total| {
                seen.lock().unwrap().push((done, total));
            },
        )
        .await;
        let statuses: Vec<Status> = result.verdicts.iter().map(Verdict::status).collect();
        assert_eq!(
            statuses,
            [
                Status::Bound,
                Status::Bound,
                Status::Unverified,
                Status::Bound,
                Status::Unverified
            ]
        );
        assert_eq!(result.requests, 4, "/a is sent once for two panels");
        // /a once, /flaky twice (reset then ok), /down three times, /busy three times.
        assert_eq!(result.attempts, 9);
        assert_eq!(probe.calls.load(Ordering::SeqCst), 9);
        assert_eq!(result.verdicts[2].evidence.retries, 2);
        assert_eq!(seen.lock().unwrap().last(), Some(&(4, 4)));
    }

    /// Answers `/stall` never, everything else at once.
    struct Stalling;

    #[async_trait]
    impl Probe for Stalling {
        async fn probe(&self, request: &ProbeRequest) -> Observation {
            if request.url.ends_with("/stall") {
                std::future::pending::<()>().await;
            }
            Observation::answered(Response::json(200, json!({"items": []})))
        }
    }

    /// Issue 11 (8): a backend that stalls must not hold a sweep past its deadline, and the
    /// panels it stalled are UNVERIFIED (never a gap: a stall is no evidence of one), while the
    /// ones answered keep their verdicts.
    #[tokio::test]
    async fn the_deadline_ends_a_stalled_run_and_leaves_its_panels_unverified() {
        let reg = Registry::from_yaml(
            "version: 1\ndomains: [{code: A, name: A}]\ndefaults: {class: evidence}\npanels:\n  - {id: A-B-C-O1, capability: a.a, endpoint: /a}\n  - {id: A-B-C-O2, capability: a.b, endpoint: /stall}\n  - {id: A-B-C-O3, capability: a.c, endpoint: /stall}\n  - {id: A-B-C-O4, capability: a.d, endpoint: /b}\n",
            "r",
        )
        .unwrap();
        let planned = plan(
            &reg,
            reg.panels().iter().collect(),
            "http://x",
            &BTreeMap::<String, String>::new(),
            false,
        )
        .unwrap();
        let options = SweepOptions {
            jobs: 1,
            deadline: Duration::from_millis(200),
            ..SweepOptions::default()
        };
        // One job: /a answers, then /stall blocks the only slot and /b is never sent.
        let run_once = |routes| {
            let planned = &planned;
            let options = &options;
            async move {
                tokio::time::timeout(
                    Duration::from_secs(30),
                    run(
                        &Stalling,
                        planned,
                        routes,
                        options,
                        None,
                        &SweepMasker::default(),
                        &|_, _| {},
                    ),
                )
                .await
                .expect("the run ends at its deadline")
            }
        };
        let result = run_once(None).await;
        let statuses: Vec<Status> = result.verdicts.iter().map(Verdict::status).collect();
        assert_eq!(
            statuses,
            [
                Status::Bound,
                Status::Unverified,
                Status::Unverified,
                Status::Unverified
            ]
        );
        assert_eq!(result.unfinished, 2, "/stall in flight and /b never sent");
        let Outcome::Unverified { reason } = &result.verdicts[1].outcome else {
            unreachable!()
        };
        assert!(
            reason.starts_with("sweep deadline reached (200ms)"),
            "{reason}"
        );

        // With a route table that lacks /b, its gap stands without live evidence (stage 1), as
        // for any panel without an answer; /stall, which the table serves, stays unverified.
        let table = RouteTable::parse(r#"{"/a": ["GET"], "/stall": ["GET"]}"#).unwrap();
        let result = run_once(Some(&table)).await;
        assert_eq!(result.verdicts[1].status(), Status::Unverified);
        assert_eq!(
            result.verdicts[3].code().map(hisar_core::GapCode::as_str),
            Some("ENDPOINT_MISSING")
        );
    }
}
