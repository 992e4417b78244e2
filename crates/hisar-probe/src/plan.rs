//! Turning selected panels into unique requests.

use std::collections::HashMap;

use hisar_core::{Env, Method, Panel, Registry};

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
    /// For each panel, the index of its request.
    pub request_of: Vec<usize>,
}

type Key = (Method, String, String, Vec<(String, String)>);

/// Builds the requests for `panels` against `base_url`. Identical requests (method, URL with
/// query, auth mode and extra headers) are planned once. Header templates are resolved
/// against `env`; variables it lacks are recorded, never guessed.
pub fn plan<'r>(
    registry: &Registry,
    panels: Vec<&'r Panel>,
    base_url: &str,
    env: &dyn Env,
) -> Result<SweepPlan<'r>, ProbeError> {
    let base = reqwest::Url::parse(base_url)
        .map_err(|e| ProbeError::BaseUrl(base_url.to_owned(), e.to_string()))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(ProbeError::BaseUrl(
            base_url.to_owned(),
            "the scheme must be http or https".to_owned(),
        ));
    }
    let root = base.as_str().trim_end_matches('/').to_owned();
    let mut requests: Vec<PlannedRequest> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut request_of = Vec::with_capacity(panels.len());
    for (i, panel) in panels.iter().enumerate() {
        let text = format!("{root}{}", panel.request_path());
        let mut url = reqwest::Url::parse(&text).map_err(|e| ProbeError::PanelUrl {
            panel: panel.id.to_string(),
            url: text.clone(),
            reason: e.to_string(),
        })?;
        if !panel.params.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &panel.params {
                pairs.append_pair(k, v);
            }
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
                requests.push(PlannedRequest {
                    request,
                    panels: Vec::new(),
                });
                index.insert(key, requests.len() - 1);
                requests.len() - 1
            }
        };
        requests[slot].panels.push(i);
        request_of.push(slot);
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
    for (name, template) in auth_headers.iter().chain(&panel.headers) {
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
        )
        .unwrap();
        assert_eq!(plan.requests.len(), 4);
        assert_eq!(plan.request_of, [0, 0, 1, 2, 3]);
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
        let plan_without = super::plan(
            &reg,
            reg.panels().iter().collect(),
            "http://h",
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            plan_without.requests[0].request.missing_credentials,
            ["KEY"]
        );
        assert!(super::plan(&reg, vec![], "ftp://h", &env).is_err());
        assert!(super::plan(&reg, vec![], "not a url", &env).is_err());
    }
}
