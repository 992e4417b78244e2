//! A panel's endpoint: what its declared sources say, else what the other sources agree on.
//!
//! Declared sources say what the panel calls, in this order: the ledger's section for the
//! panel's own capability (its topic's endpoint when the section serves topics separately),
//! the intent, the capability file's assumption. The first that gives a usable path is the
//! panel's endpoint.
//!
//! When none does (a null, the string `'null'`, or nothing), the other sources propose:
//! the capability's observed binding (`binding.observed_endpoint`), the ledger's other sections
//! that name the panel, and the scenarios' requests. Locked endpoints are set aside. The
//! endpoint proposed by the most kinds of source wins (binding, ledger, scenario: one vote
//! each), ties going to that order. The lint says which source won, with every proposal and its
//! file.

use std::collections::BTreeMap;

use super::LintKind;
use super::endpoint::{EndpointValue, RawEndpoint, difference, same_endpoint};
use super::import::{Chosen, Import, Slot};
use super::locks::lock_on;
use super::read::Capability;

/// One source's proposal.
struct Proposal<'r> {
    chosen: Chosen<'r>,
    /// `ledger`, `intent`, `capability`, `binding`, `scenario`.
    kind: &'static str,
}

/// A declared source that gave no path: its label, file and how it wrote the endpoint.
struct Missing<'r> {
    label: String,
    file: &'r str,
    written: String,
}

impl<'r> Import<'r> {
    /// Resolves a proposal, linting an unusable one.
    fn propose(
        &mut self,
        pid: &str,
        capability: Option<&str>,
        raw: &RawEndpoint,
        file: &'r str,
        label: String,
        kind: &'static str,
    ) -> Option<Proposal<'r>> {
        match raw.resolve() {
            Ok((endpoint, query)) => Some(Proposal {
                chosen: Chosen {
                    endpoint,
                    query,
                    file,
                    label,
                },
                kind,
            }),
            Err(message) => {
                self.lint.push(
                    LintKind::InvalidValue,
                    Some(pid),
                    capability,
                    &[file],
                    format!("{label} of {pid}: {message}; the next source is used"),
                );
                None
            }
        }
    }

    /// The panel's endpoint (see the module docs), linting how it was chosen.
    pub(super) fn endpoint(
        &mut self,
        slot: &Slot<'r>,
        cap_file: Option<&'r Capability>,
        capability: Option<&str>,
    ) -> Option<Chosen<'r>> {
        let pid = slot.id();
        let repo = self.repo;
        let topic = slot
            .ledger
            .and_then(|l| l.topic.as_deref())
            .or(slot.plan.topic.as_deref());
        let ledger = repo.ledger.as_ref();

        // Declared sources.
        let mut declared: Vec<Proposal<'r>> = Vec::new();
        let mut missing: Vec<Missing<'r>> = Vec::new();
        let own: Vec<(EndpointValue, String)> = ledger
            .into_iter()
            .flat_map(|l| l.sections_for(pid))
            .filter(|c| Some(c.id.as_str()) == capability)
            .map(|c| {
                (
                    c.endpoint_for(topic),
                    format!("ledger capability {} (line {})", c.id, c.line),
                )
            })
            .collect();
        let ledger_file = ledger.map_or("", |l| l.file.as_str());
        for (value, label) in own {
            match value.given() {
                Some(raw) => declared.extend(self.propose(
                    pid,
                    capability,
                    raw,
                    ledger_file,
                    label,
                    "ledger",
                )),
                None => missing.push(Missing {
                    label,
                    file: ledger_file,
                    written: value.describe_missing(),
                }),
            }
        }
        if let Some(i) = slot.intent {
            match i.endpoint.given() {
                Some(raw) => declared.extend(self.propose(
                    pid,
                    capability,
                    raw,
                    &i.file,
                    "intent".to_owned(),
                    "intent",
                )),
                None => missing.push(Missing {
                    label: "intent".to_owned(),
                    file: &i.file,
                    written: i.endpoint.describe_missing(),
                }),
            }
        }
        if let Some(c) = cap_file
            && let Some(raw) = c.endpoint.given()
        {
            declared.extend(self.propose(
                pid,
                capability,
                raw,
                &c.file,
                format!("capability {}", c.id),
                "capability",
            ));
        }
        self.lint_declared(pid, cap_file, &declared);

        let intent_missing = missing.iter().any(|m| m.label == "intent");
        if let Some(first) = declared.into_iter().next() {
            if intent_missing {
                let missing_text = describe_missing(&missing);
                self.lint.push(
                    LintKind::EndpointReplaced,
                    Some(pid),
                    capability,
                    &[missing_files(&missing), vec![first.chosen.file]].concat(),
                    format!(
                        "{missing_text}; {} from {} is used",
                        first.chosen.endpoint, first.chosen.label
                    ),
                );
                self.endpoints.replaced += 1;
            }
            *self.endpoints.by_source.entry(first.kind).or_default() += 1;
            return Some(self.settle(pid, cap_file, first));
        }

        // Other sources propose; the most agreed wins.
        let mut proposals: Vec<Proposal<'r>> = Vec::new();
        if let Some(c) = cap_file
            && let Some(raw) = c.binding.given()
        {
            proposals.extend(self.propose(
                pid,
                capability,
                raw,
                &c.file,
                format!("capability {} binding (observed)", c.id),
                "binding",
            ));
        }
        let others: Vec<(RawEndpoint, String)> = ledger
            .into_iter()
            .flat_map(|l| l.sections_for(pid))
            .filter(|c| Some(c.id.as_str()) != capability)
            .filter_map(|c| {
                let value = c.endpoint_for(topic);
                let raw = value.given()?.clone();
                Some((raw, format!("ledger capability {} (line {})", c.id, c.line)))
            })
            .collect();
        for (raw, label) in others {
            proposals.extend(self.propose(pid, capability, &raw, ledger_file, label, "ledger"));
        }
        for s in &slot.scenarios {
            if let Some(raw) = &s.endpoint {
                proposals.extend(self.propose(
                    pid,
                    capability,
                    raw,
                    &s.file,
                    "scenario".to_owned(),
                    "scenario",
                ));
            }
        }
        if proposals.is_empty() {
            return None;
        }
        let locked = |p: &Proposal<'_>| lock_on(&repo.locks, &p.chosen.endpoint.path).is_some();
        let pool: Vec<usize> = {
            let open: Vec<usize> = (0..proposals.len())
                .filter(|&i| !locked(&proposals[i]))
                .collect();
            if open.is_empty() {
                (0..proposals.len()).collect()
            } else {
                open
            }
        };
        // Votes: distinct kinds of source per endpoint shape.
        let mut votes: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
        for &i in &pool {
            let p = &proposals[i];
            let key = key(&p.chosen);
            let kinds = votes.entry(key).or_default();
            if !kinds.contains(&p.kind) {
                kinds.push(p.kind);
            }
        }
        let best = pool
            .iter()
            .copied()
            .max_by(|&a, &b| {
                let va = votes[&key(&proposals[a].chosen)].len();
                let vb = votes[&key(&proposals[b].chosen)].len();
                va.cmp(&vb).then_with(|| b.cmp(&a))
            })
            .unwrap_or(0);
        let winner_key = key(&proposals[best].chosen);
        let agree = &votes[&winner_key];
        let mut also: Vec<String> = Vec::new();
        let mut files: Vec<&str> = missing_files(&missing);
        for p in &proposals {
            files.push(p.chosen.file);
            if key(&p.chosen) == winner_key {
                continue;
            }
            let mut text = format!(
                "{} by {} ({})",
                p.chosen.endpoint, p.chosen.label, p.chosen.file
            );
            if let Some(lock) = lock_on(&repo.locks, &p.chosen.endpoint.path) {
                text.push_str(&format!(", set aside: {}", lock.describe()));
                files.push(&lock.file);
            }
            also.push(text);
        }
        let winner = proposals.swap_remove(best);
        let mut message = format!(
            "{}; {} from {} is used, proposed by {} of {} kinds of source ({})",
            describe_missing(&missing),
            winner.chosen.endpoint,
            winner.chosen.label,
            agree.len(),
            proposals
                .iter()
                .map(|p| p.kind)
                .chain(std::iter::once(winner.kind))
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            agree.join(", ")
        );
        if !also.is_empty() {
            message.push_str(&format!("; also proposed: {}", also.join("; ")));
        }
        self.lint.push(
            LintKind::EndpointReplaced,
            Some(pid),
            capability,
            &files,
            message,
        );
        self.endpoints.replaced += 1;
        *self.endpoints.by_source.entry(winner.kind).or_default() += 1;
        Some(self.settle(pid, cap_file, winner))
    }

    /// Declared sources that disagree: the intent against the capability file (as before the
    /// ledger existed), and the ledger against the intent.
    fn lint_declared(
        &mut self,
        pid: &str,
        cap_file: Option<&Capability>,
        declared: &[Proposal<'r>],
    ) {
        let find = |kind: &str| declared.iter().find(|p| p.kind == kind);
        if let (Some(intent), Some(c), Some(assumed)) =
            (find("intent"), cap_file, find("capability"))
            && !same_endpoint(&intent.chosen.endpoint, &assumed.chosen.endpoint)
        {
            self.lint.push(
                LintKind::CapabilityEndpointMismatch,
                Some(pid),
                Some(&c.id),
                &[intent.chosen.file, assumed.chosen.file],
                format!(
                    "intent for {pid} says {}; capability {} assumes {} ({})",
                    intent.chosen.endpoint,
                    c.id,
                    assumed.chosen.endpoint,
                    difference(&intent.chosen.endpoint, &assumed.chosen.endpoint)
                ),
            );
        }
        if let (Some(ledger), Some(intent)) = (find("ledger"), find("intent"))
            && !same_endpoint(&ledger.chosen.endpoint, &intent.chosen.endpoint)
        {
            self.lint.push(
                LintKind::LedgerDisagreement,
                Some(pid),
                None,
                &[ledger.chosen.file, intent.chosen.file],
                format!(
                    "{} gives {pid} {}; its intent says {} ({}); the ledger's is used",
                    ledger.chosen.label,
                    ledger.chosen.endpoint,
                    intent.chosen.endpoint,
                    difference(&ledger.chosen.endpoint, &intent.chosen.endpoint)
                ),
            );
        }
    }

    /// The chosen endpoint against the capability's observed binding and the locks.
    fn settle(&mut self, pid: &str, cap_file: Option<&Capability>, p: Proposal<'r>) -> Chosen<'r> {
        let chosen = p.chosen;
        if let Some(c) = cap_file
            && let Some(raw) = c.binding.given()
            && let Ok((bound, _)) = raw.resolve()
            && !same_endpoint(&bound, &chosen.endpoint)
        {
            self.lint.push(
                LintKind::BindingMismatch,
                Some(pid),
                Some(&c.id),
                &[chosen.file, &c.file],
                format!(
                    "{pid} reads {} (from {}); capability {} is bound to {} (binding.observed_endpoint; {})",
                    chosen.endpoint,
                    chosen.label,
                    c.id,
                    bound,
                    difference(&chosen.endpoint, &bound)
                ),
            );
        }
        if let Some(lock) = lock_on(&self.repo.locks, &chosen.endpoint.path) {
            self.lint.push(
                LintKind::LockedEndpoint,
                Some(pid),
                None,
                &[chosen.file, &lock.file],
                format!(
                    "{pid} reads {} (from {}), and {}",
                    chosen.endpoint,
                    chosen.label,
                    lock.describe()
                ),
            );
        }
        chosen
    }
}

fn key(c: &Chosen<'_>) -> String {
    format!("{} {}", c.endpoint.method, c.endpoint.path.shape())
}

fn describe_missing(missing: &[Missing<'_>]) -> String {
    if missing.is_empty() {
        return "no declared source gives an endpoint".to_owned();
    }
    missing
        .iter()
        .map(|m| format!("{} gives {}", m.label, m.written))
        .collect::<Vec<_>>()
        .join(", ")
}

fn missing_files<'r>(missing: &[Missing<'r>]) -> Vec<&'r str> {
    missing.iter().map(|m| m.file).collect()
}
