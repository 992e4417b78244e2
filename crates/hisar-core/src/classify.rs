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
use crate::provenance;
use crate::routes::{RouteCheck, RouteTable};
use crate::verdict::{CoherencyCheck, Evidence, Finding, Gap, GapCode, Outcome, Stage, Verdict};

/// HTTP statuses retried as transient; when they persist the panel is `UNVERIFIED`.
pub const TRANSIENT_STATUSES: [u16; 4] = [429, 502, 503, 504];

/// Classifies one panel.
///
/// `observation` is `None` for an offline sweep (stage 1 alone); `routes` is `None` when no
/// route table is known (stage 1 is then recorded as unchecked).
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
    let mut evidence = Evidence {
        invariants_total: u32::try_from(panel.invariants.len()).unwrap_or(u32::MAX),
        ..Evidence::default()
    };
    let mut findings = Vec::new();

    // Stage 1: coherency.
    let route_check = routes.map(|t| (t, t.check(&panel.endpoint)));
    let stage1 = route_check
        .as_ref()
        .and_then(|(t, c)| coherency_gap(panel, t, c));
    evidence.coherency = match (&route_check, &stage1) {
        (None, _) => CoherencyCheck::Unchecked,
        (Some(_), None) => CoherencyCheck::Passed,
        (Some(_), Some(_)) => CoherencyCheck::Failed,
    };

    let Some(observation) = observation else {
        let outcome = match stage1 {
            Some(gap) => Outcome::Blocked(gap),
            None => Outcome::Unverified {
                reason: if routes.is_some() {
                    "not probed (offline sweep; the route table serves it)".to_owned()
                } else {
                    "not probed".to_owned()
                },
            },
        };
        return Verdict {
            outcome,
            findings,
            evidence,
        };
    };
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
        Some((
            _,
            RouteCheck::Served { .. } | RouteCheck::MethodNotServed { .. }
        ))
    );
    let mut live: Vec<Gap> = Vec::new();
    match status_gap(panel, observation, response, route_exists) {
        Some(gap) => live.push(gap),
        None => contract_and_provenance(
            panel,
            observation,
            response,
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
            gap(
                GapCode::AuthFailure,
                format!(
                    "HTTP {status} with auth mode `{}` ({credentials})",
                    panel.auth
                ),
                Some(format!("HTTP {status}")),
            )
        }
        404 | 410 if route_exists => gap(
            GapCode::SdsrFailed,
            format!(
                "route exists; HTTP {status} for these parameters ({})",
                panel.request_path()
            ),
            Some(format!("HTTP {status} for {}", panel.request_path())),
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
        300..=399 => Some(redirect_gap(panel, response)),
        500..=599 => gap(
            GapCode::SdsrFailed,
            format!("HTTP {status}: the backend fails{}", reason(response)),
            Some(format!("HTTP {status}{}", reason(response))),
        ),
        400..=499 => gap(
            GapCode::SdsrFailed,
            format!(
                "HTTP {status}: the request contract differs{}",
                reason(response)
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

fn redirect_gap(panel: &Panel, response: &Response) -> Gap {
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
    let requested = panel.request_path();
    let same_but_slash = target != requested
        && target.trim_end_matches('/') == requested.trim_end_matches('/')
        && !target.trim_end_matches('/').is_empty();
    if same_but_slash {
        let kind = if target.ends_with('/') {
            "adds"
        } else {
            "drops"
        };
        return Gap {
            code: GapCode::CoherencyFailed,
            stage: Stage::Status,
            detail: format!(
                "HTTP {status} redirect to {target}: the backend {kind} a trailing slash"
            ),
            fix: Some(format!("did you mean {} {target}", panel.endpoint.method)),
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
                Ok(value) => Some(value),
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

#[cfg(test)]
mod tests;
#[cfg(test)]
mod unchecked_tests;
