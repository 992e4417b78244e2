//! The loader's part of SPEC §4.2: live values in panels (`{ from, select }`,
//! `{ from: setup.ID, capture }`), the `setup:` steps, and the checks that need every panel and
//! step at once (unknown sources, cycles), each with its position.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::Defaults;
use super::load::{Loader, unknown_auth};
use crate::interpolate::Template;
use crate::live::{LiveValue, SetupStep, ValuePlace, ValueSource};
use crate::model::{AuthMode, Endpoint, Panel};
use crate::query::JsonQuery;
use crate::yaml::{Located, Node};

/// The keys of a live value.
pub(super) const LIVE_KEYS: &[&str] = &["from", "select", "capture", "todo"];
/// The keys of a setup step.
pub(super) const SETUP_KEYS: &[&str] = &[
    "id", "request", "auth", "params", "headers", "json", "capture",
];
/// How `from:` names a setup step.
const SETUP_PREFIX: &str = "setup.";

impl Loader<'_> {
    /// A `{ from, select }`, `{ from: setup.ID, capture }` or `{ todo: "what to put here" }`
    /// value for `name` in `place`.
    pub(super) fn live_value(
        &mut self,
        node: &Located<Node>,
        place: ValuePlace,
        name: &str,
    ) -> Option<LiveValue> {
        let what = format!("the value of {} `{name}`", place.noun());
        let entries = self.mapping(node, &what, LIVE_KEYS)?;
        let get = |key: &str| entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v);
        if let Some(todo) = get("todo") {
            return self.todo_value(todo, entries, place, name, &what);
        }
        let Some(from_node) = get("from") else {
            self.error(
                node,
                format!(
                    "{what} needs `from:` (a panel id, or `setup.<step id>`), with `select:` or `capture:`; or `todo: \"what to put here\"` while it has none"
                ),
            );
            return None;
        };
        let from = self.string(from_node, "`from`")?;
        let source = match (
            from.strip_prefix(SETUP_PREFIX),
            get("select"),
            get("capture"),
        ) {
            (Some(step), None, Some(capture)) => ValueSource::Setup {
                step: step.to_owned(),
                capture: self.string(capture, "`capture`")?,
            },
            (Some(_), _, _) => {
                self.error(
                    node,
                    format!(
                        "{what} comes from setup step `{from}`: name one of its captures with `capture:` (and no `select:`)"
                    ),
                );
                return None;
            }
            (None, Some(select), None) => ValueSource::Panel {
                panel: from,
                select: self.query(select, "`select`")?,
            },
            (None, _, _) => {
                self.error(
                    node,
                    format!(
                        "{what} comes from panel `{from}`: say which value of its answer with `select: <JSONPath>` (and no `capture:`)"
                    ),
                );
                return None;
            }
        };
        Some(LiveValue {
            place,
            name: name.to_owned(),
            source,
            line: from_node.line,
            column: from_node.column,
        })
    }

    /// `{ todo: "what to put here" }`: a value the registry does not have yet. It stands alone
    /// (a `from`, `select` or `capture` beside it is an error at that key) and its hint is
    /// not empty: the hint is what the tracker tells whoever finishes the registry.
    fn todo_value(
        &mut self,
        todo: &Located<Node>,
        entries: &[(Located<String>, Located<Node>)],
        place: ValuePlace,
        name: &str,
        what: &str,
    ) -> Option<LiveValue> {
        let mut ok = true;
        for (key, _) in entries.iter().filter(|(k, _)| k.value != "todo") {
            self.error(
                key,
                format!(
                    "{what} is a `todo:` (it has no value yet), so it takes no `{}:`; drop the `todo:` once it has a `from:`",
                    key.value
                ),
            );
            ok = false;
        }
        let hint = self.string(todo, "`todo`")?;
        if hint.trim().is_empty() {
            self.error(
                todo,
                format!(
                    "`todo:` of {what} is empty: say what to put here, such as `{{ todo: \"a real {name}\" }}`"
                ),
            );
            return None;
        }
        ok.then(|| LiveValue {
            place,
            name: name.to_owned(),
            source: ValueSource::Todo {
                hint: hint.trim().to_owned(),
            },
            line: todo.line,
            column: todo.column,
        })
    }

    /// A JSONPath, its error placed at its character.
    fn query(&mut self, node: &Located<Node>, what: &str) -> Option<JsonQuery> {
        let text = self.string(node, what)?;
        match JsonQuery::parse(&text) {
            Ok(q) => Some(q),
            Err(e) => {
                let quoted = self
                    .text
                    .lines()
                    .nth(node.line.saturating_sub(1))
                    .and_then(|l| l.chars().nth(node.column.saturating_sub(1)))
                    .is_some_and(|c| c == '"' || c == '\'');
                let column = node.column + usize::from(quoted) + e.column - 1;
                self.error_at(node.line, column, format!("{what}: {}", e.message));
                None
            }
        }
    }

    /// A panel's `headers:`: templates, and live values for the entries written as mappings.
    pub(super) fn panel_headers(
        &mut self,
        node: &Located<Node>,
    ) -> (Vec<(String, Template)>, Vec<LiveValue>) {
        let mut headers = Vec::new();
        let mut live = Vec::new();
        for (name, value) in self.string_map(node, "`headers`") {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
            {
                self.error(&value, format!("invalid header name `{name}` in `headers`"));
                continue;
            }
            if matches!(value.value, Node::Map(_)) {
                live.extend(self.live_value(&value, ValuePlace::Header, &name));
            } else if let Some(t) = self.template(&value, &format!("header `{name}`")) {
                headers.push((name, t));
            }
        }
        (headers, live)
    }

    /// The `setup:` list.
    pub(super) fn setup_steps(
        &mut self,
        node: &Located<Node>,
        auth: &BTreeMap<String, AuthMode>,
        defaults: &Defaults,
    ) -> Vec<SetupStep> {
        let mut steps: Vec<SetupStep> = Vec::new();
        let Node::Seq(items) = &node.value else {
            self.error(
                node,
                format!("`setup` must be a list, found {}", node.value.kind()),
            );
            return steps;
        };
        for item in items {
            if let Some(step) = self.setup_step(item, auth, defaults) {
                if let Some(first) = steps.iter().find(|s| s.id == step.id) {
                    self.error(
                        item,
                        format!(
                            "duplicate setup step id `{}` (first declared at line {})",
                            step.id, first.line
                        ),
                    );
                } else {
                    steps.push(step);
                }
            }
        }
        steps
    }

    fn setup_step(
        &mut self,
        item: &Located<Node>,
        auth_modes: &BTreeMap<String, AuthMode>,
        defaults: &Defaults,
    ) -> Option<SetupStep> {
        let entries = self.mapping(item, "a setup step", SETUP_KEYS)?;
        let get = |key: &str| entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v);
        let id = match get("id") {
            Some(n) => self.string(n, "`id`").filter(|id| {
                let ok = !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                if !ok {
                    self.error(
                        n,
                        format!(
                            "invalid setup step id `{id}`: use letters, digits, `-`, `_` and `.`"
                        ),
                    );
                }
                ok
            }),
            None => {
                self.error(item, "a setup step needs an `id`");
                None
            }
        };
        let endpoint = match get("request") {
            Some(n) => self.string(n, "`request`").and_then(|t| {
                match Endpoint::parse(&t) {
                    Ok(e) if !e.path.params().is_empty() => {
                        self.error(
                            n,
                            format!("the request of a setup step has no path parameters; write the path `{}` as it is sent", e.path),
                        );
                        None
                    }
                    Ok(e) => Some(e),
                    Err(e) => {
                        self.error(
                            n,
                            format!("{e} (a setup request is `METHOD /path`, relative to the base URL)"),
                        );
                        None
                    }
                }
            }),
            None => {
                self.error(
                    item,
                    "a setup step needs a `request` (such as `POST /api/v1/incidents`)",
                );
                None
            }
        };
        let auth = match get("auth") {
            Some(n) => match self.string(n, "`auth`") {
                Some(name) if name == super::NO_AUTH || auth_modes.contains_key(&name) => name,
                Some(name) => {
                    self.error(n, unknown_auth(&name, auth_modes));
                    name
                }
                None => defaults.auth.clone(),
            },
            None => defaults.auth.clone(),
        };
        let mut params = Vec::new();
        if let Some(node) = get("params") {
            for (name, value) in self.string_map(node, "`params`") {
                if let Some(text) = self.scalar(&value, &format!("query parameter `{name}`")) {
                    params.push((name, text));
                }
            }
        }
        let headers = get("headers")
            .map(|n| self.headers(n, "the headers of a setup step"))
            .unwrap_or_default();
        let json = get("json").map(|n| self.json_body(n));
        let mut capture = Vec::new();
        if let Some(node) = get("capture") {
            for (name, value) in self.string_map(node, "`capture`") {
                if let Some(q) = self.query(&value, &format!("capture `{name}`")) {
                    capture.push((name, q));
                }
            }
        }
        Some(SetupStep {
            id: id?,
            line: item.line,
            endpoint: endpoint?,
            auth,
            params,
            headers,
            json,
            capture,
        })
    }

    /// A JSON body from YAML; its strings must parse as `${VAR}` templates.
    fn json_body(&mut self, node: &Located<Node>) -> Value {
        match &node.value {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Node::Str(s) => {
                if let Err(e) = Template::parse(s) {
                    self.error(node, format!("`json`: {e}"));
                }
                Value::String(s.clone())
            }
            Node::Seq(items) => Value::Array(items.iter().map(|i| self.json_body(i)).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), self.json_body(v)))
                    .collect(),
            ),
        }
    }

    /// Every live value names a panel or a setup capture that exists, and no panel depends on
    /// itself through any chain of sources.
    pub(super) fn check_sources(&mut self, panels: &[Panel], steps: &[SetupStep]) {
        let index: HashMap<&str, usize> = panels
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        for panel in panels {
            self.panel = Some(panel.id.to_string());
            for value in &panel.live {
                let problem = match &value.source {
                    ValueSource::Panel { panel: from, .. } if from == panel.id.as_str() => {
                        Some(format!("`{}` comes from the panel itself", value.name))
                    }
                    ValueSource::Panel { panel: from, .. }
                        if !index.contains_key(from.as_str()) =>
                    {
                        let ids: Vec<&str> = index.keys().copied().collect();
                        let hint = crate::suggest::closest(from, &ids)
                            .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                        Some(format!(
                            "`{}` comes from panel `{from}`{hint}, which the registry does not declare",
                            value.name
                        ))
                    }
                    ValueSource::Setup { step, capture } => {
                        match steps.iter().find(|s| &s.id == step) {
                            None => {
                                let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
                                let hint = crate::suggest::closest(step, &ids)
                                    .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                                Some(format!(
                                    "`{}` comes from setup step `{step}`{hint}, which `setup:` does not declare",
                                    value.name
                                ))
                            }
                            Some(s) if !s.capture.iter().any(|(n, _)| n == capture) => {
                                let names: Vec<&str> =
                                    s.capture.iter().map(|(n, _)| n.as_str()).collect();
                                Some(format!(
                                    "setup step `{step}` captures no `{capture}` (it captures {})",
                                    if names.is_empty() {
                                        "nothing".to_owned()
                                    } else {
                                        names.join(", ")
                                    }
                                ))
                            }
                            Some(_) => None,
                        }
                    }
                    ValueSource::Panel { .. } | ValueSource::Todo { .. } => None,
                };
                if let Some(message) = problem {
                    self.error_at(value.line, value.column, message);
                }
            }
        }
        self.panel = None;
        self.check_cycles(panels, &index);
    }

    /// Reports each cycle of panel sources once, at the first of its panels in registry
    /// order, naming the whole chain.
    fn check_cycles(&mut self, panels: &[Panel], index: &HashMap<&str, usize>) {
        // A panel naming itself is reported as such already.
        let edges: Vec<Vec<usize>> = panels
            .iter()
            .enumerate()
            .map(|(i, p)| {
                p.source_panels()
                    .into_iter()
                    .filter_map(|id| index.get(id).copied())
                    .filter(|&to| to != i)
                    .collect()
            })
            .collect();
        // 0 unvisited, 1 on the current path, 2 done. Iterative, so a long chain cannot
        // overflow the stack.
        let mut state = vec![0u8; panels.len()];
        for start in 0..panels.len() {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if let Some(&to) = edges[node].get(*next) {
                    *next += 1;
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            stack.push((to, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                            let mut chain: Vec<usize> =
                                stack[from..].iter().map(|(n, _)| *n).collect();
                            let first = chain.iter().copied().min().unwrap_or(to);
                            let at = chain.iter().position(|&n| n == first).unwrap_or(0);
                            chain.rotate_left(at);
                            chain.push(first);
                            let names: Vec<&str> =
                                chain.iter().map(|&n| panels[n].id.as_str()).collect();
                            let panel = &panels[first];
                            let value = panel
                                .live
                                .iter()
                                .find(|v| matches!(&v.source, ValueSource::Panel { panel: p, .. } if index.get(p.as_str()) == chain.get(1)))
                                .or_else(|| panel.live.first());
                            let (line, column) =
                                value.map_or((panel.line, 1), |v| (v.line, v.column));
                            self.panel = Some(panel.id.to_string());
                            self.error_at(
                                line,
                                column,
                                format!(
                                    "values form a cycle: {}; a panel's source must not depend on the panel",
                                    names.join(" → ")
                                ),
                            );
                            self.panel = None;
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
    }
}
