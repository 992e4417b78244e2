//! A YAML tree where every node knows its line and column, for validation that reports every
//! problem at once. The registry loader reads it; importers of other systems' YAML
//! (`hisar-import`) reuse it so their findings carry positions too.

use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_saphyr::{DuplicateKeyPolicy, Spanned};

/// A value with its 1-based position.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null` or `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Located<Node>>),
    /// A mapping, keys in document order (duplicates kept, for the loader to report).
    Map(Vec<(Located<String>, Located<Node>)>),
}

impl Node {
    /// What kind of node this is, with its article, for messages: `a list`.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }

    /// The scalar as text, for values that are naturally strings (query parameters).
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Bool(b) => Some(b.to_string()),
            Node::Int(i) => Some(i.to_string()),
            Node::Float(f) => Some(f.to_string()),
            Node::Str(s) => Some(s.clone()),
            Node::Null | Node::Seq(_) | Node::Map(_) => None,
        }
    }
}

/// The parser's options, with a budget that grows with the text.
fn options(text: &str) -> serde_saphyr::Options {
    // The parser's default budget (250,000 nodes, 1,000,000 events) guards against inputs that
    // expand without bound, but it also refuses honest registries from about 13,000 panels.
    // The text is already in memory and every node takes at least one byte of it (and yields
    // at most two events), so limits proportional to its length bound the work just as well;
    // the alias limits, which guard against expansion, keep their defaults.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = budget.max_nodes.max(text.len());
    budget.max_events = budget.max_events.max(text.len().saturating_mul(2));
    serde_saphyr::options! {
        budget: Some(budget),
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
    }
}

/// The parser's error as (line, column, summary).
fn located_error(e: &serde_saphyr::Error) -> (usize, usize, String) {
    let (line, column) = e
        .location()
        .map_or((0, 0), |l| (to_usize(l.line()), to_usize(l.column())));
    let message = e.to_string();
    // The first line of the crate's message is the summary; drop its own position prefix.
    let first = message.lines().next().unwrap_or(&message);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let summary = first
        .split_once(": ")
        .filter(|(pos, _)| pos.starts_with("line "))
        .map_or(first, |(_, rest)| rest);
    (line, column, summary.to_owned())
}

/// Parses YAML text into a located tree. The error is the parser's, with its position.
pub fn parse(text: &str) -> Result<Located<Node>, (usize, usize, String)> {
    match serde_saphyr::from_str_with_options::<Option<Spanned<RawNode>>>(text, options(text)) {
        Ok(Some(root)) => Ok(convert(root)),
        Ok(None) => Ok(Located {
            value: Node::Null,
            line: 1,
            column: 1,
        }),
        Err(e) => Err(located_error(&e)),
    }
}

/// What [`stream`] hands over, in document order.
#[derive(Debug)]
pub enum Streamed {
    /// A top-level entry, whole.
    Entry(Located<String>, Located<Node>),
    /// The streamed key, whose value is a sequence: its items follow.
    Items(Located<String>),
    /// One item of the streamed key's sequence.
    Item(Located<Node>),
}

/// How a [`stream`] ended, when the text parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// The root was a mapping; every entry was handed over.
    Mapping,
    /// The root was not a mapping, or the streamed key's value not a sequence: nothing (or not
    /// everything) was handed over, and the caller needs [`parse`]'s whole tree.
    Unusual,
}

/// Parses YAML text whose root is a mapping without holding it as one tree: each top-level
/// entry is handed to `sink` as it is parsed, except the value of `streamed`, which, when it
/// is a sequence, is handed over item by item. A document of 100,000 registry panels then
/// never exists as a tree of 100,000 panels (the tree costs about twenty times the text), only
/// one panel at a time. Positions are those [`parse`] gives.
pub fn stream(
    text: &str,
    streamed: &str,
    sink: &mut dyn FnMut(Streamed),
) -> Result<StreamEnd, (usize, usize, String)> {
    serde_saphyr::with_deserializer_from_str_with_options(text, options(text), |de| {
        RootSeed { streamed, sink }.deserialize(de)
    })
    .map_err(|e| located_error(&e))
}

struct RootSeed<'s, 'f> {
    streamed: &'s str,
    sink: &'f mut dyn FnMut(Streamed),
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_, '_> {
    type Value = StreamEnd;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<StreamEnd, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_, '_> {
    type Value = StreamEnd;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StreamEnd, A::Error> {
        let mut end = StreamEnd::Mapping;
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let key = Located {
                line: to_usize(key.referenced.line()),
                column: to_usize(key.referenced.column()),
                value: key.value,
            };
            if key.value == self.streamed {
                let items = ItemsSeed {
                    key: Some(key),
                    sink: &mut *self.sink,
                };
                if map.next_value_seed(items)? == StreamEnd::Unusual {
                    end = StreamEnd::Unusual;
                }
            } else {
                let value = convert(map.next_value::<Spanned<RawNode>>()?);
                (self.sink)(Streamed::Entry(key, value));
            }
        }
        Ok(end)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StreamEnd, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(StreamEnd::Unusual)
    }
    fn visit_unit<E>(self) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_none<E>(self) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StreamEnd, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, _: bool) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_i64<E>(self, _: i64) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_u64<E>(self, _: u64) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_f64<E>(self, _: f64) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_str<E>(self, _: &str) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
}

struct ItemsSeed<'f> {
    key: Option<Located<String>>,
    sink: &'f mut dyn FnMut(Streamed),
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = StreamEnd;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<StreamEnd, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = StreamEnd;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<StreamEnd, A::Error> {
        if let Some(key) = self.key.take() {
            (self.sink)(Streamed::Items(key));
        }
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            (self.sink)(Streamed::Item(convert(item)));
        }
        Ok(StreamEnd::Mapping)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StreamEnd, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(StreamEnd::Unusual)
    }
    fn visit_unit<E>(self) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_none<E>(self) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StreamEnd, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, _: bool) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_i64<E>(self, _: i64) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_u64<E>(self, _: u64) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_f64<E>(self, _: f64) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
    fn visit_str<E>(self, _: &str) -> Result<StreamEnd, E> {
        Ok(StreamEnd::Unusual)
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn convert(raw: Spanned<RawNode>) -> Located<Node> {
    let line = to_usize(raw.referenced.line());
    let column = to_usize(raw.referenced.column());
    let value = match raw.value {
        RawNode::Null => Node::Null,
        RawNode::Bool(b) => Node::Bool(b),
        RawNode::Int(i) => Node::Int(i),
        RawNode::Float(f) => Node::Float(f),
        RawNode::Str(s) => Node::Str(s),
        RawNode::Seq(items) => Node::Seq(items.into_iter().map(convert).collect()),
        RawNode::Map(entries) => Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    (
                        Located {
                            line: to_usize(k.referenced.line()),
                            column: to_usize(k.referenced.column()),
                            value: k.value,
                        },
                        convert(v),
                    )
                })
                .collect(),
        ),
    };
    Located {
        value,
        line,
        column,
    }
}

enum RawNode {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<String>, Spanned<RawNode>)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or_else(|_| RawNode::Str(v.to_string()), RawNode::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or_else(|_| RawNode::Str(v.to_string()), RawNode::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or_else(|_| RawNode::Str(v.to_string()), RawNode::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(RawNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_duplicates() {
        let root = parse("a: 1\nb:\n  - x\n  - 'y'\na: yes\n").unwrap();
        let Node::Map(entries) = root.value else {
            panic!()
        };
        assert_eq!(entries.len(), 3, "duplicates are passed through");
        assert_eq!((entries[1].0.line, entries[1].0.column), (2, 1));
        let Node::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!((items[1].line, items[1].column), (4, 5));
        assert_eq!(
            entries[2].1.value,
            Node::Str("yes".into()),
            "YAML 1.2 booleans"
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let (line, column, message) = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!((line, column), (2, 2));
        assert!(!message.is_empty());
        assert_eq!(parse("").unwrap().value, Node::Null);
    }

    /// A registry of 100,000 panels has about two million nodes: the budget grows with the text.
    #[test]
    fn large_documents_are_not_refused() {
        let text = "- 1\n".repeat(260_000);
        let Node::Seq(items) = parse(&text).unwrap().value else {
            panic!()
        };
        assert_eq!(items.len(), 260_000);
    }
}
