//! The backend's own contract (SPEC §3.7): the response schemas of an OpenAPI 3.0 or 3.1
//! route table, compiled with the `jsonschema` crate and checked in stage 4.
//!
//! The document is read once, when the route table is parsed: for each operation, each
//! response (`200`, `2XX`, `default`, following a `$ref` to `components/responses`) and each
//! media type, where its schema sits in the document. A schema is compiled the first time a
//! panel's answer needs it, then kept for the life of the table (one sweep), so an answer is
//! never checked against a schema compiled for it alone. `$ref`s resolve within the document
//! and nowhere else: the document is the only resource the validator knows and retrieval is
//! off, so a reference to another file makes the schema "not checked", never a request.
//!
//! OpenAPI 3.0 schemas are JSON Schema draft 4 with extensions: they are validated as draft 4
//! after `nullable: true` is rewritten to what it means (`type: [T, "null"]`, or `anyOf` with
//! `{type: "null"}` when there is no `type`), and `required` properties marked `writeOnly`
//! are dropped (OpenAPI: they are required in requests only). 3.1 schemas are JSON Schema
//! 2020-12; a `nullable: true` there, which 3.1 no longer defines, is read as in 3.0 rather
//! than making `null` a violation. Formats are asserted where the validator knows them
//! (`date-time`, `date`, `email`, `uuid`, `uri`, ...); OpenAPI's own (`int32`, `int64`,
//! `float`, `double`, `byte`, `binary`, `password`) are annotations.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::model::{Method, PathTemplate};

/// The base URI the document is registered under; never fetched.
const BASE: &str = "https://openapi.hisar.invalid/document.json";
/// How many `$ref` hops a response object may take.
const MAX_REF_HOPS: usize = 16;
/// The longest validator message kept, in characters.
const MAX_MESSAGE: usize = 240;

/// Characters kept as they are in the URI fragment of a JSON pointer.
const FRAGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Which OpenAPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// 3.0: draft 4 with `nullable`.
    V30,
    /// 3.1 and later: JSON Schema 2020-12.
    V31,
}

/// A response key: `200`, `2XX`, `default`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StatusKey {
    Exact(u16),
    Range(u16),
    Default,
}

impl StatusKey {
    fn parse(key: &str) -> Option<Self> {
        if key.eq_ignore_ascii_case("default") {
            return Some(StatusKey::Default);
        }
        let bytes = key.as_bytes();
        if bytes.len() == 3 && bytes[1..].eq_ignore_ascii_case(b"xx") {
            return key[..1].parse().ok().map(StatusKey::Range);
        }
        key.parse()
            .ok()
            .filter(|s| (100..600).contains(s))
            .map(StatusKey::Exact)
    }
}

/// One media type of one response, and its compiled schema once compiled.
struct Media {
    /// The media type's essence, lower case (`application/json`).
    essence: String,
    /// JSON pointer to the schema in the document.
    pointer: String,
    compiled: OnceLock<Result<jsonschema::Validator, String>>,
}

/// One response of an operation.
struct ResponseEntry {
    key: String,
    status: StatusKey,
    media: Vec<Media>,
}

/// One operation.
struct Operation {
    /// `GET /cost/summary`, as messages name it (the route as the table writes it).
    label: String,
    responses: Vec<ResponseEntry>,
}

/// The response schemas of an OpenAPI document.
pub(crate) struct ResponseSchemas {
    version: Version,
    /// The document as validated (`nullable` rewritten).
    document: Arc<Value>,
    /// The document as a resource, or why it cannot be one; prepared when a first schema is
    /// compiled, so a table nobody validates against costs no preparation.
    registry: OnceLock<Result<jsonschema::Registry<'static>, String>>,
    /// (route shape, method) → operation.
    operations: HashMap<(String, Method), Operation>,
}

impl fmt::Debug for ResponseSchemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseSchemas")
            .field("version", &self.version)
            .field("operations", &self.operations.len())
            .finish_non_exhaustive()
    }
}

/// What stage 4 makes of a body against its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SchemaOutcome {
    /// The body matches.
    Matches,
    /// The body does not match.
    Violation(Violation),
    /// The schema cannot be used (an external `$ref`, a schema the validator refuses).
    Unusable {
        /// `GET /cost/summary 200`.
        label: String,
        /// Why.
        reason: String,
    },
}

/// The first way a body breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// `GET /cost/summary 200`.
    pub(crate) label: String,
    /// The instance pointer (`/total_cost`; `/` for the whole body).
    pub(crate) pointer: String,
    /// The schema keyword that failed (`type`).
    pub(crate) keyword: String,
    /// The validator's message, with the value (`"n/a" is not of type "number"`).
    pub(crate) message: String,
    /// How many more violations the body has.
    pub(crate) more: usize,
}

impl ResponseSchemas {
    /// Reads the response schemas of an OpenAPI 3.x document whose paths are mounted under
    /// `base`; `None` for anything else (a `{path: [methods]}` map, Swagger 2.0).
    pub(crate) fn from_document(document: &Map<String, Value>, base: &str) -> Option<Self> {
        let version = match document.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0") => Version::V30,
            Some(v) if v.starts_with('3') => Version::V31,
            _ => return None,
        };
        let mut transformed = Value::Object(document.clone());
        rewrite(&mut transformed, 0);
        let mut operations = HashMap::new();
        if let Some(Value::Object(paths)) = transformed.get("paths") {
            for (path, item) in paths {
                // A path item behind a `$ref` has its schemas elsewhere in the document: the
                // pointers below name `/paths/...`, so it is left unchecked (no schema, no gap).
                let Some(item) = item.as_object().filter(|i| !i.contains_key("$ref")) else {
                    continue;
                };
                let Ok(template) = PathTemplate::parse(&format!("{base}{path}")) else {
                    continue;
                };
                for (method_key, operation) in item {
                    let Ok(method) = method_key.parse::<Method>() else {
                        continue;
                    };
                    let at = format!("/paths/{}/{method_key}", escape(path));
                    let responses = responses_of(&transformed, operation, &at);
                    operations.insert(
                        (template.shape(), method),
                        Operation {
                            label: format!("{method} {template}"),
                            responses,
                        },
                    );
                }
            }
        }
        Some(Self {
            version,
            document: Arc::new(transformed),
            registry: OnceLock::new(),
            operations,
        })
    }

    fn draft(&self) -> jsonschema::Draft {
        match self.version {
            Version::V30 => jsonschema::Draft::Draft4,
            Version::V31 => jsonschema::Draft::Draft202012,
        }
    }

    /// The response of `method shape` for `status` (exact, then `2XX`, then `default`).
    fn response(
        &self,
        shape: &str,
        method: Method,
        status: u16,
    ) -> Option<(&Operation, &ResponseEntry)> {
        let operation = self.operations.get(&(shape.to_owned(), method))?;
        let pick = |want: &StatusKey| operation.responses.iter().find(|r| &r.status == want);
        let entry = pick(&StatusKey::Exact(status))
            .or_else(|| pick(&StatusKey::Range(status / 100)))
            .or_else(|| pick(&StatusKey::Default))?;
        Some((operation, entry))
    }

    /// Checks a JSON body received with `status` and `content_type` from `method path`
    /// against its schema; `None` when the document declares none for it.
    pub(crate) fn check(
        &self,
        path: &PathTemplate,
        method: Method,
        status: u16,
        content_type: Option<&str>,
        body: &Value,
    ) -> Option<SchemaOutcome> {
        let (operation, entry) = self.response(&path.shape(), method, status)?;
        let media = pick_media(&entry.media, content_type)?;
        let label = format!("{} {}", operation.label, entry.key);
        let compiled = media.compiled.get_or_init(|| self.compile(&media.pointer));
        let validator = match compiled {
            Ok(v) => v,
            Err(reason) => {
                return Some(SchemaOutcome::Unusable {
                    label,
                    reason: reason.clone(),
                });
            }
        };
        if validator.is_valid(body) {
            return Some(SchemaOutcome::Matches);
        }
        let mut errors = validator.iter_errors(body);
        let Some(first) = errors.next() else {
            return Some(SchemaOutcome::Matches);
        };
        let more = errors.take(1000).count();
        let pointer = match first.instance_path().as_str() {
            "" => "/".to_owned(),
            p => p.to_owned(),
        };
        Some(SchemaOutcome::Violation(Violation {
            label,
            pointer,
            keyword: first.kind().keyword().to_owned(),
            message: shorten(&first.to_string()),
            more,
        }))
    }

    fn compile(&self, pointer: &str) -> Result<jsonschema::Validator, String> {
        let registry = self
            .registry
            .get_or_init(|| {
                jsonschema::Registry::new()
                    .draft(self.draft())
                    .add(BASE, Value::clone(&self.document))
                    .and_then(jsonschema::RegistryBuilder::prepare)
                    .map_err(|e| {
                        shorten(&format!("the document cannot be read as JSON Schema: {e}"))
                    })
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let schema = serde_json::json!({
            "$ref": format!("{BASE}#{}", utf8_percent_encode(pointer, FRAGMENT))
        });
        jsonschema::options()
            .with_draft(self.draft())
            .offline()
            .with_registry(registry)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&schema)
            .map_err(|e| shorten(&format!("the schema cannot be compiled: {e}")))
    }

    /// The schema of the first 2xx response of `method shape` that declares a JSON body, with
    /// its label (`GET /cost/summary 200`); references are left for [`Self::resolve`].
    ///
    /// It looks where [`Self::response`] would look for a 2xx answer: the exact 2xx codes
    /// (ascending) when the operation declares any, else `2XX`, else `default`. A `default`
    /// beside a declared 2xx is the error answer: reading invariants against it would warn
    /// (and fail `--strict`) on a registry that is right; so would a `2XX` beside exact codes.
    pub(crate) fn success_schema(
        &self,
        path: &PathTemplate,
        method: Method,
    ) -> Option<(String, &Value)> {
        let operation = self.operations.get(&(path.shape(), method))?;
        let tier = |r: &ResponseEntry| match r.status {
            StatusKey::Exact(s) if (200..300).contains(&s) => Some(0),
            StatusKey::Range(2) => Some(1),
            StatusKey::Default => Some(2),
            StatusKey::Exact(_) | StatusKey::Range(_) => None,
        };
        let nearest = operation.responses.iter().filter_map(tier).min()?;
        let mut candidates: Vec<&ResponseEntry> = operation
            .responses
            .iter()
            .filter(|r| tier(r) == Some(nearest))
            .collect();
        candidates.sort_by_key(|r| match r.status {
            StatusKey::Exact(s) => u32::from(s),
            StatusKey::Range(_) => 1000,
            StatusKey::Default => 1001,
        });
        candidates.into_iter().find_map(|r| {
            let media = pick_media(&r.media, None)?;
            let schema = self.document.pointer(&media.pointer)?;
            Some((format!("{} {}", operation.label, r.key), schema))
        })
    }

    /// How many schemas have been compiled so far.
    #[cfg(test)]
    pub(crate) fn compiled_count(&self) -> usize {
        self.operations
            .values()
            .flat_map(|o| &o.responses)
            .flat_map(|r| &r.media)
            .filter(|m| m.compiled.get().is_some())
            .count()
    }

    /// `schema` with its `$ref`s to this document followed (at most a few hops); `None` for
    /// a reference elsewhere or a loop.
    pub(crate) fn resolve<'a>(&'a self, mut schema: &'a Value) -> Option<&'a Value> {
        for _ in 0..MAX_REF_HOPS {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) => schema = local_ref(&self.document, reference)?,
                None => return Some(schema),
            }
        }
        None
    }
}

/// The responses of an operation, with where each media type's schema is.
fn responses_of(document: &Value, operation: &Value, at: &str) -> Vec<ResponseEntry> {
    let Some(Value::Object(responses)) = operation.get("responses") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, response) in responses {
        let Some(status) = StatusKey::parse(key) else {
            continue;
        };
        // Follow a `$ref` to `components/responses`, keeping where it lands.
        let mut pointer = format!("{at}/responses/{}", escape(key));
        let mut response = response;
        let mut hops = 0;
        while let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            hops += 1;
            let (Some(target), Some(fragment)) =
                (local_ref(document, reference), reference.strip_prefix('#'))
            else {
                break;
            };
            if hops > MAX_REF_HOPS {
                break;
            }
            response = target;
            pointer = percent_encoding::percent_decode_str(fragment)
                .decode_utf8_lossy()
                .into_owned();
        }
        let mut media = Vec::new();
        if let Some(Value::Object(content)) = response.get("content") {
            for (name, item) in content {
                if item.get("schema").is_some() {
                    media.push(Media {
                        essence: essence(name),
                        pointer: format!("{pointer}/content/{}/schema", escape(name)),
                        compiled: OnceLock::new(),
                    });
                }
            }
        }
        out.push(ResponseEntry {
            key: key.clone(),
            status,
            media,
        });
    }
    out
}

/// The media type whose schema applies to a body of `content_type` (JSON when absent): the
/// same essence, else a JSON type for a JSON body, else a wildcard.
fn pick_media<'m>(media: &'m [Media], content_type: Option<&str>) -> Option<&'m Media> {
    let wanted = content_type.map_or_else(|| "application/json".to_owned(), essence);
    let json = |e: &str| e == "application/json" || e.ends_with("+json") || e == "text/json";
    media
        .iter()
        .find(|m| m.essence == wanted)
        .or_else(|| {
            json(&wanted)
                .then(|| media.iter().find(|m| json(&m.essence)))
                .flatten()
        })
        .or_else(|| {
            media
                .iter()
                .find(|m| m.essence == "*/*" || m.essence == "application/*")
        })
}

fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The value a `#/...` reference names in `document`.
fn local_ref<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    let fragment = reference.strip_prefix('#')?;
    let decoded = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()?;
    document.pointer(&decoded)
}

/// A JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn shorten(text: &str) -> String {
    if text.chars().count() > MAX_MESSAGE {
        format!("{}…", text.chars().take(MAX_MESSAGE).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// Rewrites what OpenAPI adds to JSON Schema into what it means, everywhere in the document:
/// `nullable: true` and `required` properties that are `writeOnly`. Bounded in depth: a
/// document nested deeper than any schema is left as it is below.
fn rewrite(value: &mut Value, depth: usize) {
    const MAX_DEPTH: usize = 256;
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, depth + 1)),
        Value::Object(map) => {
            for v in map.values_mut() {
                rewrite(v, depth + 1);
            }
            drop_write_only(map);
            // `nullable` as a keyword: a boolean (a property named `nullable` is a schema).
            let nullable = match map.get("nullable") {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            };
            if let Some(nullable) = nullable {
                map.remove("nullable");
                if nullable {
                    make_nullable(value);
                }
            }
        }
        _ => {}
    }
}

fn drop_write_only(map: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = map.get("properties") else {
        return;
    };
    let write_only: Vec<String> = properties
        .iter()
        .filter(|(_, p)| p.get("writeOnly") == Some(&Value::Bool(true)))
        .map(|(k, _)| k.clone())
        .collect();
    if write_only.is_empty() {
        return;
    }
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(|r| {
            r.as_str()
                .is_none_or(|r| !write_only.iter().any(|w| w == r))
        });
    }
}

fn make_nullable(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    let null = Value::String("null".to_owned());
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert(
                "type".to_owned(),
                Value::Array(vec![Value::String(t), null]),
            );
        }
        Some(Value::Array(types)) => {
            if !types.contains(&null) {
                types.push(null);
            }
        }
        _ => {
            let inner = std::mem::take(map);
            map.insert(
                "anyOf".to_owned(),
                Value::Array(vec![
                    Value::Object(inner),
                    serde_json::json!({"type": "null"}),
                ]),
            );
            return;
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

mod lint;
#[cfg(test)]
mod tests;

pub use lint::{SchemaWarning, schema_warnings};
