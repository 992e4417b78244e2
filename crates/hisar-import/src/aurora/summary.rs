//! The one-screen summary of an import: panels, sources, endpoints, routes, invariants, lint.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::import::EndpointTally;
use super::repo::Repo;
use super::routes::RouteChoice;
use super::{AuroraCounts, LintFinding, LintKind};

/// What an import read and wrote, in the words a person checks first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Counts.
    pub counts: AuroraCounts,
    /// The plan file, when there is one.
    pub plan: Option<String>,
    /// The ledger file, when there is one.
    pub ledger: Option<String>,
    /// Panels listed (plan, ledger or intents) but left out of the registry: no endpoint.
    pub left_out: usize,
    /// Intents naming no listed panel.
    pub intents_without_panel: usize,
    /// The status model file, when there is one.
    pub status_model: Option<String>,
    /// The locks file and how many endpoints it locks.
    pub locks: Option<(String, usize)>,
    /// Invariant catalogue files read.
    pub catalogue_files: usize,
    /// Where the imported panels' endpoints came from: `ledger`, `intent`, `capability`,
    /// `binding`, `scenario`.
    pub endpoints: BTreeMap<String, usize>,
    /// The route choice.
    pub routes: RouteChoice,
    /// Lint findings by kind, in kind order.
    pub lint: Vec<(LintKind, usize)>,
}

impl ImportSummary {
    pub(super) fn new(
        repo: &Repo,
        counts: &AuroraCounts,
        endpoints: &EndpointTally,
        routes: &RouteChoice,
        lint: &[LintFinding],
    ) -> Self {
        let mut by_kind: Vec<(LintKind, usize)> = Vec::new();
        for l in lint {
            match by_kind.last_mut() {
                Some((k, n)) if *k == l.kind => *n += 1,
                _ => by_kind.push((l.kind, 1)),
            }
        }
        let count = |kind: LintKind| {
            by_kind
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(0, |(_, n)| *n)
        };
        Self {
            counts: *counts,
            plan: repo.has_plan.then(|| repo.plan_file.clone()),
            ledger: repo.ledger.as_ref().map(|l| l.file.clone()),
            left_out: count(LintKind::PanelWithoutEndpoint),
            intents_without_panel: count(LintKind::IntentWithoutPanel),
            status_model: repo.model.file.clone(),
            locks: repo
                .locks
                .first()
                .map(|l| (l.file.clone(), repo.locks.len())),
            catalogue_files: repo.catalog_files,
            endpoints: endpoints
                .by_source
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            routes: routes.clone(),
            lint: by_kind,
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        // Panels.
        let mut panels = Vec::new();
        if self.plan.is_some() {
            panels.push(format!(
                "imported {} of {} plan panels",
                c.panels_from_plan, c.plan_panels
            ));
        }
        if self.ledger.is_some() {
            let what = if self.plan.is_some() {
                format!("panels only in the ledger (of {})", c.ledger_panels)
            } else {
                "ledger panels".to_owned()
            };
            panels.push(format!(
                "{} of the {} {what}",
                c.panels_from_ledger, c.ledger_only_panels
            ));
        }
        if c.panels_from_intents > 0 {
            panels.push(format!(
                "{} panels from intents (no plan, no ledger)",
                c.panels_from_intents
            ));
        }
        writeln!(
            f,
            "panels      {}: {} in the registry",
            panels.join(", "),
            c.panels
        )?;
        if self.left_out > 0 {
            writeln!(
                f,
                "            {} left out: no source gives an endpoint (lint panel_without_endpoint)",
                plural(self.left_out, "panel", "panels")
            )?;
        }
        // Sources.
        let mut listed = Vec::new();
        if let Some(p) = &self.plan {
            listed.push(format!("plan {p}"));
        }
        if let Some(l) = &self.ledger {
            listed.push(format!("ledger {l}"));
        }
        let mut intents = plural(c.intents, "intent", "intents");
        if self.intents_without_panel > 0 {
            intents.push_str(&format!(
                " ({} name no listed panel)",
                self.intents_without_panel
            ));
        }
        listed.push(intents);
        writeln!(f, "sources     {}", listed.join(" · "))?;
        let mut read = vec![plural(c.capabilities, "capability", "capabilities")];
        let name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_owned();
        if let Some(m) = &self.status_model {
            read.push(format!("status model {}", name(m)));
        }
        if let Some((file, n)) = &self.locks {
            read.push(format!(
                "locks {} ({})",
                name(file),
                plural(*n, "locked endpoint", "locked endpoints")
            ));
        }
        read.push(format!(
            "{} ({} attached)",
            plural(c.scenarios, "scenario", "scenarios"),
            c.scenarios_attached
        ));
        if self.catalogue_files > 0 {
            read.push(plural(
                self.catalogue_files,
                "invariant catalogue file",
                "invariant catalogue files",
            ));
        }
        writeln!(f, "            {}", read.join(" · "))?;
        // Endpoints.
        let by: Vec<String> = ["ledger", "intent", "capability", "binding", "scenario"]
            .iter()
            .filter_map(|k| self.endpoints.get(*k).map(|n| format!("{k} {n}")))
            .collect();
        writeln!(
            f,
            "endpoints   from {}; {} missing in the declared sources and replaced (lint endpoint_replaced)",
            if by.is_empty() {
                "nothing".to_owned()
            } else {
                by.join(", ")
            },
            c.endpoints_replaced
        )?;
        // Routes.
        match &self.routes.chosen {
            Some(chosen) => {
                writeln!(f, "routes      backend.routes = {}", chosen.describe())?;
                writeln!(f, "            why: {}", self.routes.reason)?;
                let r = &self.routes;
                let total = r.served + r.moved + r.missing + r.unserved;
                writeln!(
                    f,
                    "            of {total} distinct panel endpoints it serves {} as written, {} under another prefix; {} only another source serves; {} no source serves",
                    r.served, r.moved, r.missing, r.unserved
                )?;
                for p in &r.prefix_changes {
                    writeln!(
                        f,
                        "            prefix change in {}: {} → {} ({}, one finding)",
                        p.file,
                        p.from,
                        p.to,
                        plural(p.endpoints, "endpoint", "endpoints")
                    )?;
                }
            }
            None => writeln!(f, "routes      none: {}", self.routes.reason)?,
        }
        // Invariants.
        writeln!(
            f,
            "invariants  {} translated · {} resolved by id · {} unresolved ids and {} untranslated expectations kept as not checked ({} entries)",
            c.translated, c.resolved_ids, c.unresolved_ids, c.untranslated, c.unchecked
        )?;
        // Lint.
        let total: usize = self.lint.iter().map(|(_, n)| n).sum();
        let kinds: Vec<String> = self.lint.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(f, "lint        {}", plural(total, "finding", "findings"))?;
        // Wrap the kinds at about 96 columns.
        let mut line = String::from("           ");
        for k in kinds {
            if line.len() + k.len() + 3 > 96 && !line.trim().is_empty() {
                writeln!(f, "{}", line.trim_end_matches(" ·"))?;
                line = String::from("           ");
            }
            line.push(' ');
            line.push_str(&k);
            line.push_str(" ·");
        }
        if !line.trim().is_empty() {
            writeln!(f, "{}", line.trim_end_matches(" ·"))?;
        }
        Ok(())
    }
}
