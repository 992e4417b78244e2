//! The JSONPath queries of invariants (SPEC §3.2): what they select, and the for-all rule.
//!
//! Queries are parsed by `jsonpath-rust` (RFC 9535), which exposes the parsed segments:
//! `serde_json_path` keeps them private (`JsonPath` wraps `serde_json_path_core`'s `Query` in a
//! private field and its parser is private), and the for-all rule needs them. The selection
//! itself is the crate's; this module only splits the query where a wildcard, filter, slice or
//! descendant segment is followed by member or index segments, and checks that every node the
//! former selects has what the latter ask for.

use std::fmt;

use jsonpath_rust::parser::errors::JsonPathError;
use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

/// One segment of a query, as far as a schema can follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathStep {
    /// `.name` or `['name']`: one member.
    Name(String),
    /// `[0]`: one item of an array.
    Index(i64),
    /// `[*]` or `.*`: every item of an array, or every member of an object.
    Wildcard,
    /// A slice or a filter, as written back: items of an array (or members of an object, for
    /// a filter).
    Items(String),
    /// Several selectors, or a descendant segment, as written back: not followed.
    Other(String),
}

/// A member or index selector: it selects at most one child of a node.
#[derive(Debug, Clone)]
enum Step {
    Name(String),
    Index(i64),
}

impl Step {
    fn child<'a>(&self, node: &'a Value) -> Option<(&'a Value, String)> {
        match (self, node) {
            (Step::Name(name), Value::Object(map)) => {
                map.get(name).map(|v| (v, normalized_name(name)))
            }
            (Step::Index(i), Value::Array(items)) => {
                let len = i64::try_from(items.len()).ok()?;
                let at = if *i < 0 { len + i } else { *i };
                let at = usize::try_from(at).ok()?;
                items.get(at).map(|v| (v, format!("[{at}]")))
            }
            _ => None,
        }
    }
}

/// A run of member or index segments that must select something from every node it starts
/// from: the root, or every node of a wildcard, filter, slice or descendant segment.
#[derive(Debug, Clone)]
struct Run {
    /// The query up to and including the segment the run follows; `None` from the root.
    from: Option<JpQuery>,
    /// The run's segments; a segment with several selectors (`['a','b']`) needs each.
    segments: Vec<Vec<Step>>,
}

/// A parsed JSONPath query, ready to select and to check for missing members (a token flow's
/// `token:` path is one too).
#[derive(Debug, Clone)]
pub(crate) struct PathQuery {
    query: JpQuery,
    runs: Vec<Run>,
}

/// A selected node and its normalized path (`$['items'][1]`).
#[derive(Debug)]
pub(crate) struct Selected<'a> {
    pub(crate) value: &'a Value,
    pub(crate) path: String,
}

/// A member or index missing on the way: the node that lacks it, and what it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Missing {
    node: String,
    lacks: String,
    kind: &'static str,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no {} in {}", self.lacks, self.node)?;
        if !self.kind.is_empty() {
            write!(f, " ({})", self.kind)?;
        }
        Ok(())
    }
}

impl PathQuery {
    /// Parses a query; an error carries the character offset where the problem starts.
    pub(crate) fn parse(text: &str) -> Result<Self, (usize, String)> {
        let query = parse_json_path(text).map_err(|e| describe_error(text, &e))?;
        let mut runs = Vec::new();
        let mut current = Run {
            from: None,
            segments: Vec::new(),
        };
        for (i, segment) in query.segments.iter().enumerate() {
            if let Some(steps) = singular(segment) {
                current.segments.push(steps);
            } else {
                if !current.segments.is_empty() {
                    runs.push(current);
                }
                current = Run {
                    from: Some(JpQuery::new(query.segments[..=i].to_vec())),
                    segments: Vec::new(),
                };
            }
        }
        if !current.segments.is_empty() {
            runs.push(current);
        }
        Ok(Self { query, runs })
    }

    /// Whether the query names at most one node (member and index segments only).
    pub(super) fn is_singular(&self) -> bool {
        self.query
            .segments
            .iter()
            .all(|s| matches!(s, Segment::Selector(Selector::Name(_) | Selector::Index(_))))
    }

    /// The nodes the query selects, in document order.
    pub(crate) fn select<'a>(&self, body: &'a Value) -> Vec<Selected<'a>> {
        select(&self.query, body)
    }

    /// The segments as steps a schema can follow (SPEC §3.7, the static check).
    pub(crate) fn steps(&self) -> Vec<PathStep> {
        self.query
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Selector(Selector::Name(name)) => PathStep::Name(name.clone()),
                Segment::Selector(Selector::Index(i)) => PathStep::Index(*i),
                Segment::Selector(Selector::Wildcard) => PathStep::Wildcard,
                Segment::Selector(Selector::Slice(start, end, step)) => PathStep::Items(format!(
                    "[{}:{}{}]",
                    start.map_or(String::new(), |s| s.to_string()),
                    end.map_or(String::new(), |e| e.to_string()),
                    step.map_or(String::new(), |s| format!(":{s}"))
                )),
                Segment::Selector(Selector::Filter(filter)) => {
                    PathStep::Items(format!("[?{filter}]"))
                }
                Segment::Selectors(_) | Segment::Descendant(_) => {
                    PathStep::Other(segment.to_string())
                }
            })
            .collect()
    }

    /// The first node, in query then document order, that lacks a member or index the query
    /// goes on to: the root lacking `items` in `$.items`, or the item lacking `id` in
    /// `$.items[*].id`.
    pub(super) fn first_missing(&self, body: &Value) -> Option<Missing> {
        for run in &self.runs {
            let starts = match &run.from {
                None => vec![Selected {
                    value: body,
                    path: "$".to_owned(),
                }],
                Some(prefix) => select(prefix, body),
            };
            for start in starts {
                if let Some(missing) = walk(start.value, &start.path, &run.segments) {
                    return Some(missing);
                }
            }
        }
        None
    }
}

fn select<'a>(query: &JpQuery, body: &'a Value) -> Vec<Selected<'a>> {
    // The crate errs only when a query yields a computed value instead of nodes, which an
    // RFC 9535 query never does; nothing is selected then.
    js_path_process(query, body)
        .map(|refs| {
            refs.into_iter()
                .map(|r| Selected {
                    value: r.val,
                    path: r.path,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Follows `segments` from `node`; the first step that selects nothing is the missing member.
fn walk(node: &Value, path: &str, segments: &[Vec<Step>]) -> Option<Missing> {
    let (first, rest) = segments.split_first()?;
    for step in first {
        match step.child(node) {
            Some((child, element)) => {
                if let Some(missing) = walk(child, &format!("{path}{element}"), rest) {
                    return Some(missing);
                }
            }
            None => {
                let lacks = match step {
                    Step::Name(name) => format!("`{name}`"),
                    Step::Index(i) => format!("[{i}]"),
                };
                let kind = match (step, node) {
                    (Step::Name(_), Value::Object(_)) => "",
                    (Step::Index(_), Value::Array(items)) if items.is_empty() => "an empty array",
                    (Step::Index(_), Value::Array(_)) => "an array too short",
                    (_, Value::Null) => "null",
                    (_, Value::Bool(_)) => "a boolean",
                    (_, Value::Number(_)) => "a number",
                    (_, Value::String(_)) => "a string",
                    (_, Value::Array(_)) => "an array",
                    (_, Value::Object(_)) => "an object",
                };
                return Some(Missing {
                    node: path.to_owned(),
                    lacks,
                    kind,
                });
            }
        }
    }
    None
}

/// The steps of a segment made only of member and index selectors.
fn singular(segment: &Segment) -> Option<Vec<Step>> {
    let step = |selector: &Selector| match selector {
        Selector::Name(name) => Some(Step::Name(name.clone())),
        Selector::Index(i) => Some(Step::Index(*i)),
        Selector::Wildcard | Selector::Slice(..) | Selector::Filter(_) => None,
    };
    match segment {
        Segment::Selector(selector) => step(selector).map(|s| vec![s]),
        Segment::Selectors(selectors) if !selectors.is_empty() => {
            selectors.iter().map(step).collect()
        }
        Segment::Selectors(_) | Segment::Descendant(_) => None,
    }
}

/// A member name as a normalized path element (RFC 9535 §2.7).
fn normalized_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    out.push_str("['");
    for c in name.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < '\u{20}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push_str("']");
    out
}

/// The character offset and a one-line message of a parse error.
fn describe_error(text: &str, error: &JsonPathError) -> (usize, String) {
    match error {
        JsonPathError::PestError(e) => {
            let byte = match e.location {
                pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
            };
            let offset = text[..byte.min(text.len())].chars().count();
            (offset, e.variant.message().into_owned())
        }
        other => (text.chars().count(), other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn missing(query: &str, body: &Value) -> Option<String> {
        PathQuery::parse(query)
            .unwrap()
            .first_missing(body)
            .map(|m| m.to_string())
    }

    #[test]
    fn runs_split_at_wildcards_filters_slices_and_descendants() {
        let body = json!({"items": [{"id": 1, "tags": []}, {"tags": ["x"]}, {"id": 3}]});
        assert_eq!(
            missing("$.items[*].id", &body).as_deref(),
            Some("no `id` in $['items'][1]")
        );
        assert_eq!(
            missing("$.items[?@.tags].id", &body).as_deref(),
            Some("no `id` in $['items'][1]")
        );
        assert_eq!(
            missing("$.items[1:].tags", &body).as_deref(),
            Some("no `tags` in $['items'][2]")
        );
        assert_eq!(
            missing("$.items[*].tags[0]", &body).as_deref(),
            Some("no [0] in $['items'][0]['tags'] (an empty array)")
        );
        // A wildcard after the run asks nothing of each node: an empty list of tags is fine.
        assert_eq!(missing("$.items[0].tags[*]", &body), None);
        assert_eq!(
            missing("$.total", &body).as_deref(),
            Some("no `total` in $")
        );
        assert_eq!(
            missing("$.items.id", &body).as_deref(),
            Some("no `id` in $['items'] (an array)")
        );
        assert_eq!(missing("$.items[-1].id", &body), None);
        assert_eq!(missing("$..id", &body), None);
        assert_eq!(
            missing("$.items[1:]['tags','id']", &body).as_deref(),
            Some("no `id` in $['items'][1]")
        );
    }

    #[test]
    fn names_are_normalized() {
        let body = json!({"a'b": [{}]});
        assert_eq!(
            missing("$[\"a'b\"][*].x", &body).as_deref(),
            Some(r"no `x` in $['a\'b'][0]")
        );
    }
}
