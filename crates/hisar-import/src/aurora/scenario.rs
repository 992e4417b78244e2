//! The verification scenarios, read: their request, auth, headers and expectations.

use std::collections::BTreeSet;

use hisar_core::yaml::Node;

use super::LintKind;
use super::endpoint::{EndpointValue, RawEndpoint};
use super::lint::Lints;
use super::nodes::{Yaml, at, entries, get, seq, text};
use super::translate::field_exists;

/// One expectation of a scenario.
pub(super) enum Check {
    /// An assertion or expression string.
    Assertion(String),
    /// An invariant id from an `invariant_ids` list.
    Id(String),
    /// Invariants already translated from a step's expectation.
    Invariants(Vec<String>),
    /// A step's expectation with no HISAR equivalent, as text.
    Step(String),
}

pub(super) struct Scenario {
    pub(super) file: String,
    pub(super) panel: Option<String>,
    pub(super) capability: Option<String>,
    pub(super) class: Option<String>,
    pub(super) auth_mode: Option<String>,
    pub(super) endpoint: Option<RawEndpoint>,
    pub(super) params: Vec<(String, String)>,
    pub(super) path_params: Vec<(String, String)>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) checks: Vec<Check>,
    /// Inline invariants that carry an id: id and assertion.
    pub(super) defined: Vec<(String, String)>,
    /// What it is about, for orphans: its capabilities or the panels its steps name.
    pub(super) about: Vec<String>,
}

fn scalar_pairs(
    node: Option<&Yaml>,
    what: &str,
    file: &str,
    lint: &mut Lints,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in entries(node) {
        match v.value.scalar_text() {
            Some(t) => out.push((k.value.clone(), t)),
            None => lint.push(
                LintKind::InvalidValue,
                None,
                None,
                &[file],
                format!(
                    "line {}: {what} `{}` is {}, not a single value; skipped",
                    v.line,
                    k.value,
                    v.value.kind()
                ),
            ),
        }
    }
    out
}

pub(super) fn read_scenario(root: &Yaml, file: &str, lint: &mut Lints) -> Scenario {
    let inject = get(root, "inject");
    let steps = seq(get(root, "steps"));
    let mut endpoint = inject.and_then(|i| {
        EndpointValue::from_text(text(get(i, "endpoint")), text(get(i, "method")))
            .given()
            .cloned()
    });
    let mut params = scalar_pairs(
        inject.and_then(|i| get(i, "params")),
        "query parameter",
        file,
        lint,
    );
    if endpoint.is_none() {
        // The steps format: the first step that calls an endpoint.
        for step in steps {
            let request = get(step, "request").unwrap_or(step);
            let Some(path) =
                text(get(request, "endpoint")).filter(|p| !EndpointValue::is_null_text(p))
            else {
                continue;
            };
            let method = text(get(request, "method")).or_else(|| {
                text(get(step, "action"))
                    .and_then(|a| a.strip_prefix("http_").map(str::to_ascii_uppercase))
                    .filter(|m| m != "CALL")
            });
            endpoint = Some(RawEndpoint {
                method,
                path,
                query: None,
            });
            params = scalar_pairs(get(request, "params"), "query parameter", file, lint);
            break;
        }
    }

    let mut checks = Vec::new();
    let mut inline_ids = BTreeSet::new();
    let mut defined: Vec<(String, String)> = Vec::new();
    let mut inline = |items: &[Yaml], checks: &mut Vec<Check>| {
        for inv in items {
            let assertion = text(Some(inv))
                .or_else(|| text(get(inv, "assertion")))
                .or_else(|| text(get(inv, "expression")));
            if let Some(id) = text(get(inv, "id")) {
                if let Some(a) = &assertion {
                    defined.push((id.clone(), a.clone()));
                }
                inline_ids.insert(id);
            }
            match assertion {
                Some(a) => checks.push(Check::Assertion(a)),
                None => checks.push(Check::Step(format!(
                    "an invariant without `assertion` or `expression` at line {}",
                    inv.line
                ))),
            }
        }
    };
    inline(seq(get(root, "invariants")), &mut checks);
    for (n, step) in steps.iter().enumerate() {
        inline(seq(get(step, "invariants")), &mut checks);
        step_checks(step, n + 1, &mut checks);
    }
    for id in seq(get(root, "invariant_ids"))
        .iter()
        .filter_map(|n| text(Some(n)))
    {
        if !inline_ids.contains(&id) {
            checks.push(Check::Id(id));
        }
    }

    let mut about: Vec<String> = seq(get(root, "capabilities"))
        .iter()
        .filter_map(|n| text(Some(n)))
        .map(|c| format!("capability {c}"))
        .collect();
    let mut named = BTreeSet::new();
    collect_panel_ids(root, &mut named);
    about.extend(named.into_iter().map(|p| format!("panel {p}")));

    Scenario {
        file: file.to_owned(),
        panel: text(get(root, "panel_id")).or_else(|| text(at(root, &["verifies", "panel_id"]))),
        capability: text(get(root, "capability"))
            .or_else(|| text(at(root, &["verifies", "capability_id"]))),
        class: text(at(root, &["metadata", "panel_class"]))
            .or_else(|| text(get(root, "panel_class"))),
        auth_mode: text(at(root, &["auth", "mode"])),
        endpoint,
        params,
        path_params: scalar_pairs(
            inject.and_then(|i| get(i, "path_params")),
            "path parameter",
            file,
            lint,
        ),
        headers: scalar_pairs(inject.and_then(|i| get(i, "headers")), "header", file, lint),
        checks,
        defined,
        about,
    }
}

/// Every `panel_id` value anywhere below `node`.
fn collect_panel_ids(node: &Yaml, out: &mut BTreeSet<String>) {
    match &node.value {
        Node::Map(entries) => {
            for (k, v) in entries {
                if k.value == "panel_id"
                    && let Some(t) = text(Some(v))
                {
                    out.insert(t);
                }
                collect_panel_ids(v, out);
            }
        }
        Node::Seq(items) => items.iter().for_each(|i| collect_panel_ids(i, out)),
        _ => {}
    }
}

/// The expectations of one step of the steps format.
fn step_checks(step: &Yaml, n: usize, checks: &mut Vec<Check>) {
    let label = text(get(step, "name"))
        .or_else(|| text(get(step, "step_id")))
        .map_or_else(|| format!("step {n}"), |name| format!("step {n} ({name})"));
    for (key, value) in entries(get(step, "expect")) {
        let key = key.value.as_str();
        match (key, &value.value) {
            ("status_code" | "http_status", Node::Int(code)) if (100..600).contains(code) => {
                checks.push(Check::Invariants(vec![format!("status == {code}")]));
            }
            ("has_fields" | "fields_exist", Node::Seq(items)) => {
                let fields: Vec<String> = items.iter().filter_map(|i| text(Some(i))).collect();
                match fields
                    .iter()
                    .map(|f| field_exists(f))
                    .collect::<Option<Vec<_>>>()
                {
                    Some(invs) if fields.len() == items.len() => {
                        checks.push(Check::Invariants(invs));
                    }
                    _ => checks.push(Check::Step(format!(
                        "{label}: expect {key}: {}",
                        show(value)
                    ))),
                }
            }
            _ => checks.push(Check::Step(format!(
                "{label}: expect {key}: {}",
                show(value)
            ))),
        }
    }
    if let Some(expect) = at(step, &["then", "expect"]) {
        checks.push(Check::Step(format!(
            "{label}: then expect {}",
            show(expect)
        )));
    }
}

/// A short one-line rendering of a YAML value.
fn show(node: &Yaml) -> String {
    match &node.value {
        Node::Seq(items) => format!(
            "[{}]",
            items.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", k.value, show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Node::Null => "null".to_owned(),
        other => other.scalar_text().unwrap_or_default(),
    }
}
