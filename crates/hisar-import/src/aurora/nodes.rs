//! YAML access: the sources' parsed nodes, and the helpers that read them.

use hisar_core::yaml::{self, Located, Node};

use super::{AuroraError, AuroraFile};

pub(super) type Yaml = Located<Node>;
type Entries = [(Located<String>, Yaml)];

pub(super) fn get<'a>(node: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    match &node.value {
        Node::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
        _ => None,
    }
}

pub(super) fn at<'a>(node: &'a Yaml, keys: &[&str]) -> Option<&'a Yaml> {
    keys.iter().try_fold(node, |n, k| get(n, k))
}

/// A non-empty scalar as trimmed text.
pub(super) fn text(node: Option<&Yaml>) -> Option<String> {
    node.and_then(|n| n.value.scalar_text())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

pub(super) fn seq(node: Option<&Yaml>) -> &[Yaml] {
    match node.map(|n| &n.value) {
        Some(Node::Seq(items)) => items,
        _ => &[],
    }
}

pub(super) fn entries(node: Option<&Yaml>) -> &Entries {
    match node.map(|n| &n.value) {
        Some(Node::Map(entries)) => entries,
        _ => &[],
    }
}

pub(super) fn parse_file(file: &AuroraFile) -> Result<Yaml, AuroraError> {
    yaml::parse(&file.text).map_err(|(line, column, message)| {
        // The parser's message may repeat the position: `error: line 7 column 37: ...`.
        let mut message = message.as_str();
        message = message.strip_prefix("error: ").unwrap_or(message);
        if message.starts_with("line ")
            && let Some((_, rest)) = message.split_once(": ")
        {
            message = rest;
        }
        AuroraError::Yaml {
            file: file.path.clone(),
            line: (line > 0).then_some(line),
            column: (column > 0).then_some(column),
            message: message.to_owned(),
        }
    })
}

pub(super) fn file_stem<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let name = path.rsplit('/').next()?;
    name.strip_prefix(prefix)?
        .strip_suffix(".yaml")
        .or_else(|| name.strip_prefix(prefix)?.strip_suffix(".yml"))
}
