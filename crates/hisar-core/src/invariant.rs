//! The invariant language (SPEC §3.2): `[not] QUERY [count] PREDICATE [VALUE]`.
//!
//! Invariants are parsed once, when the registry loads, into a compiled form (JSONPath and
//! regular expressions built once); evaluation walks a parsed body and never re-parses it.
//!
//! Semantics:
//! - QUERY is an RFC 9535 JSONPath starting with `$`, or `status`, `header "Name"` (every value
//!   of that response header, case-insensitive name) or `duration` (milliseconds).
//! - A query selecting several nodes holds only if the predicate holds for every node; the
//!   failure names the first offending node by its normalized path (`$['items'][1]['cost']`).
//! - For all, not for some: a wildcard, filter, slice or descendant segment followed by member
//!   or index segments asks them of every node it selects. `$.items[*].id exists` fails when
//!   one item lacks `id` (RFC 9535 alone would select the ids that exist and pass).
//! - A query selecting no node fails, except `not … exists`, which holds exactly then.
//! - `not` negates the predicate for each node: `not $.items[*].state == "failed"` holds when
//!   every item has a `state` and none of them is `"failed"`.
//! - `count` applies the predicate to the number of selected nodes, or to the length of the
//!   one selected node when that node is an array (`$.items count <= 100`); a query that
//!   selects nothing because a member on its way is missing fails (no `items` at all), while
//!   an empty array counts 0.
//!
//! ```
//! use hisar_core::{Invariant, Subject};
//! use serde_json::json;
//! let body = json!({"items": [{"id": 1}, {"id": 2}], "total": 2});
//! let subject = Subject { body: Some(&body), status: 200, headers: &[], duration_ms: 12 };
//! for text in ["$.items isArray", "$.total >= 0", "$.items[*].id exists", "$.items count <= 100",
//!              "duration < 2000", "not $.error exists", "status == 200"] {
//!     let inv = Invariant::parse(text).unwrap();
//!     assert!(inv.evaluate(&subject).holds, "{text}");
//! }
//! let err = Invariant::parse("$.total => 0").unwrap_err();
//! assert_eq!(err.column, 9);
//!
//! // One item without `id`: the table would break on that row.
//! let body = json!({"items": [{"id": 1}, {"name": "b"}]});
//! let subject = Subject { body: Some(&body), status: 200, headers: &[], duration_ms: 12 };
//! let check = Invariant::parse("$.items[*].id exists").unwrap().evaluate(&subject);
//! assert!(!check.holds);
//! assert_eq!(check.found, "no `id` in $['items'][1]");
//! ```

mod path;

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

pub(crate) use self::path::{PathQuery, PathStep};
use crate::error::InvariantError;
use crate::time::is_rfc3339;

/// What an invariant is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The parsed JSON body, if the body is JSON.
    pub body: Option<&'a Value>,
    /// The HTTP status.
    pub status: u16,
    /// Response headers, names lower-case.
    pub headers: &'a [(String, String)],
    /// Elapsed time in milliseconds.
    pub duration_ms: u64,
}

/// The result of evaluating one invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Whether the invariant holds.
    pub holds: bool,
    /// What was found, for the failure message (empty when it holds).
    pub found: String,
}

#[derive(Debug, Clone)]
enum Query {
    /// Shared by the clones of an invariant (the registry compiles each distinct text once).
    Path(Arc<PathQuery>),
    Status,
    Header(String),
    Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
enum Predicate {
    Exists,
    Compare(Op, Value),
    Contains(Value),
    StartsWith(String),
    /// Shared by clones, so panels with the same pattern also share its search caches.
    Matches(Arc<Regex>),
    IsArray,
    IsObject,
    IsString,
    IsInteger,
    IsNumber,
    IsBoolean,
    IsNull,
    IsEmpty,
    IsIsoDate,
}

/// The predicate names, as written.
pub(crate) const PREDICATES: [&str; 19] = [
    "exists",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "startsWith",
    "matches",
    "isArray",
    "isObject",
    "isString",
    "isInteger",
    "isNumber",
    "isBoolean",
    "isNull",
    "isEmpty",
    "isIsoDate",
];

/// A compiled invariant. Cheap to clone: clones share one compiled form, so a registry of
/// 100,000 panels that declare the same few invariants holds each once.
#[derive(Clone)]
pub struct Invariant(Arc<Compiled>);

struct Compiled {
    source: String,
    negated: bool,
    query: Query,
    count: bool,
    predicate: Predicate,
}

impl fmt::Debug for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Invariant").field(&self.0.source).finish()
    }
}

impl PartialEq for Invariant {
    fn eq(&self, other: &Self) -> bool {
        self.0.source == other.0.source
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.source)
    }
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// 1-based character column of a byte offset.
    fn column_of(&self, byte: usize) -> usize {
        self.text[..byte.min(self.text.len())].chars().count() + 1
    }

    fn error(&self, byte: usize, message: impl Into<String>) -> InvariantError {
        InvariantError {
            column: self.column_of(byte),
            message: message.into(),
        }
    }

    /// The next run of non-space characters.
    fn word(&mut self) -> (usize, &'a str) {
        self.skip_ws();
        let start = self.pos;
        let rest = self.rest();
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += len;
        (start, &self.text[start..start + len])
    }

    fn peek_word(&self) -> &'a str {
        let rest = self.rest().trim_start();
        &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())]
    }
}

impl Invariant {
    /// Parses an invariant. Errors carry the 1-based column where the problem starts.
    pub fn parse(text: &str) -> Result<Self, InvariantError> {
        let mut cur = Cursor { text, pos: 0 };
        cur.skip_ws();
        if cur.rest().is_empty() {
            return Err(cur.error(0, "empty invariant"));
        }
        let negated = cur.peek_word() == "not";
        if negated {
            cur.word();
            cur.skip_ws();
        }
        let query = parse_query(&mut cur)?;
        let count = cur.peek_word() == "count";
        if count {
            cur.word();
        }
        let (pred_at, pred_word) = cur.word();
        if pred_word.is_empty() {
            return Err(cur.error(
                pred_at,
                format!(
                    "expected a predicate after the query: one of {}",
                    PREDICATES.join(", ")
                ),
            ));
        }
        cur.skip_ws();
        let value_at = cur.pos;
        let value_text = cur.rest().trim_end();
        let value = if value_text.is_empty() {
            None
        } else {
            Some(serde_json::from_str::<Value>(value_text).map_err(|e| {
                cur.error(
                    value_at,
                    format!("value `{value_text}` is not a JSON literal ({e}); strings need double quotes"),
                )
            })?)
        };
        let predicate = build_predicate(&cur, pred_at, pred_word, value, value_at)?;
        if count && !matches!(predicate, Predicate::Compare(_, Value::Number(_))) {
            return Err(cur.error(
                pred_at,
                "`count` takes a comparison with a number, such as `count <= 100`",
            ));
        }
        if negated && count {
            return Err(cur.error(
                0,
                "`not` and `count` do not combine; invert the comparison instead",
            ));
        }
        Ok(Self(Arc::new(Compiled {
            source: text.trim().to_owned(),
            negated,
            query,
            count,
            predicate,
        })))
    }

    /// The invariant as written (trimmed).
    pub fn source(&self) -> &str {
        &self.0.source
    }

    /// Whether the invariant queries the JSON body.
    pub fn reads_body(&self) -> bool {
        matches!(self.0.query, Query::Path(_))
    }

    /// What a schema can tell about the invariant (SPEC §3.7, the static check): the steps of
    /// its JSONPath (`None` for `status`, `header` and `duration`), and the JSON type its
    /// predicate asks for, when it asks for one of every selected node (not negated, not
    /// counted).
    pub(crate) fn schema_view(&self) -> (Option<Vec<PathStep>>, Option<&'static str>) {
        let steps = match &self.0.query {
            Query::Path(path) => Some(path.steps()),
            _ => None,
        };
        let expects = match (&self.0.predicate, self.0.negated || self.0.count) {
            (_, true) => None,
            (Predicate::IsArray, _) => Some("array"),
            (Predicate::IsObject, _) => Some("object"),
            (Predicate::IsString | Predicate::IsIsoDate, _) => Some("string"),
            (Predicate::IsInteger, _) => Some("integer"),
            (Predicate::IsNumber, _) => Some("number"),
            (Predicate::IsBoolean, _) => Some("boolean"),
            (Predicate::IsNull, _) => Some("null"),
            _ => None,
        };
        (steps, expects)
    }

    /// Whether the invariant is `not QUERY exists`, which holds when the query selects
    /// nothing.
    pub(crate) fn is_absence(&self) -> bool {
        self.0.negated && matches!(self.0.predicate, Predicate::Exists)
    }

    /// Evaluates the invariant.
    pub fn evaluate(&self, subject: &Subject<'_>) -> Check {
        let status = Value::from(subject.status);
        let duration = Value::from(subject.duration_ms);
        let header_values: Vec<Value>;
        let nodes: Vec<&Value> = match &self.0.query {
            Query::Path(path) => {
                return match subject.body {
                    Some(body) => self.evaluate_path(path, body),
                    None => fail("no JSON body".to_owned()),
                };
            }
            Query::Status => vec![&status],
            Query::Duration => vec![&duration],
            Query::Header(name) => {
                header_values = subject
                    .headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| Value::String(v.clone()))
                    .collect();
                header_values.iter().collect()
            }
        };

        if self.0.count {
            return self.count_check(nodes.as_slice(), None);
        }
        if nodes.is_empty() {
            return self.nothing_selected();
        }
        for node in &nodes {
            if self.0.predicate.test(node) == self.0.negated {
                let found = if nodes.len() > 1 {
                    format!("{} (one of {} nodes)", show(node), nodes.len())
                } else {
                    show(node)
                };
                return fail(found);
            }
        }
        HOLDS
    }

    fn evaluate_path(&self, path: &PathQuery, body: &Value) -> Check {
        let selected = path.select(body);
        if self.0.count {
            let missing = if selected.is_empty() {
                path.first_missing(body)
            } else {
                None
            };
            let values: Vec<&Value> = selected.iter().map(|s| s.value).collect();
            return self.count_check(&values, missing.map(|m| m.to_string()));
        }
        if self.0.negated && matches!(self.0.predicate, Predicate::Exists) {
            return match selected.first() {
                None => HOLDS,
                Some(first) => fail(located(first.value, &first.path, path.is_singular())),
            };
        }
        if let Some(missing) = path.first_missing(body) {
            return if selected.is_empty() {
                fail(format!("nothing selected: {missing}"))
            } else {
                fail(missing.to_string())
            };
        }
        if selected.is_empty() {
            return self.nothing_selected();
        }
        for node in &selected {
            if self.0.predicate.test(node.value) == self.0.negated {
                return fail(located(node.value, &node.path, path.is_singular()));
            }
        }
        HOLDS
    }

    fn count_check(&self, nodes: &[&Value], missing: Option<String>) -> Check {
        if let Some(missing) = missing {
            return fail(format!("nothing selected: {missing}"));
        }
        let n = match nodes {
            [Value::Array(items)] => items.len(),
            _ => nodes.len(),
        };
        if self.0.predicate.test(&Value::from(n)) {
            HOLDS
        } else {
            fail(format!("count {n}"))
        }
    }

    fn nothing_selected(&self) -> Check {
        if self.0.negated && matches!(self.0.predicate, Predicate::Exists) {
            HOLDS
        } else {
            fail("nothing selected".to_owned())
        }
    }
}

const HOLDS: Check = Check {
    holds: true,
    found: String::new(),
};

fn fail(found: String) -> Check {
    Check {
        holds: false,
        found,
    }
}

/// A value found by a query, with its normalized path unless the query names one node.
fn located(value: &Value, path: &str, singular: bool) -> String {
    if singular {
        show(value)
    } else {
        format!("{} at {path}", show(value))
    }
}

/// The byte offset of a `\\u` escape with fewer than four characters after it, if any.
///
/// serde_json_path 0.7 parses the hex digits of a `\\u` escape with a streaming parser and
/// panics (`unreachable!`) when the path ends inside one (found by the `invariant` fuzz
/// target: `$['\\u`). Such a path is invalid anyway; it is refused here before the parser
/// sees it. Every escape is skipped whole, so `\\\\u` (a backslash, then `u`) passes.
fn truncated_unicode_escape(path: &str) -> Option<usize> {
    let mut chars = path.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            continue;
        }
        if let Some((_, 'u')) = chars.next()
            && path[i..].chars().count() < 6
        {
            return Some(i);
        }
    }
    None
}

/// How deep the brackets of a JSONPath may nest (`$.a[?@.b[?@.c]]` nests 2 deep).
///
/// serde_json_path 0.7 takes time exponential in the nesting of brackets to parse a path
/// (twice as long per level: 25 ms at 14 levels, about a minute at 25), which the `invariant`
/// fuzz target found as a timeout: one registry line could hang `validate`, a sweep or the
/// service. No invariant a panel needs nests nearly this deep.
const MAX_BRACKET_DEPTH: usize = 8;

/// Where the brackets of `path` first nest deeper than [`MAX_BRACKET_DEPTH`], and how deep
/// they go there; brackets inside quoted names do not count.
fn too_deep(path: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = path.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    return Some((i, depth));
                }
            }
            (None, ']') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    None
}

fn parse_query(cur: &mut Cursor<'_>) -> Result<Query, InvariantError> {
    let start = cur.pos;
    let rest = cur.rest();
    if rest.starts_with('$') {
        let len = jsonpath_len(rest);
        let path_text = &rest[..len];
        cur.pos += len;
        if let Some((at, depth)) = too_deep(path_text) {
            return Err(cur.error(
                start + at,
                format!(
                    "invalid JSONPath `{path_text}`: brackets nest {depth} deep, more than {MAX_BRACKET_DEPTH}"
                ),
            ));
        }
        if let Some(at) = truncated_unicode_escape(path_text) {
            return Err(cur.error(
                start + at,
                format!("invalid JSONPath `{path_text}`: a \\u escape needs four hex digits"),
            ));
        }
        return PathQuery::parse(path_text)
            .map(|path| Query::Path(Arc::new(path)))
            .map_err(|(position, message)| {
                let offset = rest.char_indices().nth(position).map_or(len, |(i, _)| i);
                cur.error(
                    start + offset,
                    format!("invalid JSONPath `{path_text}`: {message}"),
                )
            });
    }
    let (at, word) = cur.word();
    match word {
        "status" => Ok(Query::Status),
        "duration" => Ok(Query::Duration),
        "header" => {
            cur.skip_ws();
            let name_at = cur.pos;
            let rest = cur.rest();
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            match stream.next() {
                Some(Ok(name)) if !name.is_empty() => {
                    cur.pos += stream.byte_offset();
                    Ok(Query::Header(name.to_ascii_lowercase()))
                }
                _ => Err(cur.error(
                    name_at,
                    "expected a quoted header name after `header`, such as `header \"content-type\"`",
                )),
            }
        }
        _ => Err(cur.error(
            at,
            format!(
                "expected a query: a JSONPath starting with `$`, `status`, `header \"Name\"` or `duration`; found `{word}`"
            ),
        )),
    }
}

/// Length in bytes of the JSONPath at the start of `text`: up to the first white space outside
/// brackets, parentheses and quotes.
fn jsonpath_len(text: &str) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => return i,
            _ => {}
        }
    }
    text.len()
}

fn build_predicate(
    cur: &Cursor<'_>,
    at: usize,
    word: &str,
    value: Option<Value>,
    value_at: usize,
) -> Result<Predicate, InvariantError> {
    let op = match word {
        "==" => Some(Op::Eq),
        "!=" => Some(Op::Ne),
        "<" => Some(Op::Lt),
        "<=" => Some(Op::Le),
        ">" => Some(Op::Gt),
        ">=" => Some(Op::Ge),
        _ => None,
    };
    let needs_value = op.is_some() || matches!(word, "contains" | "startsWith" | "matches");
    let known = PREDICATES.contains(&word);
    if !known {
        let message = match suggest(word) {
            Some(s) => format!("unknown predicate `{word}` (did you mean `{s}`?)"),
            None => format!(
                "unknown predicate `{word}`; expected one of {}",
                PREDICATES.join(", ")
            ),
        };
        return Err(cur.error(at, message));
    }
    let value = match (needs_value, value) {
        (true, None) => {
            return Err(cur.error(
                value_at,
                format!("`{word}` needs a value, such as `{word} 0` or `{word} \"text\"`"),
            ));
        }
        (false, Some(_)) => {
            return Err(cur.error(value_at, format!("`{word}` takes no value")));
        }
        (_, value) => value,
    };
    if let Some(op) = op {
        let value = value.unwrap_or(Value::Null);
        if !(matches!(op, Op::Eq | Op::Ne) || value.is_number() || value.is_string()) {
            return Err(cur.error(
                value_at,
                format!("`{word}` compares with a number or a string"),
            ));
        }
        return Ok(Predicate::Compare(op, value));
    }
    Ok(match word {
        "exists" => Predicate::Exists,
        "contains" => Predicate::Contains(value.unwrap_or(Value::Null)),
        "startsWith" => match value {
            Some(Value::String(s)) => Predicate::StartsWith(s),
            _ => return Err(cur.error(value_at, "`startsWith` takes a string")),
        },
        "matches" => match value {
            Some(Value::String(s)) => {
                Predicate::Matches(Arc::new(Regex::new(&s).map_err(|e| {
                    cur.error(value_at, format!("invalid regular expression: {e}"))
                })?))
            }
            _ => {
                return Err(cur.error(
                    value_at,
                    "`matches` takes a string holding a regular expression",
                ));
            }
        },
        "isArray" => Predicate::IsArray,
        "isObject" => Predicate::IsObject,
        "isString" => Predicate::IsString,
        "isInteger" => Predicate::IsInteger,
        "isNumber" => Predicate::IsNumber,
        "isBoolean" => Predicate::IsBoolean,
        "isNull" => Predicate::IsNull,
        "isEmpty" => Predicate::IsEmpty,
        _ => Predicate::IsIsoDate,
    })
}

fn suggest(word: &str) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    let aliases = [
        ("=", "=="),
        ("===", "=="),
        ("=>", ">="),
        ("=<", "<="),
        ("<>", "!="),
        ("exist", "exists"),
        ("startswith", "startsWith"),
        ("match", "matches"),
        ("isdate", "isIsoDate"),
        ("isint", "isInteger"),
        ("isbool", "isBoolean"),
        ("islist", "isArray"),
    ];
    if let Some((_, s)) = aliases.iter().find(|(a, _)| *a == lower) {
        return Some(s);
    }
    crate::suggest::closest(word, &PREDICATES)
}

impl Predicate {
    fn test(&self, v: &Value) -> bool {
        match self {
            Predicate::Exists => true,
            Predicate::Compare(op, expected) => match op {
                Op::Eq => json_eq(v, expected),
                Op::Ne => !json_eq(v, expected),
                _ => compare(v, expected).is_some_and(|ord| match op {
                    Op::Lt => ord == Ordering::Less,
                    Op::Le => ord != Ordering::Greater,
                    Op::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                }),
            },
            Predicate::Contains(needle) => match (v, needle) {
                (Value::String(s), Value::String(n)) => s.contains(n.as_str()),
                (Value::Array(items), n) => items.iter().any(|i| json_eq(i, n)),
                (Value::Object(map), Value::String(key)) => map.contains_key(key),
                _ => false,
            },
            Predicate::StartsWith(prefix) => {
                v.as_str().is_some_and(|s| s.starts_with(prefix.as_str()))
            }
            Predicate::Matches(re) => v.as_str().is_some_and(|s| re.is_match(s)),
            Predicate::IsArray => v.is_array(),
            Predicate::IsObject => v.is_object(),
            Predicate::IsString => v.is_string(),
            Predicate::IsInteger => {
                v.is_i64()
                    || v.is_u64()
                    || v.as_f64()
                        .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
            }
            Predicate::IsNumber => v.is_number(),
            Predicate::IsBoolean => v.is_boolean(),
            Predicate::IsNull => v.is_null(),
            Predicate::IsEmpty => match v {
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            },
            Predicate::IsIsoDate => v.as_str().is_some_and(is_rfc3339),
        }
    }
}

/// JSON equality where numbers compare by value (`1 == 1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => compare(a, b) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| json_eq(p, q)))
        }
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (as_i128(x), as_i128(y)) {
                Some(i.cmp(&j))
            } else {
                x.as_f64()?.partial_cmp(&y.as_f64()?)
            }
        }
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn as_i128(n: &serde_json::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// A short rendering of a JSON value for messages.
pub(crate) fn show(v: &Value) -> String {
    const MAX: usize = 80;
    let text = v.to_string();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests;
