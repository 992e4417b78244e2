//! Endpoints as the sources write them, resolved, and compared.

use std::collections::BTreeSet;

use hisar_core::{Endpoint, Route, RouteCheck, RouteTable};

/// An endpoint as written: method, path, and a query string when one was attached.
pub(super) struct RawEndpoint {
    pub(super) method: Option<String>,
    pub(super) path: String,
    pub(super) query: Option<String>,
}

impl RawEndpoint {
    pub(super) fn new(path: Option<String>, method: Option<String>) -> Option<Self> {
        Some(Self {
            path: path?,
            method,
            query: None,
        })
    }

    /// The endpoint and its query parameters, or why it is unusable.
    pub(super) fn resolve(&self) -> Result<(Endpoint, Vec<(String, String)>), String> {
        let (path, mut query) = match self.path.split_once('?') {
            Some((p, q)) => (p, query_pairs(q)),
            None => (self.path.as_str(), Vec::new()),
        };
        if let Some(q) = &self.query {
            for pair in query_pairs(q) {
                if !query.iter().any(|(k, _)| *k == pair.0) {
                    query.push(pair);
                }
            }
        }
        let method = self.method.as_deref().unwrap_or("GET");
        let endpoint = Endpoint::parse(&format!("{method} {path}"))
            .map_err(|e| format!("endpoint `{method} {}`: {e}", self.path))?;
        Ok((endpoint, query))
    }
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim()
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Endpoints compared.

pub(super) fn same_endpoint(a: &Endpoint, b: &Endpoint) -> bool {
    a.method == b.method && a.path.shape() == b.path.shape()
}

/// How `a` differs from `b`, in a few words.
pub(super) fn difference(a: &Endpoint, b: &Endpoint) -> String {
    if a.path.shape() == b.path.shape() {
        return "methods differ".to_owned();
    }
    let table = RouteTable::new([Route {
        path: b.path.clone(),
        methods: BTreeSet::from([b.method]),
    }]);
    let method = if a.method == b.method {
        ""
    } else {
        ", and methods differ"
    };
    match table.check(a) {
        RouteCheck::Near { kinds, .. } => format!(
            "paths differ by {}{method}",
            kinds
                .iter()
                .map(|k| k.describe())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        _ => format!("different paths{method}"),
    }
}
