//! Route tables and stage 1, coherency (SPEC §3).
//!
//! A route table comes from an OpenAPI 3 document (JSON or YAML), a `{path: [methods]}` map, or
//! an endpoint list (`{"endpoints": [{"method": "GET", "path": "/a"}, ...]}`, as API inventories
//! generated from a backend write it), whose optional `path_prefix` declares where the API is
//! mounted.
//! Templates compare by shape: `{run_id}` and `{id}` are the same segment. A literal segment of
//! the panel's path (`/incidents/active`) that the table matches only through a parameter
//! (`/incidents/{incident_id}`) is not a served route (SPEC §3.5): the route would take
//! `active` as its id, and a literal route in the table wins over a parameter route, as in
//! every router. When no route serves the path, near routes are searched: equal after dropping
//! or adding a trailing slash, case, `-` versus `_`, a version or API prefix added or removed,
//! or a segment repeated. The closest (fewest differences) wins; ties go to routes serving the
//! method, then to the lexically first path.
//!
//! ```
//! use hisar_core::{Endpoint, RouteTable, RouteCheck};
//! let table = RouteTable::parse(r#"{"/api/v1/agents/jobs": ["POST"], "/api/v1/runs/{run_id}": ["GET"]}"#).unwrap();
//! let check = |e: &str| table.check(&e.parse::<Endpoint>().unwrap());
//! assert!(matches!(check("GET /api/v1/runs/{id}"), RouteCheck::Served { .. }));
//! assert!(matches!(check("GET /api/v1/agents/jobs"), RouteCheck::MethodNotServed { .. }));
//! match check("GET /runs/{id}") {
//!     RouteCheck::Near { route, .. } => assert_eq!(route, "/api/v1/runs/{run_id}"),
//!     other => panic!("{other:?}"),
//! }
//! assert!(matches!(check("GET /billing"), RouteCheck::Missing));
//! // A literal swallowed by a parameter is not a served route.
//! match check("GET /api/v1/runs/latest") {
//!     RouteCheck::TakenAsParameter { route, taken, .. } => {
//!         assert_eq!(route, "/api/v1/runs/{run_id}");
//!         assert_eq!(taken, [("latest".to_owned(), "run_id".to_owned())]);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::error::RouteTableError;
use crate::model::{Endpoint, Method, PathTemplate, Segment, is_prefix_segment};
use crate::openapi::ResponseSchemas;

/// One way two paths can be near each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NearKind {
    /// A trailing slash dropped or added.
    TrailingSlash,
    /// Letter case.
    Case,
    /// `-` versus `_`.
    Separator,
    /// A version or API prefix (`/api`, `/v1`, `/api/v1`, ...) added or removed.
    Prefix,
    /// A segment repeated (`/agents/agents` versus `/agents`).
    RepeatedSegment,
}

impl NearKind {
    const ALL: [NearKind; 5] = [
        NearKind::TrailingSlash,
        NearKind::Case,
        NearKind::Separator,
        NearKind::Prefix,
        NearKind::RepeatedSegment,
    ];

    /// A short phrase.
    pub fn describe(self) -> &'static str {
        match self {
            NearKind::TrailingSlash => "trailing slash",
            NearKind::Case => "letter case",
            NearKind::Separator => "`-` versus `_`",
            NearKind::Prefix => "API or version prefix",
            NearKind::RepeatedSegment => "repeated segment",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for NearKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A route: a path template and the methods it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The template as written in the table.
    pub path: PathTemplate,
    /// Methods served.
    pub methods: BTreeSet<Method>,
}

/// What stage 1 says about one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteCheck {
    /// A route serves this method and path.
    Served {
        /// The route's template.
        route: String,
    },
    /// The path exists, but not with this method.
    MethodNotServed {
        /// The route's template.
        route: String,
        /// Methods it does serve.
        allowed: Vec<Method>,
    },
    /// No route serves the path, but a near one exists.
    Near {
        /// The near route's template.
        route: String,
        /// Methods it serves.
        methods: Vec<Method>,
        /// How it differs.
        kinds: Vec<NearKind>,
    },
    /// No route serves the path, but a route would take some of its literal segments as
    /// parameters (`/incidents/{incident_id}` for `/incidents/active`): not a served route.
    TakenAsParameter {
        /// The parameter route's template.
        route: String,
        /// Each literal of the path the route would take, with the parameter taking it.
        taken: Vec<(String, String)>,
    },
    /// No route at all.
    Missing,
}

impl RouteCheck {
    /// Whether stage 1 passes.
    pub fn passes(&self) -> bool {
        matches!(self, RouteCheck::Served { .. })
    }
}

/// A backend's route table.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
    /// shape → route index.
    by_shape: HashMap<String, usize>,
    /// segment count → route indexes with at least one parameter segment.
    with_params: HashMap<usize, Vec<usize>>,
    /// (mask, normalised key) → route indexes, for near-route search.
    near: HashMap<(u8, String), Vec<usize>>,
    /// The prefix the document declares its routes are mounted under, as literal segments.
    mount: Vec<String>,
    /// The response schemas, when the table is an OpenAPI 3 document (SPEC §3.7).
    schemas: Option<Arc<ResponseSchemas>>,
}

impl RouteTable {
    /// Builds a table from routes. Routes with the same shape merge their methods.
    pub fn new(routes: impl IntoIterator<Item = Route>) -> Self {
        let mut table = Self::default();
        for route in routes {
            let shape = route.path.shape();
            if let Some(&i) = table.by_shape.get(&shape) {
                table.routes[i].methods.extend(route.methods);
                continue;
            }
            let i = table.routes.len();
            table.by_shape.insert(shape, i);
            if route
                .path
                .segments()
                .iter()
                .any(|s| matches!(s, Segment::Param(_)))
            {
                table
                    .with_params
                    .entry(route.path.segments().len())
                    .or_default()
                    .push(i);
            }
            for mask in 1..32u8 {
                table
                    .near
                    .entry((mask, near_key(&route.path, mask)))
                    .or_default()
                    .push(i);
            }
            table.routes.push(route);
        }
        table
    }

    /// Parses an OpenAPI 3 document, a `{path: [methods]}` map or an endpoint list, as JSON or
    /// YAML.
    pub fn parse(text: &str) -> Result<Self, RouteTableError> {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(json_err) => serde_saphyr::from_str(text).map_err(|yaml_err| {
                let first = text.trim_start().chars().next();
                if matches!(first, Some('{' | '[')) {
                    RouteTableError::Syntax(json_err.to_string())
                } else {
                    RouteTableError::Syntax(yaml_err.to_string())
                }
            })?,
        };
        Self::from_value(&value)
    }

    /// Builds a table from a parsed document.
    pub fn from_value(value: &Value) -> Result<Self, RouteTableError> {
        let Value::Object(map) = value else {
            return Err(RouteTableError::Shape(
                "the document is not a mapping".into(),
            ));
        };
        if let Some(paths) = map.get("paths") {
            let Value::Object(paths) = paths else {
                return Err(RouteTableError::Shape("`paths` is not a mapping".into()));
            };
            let base = openapi_base_path(map.get("servers"));
            let mut routes = Vec::new();
            for (path, item) in paths {
                let methods: BTreeSet<Method> = match path_item(value, item) {
                    PathItem::Operations(ops) => {
                        ops.keys().filter_map(|k| k.parse().ok()).collect()
                    }
                    // The document declares the path but keeps its operations elsewhere: the
                    // path is served, its methods unknown to the table. Saying it is missing
                    // would be a false ENDPOINT_MISSING; the probe judges the method live.
                    PathItem::Elsewhere => Method::ALL.into_iter().collect(),
                    PathItem::Nothing => BTreeSet::new(),
                };
                if methods.is_empty() {
                    continue;
                }
                let full = format!("{base}{path}");
                let template = PathTemplate::parse(&full)
                    .map_err(|e| RouteTableError::Shape(format!("path `{path}`: {e}")))?;
                routes.push(Route {
                    path: template,
                    methods,
                });
            }
            let mut table = Self::new(routes);
            table.schemas = ResponseSchemas::from_document(map, &base).map(Arc::new);
            return Ok(table);
        }
        if let Some(endpoints) = map.get("endpoints") {
            return Self::from_endpoint_list(endpoints, map.get("path_prefix"));
        }
        let mut routes = Vec::new();
        for (path, methods) in map {
            let Value::Array(list) = methods else {
                return Err(RouteTableError::Shape(format!(
                    "`{path}` maps to {}, not a list of methods",
                    crate::invariant::show(methods)
                )));
            };
            let mut set = BTreeSet::new();
            for m in list {
                let name = m.as_str().unwrap_or_default();
                set.insert(name.parse::<Method>().map_err(|_| {
                    RouteTableError::Shape(format!("`{path}` lists an unknown method {m}"))
                })?);
            }
            let template = PathTemplate::parse(path)
                .map_err(|e| RouteTableError::Shape(format!("path `{path}`: {e}")))?;
            routes.push(Route {
                path: template,
                methods: set,
            });
        }
        Ok(Self::new(routes))
    }

    /// An endpoint list: `endpoints` holds objects with a `path` and a `method` (or a
    /// `methods` list); `path_prefix`, when given, is the mount every route sits under.
    fn from_endpoint_list(
        endpoints: &Value,
        prefix: Option<&Value>,
    ) -> Result<Self, RouteTableError> {
        let Value::Array(items) = endpoints else {
            return Err(RouteTableError::Shape("`endpoints` is not a list".into()));
        };
        let mut routes = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = |what: &str| RouteTableError::Shape(format!("endpoint #{}: {what}", i + 1));
            let Some(path) = item.get("path").and_then(Value::as_str) else {
                return Err(at("no `path`"));
            };
            let names: Vec<&Value> = match (item.get("method"), item.get("methods")) {
                (Some(m), _) => vec![m],
                (None, Some(Value::Array(list))) => list.iter().collect(),
                _ => return Err(at("no `method`")),
            };
            let mut methods = BTreeSet::new();
            for m in names {
                let name = m.as_str().unwrap_or_default();
                methods.insert(
                    name.parse::<Method>()
                        .map_err(|_| at(&format!("`{path}` has an unknown method {m}")))?,
                );
            }
            let template =
                PathTemplate::parse(path).map_err(|e| at(&format!("path `{path}`: {e}")))?;
            routes.push(Route {
                path: template,
                methods,
            });
        }
        let mut table = Self::new(routes);
        if let Some(prefix) = prefix {
            let Some(prefix) = prefix.as_str() else {
                return Err(RouteTableError::Shape(
                    "`path_prefix` is not a string".into(),
                ));
            };
            table.mount_at(prefix);
        }
        Ok(table)
    }

    /// Declares the mount (`/svc/api/`) every route of the table sits under: near-route search
    /// then treats it as an API prefix, so a path written under another API prefix finds the
    /// mounted route (`/api/v1/runs` → `/svc/api/runs`, [`NearKind::Prefix`]).
    fn mount_at(&mut self, prefix: &str) {
        let mount: Vec<String> = prefix
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if mount.is_empty() {
            return;
        }
        for (i, route) in self.routes.iter().enumerate() {
            let under = route.path.segments().len() > mount.len()
                && route
                    .path
                    .segments()
                    .iter()
                    .zip(&mount)
                    .all(|(s, m)| matches!(s, Segment::Literal(l) if l == m));
            if !under {
                continue;
            }
            for mask in (1..32u8).filter(|m| m & NearKind::Prefix.bit() != 0) {
                let list = self
                    .near
                    .entry((mask, near_key_after(&route.path, mount.len(), mask)))
                    .or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        self.mount = mount;
    }

    /// Whether the table carries OpenAPI 3 response schemas that stage 4 checks answers against
    /// (SPEC §3.7).
    pub fn has_response_schemas(&self) -> bool {
        self.schemas.is_some()
    }

    /// The response schemas, when the table is an OpenAPI 3 document.
    pub(crate) fn schemas(&self) -> Option<&ResponseSchemas> {
        self.schemas.as_deref()
    }

    /// The mount the table declares (`/svc/api`), when it declares one.
    pub fn mount(&self) -> Option<String> {
        (!self.mount.is_empty()).then(|| format!("/{}", self.mount.join("/")))
    }

    /// The routes, in table order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Whether the table has no route.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The route that serves a path: the one of the same shape (`{run_id}` and `{id}` are the
    /// same segment). A parameter route never serves a literal segment of the path.
    pub fn find(&self, path: &PathTemplate) -> Option<&Route> {
        self.by_shape.get(&path.shape()).map(|&i| &self.routes[i])
    }

    /// The parameter route a router would send `path` to when no route has its shape: the one
    /// matching most literal segments (then the lexically first), with the literals of `path`
    /// it would take as parameters.
    fn taking_literals(&self, path: &PathTemplate) -> Option<(&Route, Vec<(String, String)>)> {
        let candidates = self.with_params.get(&path.segments().len())?;
        let (_, route) = candidates
            .iter()
            .map(|&i| &self.routes[i])
            .filter(|r| r.path.has_trailing_slash() == path.has_trailing_slash())
            .filter_map(|r| router_match(&r.path, path).map(|literals| (literals, r)))
            .max_by(|(a, ra), (b, rb)| {
                a.cmp(b)
                    .then_with(|| rb.path.as_str().cmp(ra.path.as_str()))
            })?;
        let taken = route
            .path
            .segments()
            .iter()
            .zip(path.segments())
            .filter_map(|(r, p)| match (r, p) {
                (Segment::Param(name), Segment::Literal(text)) => {
                    Some((text.clone(), name.clone()))
                }
                _ => None,
            })
            .collect();
        Some((route, taken))
    }

    /// Runs stage 1 for an endpoint.
    pub fn check(&self, endpoint: &Endpoint) -> RouteCheck {
        if let Some(route) = self.find(&endpoint.path) {
            return if serves(route, endpoint.method) {
                RouteCheck::Served {
                    route: route.path.as_str().to_owned(),
                }
            } else {
                RouteCheck::MethodNotServed {
                    route: route.path.as_str().to_owned(),
                    allowed: route.methods.iter().copied().collect(),
                }
            };
        }
        for kinds in 1..=5u32 {
            let mut best: Option<(bool, &Route, u8)> = None;
            for mask in (1..32u8).filter(|m| m.count_ones() == kinds) {
                let Some(found) = self.near.get(&(mask, near_key(&endpoint.path, mask))) else {
                    continue;
                };
                for &i in found {
                    let route = &self.routes[i];
                    let rank = (!serves(route, endpoint.method), route);
                    let better = best.as_ref().is_none_or(|(m, r, _)| {
                        (rank.0, rank.1.path.as_str()) < (*m, r.path.as_str())
                    });
                    if better {
                        best = Some((rank.0, route, mask));
                    }
                }
            }
            if let Some((_, route, mask)) = best {
                return RouteCheck::Near {
                    route: route.path.as_str().to_owned(),
                    methods: route.methods.iter().copied().collect(),
                    kinds: NearKind::ALL
                        .into_iter()
                        .filter(|k| mask & k.bit() != 0)
                        .collect(),
                };
            }
        }
        if let Some((route, taken)) = self.taking_literals(&endpoint.path) {
            return RouteCheck::TakenAsParameter {
                route: route.path.as_str().to_owned(),
                taken,
            };
        }
        RouteCheck::Missing
    }
}

impl RouteTable {
    /// A hint for a missing route, outside the near-route kinds (SPEC §3.5): a route serving
    /// the method with the same number of segments that differs in exactly one literal segment
    /// (`/api/v1/costs/daily` for `/api/v1/costs/weekly`), or with one literal segment inserted
    /// (`/api/v1/runtime/overview/costs` for `/api/v1/overview/costs`); the lexically first
    /// when several do. A parent route (fewer segments) is never suggested: it names another
    /// resource, and "did you mean `/incidents/{incident_id}`" for
    /// `/incidents/{id}/learnings` would send a team to the wrong endpoint. A parameter
    /// segment is never what differs or what is inserted, for the same reason.
    pub fn closest(&self, endpoint: &Endpoint) -> Option<&Route> {
        let path = endpoint.path.segments();
        if path.len() < 2 {
            return None;
        }
        self.routes
            .iter()
            .filter(|r| serves(r, endpoint.method))
            .filter(|r| {
                let route = r.path.segments();
                if route.len() == path.len() {
                    let mut differing = route.iter().zip(path).filter(|(a, b)| !segment_eq(a, b));
                    matches!(
                        (differing.next(), differing.next()),
                        (Some((Segment::Literal(_), Segment::Literal(_))), None)
                    )
                } else if route.len() == path.len() + 1 {
                    (0..route.len()).any(|skip| {
                        matches!(route[skip], Segment::Literal(_))
                            && route
                                .iter()
                                .enumerate()
                                .filter(|(i, _)| *i != skip)
                                .map(|(_, s)| s)
                                .zip(path)
                                .all(|(a, b)| segment_eq(a, b))
                    })
                } else {
                    false
                }
            })
            .min_by(|a, b| a.path.as_str().cmp(b.path.as_str()))
    }
}

fn segment_eq(a: &Segment, b: &Segment) -> bool {
    match (a, b) {
        (Segment::Literal(x), Segment::Literal(y)) => x == y,
        (Segment::Param(_), Segment::Param(_)) => true,
        (Segment::Mixed(x), Segment::Mixed(y)) => anon(x) == anon(y),
        _ => false,
    }
}

fn serves(route: &Route, method: Method) -> bool {
    route.methods.contains(&method)
        || (method == Method::Head && route.methods.contains(&Method::Get))
}

/// Number of literal segments matched when `route` serves `path` as a router would.
fn router_match(route: &PathTemplate, path: &PathTemplate) -> Option<usize> {
    let mut literals = 0;
    for (r, p) in route.segments().iter().zip(path.segments()) {
        match (r, p) {
            (Segment::Literal(a), Segment::Literal(b)) if a == b => literals += 1,
            (Segment::Param(_), Segment::Literal(_) | Segment::Param(_)) => {}
            (Segment::Mixed(a), Segment::Mixed(b)) if anon(a) == anon(b) => {}
            _ => return None,
        }
    }
    Some(literals)
}

fn anon(text: &str) -> String {
    PathTemplate::parse(&format!("/{text}")).map_or_else(|_| text.to_owned(), |t| t.shape())
}

/// The path normalised by the kinds in `mask`.
fn near_key(path: &PathTemplate, mask: u8) -> String {
    near_key_after(path, 0, mask)
}

/// The path normalised by the kinds in `mask`, its first `mount` segments dropped.
fn near_key_after(path: &PathTemplate, mount: usize, mask: u8) -> String {
    let mut segments: Vec<String> = path
        .segments()
        .iter()
        .skip(mount)
        .map(|s| match s {
            Segment::Literal(text) => text.clone(),
            Segment::Param(_) => "{}".to_owned(),
            Segment::Mixed(text) => anon(text).trim_start_matches('/').to_owned(),
        })
        .collect();
    if mask & NearKind::Prefix.bit() != 0 {
        let skip = segments.iter().take_while(|s| is_prefix_segment(s)).count();
        segments.drain(..skip);
    }
    for s in &mut segments {
        if mask & NearKind::Case.bit() != 0 {
            *s = s.to_lowercase();
        }
        if mask & NearKind::Separator.bit() != 0 {
            *s = s.replace('-', "_");
        }
    }
    if mask & NearKind::RepeatedSegment.bit() != 0 {
        segments.dedup();
    }
    let mut key = String::new();
    for s in &segments {
        key.push('/');
        key.push_str(s);
    }
    if mask & NearKind::TrailingSlash.bit() == 0
        && (path.has_trailing_slash() || segments.is_empty())
    {
        key.push('/');
    }
    key
}

fn openapi_base_path(servers: Option<&Value>) -> String {
    let Some(url) = servers
        .and_then(Value::as_array)
        .and_then(|s| s.first())
        .and_then(|s| s.get("url"))
        .and_then(Value::as_str)
    else {
        return String::new();
    };
    let path = match url.find("://") {
        Some(scheme_end) => {
            let after = &url[scheme_end + 3..];
            after.find('/').map_or("", |i| &after[i..])
        }
        None => url,
    };
    let path = path.trim_end_matches('/');
    if path.starts_with('/') && !path.contains('{') {
        path.to_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests;

/// What a path item of an OpenAPI document holds once a local `$ref` is followed.
pub(crate) enum PathItem<'d> {
    /// Its operations, by method key.
    Operations(&'d serde_json::Map<String, Value>),
    /// A reference the table cannot follow (another file, or a chain too long or broken).
    Elsewhere,
    /// Not a mapping.
    Nothing,
}

/// Follows a path item's `$ref` within `document` (OpenAPI 3.1 allows one; a path item
/// declared that way must not read as a missing route), at most eight hops.
pub(crate) fn path_item<'d>(document: &'d Value, item: &'d Value) -> PathItem<'d> {
    let mut item = item;
    for _ in 0..8 {
        let Some(ops) = item.as_object() else {
            return PathItem::Nothing;
        };
        let Some(reference) = ops.get("$ref").and_then(Value::as_str) else {
            return PathItem::Operations(ops);
        };
        let Some(target) = reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
        else {
            return PathItem::Elsewhere;
        };
        item = target;
    }
    PathItem::Elsewhere
}
