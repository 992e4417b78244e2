//! One panel built: its capability, endpoint, class, parameters and invariants, each from the
//! first source that gives a usable one (see the module docs of [`super`] for the order).

use hisar_core::{CapabilityId, Endpoint, PanelClass};

use super::auth::scenario_mode;
use super::import::{Chosen, Import, Slot, Work};
use super::read::Origin;
use super::scenario::Check;
use super::translate::translate_assertion;
use super::{LintKind, Untranslated};
use crate::draft::{CapabilityDraft, PanelDraft};
use crate::tracker::derive_capability;

/// Names and values (or, for a todo, names and what to put there).
type Pairs = Vec<(String, String)>;

impl<'r> Import<'r> {
    /// One plan panel, or `None` when nothing gives it an endpoint.
    pub(super) fn panel(&mut self, slot: &Slot<'r>) -> Option<Work> {
        let pid = slot.id();
        let plan_file = slot.plan.file.as_str();
        match slot.plan.origin {
            Origin::Plan if slot.intent.is_none() => self.lint.push(
                LintKind::PanelWithoutIntent,
                Some(pid),
                slot.plan.capability.as_deref(),
                &[plan_file],
                format!(
                    "{pid} is in the plan (state {}) but has no intent",
                    slot.plan.state.as_deref().unwrap_or("unset")
                ),
            ),
            Origin::Ledger => {
                let mut message = format!(
                    "{pid} is in the ledger (line {}, state {}) but not in the plan",
                    slot.plan.line,
                    slot.plan.state.as_deref().unwrap_or("unset")
                );
                if self.repo.has_plan {
                    message.push_str("; imported from the ledger");
                }
                if slot.intent.is_none() {
                    message.push_str(", without an intent");
                }
                self.lint.push(
                    LintKind::PanelNotInPlan,
                    Some(pid),
                    slot.plan.capability.as_deref(),
                    &[plan_file],
                    message,
                );
            }
            _ => {}
        }
        self.lint_ledger_panel(slot);
        if let Some(state) = &slot.plan.state
            && slot.plan.origin == Origin::Plan
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
            files.extend(self.repo.ledger.as_ref().map(|l| l.file.as_str()));
            self.lint.push(
                LintKind::PanelWithoutEndpoint,
                Some(pid),
                named.as_deref(),
                &files,
                format!("no ledger section, intent, capability or scenario gives {pid} an endpoint; it is left out of the registry"),
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

        let listed = match slot.plan.origin {
            Origin::Plan => "plan",
            Origin::Ledger => "ledger",
            Origin::Intent => "intent",
        };
        let mut comments = vec![format!(
            "{listed} state {}; endpoint from {}",
            Self::state(slot).unwrap_or("unset"),
            chosen.file
        )];
        if slot.intent.is_none() {
            comments.push(format!(
                "no intent: class and capability from the {listed} or the scenario"
            ));
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
        let (path_params, path_todos) = self.path_params(slot, &capability, &chosen, &mut comments);
        let (invariants, unchecked) = self.invariants(slot, &mut comments);

        let mut files: Vec<String> = vec![plan_file.to_owned()];
        files.extend(slot.intent.map(|i| i.file.clone()));
        files.extend(slot.scenario().map(|s| s.file.clone()));
        Some(Work {
            origin: slot.plan.origin,
            draft: PanelDraft {
                comments,
                id: pid.to_owned(),
                capability,
                endpoint: chosen.endpoint.to_string(),
                params,
                path_params,
                path_todos,
                class: Some(class),
                invariants,
                unchecked,
                purpose: slot
                    .intent
                    .and_then(|i| i.notes.clone())
                    .or_else(|| slot.ledger.and_then(|l| l.purpose.clone())),
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

    /// The ledger's capability, else the intent's, else the plan's, else the scenario's;
    /// linting disagreements and malformed ids.
    fn capability(&mut self, slot: &Slot<'r>) -> Option<String> {
        let pid = slot.id();
        let plan_file = slot.plan.file.as_str();
        let ledger_file = self.repo.ledger.as_ref().map_or("", |l| l.file.as_str());
        if let (Some(l), Some(i)) = (slot.ledger, slot.intent)
            && let (Some(led), Some(named)) = (&l.capability, &i.capability)
            && led != named
        {
            self.lint.push(
                LintKind::CapabilityMismatch,
                Some(pid),
                Some(led),
                &[ledger_file, &i.file],
                format!(
                    "the ledger (line {}) names capability {led} for {pid}; its intent names {named}; the ledger's is used",
                    l.line
                ),
            );
        }
        if let Some(i) = slot.intent
            && slot.plan.origin == Origin::Plan
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
            slot.ledger
                .and_then(|l| Some((l.capability.as_ref()?, ledger_file))),
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
            &[&slot.plan.file],
            format!("no source names a capability for {pid}; derived {id} from its endpoint"),
        );
        id
    }

    /// The ledger's class, else the intent's, else the plan's; linting disagreements and
    /// unknown classes.
    fn class(&mut self, slot: &Slot<'r>) -> PanelClass {
        let pid = slot.id();
        let plan_file = slot.plan.file.as_str();
        let ledger_file = self.repo.ledger.as_ref().map_or("", |l| l.file.as_str());
        if let (Some(l), Some(i)) = (slot.ledger, slot.intent)
            && let (Some(lc), Some(ic)) = (&l.class, &i.class)
            && lc != ic
        {
            self.lint.push(
                LintKind::ClassMismatch,
                Some(pid),
                None,
                &[ledger_file, &i.file],
                format!(
                    "the ledger (line {}) says {pid} is {lc}; its intent says {ic}",
                    l.line
                ),
            );
        }
        if let Some(i) = slot.intent
            && slot.plan.origin == Origin::Plan
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
            slot.ledger
                .and_then(|l| Some((l.class.as_ref()?, ledger_file, "ledger"))),
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

    /// A value for every `{name}`: the scenario's, else a `{ todo }` naming what to put there
    /// (linted and commented): a sweep never sends such a panel, it stays UNVERIFIED until
    /// the value is given, so a made-up id never asks the backend for what it cannot serve
    /// (a false ENDPOINT_MISSING or SDSR_FAILED). Returns the values and the todos.
    fn path_params(
        &mut self,
        slot: &Slot<'r>,
        capability: &str,
        chosen: &Chosen<'r>,
        comments: &mut Vec<String>,
    ) -> (Pairs, Pairs) {
        let pid = slot.id();
        let given = slot
            .scenario()
            .map(|s| s.path_params.as_slice())
            .unwrap_or_default();
        let (mut values, mut todos) = (Vec::new(), Vec::new());
        for name in chosen.endpoint.path.params() {
            if let Some((_, v)) = given.iter().find(|(k, _)| k == name) {
                values.push((name.to_owned(), v.clone()));
                continue;
            }
            self.lint.push(
                LintKind::PathParamPlaceholder,
                Some(pid),
                Some(capability),
                &[chosen.file],
                format!(
                    "{pid}: path parameter {{{name}}} of {} has no value in any scenario; it is a `{{ todo }}` (the panel is UNVERIFIED, never sent, until it has a real value or a {{ from, select }})",
                    chosen.endpoint
                ),
            );
            comments.push(format!(
                "TODO: a real `{name}`; until it has one a sweep does not send this panel (UNVERIFIED)"
            ));
            todos.push((
                name.to_owned(),
                format!("a real {name}, which no AURORA scenario gives"),
            ));
        }
        (values, todos)
    }

    /// The translated expectations of every scenario of the panel, and the ones kept unchecked:
    /// invariant ids defined nowhere the import reads, and expectations with no HISAR
    /// equivalent. Both are recorded (untranslated, unresolved) and commented.
    fn invariants(
        &mut self,
        slot: &Slot<'r>,
        comments: &mut Vec<String>,
    ) -> (Vec<String>, Vec<(String, String)>) {
        let mut invariants: Vec<String> = Vec::new();
        let mut unchecked: Vec<(String, String)> = Vec::new();
        let add = |found: Vec<String>, invariants: &mut Vec<String>| {
            let mut added = 0;
            for inv in found {
                if !invariants.contains(&inv) {
                    invariants.push(inv);
                    added += 1;
                }
            }
            added
        };
        for s in &slot.scenarios {
            for check in &s.checks {
                let (text, reason, kept) = match check {
                    Check::Assertion(a) => match translate_assertion(a) {
                        Some(found) => {
                            self.translated += add(found, &mut invariants);
                            continue;
                        }
                        None => (
                            a,
                            "no HISAR equivalent is known for this assertion",
                            "no HISAR equivalent",
                        ),
                    },
                    Check::Invariants(found) => {
                        self.translated += add(found.clone(), &mut invariants);
                        continue;
                    }
                    Check::Id(id) => {
                        let definition = self.repo.catalog.resolve(id);
                        let translated = definition
                            .as_ref()
                            .and_then(|d| translate_assertion(&d.assertion));
                        match (definition, translated) {
                            (Some(_), Some(found)) => {
                                self.resolved += add(found, &mut invariants);
                                continue;
                            }
                            (Some(d), None) => {
                                let reason = format!(
                                    "defined in {} as `{}`, which has no HISAR equivalent",
                                    d.file,
                                    one_line(&d.assertion)
                                );
                                self.keep(
                                    slot,
                                    s.file.as_str(),
                                    id,
                                    &reason,
                                    "no HISAR equivalent",
                                    &mut unchecked,
                                    comments,
                                    true,
                                );
                                continue;
                            }
                            (None, _) => {
                                let reason = self.repo.catalog.unresolved_reason(id);
                                self.keep(
                                    slot,
                                    s.file.as_str(),
                                    id,
                                    reason,
                                    reason,
                                    &mut unchecked,
                                    comments,
                                    true,
                                );
                                continue;
                            }
                        }
                    }
                    Check::Step(t) => (
                        t,
                        "an expectation with no HISAR equivalent",
                        "no HISAR equivalent",
                    ),
                };
                self.keep(
                    slot,
                    s.file.as_str(),
                    text,
                    reason,
                    kept,
                    &mut unchecked,
                    comments,
                    false,
                );
            }
        }
        (invariants, unchecked)
    }

    /// Records an expectation that stays unchecked: listed (untranslated or unresolved),
    /// commented, and kept in the registry with a short reason.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per kind of expectation"
    )]
    fn keep(
        &mut self,
        slot: &Slot<'r>,
        file: &str,
        text: &str,
        reason: &str,
        short: &str,
        unchecked: &mut Vec<(String, String)>,
        comments: &mut Vec<String>,
        by_id: bool,
    ) {
        let entry = Untranslated {
            panel: slot.id().to_owned(),
            file: file.to_owned(),
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let id = one_line(text);
        if !unchecked.iter().any(|(u, _)| *u == id) {
            unchecked.push((id.clone(), short.to_owned()));
        }
        if by_id {
            self.unresolved.push(entry);
        } else {
            comments.push(format!("untranslated ({file}): {id}"));
            self.untranslated.push(entry);
        }
    }

    /// The panel's state: the ledger's, else the plan's.
    pub(super) fn state(slot: &Slot<'r>) -> Option<&'r str> {
        slot.ledger
            .and_then(|l| l.state.as_deref())
            .or(slot.plan.state.as_deref())
    }

    /// The ledger's section against the plan: state and location.
    fn lint_ledger_panel(&mut self, slot: &Slot<'r>) {
        let (Some(l), Origin::Plan) = (slot.ledger, slot.plan.origin) else {
            return;
        };
        let ledger_file = self.repo.ledger.as_ref().map_or("", |x| x.file.as_str());
        let pid = slot.id();
        let pairs = [
            ("state", l.state.as_deref(), slot.plan.state.as_deref()),
            (
                "domain",
                l.domain.as_deref(),
                Some(slot.domain.name.as_str()),
            ),
            (
                "subdomain",
                l.subdomain.as_deref(),
                slot.plan.subdomain.as_deref(),
            ),
            ("topic", l.topic.as_deref(), slot.plan.topic.as_deref()),
        ];
        for (what, ledger, plan) in pairs {
            if let (Some(a), Some(b)) = (ledger, plan)
                && !a.eq_ignore_ascii_case(b)
            {
                self.lint.push(
                    LintKind::LedgerDisagreement,
                    Some(pid),
                    None,
                    &[ledger_file, &slot.plan.file],
                    format!(
                        "the ledger (line {}) gives {pid} the {what} {a}; the plan (line {}) says {b}; the ledger's is used",
                        l.line, slot.plan.line
                    ),
                );
            }
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
