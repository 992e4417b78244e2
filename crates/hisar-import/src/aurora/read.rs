//! The plan, the intents and the capabilities, read.

use hisar_core::yaml::Node;

use super::endpoint::EndpointValue;
use super::lint::Lints;
use super::nodes::{Yaml, at, entries, file_stem, get, seq, text};
use super::{AuroraError, LintKind};

/// Where a panel of the import comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// The UI plan.
    Plan,
    /// The intent ledger, and not the plan.
    Ledger,
    /// An intent, when the repository has neither plan nor ledger.
    Intent,
}

pub(super) struct PlanDomain {
    pub(super) name: String,
    pub(super) panels: Vec<PlanPanel>,
}

/// A panel as the file that lists it gives it: the plan, the ledger, or an intent.
pub(super) struct PlanPanel {
    pub(super) id: String,
    pub(super) line: usize,
    pub(super) origin: Origin,
    pub(super) file: String,
    pub(super) class: Option<String>,
    pub(super) state: Option<String>,
    pub(super) capability: Option<String>,
    pub(super) subdomain: Option<String>,
    pub(super) topic: Option<String>,
    pub(super) slot: Option<String>,
}

pub(super) struct Intent {
    pub(super) file: String,
    pub(super) panel: String,
    pub(super) class: Option<String>,
    pub(super) capability: Option<String>,
    pub(super) endpoint: EndpointValue,
    pub(super) notes: Option<String>,
    pub(super) domain: Option<String>,
    pub(super) subdomain: Option<String>,
    pub(super) topic: Option<String>,
    pub(super) order: Option<String>,
    /// `data.read`, `data.write`, `controls.filtering`, `controls.activate`,
    /// `display.nav_required`, as the intent gives them.
    pub(super) permissions: Vec<(String, bool)>,
}

pub(super) struct Capability {
    pub(super) file: String,
    pub(super) id: String,
    pub(super) status: Option<String>,
    /// The assumed endpoint (`assumption:`, top level or `implementation:`).
    pub(super) endpoint: EndpointValue,
    /// `binding.observed_endpoint`/`observed_method`: where AURORA's runner saw it.
    pub(super) binding: EndpointValue,
    pub(super) source_panels: Vec<String>,
}

pub(super) fn read_plan(
    root: &Yaml,
    file: &str,
    lint: &mut Lints,
) -> Result<(Vec<PlanDomain>, Vec<String>), AuroraError> {
    let not_a_plan = |message: &str| AuroraError::NotAPlan {
        file: file.to_owned(),
        message: message.to_owned(),
    };
    if !matches!(root.value, Node::Map(_)) {
        return Err(not_a_plan("expected a mapping with `domains:`"));
    }
    let Some(Node::Seq(domain_nodes)) = get(root, "domains").map(|n| &n.value) else {
        return Err(not_a_plan("no `domains:` list"));
    };
    let states: Vec<String> = entries(get(root, "panel_states"))
        .iter()
        .map(|(k, _)| k.value.clone())
        .collect();
    let mut domains = Vec::new();
    for (i, d) in domain_nodes.iter().enumerate() {
        let name = text(get(d, "id")).unwrap_or_else(|| {
            lint.push(
                LintKind::InvalidValue,
                None,
                None,
                &[file],
                format!(
                    "line {}: domain #{} has no `id`; named DOMAIN{}",
                    d.line,
                    i + 1,
                    i + 1
                ),
            );
            format!("DOMAIN{}", i + 1)
        });
        let mut panels = Vec::new();
        for sub in seq(get(d, "subdomains")) {
            let subdomain = text(get(sub, "id"));
            for topic in seq(get(sub, "topics")) {
                let topic_id = text(get(topic, "id"));
                for p in seq(get(topic, "panels")) {
                    let Some(id) = text(get(p, "panel_id")) else {
                        lint.push(
                            LintKind::InvalidValue,
                            None,
                            None,
                            &[file],
                            format!(
                                "line {}: a panel of domain {name} has no `panel_id`; skipped",
                                p.line
                            ),
                        );
                        continue;
                    };
                    panels.push(PlanPanel {
                        id,
                        line: p.line,
                        origin: Origin::Plan,
                        file: file.to_owned(),
                        class: text(get(p, "panel_class")),
                        state: text(get(p, "state")),
                        capability: text(get(p, "expected_capability")),
                        subdomain: subdomain.clone(),
                        topic: topic_id.clone(),
                        slot: text(get(p, "slot")),
                    });
                }
            }
        }
        domains.push(PlanDomain { name, panels });
    }
    Ok((domains, states))
}

pub(super) fn read_intent(root: &Yaml, file: &str, lint: &mut Lints) -> Option<Intent> {
    let panel = text(get(root, "panel_id"))
        .or_else(|| file_stem(file, "AURORA_L2_INTENT_").map(str::to_owned));
    let Some(panel) = panel else {
        lint.push(
            LintKind::InvalidValue,
            None,
            None,
            &[file],
            "an intent without `panel_id`, and its file name names no panel: skipped".to_owned(),
        );
        return None;
    };
    let cap = get(root, "capability");
    let mut endpoint = EndpointValue::from_text(
        text(cap.and_then(|c| get(c, "assumed_endpoint"))),
        text(cap.and_then(|c| get(c, "assumed_method"))),
    );
    if let Some(e) = endpoint.given_mut() {
        e.query = text(cap.and_then(|c| get(c, "query_params")));
    }
    let notes = text(get(root, "notes")).map(|n| {
        let first = n.split("\n\n").next().unwrap_or(&n);
        first.split_whitespace().collect::<Vec<_>>().join(" ")
    });
    let meta = |key: &str| text(at(root, &["metadata", key]));
    let mut permissions = Vec::new();
    for (section, key) in [
        ("data", "read"),
        ("data", "write"),
        ("controls", "filtering"),
        ("controls", "activate"),
        ("display", "nav_required"),
    ] {
        if let Some(Node::Bool(b)) = at(root, &[section, key]).map(|n| &n.value) {
            permissions.push((key.to_owned(), *b));
        }
    }
    Some(Intent {
        file: file.to_owned(),
        panel,
        class: text(get(root, "panel_class")),
        capability: text(cap.and_then(|c| get(c, "id"))),
        endpoint,
        notes,
        domain: meta("domain"),
        subdomain: meta("subdomain"),
        topic: meta("topic"),
        order: meta("order"),
        permissions,
    })
}

pub(super) fn read_capability(root: &Yaml, file: &str) -> Option<Capability> {
    let id = text(get(root, "capability_id"))
        .or_else(|| file_stem(file, "AURORA_L2_CAPABILITY_").map(str::to_owned))?;
    // The first place that gives a path wins; a null in one place does not hide a path in
    // the next, and is remembered when no place gives a path.
    let mut endpoint = EndpointValue::Absent(None);
    for keys in [&["assumption"][..], &[][..], &["implementation"][..]] {
        let Some(node) = at(root, keys) else { continue };
        let value =
            EndpointValue::from_text(text(get(node, "endpoint")), text(get(node, "method")));
        match (&endpoint, &value) {
            (_, EndpointValue::Given(_)) => {
                endpoint = value;
                break;
            }
            (EndpointValue::Absent(_), EndpointValue::Null(..)) => endpoint = value,
            _ => {}
        }
    }
    let binding = get(root, "binding").map_or(EndpointValue::Absent(None), |b| {
        EndpointValue::from_text(
            text(get(b, "observed_endpoint")),
            text(get(b, "observed_method")),
        )
    });
    Some(Capability {
        file: file.to_owned(),
        id,
        status: text(get(root, "status")),
        endpoint,
        binding,
        source_panels: seq(get(root, "source_panels"))
            .iter()
            .filter_map(|n| text(Some(n)))
            .collect(),
    })
}
