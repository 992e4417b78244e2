//! The static half of SPEC §3.7: invariants read against the 2xx schema of their operation,
//! before any request. An invariant whose query cannot select anything under the schema, or
//! whose type predicate contradicts it, would fail on every answer that honours the contract:
//! the registry is wrong, or the schema is.
//!
//! The walk is conservative: it warns only where the schema decides. A member counts as
//! declared when any branch of `allOf`, `anyOf` or `oneOf` declares it, and anything the walk
//! cannot follow (a free-form object, `patternProperties`, a descendant segment, a reference
//! outside the document) ends it without a warning.

use serde_json::Value;

use super::ResponseSchemas;
use crate::invariant::PathStep;
use crate::model::{Method, SchemaPolicy};
use crate::registry::Registry;
use crate::routes::{RouteCheck, RouteTable};

/// How deep `allOf`/`anyOf`/`oneOf` and `$ref` are followed.
const MAX_EXPAND: usize = 16;

/// An invariant that the OpenAPI schema of its operation contradicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaWarning {
    /// The panel.
    pub panel: String,
    /// The invariant's line in the registry.
    pub line: usize,
    /// The invariant's column in the registry.
    pub column: usize,
    /// What is wrong, naming the query and the operation.
    pub message: String,
}

/// Reads every invariant of `registry` against the 2xx response schema of its panel's
/// operation in `routes` (SPEC §3.7); panels with `schema: off`, HEAD panels and routes the
/// table does not serve are left alone. Warnings come in registry order.
///
/// ```
/// use hisar_core::{Registry, RouteTable, schema_warnings};
/// let routes = RouteTable::parse(r#"{"openapi": "3.0.3", "paths": {"/cost/summary": {"get": {
///     "responses": {"200": {"content": {"application/json": {"schema": {
///         "type": "object", "properties": {"total": {"type": "number"}}}}}}}}}}}"#).unwrap();
/// let registry = Registry::from_yaml(r#"
/// version: 1
/// domains: [{ code: OVR, name: OVERVIEW }]
/// panels:
///   - id: OVR-SUM-CI-O1
///     capability: overview.cost_summary
///     endpoint: GET /cost/summary
///     class: evidence
///     invariants: ["$.total_cost isNumber", "$.total isArray"]
/// "#, "hisar.yaml").unwrap();
/// let warnings = schema_warnings(&registry, &routes);
/// assert_eq!(warnings[0].message, "reads `$.total_cost`, which the schema of GET /cost/summary 200 does not declare");
/// assert_eq!((warnings[0].line, warnings[0].column), (9, 18));
/// assert_eq!(warnings[1].message, "`$.total isArray` asks for an array at `$.total`, where the schema of GET /cost/summary 200 says number");
/// ```
pub fn schema_warnings(registry: &Registry, routes: &RouteTable) -> Vec<SchemaWarning> {
    let Some(schemas) = routes.schemas() else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for panel in registry.panels() {
        if panel.schema == SchemaPolicy::Off || panel.endpoint.method == Method::Head {
            continue;
        }
        if !matches!(routes.check(&panel.endpoint), RouteCheck::Served { .. }) {
            continue;
        }
        let Some((label, schema)) =
            schemas.success_schema(&panel.endpoint.path, panel.endpoint.method)
        else {
            continue;
        };
        for (i, invariant) in panel.invariants.iter().enumerate() {
            if invariant.is_absence() {
                continue;
            }
            let (Some(steps), expects) = invariant.schema_view() else {
                continue;
            };
            let message = match walk(schemas, schema, &steps) {
                Reach::Unknown => None,
                Reach::Undeclared { at, name: _ } if at == 0 => Some(format!(
                    "reads `{}`, which the schema of {label} does not declare",
                    render(&steps[..=at])
                )),
                Reach::Undeclared { at, name } => Some(format!(
                    "reads `{}`, but the schema of {label} declares no `{name}` in `{}`",
                    render(&steps),
                    render(&steps[..at])
                )),
                Reach::Mismatch { at, types, wanted } => Some(format!(
                    "reads `{}`, but the schema of {label} says `{}` is {}, not {wanted}",
                    render(&steps),
                    render(&steps[..at]),
                    types.join(" or ")
                )),
                Reach::Nodes(nodes) => expects.and_then(|t| {
                    let types = node_types(schemas, &nodes)?;
                    (!types.iter().any(|have| allows(have, t))).then(|| {
                        format!(
                            "`{invariant}` asks for {} at `{}`, where the schema of {label} says {}",
                            article(t),
                            render(&steps),
                            types.join(" or ")
                        )
                    })
                }),
            };
            if let Some(message) = message {
                let (line, column) = panel
                    .invariant_positions
                    .get(i)
                    .copied()
                    .unwrap_or((panel.line, 1));
                warnings.push(SchemaWarning {
                    panel: panel.id.to_string(),
                    line,
                    column,
                    message,
                });
            }
        }
    }
    warnings
}

/// Where a query's walk through a schema ends.
enum Reach<'a> {
    /// The schema does not decide.
    Unknown,
    /// Step `at` names a member no candidate declares.
    Undeclared { at: usize, name: String },
    /// Step `at` needs a container the schema says the node is not.
    Mismatch {
        at: usize,
        types: Vec<String>,
        wanted: &'static str,
    },
    /// The schemas the query's nodes may have.
    Nodes(Vec<&'a Value>),
}

fn walk<'a>(schemas: &'a ResponseSchemas, root: &'a Value, steps: &[PathStep]) -> Reach<'a> {
    let mut current: Vec<&Value> = vec![root];
    for (at, step) in steps.iter().enumerate() {
        let Some(candidates) = expand_all(schemas, &current) else {
            return Reach::Unknown;
        };
        let mut next: Vec<&Value> = Vec::new();
        let mut types_seen: Vec<String> = Vec::new();
        let wanted = match step {
            PathStep::Name(_) => "an object",
            PathStep::Index(_) | PathStep::Items(_) => "an array",
            PathStep::Wildcard | PathStep::Other(_) => return Reach::Unknown,
        };
        for candidate in candidates {
            let types = declared_types(candidate);
            let container = if wanted == "an object" {
                "object"
            } else {
                "array"
            };
            match &types {
                Some(types) if !types.iter().any(|t| t == container) => {
                    types_seen.extend(types.iter().cloned());
                    continue;
                }
                None => return Reach::Unknown,
                Some(_) => {}
            }
            match step {
                PathStep::Name(name) => {
                    let properties = candidate.get("properties").and_then(Value::as_object);
                    if candidate.get("patternProperties").is_some() {
                        return Reach::Unknown;
                    }
                    if let Some(p) = properties.and_then(|p| p.get(name)) {
                        next.push(p);
                    } else if let Some(extra @ Value::Object(_)) =
                        candidate.get("additionalProperties")
                    {
                        next.push(extra);
                    } else if properties.is_none() {
                        // A free-form object: anything may be there.
                        return Reach::Unknown;
                    }
                }
                _ => match candidate.get("items") {
                    Some(items @ Value::Object(_)) => next.push(items),
                    _ => return Reach::Unknown,
                },
            }
        }
        if next.is_empty() {
            return match step {
                PathStep::Name(name) if types_seen.is_empty() => Reach::Undeclared {
                    at,
                    name: name.clone(),
                },
                _ => {
                    types_seen.sort();
                    types_seen.dedup();
                    Reach::Mismatch {
                        at,
                        types: types_seen,
                        wanted,
                    }
                }
            };
        }
        current = next;
    }
    Reach::Nodes(current)
}

/// The schemas a value may have to satisfy, `$ref`s followed and `allOf`/`anyOf`/`oneOf`
/// spread; `None` when something cannot be followed.
fn expand_all<'a>(schemas: &'a ResponseSchemas, from: &[&'a Value]) -> Option<Vec<&'a Value>> {
    let mut out = Vec::new();
    for schema in from {
        expand(schemas, schema, 0, &mut out)?;
    }
    Some(out)
}

fn expand<'a>(
    schemas: &'a ResponseSchemas,
    schema: &'a Value,
    depth: usize,
    out: &mut Vec<&'a Value>,
) -> Option<()> {
    if depth > MAX_EXPAND {
        return None;
    }
    let schema = schemas.resolve(schema)?;
    let mut spread = false;
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            spread = true;
            for branch in branches {
                expand(schemas, branch, depth + 1, out)?;
            }
        }
    }
    let own = schema.as_object().is_some_and(|m| {
        m.keys()
            .any(|k| !["allOf", "anyOf", "oneOf"].contains(&k.as_str()))
    });
    if own || !spread {
        out.push(schema);
    }
    Some(())
}

/// The JSON types a schema declares, or implies by its keywords.
fn declared_types(schema: &Value) -> Option<Vec<String>> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(vec![t.clone()]),
        Some(Value::Array(ts)) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => {
            let object = ["properties", "additionalProperties", "required"]
                .iter()
                .any(|k| schema.get(k).is_some());
            let array = schema.get("items").is_some();
            match (object, array) {
                (true, false) => Some(vec!["object".to_owned()]),
                (false, true) => Some(vec!["array".to_owned()]),
                _ => None,
            }
        }
    }
}

/// Every type the nodes may have; `None` when one of them declares none.
fn node_types(schemas: &ResponseSchemas, nodes: &[&Value]) -> Option<Vec<String>> {
    let candidates = expand_all(schemas, nodes)?;
    let mut types = Vec::new();
    for c in candidates {
        types.extend(declared_types(c)?);
    }
    types.sort();
    types.dedup();
    Some(types)
}

/// Whether a value of schema type `have` can pass a predicate asking for `want`.
fn allows(have: &str, want: &str) -> bool {
    have == want || matches!((have, want), ("integer", "number") | ("number", "integer"))
}

fn article(t: &str) -> String {
    match t {
        "array" | "object" | "integer" => format!("an {t}"),
        "null" => "null".to_owned(),
        _ => format!("a {t}"),
    }
}

/// A query's first steps, written back as JSONPath.
fn render(steps: &[PathStep]) -> String {
    let mut out = "$".to_owned();
    for step in steps {
        match step {
            PathStep::Name(n)
                if n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !n.is_empty() =>
            {
                out.push('.');
                out.push_str(n);
            }
            PathStep::Name(n) => {
                out.push_str("['");
                out.push_str(&n.replace('\\', "\\\\").replace('\'', "\\'"));
                out.push_str("']");
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Wildcard => out.push_str("[*]"),
            PathStep::Items(text) | PathStep::Other(text) => out.push_str(text),
        }
    }
    out
}
