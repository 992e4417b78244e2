//! Turning selected panels into unique requests, built exactly (SPEC §3.4): path values are
//! one percent-encoded segment, query parameters are encoded per RFC 3986, and a panel that
//! must not or cannot be probed gets no request and says why ([`NotProbed`]).

use std::collections::HashMap;

use hisar_core::{Env, Method, NotProbed, Panel, Registry};

use crate::error::ProbeError;
use crate::probe::{ProbeRequest, Secret};

/// One unique request and the panels that read its answer.
#[derive(Debug, Clone)]
pub struct PlannedRequest {
    /// The request.
    pub request: ProbeRequest,
    /// Indexes into [`SweepPlan::panels`].
    pub panels: Vec<usize>,
}

/// The panels of a sweep and the unique requests that cover them.
#[derive(Debug, Clone)]
pub struct SweepPlan<'r> {
    /// Selected panels, in registry order.
    pub panels: Vec<&'r Panel>,
    /// Unique requests, in order of first use.
    pub requests: Vec<PlannedRequest>,
    /// For each panel, the index of its request, or why no request is sent for it.
    pub request_of: Vec<Result<usize, NotProbed>>,
}

impl SweepPlan<'_> {
    /// Panels that get no request because a credential variable is unset, grouped by
    /// variable: (variable, auth modes, panels), in variable order.
    pub fn missing_credentials(&self) -> Vec<(String, Vec<String>, usize)> {
        let mut by_var: std::collections::BTreeMap<&str, (Vec<String>, usize)> =
            std::collections::BTreeMap::new();
        for why in self.request_of.iter().filter_map(|r| r.as_ref().err()) {
            if let NotProbed::MissingCredentials { auth, variables } = why {
                for var in variables {
                    let entry = by_var.entry(var).or_default();
                    if !entry.0.contains(auth) {
                        entry.0.push(auth.clone());
                    }
                    entry.1 += 1;
                }
            }
        }
        by_var
            .into_iter()
            .map(|(var, (modes, n))| (var.to_owned(), modes, n))
            .collect()
    }

    /// Panels skipped because their method is not safe.
    pub fn skipped(&self) -> usize {
        self.request_of
            .iter()
            .filter(|r| matches!(r, Err(NotProbed::UnsafeMethod)))
            .count()
    }
}

type Key = (Method, String, String, Vec<(String, String)>);

/// Builds the requests for `panels` against `base_url`. Identical requests (method, URL with
/// query, auth mode and extra headers) are planned once. Header templates are resolved
/// against `env`; a panel whose headers need a variable `env` lacks gets no request (never a
/// guessed or empty credential), nor does a panel with an unsafe method unless it declares
/// `safe: true` or `allow_unsafe` is set.
pub fn plan<'r>(
    registry: &Registry,
    panels: Vec<&'r Panel>,
    base_url: &str,
    env: &dyn Env,
    allow_unsafe: bool,
) -> Result<SweepPlan<'r>, ProbeError> {
    let base = reqwest::Url::parse(base_url)
        .map_err(|e| ProbeError::BaseUrl(base_url.to_owned(), e.to_string()))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(ProbeError::BaseUrl(
            base_url.to_owned(),
            "the scheme must be http or https".to_owned(),
        ));
    }
    let base_query = base.query().map(str::to_owned);
    let mut root = base.clone();
    root.set_query(None);
    root.set_fragment(None);
    let root = root.as_str().trim_end_matches('/').to_owned();
    let mut requests: Vec<PlannedRequest> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut request_of = Vec::with_capacity(panels.len());
    for (i, panel) in panels.iter().enumerate() {
        if !allow_unsafe && !panel.is_safe_to_probe() {
            request_of.push(Err(NotProbed::UnsafeMethod));
            continue;
        }
        if !panel.live.is_empty() {
            // Values from other answers or setup steps (SPEC §4.2): a sweep resolves them first
            // and plans the resolved panel; a placeholder is never sent (its 404 would be a
            // false gap). Unset credentials still show.
            let request = build_request(registry, panel, String::new(), env);
            request_of.push(Err(if let Some(reason) = panel.todo_reason() {
                // No value yet (`{ todo }`): the registry is not finished.
                NotProbed::SourceUnavailable { reason }
            } else if request.missing_credentials.is_empty() {
                NotProbed::SourceUnavailable {
                    reason:
                        "its values come from other answers or setup steps (SPEC §4.2), which were not resolved"
                            .to_owned(),
                }
            } else {
                NotProbed::MissingCredentials {
                    auth: panel.auth.clone(),
                    variables: request.missing_credentials,
                }
            }));
            continue;
        }
        let path = panel.request_path();
        let mut target = panel.request_target();
        if let Some(query) = &base_query {
            target = match target.split_once('?') {
                Some((path, params)) => format!("{path}?{query}&{params}"),
                None => format!("{target}?{query}"),
            };
        }
        let text = format!("{root}{target}");
        let url = reqwest::Url::parse(&text).map_err(|e| ProbeError::PanelUrl {
            panel: panel.id.to_string(),
            url: text.clone(),
            reason: e.to_string(),
        })?;
        if path.split('/').any(|s| s == "." || s == "..") {
            request_of.push(Err(NotProbed::PathRewritten {
                declared: path,
                sent: url.path().to_owned(),
            }));
            continue;
        }
        let extra: Vec<(String, String)> = panel
            .headers
            .iter()
            .map(|(k, t)| (k.to_ascii_lowercase(), t.source().to_owned()))
            .collect();
        let key = (
            panel.endpoint.method,
            url.to_string(),
            panel.auth.clone(),
            extra,
        );
        let slot = match index.get(&key) {
            Some(&slot) => slot,
            None => {
                let request = build_request(registry, panel, url.to_string(), env);
                if !request.missing_credentials.is_empty() {
                    request_of.push(Err(NotProbed::MissingCredentials {
                        auth: panel.auth.clone(),
                        variables: request.missing_credentials,
                    }));
                    continue;
                }
                requests.push(PlannedRequest {
                    request,
                    panels: Vec::new(),
                });
                index.insert(key, requests.len() - 1);
                requests.len() - 1
            }
        };
        requests[slot].panels.push(i);
        request_of.push(Ok(slot));
    }
    Ok(SweepPlan {
        panels,
        requests,
        request_of,
    })
}

fn build_request(registry: &Registry, panel: &Panel, url: String, env: &dyn Env) -> ProbeRequest {
    let mut headers: Vec<(String, Secret)> = Vec::new();
    let mut missing = Vec::new();
    let mode = registry.auth_mode(&panel.auth);
    let auth_headers = mode.map(|m| m.headers.as_slice()).unwrap_or_default();
    if let Some(flow) = mode.and_then(|m| m.flow.as_ref()) {
        missing.extend(flow.missing(env));
    }
    // A panel's own header replaces the auth mode's: the replaced template is not resolved,
    // so its variable is not needed.
    let replaced = |name: &str| {
        panel
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let auth_headers = auth_headers.iter().filter(|(name, _)| !replaced(name));
    for (name, template) in auth_headers.chain(&panel.headers) {
        let resolved = template.resolve(env);
        missing.extend(resolved.missing);
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.clone(), Secret::new(resolved.value)));
    }
    missing.sort();
    missing.dedup();
    ProbeRequest {
        method: panel.endpoint.method,
        url,
        headers,
        auth_mode: panel.auth.clone(),
        missing_credentials: missing,
        body: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const REGISTRY: &str = r#"
version: 1
auth:
  observer: { headers: { X-Key: "${KEY}", X-Tenant: "${TENANT:-demo}" } }
defaults: { auth: observer, class: evidence }
domains: [{ code: A, name: A }]
panels:
  - { id: A-B-C-O1, capability: a.b, endpoint: /runs, params: { window: 24h } }
  - { id: A-B-C-O2, capability: a.c, endpoint: /runs, params: { window: 24h } }
  - { id: A-B-C-O3, capability: a.d, endpoint: /runs, params: { window: 1h } }
  - { id: A-B-C-O4, capability: a.e, endpoint: /runs, params: { window: 24h }, auth: none }
  - { id: A-B-C-O5, capability: a.f, endpoint: "/r/{id}", path_params: { id: "a b" }, headers: { X-Key: override } }
"#;

    #[test]
    fn identical_requests_are_planned_once() {
        let reg = Registry::from_yaml(REGISTRY, "r").unwrap();
        let env = BTreeMap::from([("KEY".to_owned(), "k1".to_owned())]);
        let plan = plan(
            &reg,
            reg.panels().iter().collect(),
            "http://127.0.0.1:9/api/",
            &env,
            false,
        )
        .unwrap();
        assert_eq!(plan.requests.len(), 4);
        assert_eq!(plan.request_of, [Ok(0), Ok(0), Ok(1), Ok(2), Ok(3)]);
        assert_eq!(
            plan.requests[0].request.url,
            "http://127.0.0.1:9/api/runs?window=24h"
        );
        assert_eq!(
            plan.requests[3].request.url,
            "http://127.0.0.1:9/api/r/a%20b"
        );
        let headers: Vec<(&str, &str)> = plan.requests[3]
            .request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        assert_eq!(headers, [("X-Tenant", "demo"), ("X-Key", "override")]);
        assert!(plan.requests[2].request.headers.is_empty());
        assert!(plan.requests[0].request.missing_credentials.is_empty());
        assert!(
            !format!("{:?}", plan.requests[0].request).contains("k1"),
            "Debug hides credentials"
        );
        assert!(super::plan(&reg, vec![], "ftp://h", &env, false).is_err());
        assert!(super::plan(&reg, vec![], "not a url", &env, false).is_err());
    }

    /// SPEC §3.5: a panel whose auth mode needs an unset variable gets no request; before, it
    /// was sent without the credential and its 401 became an AUTH_FAILURE gap.
    #[test]
    fn unset_credentials_send_nothing() {
        let reg = Registry::from_yaml(REGISTRY, "r").unwrap();
        let plan = super::plan(
            &reg,
            reg.panels().iter().collect(),
            "http://h",
            &BTreeMap::new(),
            false,
        )
        .unwrap();
        let missing = NotProbed::MissingCredentials {
            auth: "observer".into(),
            variables: vec!["KEY".into()],
        };
        assert_eq!(plan.request_of[0], Err(missing.clone()));
        assert_eq!(plan.request_of[2], Err(missing));
        // `auth: none` and a panel whose own header replaces the key are still probed.
        assert_eq!(plan.request_of[3], Ok(0));
        assert_eq!(plan.request_of[4], Ok(1));
        assert_eq!(
            plan.missing_credentials(),
            [("KEY".to_owned(), vec!["observer".to_owned()], 3)]
        );
    }

    /// SPEC §4.2: planned without its values resolved, a panel whose id comes from another
    /// answer is never probed with a placeholder (its 404 would be a false gap); it is
    /// UNVERIFIED naming why, and its independent neighbour is probed as usual.
    #[test]
    fn values_from_other_answers_send_no_placeholder() {
        let reg = Registry::from_yaml(
            r#"
version: 1
defaults: { class: evidence }
domains: [{ code: A, name: A }]
panels:
  - { id: A-B-C-O1, capability: a.a, endpoint: /incidents }
  - id: A-B-C-O2
    capability: a.b
    endpoint: "/replay/{id}/summary"
    path_params: { id: { from: A-B-C-O1, select: "$.incidents[0].id" } }
"#,
            "r",
        )
        .unwrap();
        let env = BTreeMap::<String, String>::new();
        let plan =
            super::plan(&reg, reg.panels().iter().collect(), "http://h", &env, false).unwrap();
        assert_eq!(plan.requests.len(), 1);
        assert_eq!(plan.request_of[0], Ok(0));
        let Err(not_probed) = &plan.request_of[1] else {
            panic!("probed: {:?}", plan.request_of[1]);
        };
        let reason = not_probed.reason(&reg.panels()[1], false);
        assert!(reason.contains("SPEC §4.2"), "{reason}");
    }

    /// SPEC §3.4: path values are one segment, query values RFC 3986, and only safe methods
    /// are sent unless a panel declares `safe: true` or the sweep allows unsafe ones.
    #[test]
    fn requests_are_built_exactly_and_safely() {
        let reg = Registry::from_yaml(
            r#"
version: 1
defaults: { class: evidence }
domains: [{ code: A, name: A }]
panels:
  - { id: A-B-C-O1, capability: a.a, endpoint: "/admin/{id}", path_params: { id: "../admin" } }
  - { id: A-B-C-O2, capability: a.b, endpoint: "/f/{name}", path_params: { name: "a?b#c%d/e" }, params: { q: "x y+z&w=v", "k y": "é" } }
  - { id: A-B-C-O3, capability: a.c, endpoint: POST /lessons/convert }
  - { id: A-B-C-O4, capability: a.d, endpoint: POST /search, safe: true }
  - { id: A-B-C-O5, capability: a.e, endpoint: "/f/..{a}", path_params: { a: "x" } }
"#,
            "r",
        )
        .unwrap();
        // The loader refuses a value that empties its segment; a panel built in code can
        // still have one, and the plan refuses to probe the path a URL parser would make of it.
        let mut rewritten = reg.panels()[4].clone();
        rewritten.path_params.insert("a".into(), String::new());
        let mut panels: Vec<&Panel> = reg.panels()[..4].iter().collect();
        panels.push(&rewritten);
        let env = BTreeMap::<String, String>::new();
        let plan =
            super::plan(&reg, panels.clone(), "http://h/api?tenant=t1", &env, false).unwrap();
        let urls: Vec<&str> = plan
            .requests
            .iter()
            .map(|r| r.request.url.as_str())
            .collect();
        assert_eq!(
            urls,
            [
                "http://h/api/admin/..%2Fadmin?tenant=t1",
                "http://h/api/f/a%3Fb%23c%25d%2Fe?tenant=t1&q=x%20y%2Bz%26w%3Dv&k%20y=%C3%A9",
                "http://h/api/search?tenant=t1",
            ]
        );
        assert_eq!(plan.request_of[2], Err(NotProbed::UnsafeMethod));
        assert_eq!(plan.skipped(), 1);
        assert!(matches!(
            &plan.request_of[4],
            Err(NotProbed::PathRewritten { declared, .. }) if declared == "/f/.."
        ));
        let allowed = super::plan(&reg, panels, "http://h", &env, true).unwrap();
        assert_eq!(allowed.request_of[2], Ok(2));
        assert_eq!(allowed.requests[2].request.method, Method::Post);
    }

    /// A panel whose value is a `{ todo }` gets no request, even when its credentials are
    /// unset too: the todo says what to finish first.
    #[test]
    fn a_todo_value_is_never_planned() {
        let reg = Registry::from_yaml(
            r#"
version: 1
auth: { observer: { headers: { X-Key: "${KEY}" } } }
defaults: { class: evidence, auth: observer }
domains: [{ code: A, name: A }]
panels:
  - { id: A-B-C-O1, capability: a.a, endpoint: "/i/{id}", path_params: { id: { todo: "an id" } } }
"#,
            "r",
        )
        .unwrap();
        let env = BTreeMap::<String, String>::new();
        let plan =
            super::plan(&reg, reg.panels().iter().collect(), "http://h", &env, false).unwrap();
        assert!(plan.requests.is_empty());
        assert_eq!(
            plan.request_of[0],
            Err(NotProbed::SourceUnavailable {
                reason: "path parameter `id` has no value yet (todo: an id); put a value or a { from, select }".to_owned()
            })
        );
    }
}
