//! A registry to start from, generated from the backend's OpenAPI 3 document (`hisar init
//! --from-openapi`, SPEC §7).
//!
//! One panel per GET operation, in path order:
//! - **domains** from the operation's first tag (else the first path segment that is not `api`
//!   or a version), each with a code derived from its name (initials, then more letters, then
//!   a digit, until it is unique), assigned in name order so the same document always gives
//!   the same codes;
//! - **panel ids** `CODE-PATH_SLUG` (SPEC §2), a `-2`, `-3` suffix where two paths give the
//!   same slug; **capability ids** `domain_slug.operation_id`;
//! - **invariants** from the 200 (else `2XX`, else `default`) JSON schema: one per required
//!   member, a type predicate when the schema gives a single type, `exists` otherwise;
//! - **class** guessed from the shape and said to be a guess in a comment: a list (an array, or
//!   an object holding one) is `evidence`, an object with numeric members is
//!   `interpretation`, anything else `evidence`;
//! - **path parameters** taken (SPEC §4.2 `from`/`select`) from the list operation of the same
//!   family (the path up to the parameter) when there is one, else `{ todo: "..." }` (no value
//!   yet: a sweep leaves the panel `UNVERIFIED` without sending it, never a false gap) and a
//!   warning; required query parameters get their example, default or first enum value, else
//!   a `{ todo }` and a warning;
//! - provenance is required only where the schema declares a top-level `provenance` member.
//!
//! The generator is pure: a parsed document in, registry text and warnings out.
//!
//! # Example
//!
//! ```
//! use hisar_import::openapi::{InitOptions, init_from_openapi, parse_document};
//!
//! let doc = parse_document(r#"{"openapi": "3.1.0", "paths": {"/cost/summary": {"get": {
//!     "tags": ["Cost"], "operationId": "cost_summary",
//!     "responses": {"200": {"content": {"application/json": {"schema": {
//!         "type": "object", "required": ["total"],
//!         "properties": {"total": {"type": "number"}}}}}}}}}}}"#).unwrap();
//! let init = init_from_openapi(&doc, &InitOptions::default()).unwrap();
//! assert!(init.yaml.contains("- id: COS-COST-SUMMARY"));
//! assert!(init.yaml.contains("$.total isNumber"));
//! let registry = hisar_core::Registry::from_yaml(&init.yaml, "hisar.yaml").unwrap();
//! assert_eq!(registry.panels().len(), 1);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use hisar_core::{MAX_PANEL_ID_LEN, PanelClass};
use serde_json::{Map, Value};

use crate::draft::{PanelDraft, RegistryDraft};

/// How many `$ref` hops a schema, response or parameter may take.
const MAX_REF_HOPS: usize = 16;
/// The most invariants written for one panel.
const MAX_INVARIANTS: usize = 12;
/// The base URL written when neither the caller nor the document gives an absolute one.
const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8000";

/// What the caller knows that the document does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// `backend.base_url` as given (`--base-url`); else the document's absolute server URL,
    /// else a loopback placeholder.
    pub base_url: Option<String>,
    /// `backend.routes`: where the document is, as the registry should name it.
    pub routes: Option<String>,
    /// The document's name, for the header comment.
    pub source: Option<String>,
    /// Headers every probe sends (`X-API-Key`, `${API_KEY}`), written as the default auth mode
    /// `default`; values as given, so `${VAR}` keeps the secret in the environment.
    pub auth_headers: Vec<(String, String)>,
}

/// A generated registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Init {
    /// The registry, as `hisar.yaml` text.
    pub yaml: String,
    /// Panels written.
    pub panels: usize,
    /// Domains written.
    pub domains: usize,
    /// Path parameters bound to a list operation.
    pub bound_params: usize,
    /// What a person must look at, one sentence each, naming the panel.
    pub warnings: Vec<String>,
}

/// A document that cannot give a registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// Neither JSON nor YAML.
    #[error("not JSON or YAML: {0}")]
    Syntax(String),
    /// Parsed, but not an OpenAPI 3 document.
    #[error("not an OpenAPI 3 document: {0}")]
    NotOpenApi(String),
    /// An OpenAPI document with no GET operation.
    #[error("no GET operation under `paths`: there is no panel to write")]
    NoGetOperations,
}

/// Parses a document written as JSON or YAML.
pub fn parse_document(text: &str) -> Result<Value, InitError> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(json_err) => serde_saphyr::from_str(text).map_err(|yaml_err| {
            if matches!(text.trim_start().chars().next(), Some('{' | '[')) {
                InitError::Syntax(json_err.to_string())
            } else {
                InitError::Syntax(yaml_err.to_string())
            }
        }),
    }
}

/// The shape of a 200 answer, as far as the schema tells.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// No JSON schema, or one that says nothing.
    Unknown,
    /// A list: at `$` (a top-level array) or in a member; its item schema.
    List { at: Option<String>, item: Value },
    /// An object with numeric members.
    Aggregate,
    /// Any other object.
    Object,
    /// A scalar.
    Scalar,
}

/// One GET operation.
struct Operation<'a> {
    /// Full path (the server's base path, then the document's).
    path: String,
    op: &'a Map<String, Value>,
    /// Path-item level parameters.
    shared: Vec<&'a Value>,
    /// The 200 schema, resolved.
    schema: Option<Value>,
    shape: Shape,
    domain: String,
}

/// Generates a registry from a parsed OpenAPI 3.0/3.1 document.
pub fn init_from_openapi(doc: &Value, options: &InitOptions) -> Result<Init, InitError> {
    let map = doc
        .as_object()
        .ok_or_else(|| InitError::NotOpenApi("the document is not a mapping".into()))?;
    match map.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with('3') => {}
        Some(v) => return Err(InitError::NotOpenApi(format!("`openapi: {v}` is not 3.x"))),
        None if map.contains_key("swagger") => {
            return Err(InitError::NotOpenApi(
                "a Swagger 2.0 document; convert it to OpenAPI 3 first".into(),
            ));
        }
        None => return Err(InitError::NotOpenApi("no `openapi` version field".into())),
    }
    let paths = map
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| InitError::NotOpenApi("no `paths` mapping".into()))?;
    let base = server_base_path(map.get("servers"));
    let mut ops: Vec<Operation<'_>> = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let Some(op) = item.get("get").and_then(Value::as_object) else {
            continue;
        };
        let schema = response_schema(doc, op);
        let shape = schema.as_ref().map_or(Shape::Unknown, |s| shape_of(doc, s));
        ops.push(Operation {
            path: format!("{base}{path}"),
            op,
            shared: item
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            schema,
            shape,
            domain: domain_name(op, path),
        });
    }
    if ops.is_empty() {
        return Err(InitError::NoGetOperations);
    }
    ops.sort_by(|a, b| a.path.cmp(&b.path));

    let names: BTreeSet<&str> = ops.iter().map(|o| o.domain.as_str()).collect();
    let codes = domain_codes(names.iter().copied());
    let mut used_ids = BTreeSet::new();
    let ids: Vec<String> = ops
        .iter()
        .map(|o| {
            let code = &codes[o.domain.as_str()];
            unique(&mut used_ids, &panel_id(code, &o.path, &base), "-")
        })
        .collect();
    let mut used_caps = BTreeSet::new();
    let capabilities: Vec<String> = ops
        .iter()
        .map(|o| {
            let op_part =
                o.op.get("operationId")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("get_{}", o.path), str::to_owned);
            let cap = format!("{}.{}", snake(&o.domain), snake(&op_part));
            unique(&mut used_caps, &cap, "_")
        })
        .collect();

    let mut warnings = Vec::new();
    let mut bound_params = 0;
    let mut panels = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        let id = &ids[i];
        let mut p = PanelDraft {
            id: id.clone(),
            capability: capabilities[i].clone(),
            endpoint: format!("GET {}", o.path),
            ..PanelDraft::default()
        };
        if let Some(summary) = o.op.get("summary").and_then(Value::as_str) {
            let summary = one_line(summary);
            // A summary that repeats the endpoint says nothing the panel does not.
            if !summary.is_empty() && summary != p.endpoint {
                p.purpose = Some(summary);
            }
        }
        let (class, note) = guess_class(&o.shape);
        p.class = Some(class);
        p.class_note = Some(note.to_owned());
        if o.schema
            .as_ref()
            .and_then(|s| properties(doc, s).get("provenance").cloned())
            .is_some()
        {
            p.provenance = Some("required".into());
        } else if class == PanelClass::Interpretation {
            // An interpretation panel requires provenance unless told otherwise; a schema
            // that declares none would make every such panel a gap nobody asked for.
            p.provenance = Some("none".into());
            p.comments.push(
                "the schema declares no `provenance` block: set `provenance: required` if the UI shows where the numbers come from".into(),
            );
        }
        p.invariants = o
            .schema
            .as_ref()
            .map(|s| invariants(doc, s))
            .unwrap_or_default();
        if o.schema.is_none() {
            p.comments.push(
                "no JSON schema for the 200 answer: add invariants the panel relies on".into(),
            );
        }
        for name in path_param_names(&o.path) {
            match bind_path_param(doc, &ops, &ids, i, &name) {
                Some((from, select)) => {
                    bound_params += 1;
                    p.path_sources.push((name, from, select));
                }
                None => {
                    warnings.push(format!(
                        "{id}: no list operation of the same family gives `{name}`; it is a `{{ todo }}` (the panel is UNVERIFIED, never sent, until it has one): put a real value or a {{ from, select }}"
                    ));
                    p.comments.push(format!(
                        "TODO: a real `{name}`; until it has one a sweep does not send this panel (UNVERIFIED)"
                    ));
                    let hint = format!(
                        "a real {}: no list operation of this family gives one",
                        name.replace('_', " ")
                    );
                    p.path_todos.push((name.clone(), hint));
                }
            }
        }
        for param in parameters(doc, o) {
            let (Some(name), Some(place)) = (
                param.get("name").and_then(Value::as_str),
                param.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let required = param.get("required").and_then(Value::as_bool) == Some(true);
            if place != "query" || !required {
                continue;
            }
            if let Some(value) = example_value(doc, &param) {
                p.params.push((name.to_owned(), value));
            } else {
                warnings.push(format!(
                    "{id}: the required query parameter `{name}` has no example, default or enum; it is a `{{ todo }}` (the panel is UNVERIFIED, never sent, until it has a value)"
                ));
                p.param_todos.push((
                    name.to_owned(),
                    format!("a value for `{name}`: the document gives no example, default or enum"),
                ));
            }
        }
        panels.push(p);
    }

    let base_url = options.base_url.clone().unwrap_or_else(|| {
        absolute_server(map.get("servers")).unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
    });
    let mut domains: Vec<(String, String)> = codes
        .iter()
        .map(|(name, code)| (code.clone(), (*name).to_owned()))
        .collect();
    domains.sort();
    let title = map
        .get("info")
        .and_then(|i| i.get("title"))
        .and_then(Value::as_str)
        .map(|t| format!("{} panels", one_line(t)));
    let source = options.source.as_deref().unwrap_or("an OpenAPI document");
    let draft = RegistryDraft {
        header: header(source, !options.auth_headers.is_empty()),
        title,
        base_url: Some(base_url),
        routes: options.routes.clone(),
        auth: if options.auth_headers.is_empty() {
            Vec::new()
        } else {
            vec![("default".to_owned(), options.auth_headers.clone())]
        },
        default_auth: (!options.auth_headers.is_empty()).then(|| "default".to_owned()),
        domains,
        panels,
        ..RegistryDraft::default()
    };
    let yaml = draft.to_yaml();
    Ok(Init {
        yaml,
        panels: draft.panels.len(),
        domains: draft.domains.len(),
        bound_params,
        warnings,
    })
}

fn header(source: &str, with_auth: bool) -> Vec<String> {
    let mut lines: Vec<String> = vec![
        format!("Generated by `hisar init --from-openapi` from {source}."),
        "A start, not a verdict: read it, then edit it.".to_owned(),
        "- backend.base_url: where the backend answers (--base-url and HISAR_BASE_URL override it).".to_owned(),
    ];
    if with_auth {
        lines.push("- auth: every probe sends the `default` mode's headers; `${VAR}` values come from the environment.".to_owned());
    } else {
        lines.extend([
            "- auth: none is declared. If the backend needs credentials, add a mode and make it the default:".to_owned(),
            "    auth: { observer: { headers: { X-API-Key: \"${API_KEY}\" } } }".to_owned(),
            "    defaults: { auth: observer }".to_owned(),
        ]);
    }
    lines.extend([
        "- panels: one per GET operation; drop those the UI does not show, rename ids to your scheme.".to_owned(),
        "- class: guessed from the answer's shape (see the comment on each line); fix it.".to_owned(),
        "- invariants: the 200 schema's required members; add what the panel really reads.".to_owned(),
        "- { todo: ... } values: ids no list operation gives; until they have a value a sweep does not send their panel (UNVERIFIED).".to_owned(),
        "Then: hisar validate && hisar sweep".to_owned(),
    ]);
    lines
}

/// The first line of free text, trimmed.
fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_owned()
}

/// `base` or `base-2`, `base-3`, ...: the first not yet used.
fn unique(used: &mut BTreeSet<String>, base: &str, sep: &str) -> String {
    let mut candidate = base.to_owned();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{base}{sep}{n}");
        n += 1;
    }
    used.insert(candidate.clone());
    candidate
}

/// Follows `$ref`s within the document (`#/...` only), at most [`MAX_REF_HOPS`].
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> Option<&'a Value> {
    for _ in 0..MAX_REF_HOPS {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Some(value);
        };
        let pointer = reference.strip_prefix('#')?;
        value = doc.pointer(pointer)?;
    }
    None
}

/// A schema with its `$ref` followed and a single-member `allOf` (how generators write a
/// reference with siblings) unwrapped; an `allOf` of objects merged into one.
fn schema_view(doc: &Value, schema: &Value) -> Value {
    let mut current = resolve(doc, schema).cloned().unwrap_or(Value::Null);
    for _ in 0..MAX_REF_HOPS {
        let Some(all) = current.get("allOf").and_then(Value::as_array).cloned() else {
            break;
        };
        let mut props = Map::new();
        let mut required = Vec::new();
        let mut kind = None;
        for part in &all {
            let part = resolve(doc, part).cloned().unwrap_or(Value::Null);
            if let Some(t) = part.get("type") {
                kind = Some(t.clone());
            }
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                props.extend(p.clone());
            }
            if let Some(r) = part.get("required").and_then(Value::as_array) {
                required.extend(r.iter().cloned());
            }
            if all.len() == 1 {
                current = part;
                break;
            }
        }
        if all.len() > 1 {
            let mut merged = Map::new();
            merged.insert("type".into(), kind.unwrap_or_else(|| "object".into()));
            merged.insert("properties".into(), Value::Object(props));
            merged.insert("required".into(), Value::Array(required));
            current = Value::Object(merged);
        }
    }
    current
}

/// The JSON schema of the 200 answer (else `2XX`, `default`).
fn response_schema(doc: &Value, op: &Map<String, Value>) -> Option<Value> {
    let responses = op.get("responses")?.as_object()?;
    let response = ["200", "2XX", "2xx", "default"]
        .iter()
        .find_map(|k| responses.get(*k))?;
    let response = resolve(doc, response)?;
    let content = response.get("content")?.as_object()?;
    let media = content
        .iter()
        .find(|(k, _)| k.starts_with("application/json"))
        .or_else(|| content.iter().find(|(k, _)| k.ends_with("+json")))?
        .1;
    let schema = schema_view(doc, media.get("schema")?);
    schema.as_object().filter(|o| !o.is_empty())?;
    Some(schema)
}

/// The single non-null type a schema declares, if one.
fn single_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(t) => Some(t.as_str()),
        Value::Array(types) => {
            let non_null: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            (non_null.len() == 1).then(|| non_null[0])
        }
        _ => None,
    }
}

/// Whether a schema admits `null`.
fn nullable(schema: &Value) -> bool {
    schema.get("nullable").and_then(Value::as_bool) == Some(true)
        || schema
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|x| x == "null"))
}

fn properties(doc: &Value, schema: &Value) -> Map<String, Value> {
    schema_view(doc, schema)
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn shape_of(doc: &Value, schema: &Value) -> Shape {
    match single_type(schema) {
        Some("array") => {
            return Shape::List {
                at: None,
                item: schema.get("items").cloned().unwrap_or(Value::Null),
            };
        }
        Some("object") | None => {}
        Some(_) => return Shape::Scalar,
    }
    let props = properties(doc, schema);
    if props.is_empty() {
        return if single_type(schema) == Some("object") {
            Shape::Object
        } else {
            Shape::Unknown
        };
    }
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let arrays: Vec<(&String, Value)> = props
        .iter()
        .map(|(k, v)| (k, schema_view(doc, v)))
        .filter(|(k, v)| *k != "provenance" && single_type(v) == Some("array"))
        .collect();
    // A required list first: `{items, total}` is a page of items, not a summary.
    if let Some((name, item)) = arrays
        .iter()
        .find(|(k, _)| required.contains(k.as_str()))
        .or_else(|| arrays.first())
    {
        return Shape::List {
            at: Some((*name).clone()),
            item: item.get("items").cloned().unwrap_or(Value::Null),
        };
    }
    let numeric = props.iter().any(|(k, v)| {
        k != "id"
            && matches!(
                single_type(&schema_view(doc, v)),
                Some("integer" | "number")
            )
    });
    if numeric {
        Shape::Aggregate
    } else {
        Shape::Object
    }
}

fn guess_class(shape: &Shape) -> (PanelClass, &'static str) {
    match shape {
        Shape::List { .. } => (PanelClass::Evidence, "guess: the answer is a list"),
        Shape::Aggregate => (
            PanelClass::Interpretation,
            "guess: an object with numeric members (aggregates)",
        ),
        Shape::Object => (PanelClass::Evidence, "guess: one object, no aggregates"),
        Shape::Scalar => (PanelClass::Evidence, "guess: a scalar answer"),
        Shape::Unknown => (PanelClass::Evidence, "guess: the schema does not say"),
    }
}

/// A member's JSONPath: `$.name`, or `$['odd name']`.
fn member_path(prefix: &str, name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{prefix}.{name}")
    } else {
        let escaped = name.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{prefix}['{escaped}']")
    }
}

/// One invariant per required member (the type when the schema gives one), or `$ isArray`.
fn invariants(doc: &Value, schema: &Value) -> Vec<String> {
    if single_type(schema) == Some("array") {
        return vec!["$ isArray".into()];
    }
    let props = properties(doc, schema);
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for name in required.iter().filter_map(Value::as_str) {
        // Provenance has its own stage; a duplicate `required` entry its one invariant.
        if name == "provenance" || !seen.insert(name) || out.len() == MAX_INVARIANTS {
            continue;
        }
        let path = member_path("$", name);
        let member = props.get(name).map(|m| schema_view(doc, m));
        let predicate = member
            .as_ref()
            .filter(|m| !nullable(m))
            .and_then(|m| match single_type(m)? {
                "string" => Some("isString"),
                "integer" => Some("isInteger"),
                "number" => Some("isNumber"),
                "boolean" => Some("isBoolean"),
                "array" => Some("isArray"),
                "object" => Some("isObject"),
                _ => None,
            })
            .unwrap_or("exists");
        out.push(format!("{path} {predicate}"));
    }
    out
}

/// The `{name}`s of a path, in order.
fn path_param_names(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

/// The list operation of the same family that gives `{name}` of operation `i`: a GET at the
/// path up to the parameter, without parameters of its own, whose answer is a list; and the
/// JSONPath of the first item's member named like the parameter, else its `id`.
fn bind_path_param(
    doc: &Value,
    ops: &[Operation<'_>],
    ids: &[String],
    i: usize,
    name: &str,
) -> Option<(String, String)> {
    let path = &ops[i].path;
    let family = &path[..path.find(&format!("/{{{name}}}"))?];
    let j = ops
        .iter()
        .position(|o| o.path == family && !o.path.contains('{'))?;
    let Shape::List { at, item } = &ops[j].shape else {
        return None;
    };
    let props = properties(doc, item);
    let member = [name, "id"].into_iter().find(|m| props.contains_key(*m))?;
    let list = at
        .as_ref()
        .map_or_else(|| "$".to_owned(), |a| member_path("$", a));
    Some((ids[j].clone(), member_path(&format!("{list}[0]"), member)))
}

/// The operation's parameters, path-item ones first, `$ref`s followed; an operation
/// parameter replaces a path-item one of the same name and place.
fn parameters(doc: &Value, o: &Operation<'_>) -> Vec<Value> {
    let mut by_key: BTreeMap<(String, String), (usize, Value)> = BTreeMap::new();
    let own = o.op.get("parameters").and_then(Value::as_array);
    for (n, p) in o
        .shared
        .iter()
        .copied()
        .chain(own.into_iter().flatten())
        .enumerate()
    {
        let Some(p) = resolve(doc, p) else { continue };
        let key = (
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            p.get("in").and_then(Value::as_str).unwrap_or("").to_owned(),
        );
        let order = by_key.get(&key).map_or(n, |(o, _)| *o);
        by_key.insert(key, (order, p.clone()));
    }
    let mut list: Vec<(usize, Value)> = by_key.into_values().collect();
    list.sort_by_key(|(n, _)| *n);
    list.into_iter().map(|(_, p)| p).collect()
}

/// A value for a required parameter: its example, the schema's example or default, or the
/// first enum value.
fn example_value(doc: &Value, param: &Value) -> Option<String> {
    let schema = param.get("schema").map(|s| schema_view(doc, s));
    let candidates = [
        param.get("example"),
        schema.as_ref().and_then(|s| s.get("example")),
        schema.as_ref().and_then(|s| s.get("default")),
        schema
            .as_ref()
            .and_then(|s| s.get("enum"))
            .and_then(|e| e.get(0)),
    ];
    candidates.into_iter().flatten().find_map(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// Path segments that say nothing about the domain.
fn is_noise_segment(segment: &str) -> bool {
    segment.is_empty()
        || segment == "api"
        || segment.starts_with('{')
        || (segment.len() > 1
            && segment.starts_with('v')
            && segment[1..].chars().all(|c| c.is_ascii_digit()))
}

/// The domain an operation belongs to: its first tag, else its first meaningful segment.
fn domain_name(op: &Map<String, Value>, path: &str) -> String {
    op.get("tags")
        .and_then(Value::as_array)
        .and_then(|t| t.first())
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            path.split('/')
                .find(|s| !is_noise_segment(s))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "api".to_owned())
}

/// Codes for domain names, in name order: initials of the first three words (a one-word name
/// gives its first three letters, two words two letters and one), then longer prefixes, then a
/// digit.
pub(crate) fn domain_codes<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<&'a str, String> {
    let mut used = BTreeSet::new();
    let mut out = BTreeMap::new();
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let words: Vec<String> = name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        let letters: String = words.concat();
        let mut candidates = Vec::new();
        let first = match words.len() {
            0 => String::new(),
            1 => words[0].chars().take(3).collect(),
            2 => words[0]
                .chars()
                .take(1)
                .chain(words[1].chars().take(2))
                .collect(),
            _ => words
                .iter()
                .take(3)
                .filter_map(|w| w.chars().next())
                .collect(),
        };
        candidates.push(first.clone());
        for n in 4..=letters.len().min(8) {
            candidates.push(letters.chars().take(n).collect());
        }
        let fallback = if first.starts_with(|c: char| c.is_ascii_uppercase()) {
            first
        } else {
            format!("D{first}")
        };
        let code = candidates
            .into_iter()
            .find(|c| c.starts_with(|c: char| c.is_ascii_uppercase()) && !used.contains(c))
            .unwrap_or_else(|| {
                // One more candidate than codes taken: one of them is free.
                (2..=used.len() + 2)
                    .map(|n| format!("{fallback}{n}"))
                    .find(|c| !used.contains(c))
                    .unwrap_or_default()
            });
        used.insert(code.clone());
        out.insert(name, code);
    }
    out
}

/// `CODE-SEG-SEG`: the path (after the server's base) in upper case, a `{param}` as its name.
fn panel_id(code: &str, path: &str, base: &str) -> String {
    let rest = path.strip_prefix(base).unwrap_or(path);
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_start_matches('{')
                .trim_end_matches('}')
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect()
        })
        .collect();
    let slug = if segments.is_empty() {
        "ROOT".to_owned()
    } else {
        segments.join("-")
    };
    // Room for the code, the dash and a `-NN` collision suffix.
    let room = MAX_PANEL_ID_LEN.saturating_sub(code.len() + 5);
    format!("{code}-{}", slug.chars().take(room).collect::<String>())
}

/// Lower-case `a-z0-9_`, runs of anything else as one `_`, never empty.
fn snake(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    if out.is_empty() { "x".to_owned() } else { out }
}

/// The path of the first server URL, when it is a fixed path (`/api`, `https://h/api`).
fn server_base_path(servers: Option<&Value>) -> String {
    let Some(url) = first_server(servers) else {
        return String::new();
    };
    let path = match url.find("://") {
        Some(end) => url[end + 3..].find('/').map_or("", |i| &url[end + 3 + i..]),
        None => url,
    };
    let path = path.trim_end_matches('/');
    if path.starts_with('/') && !path.contains('{') {
        path.to_owned()
    } else {
        String::new()
    }
}

/// The first server's origin, when it is an absolute URL without variables.
fn absolute_server(servers: Option<&Value>) -> Option<String> {
    let url = first_server(servers)?;
    let end = url.find("://")?;
    if url.contains('{') || !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let host_end = url[end + 3..].find('/').map_or(url.len(), |i| end + 3 + i);
    Some(url[..host_end].to_owned())
}

fn first_server(servers: Option<&Value>) -> Option<&str> {
    servers?.as_array()?.first()?.get("url")?.as_str()
}

#[cfg(test)]
mod tests;
