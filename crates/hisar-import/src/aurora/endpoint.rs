//! Endpoints as the sources write them, resolved, and compared.

use std::collections::BTreeSet;

use hisar_core::{Endpoint, Route, RouteCheck, RouteTable};

/// An endpoint as written: method, path, and a query string when one was attached.
#[derive(Debug, Clone)]
pub(super) struct RawEndpoint {
    pub(super) method: Option<String>,
    pub(super) path: String,
    pub(super) query: Option<String>,
}

impl RawEndpoint {
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

/// An endpoint field as a source gives it: absent, written as a null (`null`, the string
/// `'null'`, `None`, `~`), or a path. The method, when the source names one, is kept either way.
#[derive(Debug, Clone)]
pub(super) enum EndpointValue {
    /// No endpoint field, or an empty one.
    Absent(Option<String>),
    /// An endpoint written as a null: the text as written, and the method.
    Null(String, Option<String>),
    /// A path.
    Given(RawEndpoint),
}

impl EndpointValue {
    /// Texts that mean "no endpoint" although they are strings.
    pub(super) fn is_null_text(text: &str) -> bool {
        let t = text.trim().trim_matches(['\'', '"']);
        ["null", "none", "~", "nil", "n/a"]
            .iter()
            .any(|n| t.eq_ignore_ascii_case(n))
    }

    pub(super) fn from_text(path: Option<String>, method: Option<String>) -> Self {
        let method = method.filter(|m| !Self::is_null_text(m));
        match path.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()) {
            None => Self::Absent(method),
            Some(p) if Self::is_null_text(&p) => Self::Null(p, method),
            Some(p) => Self::Given(RawEndpoint {
                method,
                path: p,
                query: None,
            }),
        }
    }

    pub(super) fn given(&self) -> Option<&RawEndpoint> {
        match self {
            Self::Given(e) => Some(e),
            _ => None,
        }
    }

    pub(super) fn given_mut(&mut self) -> Option<&mut RawEndpoint> {
        match self {
            Self::Given(e) => Some(e),
            _ => None,
        }
    }

    pub(super) fn method(&self) -> Option<String> {
        match self {
            Self::Absent(m) | Self::Null(_, m) => m.clone(),
            Self::Given(e) => e.method.clone(),
        }
    }

    pub(super) fn set_method(&mut self, method: Option<String>) {
        let method = method.filter(|m| !Self::is_null_text(m));
        match self {
            Self::Absent(m) | Self::Null(_, m) => *m = method,
            Self::Given(e) => e.method = method,
        }
    }

    /// How the source wrote a missing endpoint, for messages: `'null'` (a null written as a
    /// string), or "no endpoint".
    pub(super) fn describe_missing(&self) -> String {
        match self {
            Self::Null(text, _) => format!("'{}'", text.trim_matches(['\'', '"'])),
            _ => "no endpoint".to_owned(),
        }
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
