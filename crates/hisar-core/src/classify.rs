//! Classification: the decision table of SPEC §3, one pure function.
//!
//! Stages run in order: 1 coherency (against a route table, when given), 2 transport, 3
//! status, 4 contract, 5 provenance. The first failing stage gives the primary gap; later
//! stages that can still run are recorded as secondary findings. Live evidence outranks the
//! table: a 2xx that passes stages 4–5 is `BOUND` even when the table disagrees, with a
//! "route table is stale" finding.

use crate::invariant::Subject;
use crate::model::{BodyKind, Method, Panel, ProvenanceRequirement};
use crate::observation::{Observation, Response, Transport};
use crate::openapi::ResponseSchemas;
use crate::provenance;
use crate::routes::{RouteCheck, RouteTable};
use crate::verdict::{CoherencyCheck, Evidence, Finding, Gap, GapCode, Outcome, Stage, Verdict};

/// HTTP statuses retried as transient; when they persist the panel is `UNVERIFIED`.
pub const TRANSIENT_STATUSES: [u16; 4] = [429, 502, 503, 504];

/// Classifies one panel.
///
/// `observation` is `None` for an offline sweep (stage 1 alone); `routes` is `None` when no
/// route table is known (stage 1 is then recorded as unchecked). A panel with a `{ todo }`
/// value is `UNVERIFIED` whatever the observation: its request could not have been its own.
///
/// ```
/// use hisar_core::{classify, Observation, Registry, Response, Status};
/// use serde_json::json;
/// let registry = Registry::from_yaml(r#"
/// version: 1
/// domains: [{ code: OVR, name: OVERVIEW }]
/// panels:
///   - id: OVR-SUM-CI-O1
///     capability: overview.cost_summary
///     endpoint: GET /cost/summary
///     class: interpretation
///     provenance: { aggregation: summary }
///     invariants: ["$.total_cost isNumber"]
/// "#, "hisar.yaml").unwrap();
/// let panel = &registry.panels()[0];
///
/// let ok = Observation::answered(Response::json(200, json!({
///     "total_cost": 12.5,
///     "provenance": {"generated_at": "2026-01-15T07:58:01Z", "aggregation": "summary", "source": "cost-engine"}
/// })));
/// assert_eq!(classify(panel, Some(&ok), None).status(), Status::Bound);
///
/// let bare = Observation::answered(Response::json(200, json!({"total_cost": 12.5})));
/// let verdict = classify(panel, Some(&bare), None);
/// assert_eq!(verdict.code().unwrap().as_str(), "PROVENANCE_MISSING");
/// ```
pub fn classify(
    panel: &Panel,
    observation: Option<&Observation>,
    routes: Option<&RouteTable>,
) -> Verdict {
    if let Some(reason) = panel.todo_reason() {
        return classify_unprobed(panel, &NotProbed::SourceUnavailable { reason }, routes);
    }
    let Some(observation) = observation else {
        return classify_unprobed(panel, &NotProbed::Offline, routes);
    };
    let (route_check, stage1, mut evidence) = stage_one(panel, routes);
    let mut findings = Vec::new();
    evidence.url.clone_from(&observation.url);
    evidence.elapsed_ms = Some(observation.elapsed_ms);
    evidence.retries = observation.retries;

    // Stage 2: transport.
    let response = match &observation.transport {
        Transport::Answered(response) => response,
        Transport::Failed(failure) => {
            let reason = format!(
                "{}{}: {}",
                failure.kind.describe(),
                retried(observation.retries),
                failure.message
            );
            return unverified_or_static(stage1, reason, findings, evidence);
        }
    };
    evidence.status = Some(response.status);

    if TRANSIENT_STATUSES.contains(&response.status) {
        let reason = format!(
            "HTTP {} persisted{}",
            response.status,
            retried(observation.retries)
        );
        return unverified_or_static(stage1, reason, findings, evidence);
    }

    // Stages 3 to 5 on live evidence.
    // Stage 1 already looked the path up: it exists when the table serves it with any method.
    let route_exists = matches!(
        route_check,
        Some(RouteCheck::Served { .. } | RouteCheck::MethodNotServed { .. })
    );
    // The operation's response schema applies to a route the table serves (SPEC §3.7).
    let schemas = routes
        .filter(|_| matches!(route_check, Some(RouteCheck::Served { .. })))
        .and_then(RouteTable::schemas);
    let mut live: Vec<Gap> = Vec::new();
    match status_gap(panel, observation, response, route_exists) {
        Some(gap) => live.push(gap),
        None => contract_and_provenance(
            panel,
            observation,
            response,
            schemas,
            &mut live,
            &mut findings,
            &mut evidence,
        ),
    }

    let outcome = match (stage1, live.is_empty()) {
        (None, true) => Outcome::Bound,
        (Some(gap), true) => {
            findings.insert(
                0,
                Finding {
                    stage: Stage::Coherency,
                    code: None,
                    message: format!(
                        "route table is stale: it says {}, but {} answered and passed every check",
                        gap.detail, panel.endpoint
                    ),
                },
            );
            Outcome::Bound
        }
        (Some(gap), false) => {
            for (i, g) in live.into_iter().enumerate() {
                findings.insert(i, secondary(g));
            }
            Outcome::Blocked(gap)
        }
        (None, false) => {
            let mut live = live.into_iter();
            let primary = live.next().expect("non-empty");
            for (i, g) in live.enumerate() {
                findings.insert(i, secondary(g));
            }
            Outcome::Blocked(primary)
        }
    };
    Verdict {
        outcome,
        findings,
        evidence,
    }
}

/// Why a panel was not probed: no request was sent for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotProbed {
    /// An offline sweep: stage 1 alone.
    Offline,
    /// A method other than `GET`, `HEAD` or `OPTIONS` that the panel does not declare safe and
    /// the sweep does not allow (SPEC §3.4): skipped.
    UnsafeMethod,
    /// The auth mode needs variables the environment lacks (SPEC §3.5): a misconfiguration,
    /// never a backend gap.
    MissingCredentials {
        /// The auth mode.
        auth: String,
        /// The unset variables.
        variables: Vec<String>,
    },
    /// A value of the panel comes from live data (SPEC §4.2) that the sweep could not have:
    /// its source panel is not bound or selects nothing, its setup step failed, or the
    /// registry has no value yet (`{ todo }`). Never a gap of the panel's own.
    SourceUnavailable {
        /// Which value, from where, and why, as the tracker shows it.
        reason: String,
    },
    /// The auth mode's token flow obtained no token (SPEC §3.5, §4.1): a misconfiguration or
    /// an identity provider that refused, never a backend gap.
    NoToken {
        /// The auth mode.
        auth: String,
        /// What the flow got, naming the flow (a status and the server's `error`, an exit
        /// status): text the caller masks before it is shown.
        failure: String,
    },
    /// The URL a client would send probes another path than the panel declares.
    PathRewritten {
        /// The path the panel declares, its parameters encoded.
        declared: String,
        /// The path that would have been probed.
        sent: String,
    },
}

impl NotProbed {
    /// Why, in the words the tracker shows.
    pub fn reason(&self, panel: &Panel, route_table: bool) -> String {
        match self {
            NotProbed::Offline if route_table => {
                "not probed (offline sweep; the route table serves it)".to_owned()
            }
            NotProbed::Offline => "not probed".to_owned(),
            NotProbed::UnsafeMethod => format!(
                "skipped: {} is not a safe method, so no request was sent; declare `safe: true` on the panel if it changes nothing, or sweep with --allow-unsafe",
                panel.endpoint.method
            ),
            NotProbed::MissingCredentials { auth, variables } => match variables.as_slice() {
                [one] => {
                    format!("credential variable {one} is not set (auth mode `{auth}`): not probed")
                }
                many => format!(
                    "credential variables {} are not set (auth mode `{auth}`): not probed",
                    many.join(", ")
                ),
            },
            NotProbed::SourceUnavailable { reason } => format!("not probed: {reason}"),
            NotProbed::NoToken { failure, .. } => format!("{failure}; not probed"),
            NotProbed::PathRewritten { declared, sent } => format!(
                "not probed: a URL parser would probe {sent} instead of {declared}; change the path parameter values"
            ),
        }
    }
}

/// Classifies a panel for which no request was sent. Stage 1 still runs: for an offline sweep
/// and a skipped unsafe method its gap stands (the route table is evidence of its own); a
/// misconfiguration (unset credentials, a token flow that obtained no token, a path the URL
/// parser rewrites) leaves the panel `UNVERIFIED`, with any stage-1 gap as a finding, so it
/// never becomes a backend gap.
pub fn classify_unprobed(panel: &Panel, why: &NotProbed, routes: Option<&RouteTable>) -> Verdict {
    let (_, stage1, mut evidence) = stage_one(panel, routes);
    evidence.skipped = matches!(why, NotProbed::UnsafeMethod);
    let reason = why.reason(panel, routes.is_some());
    let mut findings = Vec::new();
    let outcome = match (why, stage1) {
        (NotProbed::Offline | NotProbed::UnsafeMethod, Some(gap)) => {
            if evidence.skipped {
                findings.push(Finding {
                    stage: Stage::Transport,
                    code: None,
                    message: reason,
                });
            }
            Outcome::Blocked(gap)
        }
        (_, stage1) => {
            findings.extend(stage1.map(secondary));
            Outcome::Unverified { reason }
        }
    };
    Verdict {
        outcome,
        findings,
        evidence,
    }
}

/// Stage 1 against the table, if any: the check, the gap it gives, and the evidence so far.
fn stage_one(
    panel: &Panel,
    routes: Option<&RouteTable>,
) -> (Option<RouteCheck>, Option<Gap>, Evidence) {
    let mut evidence = Evidence {
        invariants_total: u32::try_from(panel.invariants.len()).unwrap_or(u32::MAX),
        ..Evidence::default()
    };
    let route_check = routes.map(|t| t.check(&panel.endpoint));
    let stage1 = routes
        .zip(route_check.as_ref())
        .and_then(|(t, c)| coherency_gap(panel, t, c));
    evidence.coherency = match (&route_check, &stage1) {
        (None, _) => CoherencyCheck::Unchecked,
        (Some(_), None) => CoherencyCheck::Passed,
        (Some(_), Some(_)) => CoherencyCheck::Failed,
    };
    (route_check, stage1, evidence)
}

fn retried(retries: u32) -> String {
    match retries {
        0 => String::new(),
        1 => " after 1 retry".to_owned(),
        n => format!(" after {n} retries"),
    }
}

fn secondary(gap: Gap) -> Finding {
    Finding {
        stage: gap.stage,
        code: Some(gap.code),
        message: gap.detail,
    }
}

/// No live evidence: a stage-1 gap stands on the table alone; otherwise the panel is unverified.
fn unverified_or_static(
    stage1: Option<Gap>,
    reason: String,
    mut findings: Vec<Finding>,
    evidence: Evidence,
) -> Verdict {
    let outcome = match stage1 {
        Some(gap) => {
            findings.push(Finding {
                stage: Stage::Transport,
                code: None,
                message: format!("no live evidence: {reason}"),
            });
            Outcome::Blocked(gap)
        }
        None => Outcome::Unverified { reason },
    };
    Verdict {
        outcome,
        findings,
        evidence,
    }
}

fn closest_hint(panel: &Panel, table: &RouteTable) -> String {
    table
        .closest(&panel.endpoint)
        .map_or_else(String::new, |r| {
            format!(
                "; closest served route: {} {} (one segment apart)",
                panel.endpoint.method, r.path
            )
        })
}

fn coherency_gap(panel: &Panel, table: &RouteTable, check: &RouteCheck) -> Option<Gap> {
    let endpoint = &panel.endpoint;
    match check {
        RouteCheck::Served { .. } => None,
        RouteCheck::MethodNotServed { route, allowed } => {
            let allowed = join_methods(allowed);
            Some(Gap {
                code: GapCode::CoherencyFailed,
                stage: Stage::Coherency,
                detail: format!(
                    "{} not served on {route}; route allows {allowed}",
                    endpoint.method
                ),
                fix: Some(format!("route allows {allowed} {route}")),
            })
        }
        RouteCheck::Near {
            route,
            methods,
            kinds,
        } => {
            let method = if methods.contains(&endpoint.method) {
                endpoint.method.as_str().to_owned()
            } else {
                join_methods(methods)
            };
            let kinds: Vec<&str> = kinds.iter().map(|k| k.describe()).collect();
            Some(Gap {
                code: GapCode::CoherencyFailed,
                stage: Stage::Coherency,
                detail: format!(
                    "no route {}; did you mean {method} {route}? ({})",
                    endpoint.path,
                    kinds.join(", ")
                ),
                fix: Some(format!("did you mean {method} {route}")),
            })
        }
        RouteCheck::TakenAsParameter { route, taken } => {
            let taken: Vec<String> = taken
                .iter()
                .map(|(literal, param)| format!("`{literal}` as its {param}"))
                .collect();
            Some(Gap {
                code: GapCode::EndpointMissing,
                stage: Stage::Coherency,
                detail: format!(
                    "no route {}; {route} would take {}",
                    endpoint.path,
                    taken.join(" and ")
                ),
                fix: None,
            })
        }
        RouteCheck::Missing => Some(Gap {
            code: GapCode::EndpointMissing,
            stage: Stage::Coherency,
            detail: format!(
                "no route for {endpoint} in the route table{}",
                closest_hint(panel, table)
            ),
            fix: None,
        }),
    }
}

fn join_methods(methods: &[Method]) -> String {
    methods
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn status_gap(
    panel: &Panel,
    observation: &Observation,
    response: &Response,
    route_exists: bool,
) -> Option<Gap> {
    let status = response.status;
    let gap = |code, detail: String, fix: Option<String>| {
        Some(Gap {
            code,
            stage: Stage::Status,
            detail,
            fix,
        })
    };
    match status {
        200..=299 => None,
        401 | 403 => {
            let credentials = if panel.auth == "none" {
                "no credentials sent".to_owned()
            } else if observation.missing_credentials.is_empty() {
                "credentials present".to_owned()
            } else {
                format!(
                    "credentials missing: {} unset",
                    observation.missing_credentials.join(", ")
                )
            };
            let renewed = if observation.renewed_token {
                " after renewing the token"
            } else {
                ""
            };
            gap(
                GapCode::AuthFailure,
                format!(
                    "HTTP {status} with auth mode `{}` ({credentials}){renewed}",
                    panel.auth
                ),
                Some(format!("HTTP {status}")),
            )
        }
        404 | 410 if route_exists => gap(
            GapCode::SdsrFailed,
            format!(
                "route exists; HTTP {status} for these parameters ({})",
                panel.request_target()
            ),
            Some(format!("HTTP {status} for {}", panel.request_target())),
        ),
        404 | 410 => gap(
            GapCode::EndpointMissing,
            format!("HTTP {status}: no route serves {}", panel.endpoint),
            None,
        ),
        405 => {
            let allow = response
                .header("allow")
                .map(|a| format!("; server allows {a}"))
                .unwrap_or_default();
            gap(
                GapCode::CoherencyFailed,
                format!(
                    "HTTP 405: {} not allowed on {}{allow}",
                    panel.endpoint.method, panel.endpoint.path
                ),
                Some(format!("method mismatch{allow}")),
            )
        }
        300..=399 => Some(redirect_gap(panel, observation, response)),
        500..=599 => gap(
            GapCode::SdsrFailed,
            format!("HTTP {status}: the backend fails{}", reason(response)),
            Some(format!("HTTP {status}{}", reason(response))),
        ),
        400..=499 => gap(
            GapCode::SdsrFailed,
            // What was sent is the evidence the backend team reads first.
            format!(
                "HTTP {status}: the request contract differs{} (sent {} {})",
                reason(response),
                panel.endpoint.method,
                panel.request_target()
            ),
            Some(format!("HTTP {status}{}", reason(response))),
        ),
        _ => gap(
            GapCode::SdsrFailed,
            format!("unexpected HTTP status {status}"),
            Some(format!("HTTP {status}")),
        ),
    }
}

/// The backend's own reason for an error status, from a JSON `detail`, `message` or `error`
/// string, or the start of a plain-text body; empty when there is none.
fn reason(response: &Response) -> String {
    const MAX: usize = 120;
    let text = match response.body.json() {
        Ok(serde_json::Value::Object(map)) => ["detail", "message", "error", "title"]
            .iter()
            .find_map(|k| map.get(*k).and_then(serde_json::Value::as_str))
            .map(str::to_owned),
        Ok(serde_json::Value::String(s)) => Some(s.clone()),
        Ok(_) => None,
        Err(_) => {
            let is_text = response
                .content_type()
                .is_some_and(|ct| ct.starts_with("text/plain"));
            is_text.then(|| String::from_utf8_lossy(response.body.bytes()).into_owned())
        }
    };
    let Some(text) = text
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
    else {
        return String::new();
    };
    if text.chars().count() > MAX {
        format!(": \"{}…\"", text.chars().take(MAX).collect::<String>())
    } else {
        format!(": \"{text}\"")
    }
}

/// Stage 3 for a redirect. The Location is compared with the path that was probed (the base
/// URL's path included, as a backend behind a prefix answers), else with the panel's own.
fn redirect_gap(panel: &Panel, observation: &Observation, response: &Response) -> Gap {
    let status = response.status;
    let Some(location) = response.location() else {
        return Gap {
            code: GapCode::SdsrFailed,
            stage: Stage::Status,
            detail: format!("HTTP {status} redirect without a Location header"),
            fix: Some(format!("HTTP {status}")),
        };
    };
    let target = location_path(location);
    let requested = observation
        .url
        .as_deref()
        .map_or_else(|| panel.request_path(), |url| location_path(url).to_owned());
    let same_but_slash = target != requested
        && target.trim_end_matches('/') == requested.trim_end_matches('/')
        && !target.trim_end_matches('/').is_empty();
    if same_but_slash {
        let kind = if target.ends_with('/') {
            "adds"
        } else {
            "drops"
        };
        // The panel's path in the backend's form (the base URL's path is not the panel's).
        let template = panel.endpoint.path.as_str().trim_end_matches('/');
        let suggested = if target.ends_with('/') {
            format!("{template}/")
        } else {
            template.to_owned()
        };
        return Gap {
            code: GapCode::CoherencyFailed,
            stage: Stage::Status,
            detail: format!(
                "HTTP {status} redirect to {target}: the backend {kind} a trailing slash"
            ),
            fix: Some(format!(
                "did you mean {} {suggested}",
                panel.endpoint.method
            )),
        };
    }
    if is_login_path(target) {
        return Gap {
            code: GapCode::AuthFailure,
            stage: Stage::Status,
            detail: format!(
                "HTTP {status} redirect to sign-in page {target} with auth mode `{}`",
                panel.auth
            ),
            fix: Some(format!("redirect to {target}")),
        };
    }
    Gap {
        code: GapCode::SdsrFailed,
        stage: Stage::Status,
        detail: format!("HTTP {status} redirect to {location}"),
        fix: Some(format!("HTTP {status} to {location}")),
    }
}

/// The path of a Location header value, whether absolute or relative.
fn location_path(location: &str) -> &str {
    let without_origin = match location.find("://") {
        Some(i) => {
            let after = &location[i + 3..];
            after.find('/').map_or("/", |j| &after[j..])
        }
        None => location,
    };
    let end = without_origin
        .find(['?', '#'])
        .unwrap_or(without_origin.len());
    &without_origin[..end]
}

fn is_login_path(path: &str) -> bool {
    path.split('/').any(|segment| {
        let s: String = segment
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect();
        matches!(
            s.as_str(),
            "login"
                | "signin"
                | "logon"
                | "sso"
                | "oauth"
                | "oauth2"
                | "authorize"
                | "saml"
                | "cas"
                | "auth"
        )
    })
}

fn contract_and_provenance(
    panel: &Panel,
    observation: &Observation,
    response: &Response,
    schemas: Option<&ResponseSchemas>,
    live: &mut Vec<Gap>,
    findings: &mut Vec<Finding>,
    evidence: &mut Evidence,
) {
    let contract = |detail: String, fix: String| Gap {
        code: GapCode::SdsrFailed,
        stage: Stage::Contract,
        detail,
        fix: Some(fix),
    };
    let body = &response.body;
    if let Some(cap) = body.truncated_at() {
        live.push(contract(
            format!("body larger than the {cap}-byte cap"),
            "body too large".to_owned(),
        ));
        return;
    }
    let json = match panel.body {
        BodyKind::Json => {
            let content_type = response.content_type().map(str::to_ascii_lowercase);
            match content_type.as_deref() {
                Some(ct) if !is_json_type(ct) => {
                    let html = ct.starts_with("text/html");
                    live.push(contract(
                        format!(
                            "content type {ct}, not JSON{}",
                            if html {
                                " (an HTML page: a frontend fallback?)"
                            } else {
                                ""
                            }
                        ),
                        format!("content type {}", ct.split(';').next().unwrap_or(ct)),
                    ));
                    return;
                }
                None if !body.is_blank() => findings.push(Finding {
                    stage: Stage::Contract,
                    code: None,
                    message: "no content type; the body was read as JSON".to_owned(),
                }),
                _ => {}
            }
            if body.is_blank() {
                live.push(contract("empty body".to_owned(), "empty body".to_owned()));
                return;
            }
            match body.json() {
                Ok(serde_json::Value::Null) => {
                    live.push(contract(
                        "the body is JSON `null`: nothing to show".to_owned(),
                        "null body".to_owned(),
                    ));
                    return;
                }
                Ok(value) => {
                    if let Some(gap) = error_in_success(response, value) {
                        live.push(gap);
                        return;
                    }
                    Some(value)
                }
                Err(e) => {
                    live.push(contract(
                        format!("body is not valid JSON: {e}"),
                        "invalid JSON".to_owned(),
                    ));
                    return;
                }
            }
        }
        BodyKind::Text => {
            if body.is_blank() {
                live.push(contract("empty body".to_owned(), "empty body".to_owned()));
                return;
            }
            body.json().ok()
        }
        BodyKind::Any => body.json().ok(),
    };

    // The backend's own contract, before the invariants.
    if let (Some(schemas), Some(value)) = (schemas, json.filter(|_| panel.body == BodyKind::Json)) {
        contract::check_schema(panel, response, schemas, value, live, findings);
    }

    // Invariants.
    let subject = Subject {
        body: json,
        status: response.status,
        headers: &response.headers,
        duration_ms: observation.elapsed_ms,
    };
    let mut passed = 0u32;
    for invariant in &panel.invariants {
        let check = invariant.evaluate(&subject);
        if check.holds {
            passed += 1;
        } else {
            let found = if check.found.starts_with("nothing") || check.found.starts_with("no ") {
                check.found
            } else {
                format!("found {}", check.found)
            };
            live.push(contract(
                format!("invariant `{invariant}` failed: {found}"),
                format!("`{invariant}` ({found})"),
            ));
        }
    }
    evidence.invariants_passed = Some(passed);
    if let Some(message) = unchecked_note(panel) {
        findings.push(Finding {
            stage: Stage::Contract,
            code: None,
            message,
        });
    }

    // Stage 5: provenance.
    if let ProvenanceRequirement::Required { at, aggregation } = &panel.provenance {
        let problem = match json {
            Some(value) => {
                provenance::check(value, at, *aggregation, observation.observed_at).err()
            }
            None => Some(provenance::ProvenanceProblem {
                field: "provenance".to_owned(),
                pointer: at.clone(),
                message: "no JSON body to carry provenance".to_owned(),
            }),
        };
        if let Some(p) = problem {
            let detail = if p.message.contains(&p.pointer) {
                format!("HIL v1 provenance: {}", p.message)
            } else {
                format!("HIL v1 provenance: {} ({})", p.message, p.pointer)
            };
            live.push(Gap {
                code: GapCode::ProvenanceMissing,
                stage: Stage::Provenance,
                detail,
                fix: Some(p.message),
            });
        }
    }
}

/// A 2xx answer that reports an error instead of data: an RFC 9457 problem document
/// (`application/problem+json`), or a JSON object made only of error fields with an `error`
/// or `errors` that reports something (`{"error": "database unavailable"}`). Either renders as a broken panel,
/// so passing it would be a false BOUND. A document that carries data beside `errors` (a
/// GraphQL answer with partial `data`) is left to the invariants.
fn error_in_success(response: &Response, value: &serde_json::Value) -> Option<Gap> {
    const ERROR_FIELDS: [&str; 10] = [
        "error", "errors", "message", "detail", "details", "status", "code", "title", "type",
        "instance",
    ];
    let status = response.status;
    let problem = response
        .content_type()
        .is_some_and(|ct| essence(ct).eq_ignore_ascii_case("application/problem+json"));
    let object = value.as_object();
    let error_only = object.is_some_and(|map| {
        ["error", "errors"]
            .iter()
            .any(|k| map.get(*k).is_some_and(reports_something))
            && map.keys().all(|k| ERROR_FIELDS.contains(&k.as_str()))
    });
    if !problem && !error_only {
        return None;
    }
    let said = object
        .and_then(|map| {
            ["detail", "title", "message", "error"]
                .iter()
                .find_map(|k| map.get(*k).and_then(serde_json::Value::as_str))
        })
        .map_or_else(String::new, |t| {
            // Shortened with the ellipsis that tells the masker a secret may be cut there.
            let cut: String = t.chars().take(120).collect();
            let more = if cut.len() < t.len() { "…" } else { "" };
            format!(": \"{cut}{more}\"")
        });
    let what = if problem {
        "a problem document (application/problem+json)"
    } else {
        "an error object"
    };
    Some(Gap {
        code: GapCode::SdsrFailed,
        stage: Stage::Contract,
        detail: format!("HTTP {status} carrying {what} instead of data{said}"),
        fix: Some(format!("HTTP {status} with an error body{said}")),
    })
}

/// Whether an `error` or `errors` value reports something: `null`, `false`, `""`, `[]` and
/// `{}` are how APIs say "no error".
fn reports_something(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Bool(true) | Value::Number(_) => true,
    }
}

fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// "not checked: …" for a panel's declared invariants that cannot be evaluated, grouped by
/// reason, naming the first few ids; `None` when there are none.
pub(crate) fn unchecked_note(panel: &Panel) -> Option<String> {
    const SHOWN: usize = 5;
    if panel.unchecked.is_empty() {
        return None;
    }
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for u in &panel.unchecked {
        match reasons.iter_mut().find(|(r, _)| *r == u.reason) {
            Some((_, ids)) => ids.push(&u.id),
            None => reasons.push((&u.reason, vec![&u.id])),
        }
    }
    let parts: Vec<String> = reasons
        .iter()
        .map(|(reason, ids)| {
            let mut shown = ids
                .iter()
                .take(SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if ids.len() > SHOWN {
                shown.push_str(&format!(" and {} more", ids.len() - SHOWN));
            }
            format!("{shown} ({reason})")
        })
        .collect();
    let n = panel.unchecked.len();
    Some(format!(
        "not checked: {n} declared invariant{} cannot be evaluated: {}",
        if n == 1 { "" } else { "s" },
        parts.join("; ")
    ))
}

fn is_json_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}

mod contract;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod unchecked_tests;
