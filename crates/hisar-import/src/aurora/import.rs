//! The import under way: its state, and the panels it works through (the plan's, then the
//! ledger's the plan lacks, or the intents').

use std::collections::{BTreeMap, BTreeSet};

use hisar_core::{Endpoint, PanelId};

use super::ledger::LedgerPanel;
use super::lint::Lints;
use super::read::{Intent, PlanDomain, PlanPanel};
use super::repo::Repo;
use super::routes::RouteChoice;
use super::scenario::Scenario;
use super::{LintKind, Untranslated};
use crate::draft::{CapabilityDraft, PanelDraft};

/// A panel to import and what names it.
pub(super) struct Slot<'r> {
    pub(super) domain: &'r PlanDomain,
    /// The panel as the file that lists it gives it (plan, ledger or intent).
    pub(super) plan: &'r PlanPanel,
    /// Its ledger section, when the repository has a ledger that lists it.
    pub(super) ledger: Option<&'r LedgerPanel>,
    pub(super) intent: Option<&'r Intent>,
    pub(super) scenarios: Vec<&'r Scenario>,
}

impl Slot<'_> {
    pub(super) fn id(&self) -> &str {
        &self.plan.id
    }

    /// The scenario that gives the request: the first by path.
    pub(super) fn scenario(&self) -> Option<&Scenario> {
        self.scenarios.first().copied()
    }
}

/// The endpoint a panel got, and where from.
pub(super) struct Chosen<'r> {
    pub(super) endpoint: Endpoint,
    pub(super) query: Vec<(String, String)>,
    pub(super) file: &'r str,
    pub(super) label: String,
}

/// Where the endpoints of the imported panels came from, by kind of source.
#[derive(Default)]
pub(super) struct EndpointTally {
    pub(super) by_source: BTreeMap<&'static str, usize>,
    pub(super) replaced: usize,
}

/// A panel being built, before auth is settled.
pub(super) struct Work {
    pub(super) draft: PanelDraft,
    pub(super) origin: super::read::Origin,
    pub(super) mode: Option<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) files: Vec<String>,
}

pub(super) struct Import<'r> {
    pub(super) repo: &'r Repo,
    pub(super) lint: Lints,
    pub(super) untranslated: Vec<Untranslated>,
    /// Invariant ids kept unresolved.
    pub(super) unresolved: Vec<Untranslated>,
    /// Invariants translated from written assertions, and from ids resolved to assertions.
    pub(super) translated: usize,
    pub(super) resolved: usize,
    pub(super) derived: BTreeMap<String, CapabilityDraft>,
    pub(super) endpoints: EndpointTally,
    pub(super) routes: RouteChoice,
}

impl<'r> Import<'r> {
    pub(super) fn plan_file(&self) -> &'r str {
        &self.repo.plan_file
    }

    /// Plan panels with a usable, unique id, and the domains their ids name.
    pub(super) fn slots(&mut self) -> (Vec<Slot<'r>>, Vec<(String, String)>) {
        let repo = self.repo;
        let plan_file = self.plan_file();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut slots = Vec::new();
        let mut domains: Vec<(String, String)> = Vec::new();
        for domain in &repo.domains {
            let mut codes: Vec<String> = Vec::new();
            for p in &domain.panels {
                if !seen.insert(&p.id) {
                    self.lint.push(
                        LintKind::Duplicate,
                        Some(&p.id),
                        None,
                        &[&p.file],
                        format!(
                            "line {}: {} is listed again in the plan; skipped",
                            p.line, p.id
                        ),
                    );
                    continue;
                }
                let id = match PanelId::parse(&p.id) {
                    Ok(id) => id,
                    Err(e) => {
                        self.lint.push(
                            LintKind::InvalidValue,
                            Some(&p.id),
                            None,
                            &[&p.file],
                            format!("line {}: {e}; skipped", p.line),
                        );
                        continue;
                    }
                };
                let code = id.domain().as_str().to_owned();
                if !codes.contains(&code) {
                    codes.push(code);
                }
                slots.push(Slot {
                    domain,
                    plan: p,
                    ledger: repo.ledger.as_ref().and_then(|l| l.panel(&p.id)),
                    intent: repo.intent(&p.id),
                    scenarios: repo
                        .scenarios
                        .iter()
                        .filter(|s| s.panel.as_deref() == Some(p.id.as_str()))
                        .collect(),
                });
            }
            let problem = match codes.len() {
                0 => Some(format!(
                    "domain {} has no panels; not declared",
                    domain.name
                )),
                1 => None,
                _ => Some(format!(
                    "domain {} holds panels of several codes ({}); each is declared with that name",
                    domain.name,
                    codes.join(", ")
                )),
            };
            if let Some(message) = problem {
                self.lint
                    .push(LintKind::InvalidValue, None, None, &[plan_file], message);
            }
            for code in codes {
                if let Some((_, other)) = domains.iter().find(|(c, _)| *c == code) {
                    self.lint.push(
                        LintKind::InvalidValue,
                        None,
                        None,
                        &[plan_file],
                        format!(
                            "code {code} is used by domains {other} and {}; declared as {other}",
                            domain.name
                        ),
                    );
                } else {
                    domains.push((code, domain.name.clone()));
                }
            }
        }
        (slots, domains)
    }
}
