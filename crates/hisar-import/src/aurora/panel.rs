//! One plan panel built: its capability, endpoint, class, parameters and invariants, each
//! from the first source that gives a usable one.

use hisar_core::{CapabilityId, Endpoint, PanelClass};

use super::auth::scenario_mode;
use super::endpoint::{RawEndpoint, difference, same_endpoint};
use super::import::{Chosen, Import, Slot, Work};
use super::read::Capability;
use super::scenario::Check;
use super::translate::translate_assertion;
use super::{LintKind, Untranslated};
use crate::draft::{CapabilityDraft, PanelDraft};
use crate::tracker::derive_capability;

impl<'r> Import<'r> {
    /// One plan panel, or `None` when nothing gives it an endpoint.
    pub(super) fn panel(&mut self, slot: &Slot<'r>) -> Option<Work> {
        let pid = slot.id();
        let plan_file = self.plan_file();
        if slot.intent.is_none() {
            self.lint.push(
                LintKind::PanelWithoutIntent,
                Some(pid),
                slot.plan.capability.as_deref(),
                &[plan_file],
                format!(
                    "{pid} is in the plan (state {}) but has no intent",
                    slot.plan.state.as_deref().unwrap_or("unset")
                ),
            );
        }
        if let Some(state) = &slot.plan.state
            && !self.repo.plan_states.is_empty()
            && !self.repo.plan_states.contains(state)
        {
            self.lint.push(
                LintKind::InvalidValue,
                Some(pid),
                None,
                &[plan_file],
                format!(
                    "line {}: state {state} is not one of the plan's panel_states ({})",
                    slot.plan.line,
                    self.repo.plan_states.join(", ")
                ),
            );
        }

        let named = self.capability(slot);
        let cap_file = named.as_deref().and_then(|c| self.repo.capability(c));
        let Some(chosen) = self.endpoint(slot, cap_file, named.as_deref()) else {
            let mut files = vec![plan_file];
            files.extend(slot.intent.map(|i| i.file.as_str()));
            files.extend(cap_file.map(|c| c.file.as_str()));
            files.extend(slot.scenarios.iter().map(|s| s.file.as_str()));
            self.lint.push(
                LintKind::PanelWithoutEndpoint,
                Some(pid),
                named.as_deref(),
                &files,
                format!("no intent, capability or scenario gives {pid} an endpoint; it is left out of the registry"),
            );
            return None;
        };
        let capability = match named {
            Some(c) => {
                self.lint_capability_status(slot, &c, cap_file);
                c
            }
            None => self.derive_capability(slot, &chosen.endpoint),
        };
        let class = self.class(slot);
        self.lint_scenarios(slot, &capability, &chosen);

        let mut comments = vec![format!(
            "plan state {}; endpoint from {}",
            slot.plan.state.as_deref().unwrap_or("unset"),
            chosen.file
        )];
        if slot.intent.is_none() {
            comments
                .push("no intent: class and capability from the plan or the scenario".to_owned());
        }
        let mut params = chosen.query.clone();
        for (k, v) in slot
            .scenario()
            .map(|s| s.params.as_slice())
            .unwrap_or_default()
        {
            if !params.iter().any(|(pk, _)| pk == k) {
                params.push((k.clone(), v.clone()));
            }
        }
        let path_params = self.path_params(slot, &capability, &chosen, &mut comments);
        let invariants = self.invariants(slot, &mut comments);

        let mut files: Vec<String> = vec![plan_file.to_owned()];
        files.extend(slot.intent.map(|i| i.file.clone()));
        files.extend(slot.scenario().map(|s| s.file.clone()));
        Some(Work {
            draft: PanelDraft {
                comments,
                id: pid.to_owned(),
                capability,
                endpoint: chosen.endpoint.to_string(),
                params,
                path_params,
                class: Some(class),
                invariants,
                purpose: slot.intent.and_then(|i| i.notes.clone()),
                ..PanelDraft::default()
            },
            mode: slot.scenario().and_then(scenario_mode),
            headers: slot
                .scenario()
                .map(|s| s.headers.clone())
                .unwrap_or_default(),
            files,
        })
    }

    /// The intent's capability, else the plan's, else the scenario's; linting disagreements
    /// and malformed ids.
    fn capability(&mut self, slot: &Slot<'r>) -> Option<String> {
        let pid = slot.id();
        let plan_file = self.plan_file();
        if let Some(i) = slot.intent
            && let (Some(named), Some(planned)) = (&i.capability, &slot.plan.capability)
            && named != planned
        {
            self.lint.push(
                LintKind::CapabilityMismatch,
                Some(pid),
                Some(named),
                &[plan_file, &i.file],
                format!(
                    "the plan expects capability {planned} for {pid}; its intent names {named}"
                ),
            );
        }
        let candidates = [
            slot.intent
                .and_then(|i| Some((i.capability.as_ref()?, i.file.as_str()))),
            slot.plan.capability.as_ref().map(|c| (c, plan_file)),
            slot.scenario()
                .and_then(|s| Some((s.capability.as_ref()?, s.file.as_str()))),
        ];
        for (value, file) in candidates.into_iter().flatten() {
            match CapabilityId::parse(value) {
                Ok(_) => return Some(value.clone()),
                Err(e) => self.lint.push(
                    LintKind::InvalidValue,
                    Some(pid),
                    Some(value),
                    &[file],
                    format!("{e}; the next source is used"),
                ),
            }
        }
        None
    }

    fn derive_capability(&mut self, slot: &Slot<'r>, endpoint: &Endpoint) -> String {
        let id = derive_capability(&slot.domain.name, endpoint);
        self.derived
            .entry(id.clone())
            .or_insert_with(|| CapabilityDraft {
                id: id.clone(),
                derived: true,
                note: Some(format!(
                    "derived from {} by hisar import aurora",
                    endpoint.path
                )),
                ..CapabilityDraft::default()
            });
        let pid = slot.id();
        self.lint.push(
            LintKind::InvalidValue,
            Some(pid),
            Some(&id),
            &[self.plan_file()],
            format!("no source names a capability for {pid}; derived {id} from its endpoint"),
        );
        id
    }

    /// The intent's endpoint, else the capability file's, else the scenario's; linting the
    /// unusable ones and an intent that disagrees with its capability file.
    fn endpoint(
        &mut self,
        slot: &Slot<'r>,
        cap_file: Option<&'r Capability>,
        capability: Option<&str>,
    ) -> Option<Chosen<'r>> {
        let pid = slot.id();
        let mut candidates: Vec<(&RawEndpoint, &'r str, String)> = Vec::new();
        if let Some(i) = slot.intent
            && let Some(e) = &i.endpoint
        {
            candidates.push((e, &i.file, "intent".to_owned()));
        }
        if let Some(c) = cap_file
            && let Some(e) = &c.endpoint
        {
            candidates.push((e, &c.file, format!("capability {}", c.id)));
        }
        if let Some(s) = slot.scenarios.first()
            && let Some(e) = &s.endpoint
        {
            candidates.push((e, &s.file, "scenario".to_owned()));
        }
        let mut usable: Vec<Chosen<'r>> = Vec::new();
        for (raw, file, label) in candidates {
            match raw.resolve() {
                Ok((endpoint, query)) => usable.push(Chosen {
                    endpoint,
                    query,
                    file,
                    label,
                }),
                Err(message) => self.lint.push(
                    LintKind::InvalidValue,
                    Some(pid),
                    capability,
                    &[file],
                    format!("{label} of {pid}: {message}; the next source is used"),
                ),
            }
        }
        if let Some(intent) = usable.iter().find(|c| c.label == "intent")
            && let Some(c) = cap_file
            && let Some(assumed) = usable.iter().find(|u| u.file == c.file)
            && !same_endpoint(&intent.endpoint, &assumed.endpoint)
        {
            self.lint.push(
                LintKind::CapabilityEndpointMismatch,
                Some(pid),
                Some(&c.id),
                &[intent.file, assumed.file],
                format!(
                    "intent for {pid} says {}; capability {} assumes {} ({})",
                    intent.endpoint,
                    c.id,
                    assumed.endpoint,
                    difference(&intent.endpoint, &assumed.endpoint)
                ),
            );
        }
        usable.into_iter().next()
    }

    /// The intent's class, else the plan's; linting disagreements and unknown classes.
    fn class(&mut self, slot: &Slot<'r>) -> PanelClass {
        let pid = slot.id();
        let plan_file = self.plan_file();
        if let Some(i) = slot.intent
            && let (Some(ic), Some(planned)) = (&i.class, &slot.plan.class)
            && ic != planned
        {
            self.lint.push(
                LintKind::ClassMismatch,
                Some(pid),
                None,
                &[plan_file, &i.file],
                format!("the plan says {pid} is {planned}; its intent says {ic}"),
            );
        }
        let candidates = [
            slot.intent
                .and_then(|i| Some((i.class.as_ref()?, i.file.as_str(), "intent"))),
            slot.plan.class.as_ref().map(|c| (c, plan_file, "plan")),
        ];
        for (value, file, label) in candidates.into_iter().flatten() {
            match value.parse::<PanelClass>() {
                Ok(class) => return class,
                Err(_) => self.lint.push(
                    LintKind::InvalidValue,
                    Some(pid),
                    None,
                    &[file],
                    format!("{label} gives {pid} the unknown class `{value}`"),
                ),
            }
        }
        self.lint.push(
            LintKind::InvalidValue,
            Some(pid),
            None,
            &[plan_file],
            format!("no usable class for {pid}; evidence assumed"),
        );
        PanelClass::Evidence
    }

    /// A value for every `{name}`: the scenario's, else a placeholder (linted and commented).
    fn path_params(
        &mut self,
        slot: &Slot<'r>,
        capability: &str,
        chosen: &Chosen<'r>,
        comments: &mut Vec<String>,
    ) -> Vec<(String, String)> {
        let pid = slot.id();
        let given = slot
            .scenario()
            .map(|s| s.path_params.as_slice())
            .unwrap_or_default();
        let mut out = Vec::new();
        for name in chosen.endpoint.path.params() {
            if let Some((_, v)) = given.iter().find(|(k, _)| k == name) {
                out.push((name.to_owned(), v.clone()));
                continue;
            }
            let placeholder = format!("TODO-{name}");
            self.lint.push(
                LintKind::PathParamPlaceholder,
                Some(pid),
                Some(capability),
                &[chosen.file],
                format!(
                    "{pid}: path parameter {{{name}}} of {} has the placeholder `{placeholder}`; set a real value",
                    chosen.endpoint
                ),
            );
            comments.push(format!("{{{name}}} needs a real value"));
            out.push((name.to_owned(), placeholder));
        }
        out
    }

    /// The translated expectations of every scenario of the panel; the others are recorded
    /// as untranslated and commented.
    fn invariants(&mut self, slot: &Slot<'r>, comments: &mut Vec<String>) -> Vec<String> {
        let mut invariants: Vec<String> = Vec::new();
        let mut add = |found: Vec<String>| {
            for inv in found {
                if !invariants.contains(&inv) {
                    invariants.push(inv);
                }
            }
        };
        for s in &slot.scenarios {
            for check in &s.checks {
                let (text, reason) = match check {
                    Check::Assertion(a) => match translate_assertion(a) {
                        Some(found) => {
                            add(found);
                            continue;
                        }
                        None => (a, "no HISAR equivalent is known for this assertion"),
                    },
                    Check::Invariants(found) => {
                        add(found.clone());
                        continue;
                    }
                    Check::Id(id) => (id, "the invariant id is defined in no imported file"),
                    Check::Step(t) => (t, "an expectation with no HISAR equivalent"),
                };
                comments.push(format!("untranslated ({}): {}", s.file, one_line(text)));
                self.untranslated.push(Untranslated {
                    panel: slot.id().to_owned(),
                    file: s.file.clone(),
                    text: text.clone(),
                    reason: reason.to_owned(),
                });
            }
        }
        invariants
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
