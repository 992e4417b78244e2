//! Lint of the sources against each other: orphans, statuses outside the lifecycle, and
//! capability files and scenarios that disagree with their panels.

use std::collections::BTreeSet;

use super::LintKind;
use super::endpoint::{difference, same_endpoint};
use super::import::{Chosen, Import, Slot, Work};
use super::read::Capability;
use super::status::DEPRECATED;

impl<'r> Import<'r> {
    /// Lint that concerns the sources rather than one panel.
    pub(super) fn lint_sources(&mut self) {
        let repo = self.repo;
        let plan_ids: BTreeSet<&str> = repo.panel_ids();
        let listing = match (repo.has_plan, &repo.ledger) {
            (true, Some(_)) => "the plan or the ledger",
            (false, Some(_)) => "the ledger",
            _ => "the plan",
        };
        let mut listing_files: Vec<&str> = vec![&repo.plan_file];
        listing_files.extend(repo.ledger.as_ref().map(|l| l.file.as_str()));
        for intent in &repo.intents {
            if !plan_ids.contains(intent.panel.as_str()) {
                let mut files = vec![intent.file.as_str()];
                files.extend(&listing_files);
                self.lint.push(
                    LintKind::IntentWithoutPanel,
                    Some(&intent.panel),
                    intent.capability.as_deref(),
                    &files,
                    format!(
                        "intent for {} names a panel that is not in {listing}; not imported",
                        intent.panel
                    ),
                );
            }
        }
        if let Some(ledger) = &repo.ledger {
            let lists = ledger.panels.iter().filter(|p| p.location_list).count();
            if lists > 0 {
                self.lint.push(
                    LintKind::LedgerDisagreement,
                    None,
                    None,
                    &[&ledger.file],
                    format!(
                        "{lists} of {} panel sections give Domain, Subdomain, Topic and Slot as a `Location:` list, not as the `Domain:`/`Subdomain:`/`Topic:`/`Order:` lines the ledger's grammar prescribes; read either way",
                        ledger.panels.len()
                    ),
                );
            }
        }
        let model_files = repo.model_files();
        for cap in &repo.capabilities {
            if let Some(status) = &cap.status
                && !repo.model.knows(status)
            {
                let mut files = vec![cap.file.as_str()];
                files.extend(&model_files);
                self.lint.push(
                    LintKind::CapabilityStatusOutsideLifecycle,
                    None,
                    Some(&cap.id),
                    &files,
                    format!(
                        "capability {} has status {status}, outside the lifecycle {}",
                        cap.id,
                        repo.model.lifecycle.join(" → ")
                    ),
                );
            }
        }
        for s in &repo.scenarios {
            let message = match &s.panel {
                Some(p) if plan_ids.contains(p.as_str()) => continue,
                Some(p) => format!("scenario names panel {p}, which is not in {listing}"),
                None if s.about.is_empty() => "scenario names no panel".to_owned(),
                None => format!(
                    "scenario names no panel of {listing} (it is about {})",
                    s.about.join(", ")
                ),
            };
            let left = match s.checks.len() {
                0 => String::new(),
                n => format!(" ({n} expectations left behind)"),
            };
            self.lint.push(
                LintKind::OrphanScenario,
                s.panel.as_deref(),
                s.capability.as_deref(),
                &[&s.file],
                format!("{message}; not imported{left}"),
            );
        }
    }

    /// Capability files that list plan panels using another capability, true orphans, and
    /// capabilities the endpoint locks declare deprecated.
    pub(super) fn lint_capability_files(&mut self, works: &[Work]) {
        let repo = self.repo;
        let ids = repo.panel_ids();
        for lock in &repo.locks {
            for cap in &lock.deprecated {
                let panels: Vec<&str> = works
                    .iter()
                    .filter(|w| &w.draft.capability == cap)
                    .map(|w| w.draft.id.as_str())
                    .collect();
                let file = repo.capability(cap);
                let status = file.and_then(|c| c.status.as_deref());
                if panels.is_empty() || status == Some(DEPRECATED) {
                    continue;
                }
                let mut files = vec![lock.file.as_str()];
                files.extend(file.map(|c| c.file.as_str()));
                let said = match (file, status) {
                    (None, _) => "it has no capability file".to_owned(),
                    (Some(_), Some(s)) => format!("its file says {s}"),
                    (Some(_), None) => "its file gives no status".to_owned(),
                };
                self.lint.push(
                    LintKind::CapabilityDeprecated,
                    None,
                    Some(cap),
                    &files,
                    format!(
                        "capability {cap} is declared deprecated by the lock on {}, but {said}; written as deprecated (used by {})",
                        lock.path,
                        panels.join(", ")
                    ),
                );
            }
        }
        for cap in &repo.capabilities {
            let mut in_plan = false;
            for sp in &cap.source_panels {
                in_plan |= ids.contains(sp.as_str());
                let Some(w) = works.iter().find(|w| &w.draft.id == sp) else {
                    continue;
                };
                if w.draft.capability != cap.id {
                    self.lint.push(
                        LintKind::CapabilityMismatch,
                        Some(sp),
                        Some(&cap.id),
                        &[&cap.file],
                        format!(
                            "capability {} lists {sp} among its source panels; the panel uses {}",
                            cap.id, w.draft.capability
                        ),
                    );
                }
            }
            let used = works.iter().any(|w| w.draft.capability == cap.id);
            if !in_plan && !used {
                let sources = if cap.source_panels.is_empty() {
                    "none".to_owned()
                } else {
                    cap.source_panels.join(", ")
                };
                self.lint.push(
                    LintKind::OrphanCapability,
                    None,
                    Some(&cap.id),
                    &[&cap.file],
                    format!(
                        "capability {} is used by no plan panel (source panels: {sources})",
                        cap.id
                    ),
                );
            }
        }
    }

    /// The plan's state versus the capability's status, or its absence.
    pub(super) fn lint_capability_status(
        &mut self,
        slot: &Slot<'r>,
        capability: &str,
        cap_file: Option<&Capability>,
    ) {
        let pid = slot.id();
        let plan_file = slot.plan.file.as_str();
        let model = &self.repo.model;
        let state = Self::state(slot).unwrap_or("unset");
        let says = if slot.ledger.and_then(|l| l.state.as_deref()).is_some() {
            "the ledger says"
        } else {
            "the plan says"
        };
        let Some(c) = cap_file else {
            let gate = model
                .gate
                .get("missing_capability")
                .map_or(String::new(), |g| {
                    format!("; AURORA's gate makes a missing capability {g}")
                });
            let mut files = vec![plan_file];
            files.extend(slot.intent.map(|i| i.file.as_str()));
            self.lint.push(
                LintKind::CapabilityMissing,
                Some(pid),
                Some(capability),
                &files,
                format!("no capability file declares {capability}, the capability of {pid} ({says} {state}{gate})"),
            );
            return;
        };
        let Some(status) = c
            .status
            .as_deref()
            .filter(|s| *s != DEPRECATED && model.knows(s))
        else {
            return;
        };
        if let Some(gate) = model.gate.get(status)
            && gate != state
            && !matches!(state, "EMPTY" | "DEFERRED")
        {
            let mut files = vec![plan_file, c.file.as_str()];
            files.extend(self.repo.model_files());
            self.lint.push(
                LintKind::StateMismatch,
                Some(pid),
                Some(capability),
                &files,
                format!("{says} {pid} is {state}, but capability {} is {status}, which AURORA's gate makes {gate}", c.id),
            );
        }
    }

    /// Each scenario of a panel versus the panel: endpoint, class and capability.
    pub(super) fn lint_scenarios(
        &mut self,
        slot: &Slot<'r>,
        capability: &str,
        chosen: &Chosen<'r>,
    ) {
        let pid = slot.id();
        let plan_file = slot.plan.file.as_str();
        let endpoint = &chosen.endpoint;
        for s in &slot.scenarios {
            if let Some(raw) = &s.endpoint
                && let Ok((se, _)) = raw.resolve()
                && !same_endpoint(&se, endpoint)
            {
                self.lint.push(
                    LintKind::ScenarioEndpointMismatch,
                    Some(pid),
                    Some(capability),
                    &[chosen.file, &s.file],
                    format!(
                        "scenario for {pid} requests {se}; the panel's endpoint is {endpoint} (from {}; {})",
                        chosen.label,
                        difference(&se, endpoint)
                    ),
                );
            }
            let reference = match slot.intent {
                Some(i) => i.class.as_ref().map(|c| (c, i.file.as_str(), "intent")),
                None => slot.plan.class.as_ref().map(|c| (c, plan_file, "listing")),
            };
            if let (Some(sc), Some((reference, file, label))) = (&s.class, reference)
                && sc != reference
            {
                self.lint.push(
                    LintKind::ClassMismatch,
                    Some(pid),
                    None,
                    &[file, &s.file],
                    format!("scenario says {pid} is {sc}; its {label} says {reference}"),
                );
            }
            if let Some(verified) = &s.capability
                && verified != capability
            {
                self.lint.push(
                    LintKind::CapabilityMismatch,
                    Some(pid),
                    Some(capability),
                    &[&s.file],
                    format!("scenario for {pid} verifies capability {verified}; the panel's is {capability}"),
                );
            }
        }
    }
}
