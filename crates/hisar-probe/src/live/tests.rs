//! Chained sweeps (SPEC §4.2) against a scripted backend: values flow only from bound
//! sources, a missing value is never a gap of the dependent, setup steps are sent once and
//! their credentials never shown.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use hisar_core::{GapCode, Masker, Observation, Outcome, Registry, Response, Status, Verdict};
use serde_json::{Value, json};
use tokio::sync::Barrier;

use super::*;

/// Answers by path from a table; logs (method, URL, body) of every request.
struct Backend {
    answers: BTreeMap<&'static str, (u16, Value)>,
    log: Mutex<Vec<(String, String, Option<String>)>>,
    /// Paths that wait for each other: they pass only when all are in flight at once.
    together: Option<(Vec<&'static str>, Barrier)>,
}

impl Backend {
    fn new(answers: &[(&'static str, u16, Value)]) -> Self {
        Self {
            answers: answers
                .iter()
                .map(|(p, s, v)| (*p, (*s, v.clone())))
                .collect(),
            log: Mutex::new(Vec::new()),
            together: None,
        }
    }

    fn sent(&self) -> Vec<(String, String, Option<String>)> {
        self.log.lock().unwrap().clone()
    }
}

#[async_trait]
impl Probe for Backend {
    async fn probe(&self, request: &ProbeRequest) -> Observation {
        let path = request
            .url
            .trim_start_matches("http://h")
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        self.log.lock().unwrap().push((
            request.method.to_string(),
            request.url.clone(),
            request
                .body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
        ));
        if let Some((paths, barrier)) = &self.together
            && paths.contains(&path.as_str())
        {
            barrier.wait().await;
        }
        let key = self
            .answers
            .keys()
            .find(|k| {
                **k == path || (k.ends_with('*') && path.starts_with(k.trim_end_matches('*')))
            })
            .copied();
        match key.and_then(|k| self.answers.get(k)) {
            Some((status, body)) => Observation::answered(Response::json(*status, body.clone())),
            None => Observation::answered(Response::json(404, json!({"detail": "Not Found"}))),
        }
    }
}

const HEAD: &str = "version: 1\nauth:\n  service: { headers: { X-Key: \"${KEY:-k-123456}\" } }\ndomains: [{ code: A, name: A }]\ndefaults: { class: evidence }\n";

fn registry(rest: &str) -> Registry {
    Registry::from_yaml(&format!("{HEAD}{rest}"), "hisar.yaml").unwrap_or_else(|e| panic!("{e}"))
}

async fn sweep(reg: &Registry, backend: &Backend, ids: &[&str], all: bool) -> Chained {
    let selected: Vec<&Panel> = if ids.is_empty() {
        reg.panels().iter().collect()
    } else {
        ids.iter().map(|id| reg.panel(id).unwrap()).collect()
    };
    let env = BTreeMap::<String, String>::new();
    let masker = SweepMasker::new(Masker::for_sweep(reg, &env, &[]));
    let options = SweepOptions {
        jobs: 4,
        backoff: Duration::from_millis(1),
        ..SweepOptions::default()
    };
    LiveSweep {
        registry: reg,
        probe: backend,
        routes: None,
        options: &options,
        base_url: "http://h",
        env: &env,
        masker: &masker,
        auth: None,
        all_steps: all,
        since: tokio::time::Instant::now(),
    }
    .run(&selected, &|_, _| {})
    .await
    .unwrap()
}

fn reason(v: &Verdict) -> &str {
    match &v.outcome {
        Outcome::Unverified { reason } => reason,
        other => panic!("not unverified: {other:?}"),
    }
}

const CHAIN: &str = r#"panels:
  - { id: A-LIST-O1, capability: a.list, endpoint: /items }
  - id: A-ONE-O2
    capability: a.one
    endpoint: /items/{id}
    path_params: { id: { from: A-LIST-O1, select: "$.items[0].id" } }
    invariants: ["$.id exists"]
  - id: A-SUB-O3
    capability: a.sub
    endpoint: /items/{id}/parts
    path_params: { id: { from: A-ONE-O2, select: "$.id" } }
    params: { owner: { from: A-LIST-O1, select: "$.items[0].owner" } }
  - { id: A-OTHER-O4, capability: a.other, endpoint: /other }
"#;

/// A value taken from a bound source binds the dependent; the chain runs in order.
#[tokio::test]
async fn values_flow_from_bound_sources_in_dependency_order() {
    let reg = registry(CHAIN);
    let backend = Backend::new(&[
        (
            "/items",
            200,
            json!({"items": [{"id": "it 7f3a", "owner": 42}]}),
        ),
        ("/items/it%207f3a", 200, json!({"id": "it 7f3a"})),
        ("/items/it%207f3a/parts", 200, json!({"parts": []})),
        ("/other", 200, json!({})),
    ]);
    let chained = sweep(&reg, &backend, &[], true).await;
    let statuses: Vec<Status> = chained
        .result
        .verdicts
        .iter()
        .map(Verdict::status)
        .collect();
    assert_eq!(statuses, [Status::Bound; 4]);
    let urls: Vec<String> = backend.sent().into_iter().map(|(_, u, _)| u).collect();
    assert_eq!(urls.len(), 4);
    assert_eq!(urls[2], "http://h/items/it%207f3a");
    assert_eq!(urls[3], "http://h/items/it%207f3a/parts?owner=42");
    assert_eq!(
        chained.result.verdicts[2].evidence.url.as_deref(),
        Some("http://h/items/it%207f3a/parts?owner=42"),
        "the value is evidence"
    );
    assert_eq!(chained.result.requests, 4);
}

/// A source that is blocked, unverified or selects nothing leaves its dependents
/// UNVERIFIED naming it, and no request is sent for them: never a gap of their own.
#[tokio::test]
async fn a_source_without_a_value_leaves_its_dependents_unverified() {
    let reg = registry(CHAIN);
    let blocked = Backend::new(&[
        ("/items", 401, json!({"detail": "no"})),
        ("/other", 200, json!({})),
    ]);
    let chained = sweep(&reg, &blocked, &[], true).await;
    let v = &chained.result.verdicts;
    assert_eq!(v[0].code(), Some(GapCode::AuthFailure));
    assert_eq!(
        reason(&v[1]),
        "not probed: `id` comes from panel A-LIST-O1, which is BLOCKED (AUTH_FAILURE)"
    );
    assert_eq!(
        reason(&v[2]),
        "not probed: `id` comes from panel A-ONE-O2, which is UNVERIFIED"
    );
    assert_eq!(v[3].status(), Status::Bound);
    assert_eq!(blocked.sent().len(), 2, "nothing sent for the dependents");

    let empty = Backend::new(&[
        ("/items", 200, json!({"items": []})),
        ("/other", 200, json!({})),
    ]);
    let chained = sweep(&reg, &empty, &[], true).await;
    assert_eq!(chained.result.verdicts[0].status(), Status::Bound);
    assert_eq!(
        reason(&chained.result.verdicts[1]),
        "not probed: `id` comes from panel A-LIST-O1, where `$.items[0].id` selects nothing"
    );
}

/// A partial sweep probes the sources it needs, and records only what it was asked.
#[tokio::test]
async fn sources_outside_the_selection_are_probed_not_recorded() {
    let reg = registry(CHAIN);
    let backend = Backend::new(&[
        (
            "/items",
            200,
            json!({"items": [{"id": "x1", "owner": "o"}]}),
        ),
        ("/items/x1", 200, json!({"id": "x1"})),
    ]);
    let chained = sweep(&reg, &backend, &["A-ONE-O2"], false).await;
    assert_eq!(chained.result.verdicts.len(), 1);
    assert_eq!(chained.result.verdicts[0].status(), Status::Bound);
    assert_eq!(backend.sent().len(), 2);
}

/// Independent panels of a wave are in flight at once: three requests that pass only
/// together (a barrier) finish.
#[tokio::test]
async fn independent_panels_still_run_concurrently() {
    let reg = registry(CHAIN);
    let mut backend = Backend::new(&[
        (
            "/items",
            200,
            json!({"items": [{"id": "x1", "owner": "o"}]}),
        ),
        ("/items/x1", 200, json!({"id": "x1"})),
        ("/items/x1/parts", 200, json!({})),
        ("/other", 200, json!({})),
    ]);
    backend.together = Some((vec!["/items", "/other"], Barrier::new(2)));
    let chained = tokio::time::timeout(Duration::from_secs(20), sweep(&reg, &backend, &[], true))
        .await
        .expect("the two independent panels were in flight together");
    assert!(
        chained
            .result
            .verdicts
            .iter()
            .all(|v| v.status() == Status::Bound)
    );
}

const SETUP: &str = r#"setup:
  - id: seed
    request: POST /incidents
    auth: service
    json: { title: "hisar probe" }
    capture: { incident_id: $.id, session: $.session }
  - id: unused
    request: POST /unused
panels:
  - id: A-REPLAY-O1
    capability: a.replay
    endpoint: /replay/{incident_id}
    path_params: { incident_id: { from: setup.seed, capture: incident_id } }
    headers: { X-Session: { from: setup.seed, capture: session } }
    invariants: ["$.echo == 1"]
"#;

/// A setup step is sent once, before the panels, with its JSON body; its captures feed
/// the panels; a captured credential is masked wherever HISAR writes.
#[tokio::test]
async fn setup_steps_seed_once_and_their_credentials_never_show() {
    let reg = registry(SETUP);
    let backend = Backend::new(&[
        (
            "/incidents",
            201,
            json!({"id": "inc-9d1c", "session": "sess-4f2b9e71"}),
        ),
        ("/replay/inc-9d1c", 200, json!({"echo": "sess-4f2b9e71"})),
    ]);
    let chained = sweep(&reg, &backend, &["A-REPLAY-O1"], false).await;
    let sent = backend.sent();
    assert_eq!(
        sent.len(),
        2,
        "the unused step is not sent on a partial sweep: {sent:?}"
    );
    assert_eq!(sent[0].0, "POST");
    assert_eq!(sent[0].2.as_deref(), Some(r#"{"title":"hisar probe"}"#));
    assert_eq!(sent[1].1, "http://h/replay/inc-9d1c");
    let verdict = &chained.result.verdicts[0];
    assert_eq!(verdict.code(), Some(GapCode::SdsrFailed));
    let detail = &verdict.gap().unwrap().detail;
    assert!(detail.contains("***"), "{detail}");
    assert!(!format!("{verdict:?}").contains("sess-4f2b9e71"));
    assert_eq!(
        chained.setup,
        ["setup step `seed` (POST /incidents): done; captured incident_id, captured session"]
    );

    // A full sweep sends every step.
    let chained = sweep(&reg, &backend, &[], true).await;
    assert_eq!(chained.setup.len(), 2);
}

/// A failed setup step is sent once (a retry could seed twice) and leaves its dependents
/// UNVERIFIED with the backend's reason.
#[tokio::test]
async fn a_failed_setup_step_is_not_retried_and_never_a_gap() {
    let reg = registry(SETUP);
    let backend = Backend::new(&[("/incidents", 503, json!({"detail": "seeding disabled"}))]);
    let chained = sweep(&reg, &backend, &["A-REPLAY-O1"], false).await;
    assert_eq!(backend.sent().len(), 1);
    assert_eq!(
        reason(&chained.result.verdicts[0]),
        "not probed: `incident_id` comes from setup step `seed`, which failed: HTTP 503: \"seeding disabled\""
    );
    assert!(chained.setup[0].contains("failed: HTTP 503"));
}

const TODO: &str = r#"panels:
  - id: A-A-LIST-O1
    capability: a.list
    endpoint: /incidents
  - id: A-A-ONE-O2
    capability: a.one
    endpoint: /incidents/{incident_id}
    path_params: { incident_id: { todo: "a real incident id" } }
    invariants: ["$.id exists"]
  - id: A-A-SUB-O3
    capability: a.sub
    endpoint: /incidents/{incident_id}/{part}
    path_params:
      incident_id: { from: A-A-LIST-O1, select: "$.items[0].id" }
      part: { todo: "a part the UI shows" }
  - id: A-A-Q-O4
    capability: a.q
    endpoint: /search
    params: { q: { todo: "a query the UI sends" } }
"#;

/// False gap: a backend that 404s what a placeholder would ask. A panel with a `{ todo }`
/// is never sent (the backend sees no request for it), is UNVERIFIED saying what to put
/// there, and records no gap, even when its other value's source is bound.
#[tokio::test]
async fn a_todo_value_is_never_sent_nor_a_gap() {
    let reg = registry(TODO);
    let backend = Backend::new(&[("/incidents", 200, json!({"items": [{"id": "inc-1"}]}))]);
    let chained = sweep(&reg, &backend, &[], true).await;
    let verdicts = &chained.result.verdicts;
    assert_eq!(verdicts[0].status(), Status::Bound);
    assert_eq!(
        reason(&verdicts[1]),
        "not probed: path parameter `incident_id` has no value yet (todo: a real incident id); put a value or a { from, select }"
    );
    assert_eq!(
        reason(&verdicts[2]),
        "not probed: path parameter `part` has no value yet (todo: a part the UI shows); put a value or a { from, select }"
    );
    assert!(reason(&verdicts[3]).starts_with("not probed: query parameter `q` has no value yet"));
    assert!(verdicts.iter().all(|v| v.code().is_none()), "{verdicts:?}");
    let sent: Vec<String> = backend.sent().into_iter().map(|(_, url, _)| url).collect();
    assert_eq!(sent, ["http://h/incidents"], "only the list is asked");
    // Three of four panels unverified by an unfinished registry: not a degraded sweep.
    assert!(verdicts[1..].iter().all(|v| v.evidence.skipped));
    assert!(!crate::sweep::is_degraded(verdicts, 0.5));
}

/// False BOUND: a backend that answers 200 with a body that passes every invariant to any
/// path still cannot bind a panel whose value is a `{ todo }`: its request was never sent.
#[tokio::test]
async fn a_todo_value_is_never_bound() {
    let reg = registry(TODO);
    let backend = Backend::new(&[("/*", 200, json!({"id": "x", "items": [{"id": "inc-1"}]}))]);
    let chained = sweep(
        &reg,
        &backend,
        &["A-A-ONE-O2", "A-A-SUB-O3", "A-A-Q-O4"],
        false,
    )
    .await;
    for verdict in &chained.result.verdicts {
        assert_eq!(verdict.status(), Status::Unverified, "{verdict:?}");
        assert!(reason(verdict).contains("has no value yet (todo: "));
    }
    let sent: Vec<String> = backend.sent().into_iter().map(|(_, url, _)| url).collect();
    assert!(
        sent.iter().all(|u| u == "http://h/incidents"),
        "no request carries a todo panel's path: {sent:?}"
    );
}
