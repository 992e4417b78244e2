//! The repository, read: every file parsed, then read into the panels (plan, ledger or intents),
//! intents, capabilities, status model, locks, scenarios, invariant catalogue and route sources.

use std::collections::BTreeSet;

use super::catalog::Catalog;
use super::ledger::{Ledger, read_ledger};
use super::lint::Lints;
use super::locks::{Lock, is_locks, read_locks};
use super::nodes::{Yaml, get, parse_file};
use super::read::{
    Capability, Intent, Origin, PlanDomain, PlanPanel, read_capability, read_intent, read_plan,
};
use super::routes::{Table, read_tables};
use super::scenario::{Scenario, read_scenario};
use super::status::StatusModel;
use super::{AuroraError, AuroraFile, AuroraSources, LintKind};

/// The files sorted by path, each with its parsed YAML.
fn parse_all(files: &[AuroraFile]) -> Result<Vec<(&AuroraFile, Yaml)>, AuroraError> {
    let mut sorted: Vec<&AuroraFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    sorted
        .into_iter()
        .map(|f| parse_file(f).map(|root| (f, root)))
        .collect()
}

/// Everything read from the sources, before any panel is built.
pub(super) struct Repo {
    /// The file that lists the panels first: the plan, else the ledger, else the intents folder.
    pub(super) plan_file: String,
    /// Panels by domain: the plan's, then the ledger's that the plan lacks (or the intents',
    /// when there is neither).
    pub(super) domains: Vec<PlanDomain>,
    pub(super) plan_states: Vec<String>,
    pub(super) has_plan: bool,
    pub(super) ledger: Option<Ledger>,
    pub(super) intents: Vec<Intent>,
    pub(super) capabilities: Vec<Capability>,
    pub(super) model: StatusModel,
    pub(super) locks: Vec<Lock>,
    pub(super) scenarios: Vec<Scenario>,
    pub(super) catalog: Catalog,
    pub(super) tables: Vec<Table>,
    pub(super) intent_files: usize,
    pub(super) scenario_files: usize,
    pub(super) catalog_files: usize,
    pub(super) plan_panels: usize,
}

impl Repo {
    /// Parses every file first, so that an unreadable one is reported before any work.
    pub(super) fn read(sources: &AuroraSources, lint: &mut Lints) -> Result<Self, AuroraError> {
        let plan_root = sources.plan.as_ref().map(parse_file).transpose()?;
        let intent_roots = parse_all(&sources.intents)?;
        let capability_roots = parse_all(&sources.capabilities)?;
        let scenario_roots = parse_all(&sources.scenarios)?;
        let catalog_roots = parse_all(&sources.invariants)?;
        if sources.plan.is_none() && sources.ledger.is_none() && sources.intents.is_empty() {
            return Err(AuroraError::NoPanels);
        }
        let (plan, plan_states) = match (&sources.plan, &plan_root) {
            (Some(f), Some(root)) => read_plan(root, &f.path, lint)?,
            _ => (Vec::new(), Vec::new()),
        };
        let plan_panels = plan.iter().map(|d| d.panels.len()).sum();
        let ledger = sources
            .ledger
            .as_ref()
            .map(|f| read_ledger(&f.path, &f.text));

        let mut intents: Vec<Intent> = Vec::new();
        for (f, root) in &intent_roots {
            let Some(intent) = read_intent(root, &f.path, lint) else {
                continue;
            };
            if let Some(first) = intents.iter().find(|i| i.panel == intent.panel) {
                lint.push(
                    LintKind::Duplicate,
                    Some(&intent.panel),
                    None,
                    &[&first.file, &f.path],
                    format!("two intents for {}; the first is kept", intent.panel),
                );
                continue;
            }
            intents.push(intent);
        }

        let mut model = StatusModel::builtin();
        let mut capabilities: Vec<Capability> = Vec::new();
        let mut locks = Vec::new();
        for (f, root) in &capability_roots {
            if get(root, "capability_id").is_none() && get(root, "statuses").is_some() {
                model = StatusModel::from_yaml(root, &f.path);
                continue;
            }
            if is_locks(root) {
                locks.extend(read_locks(root, &f.path));
                continue;
            }
            let Some(cap) = read_capability(root, &f.path) else {
                lint.push(
                    LintKind::InvalidValue,
                    None,
                    None,
                    &[&f.path],
                    "neither a capability (no `capability_id`), the status model (no `statuses:`) nor the endpoint locks (no `locked_endpoints:`); skipped"
                        .to_owned(),
                );
                continue;
            };
            if let Some(first) = capabilities.iter().find(|c| c.id == cap.id) {
                lint.push(
                    LintKind::Duplicate,
                    None,
                    Some(&cap.id),
                    &[&first.file, &f.path],
                    format!("two files declare capability {}; the first is kept", cap.id),
                );
                continue;
            }
            capabilities.push(cap);
        }

        let scenarios: Vec<Scenario> = scenario_roots
            .iter()
            .map(|(f, root)| read_scenario(root, &f.path, lint))
            .collect();
        let catalog_files: Vec<(&str, &Yaml)> = catalog_roots
            .iter()
            .map(|(f, root)| (f.path.as_str(), root))
            .collect();
        let catalog = Catalog::new(&catalog_files, &scenarios, lint);
        let tables = read_tables(&sources.routes, lint);

        let (plan_file, domains) = assemble(
            sources.plan.as_ref().map(|p| p.path.as_str()),
            plan,
            ledger.as_ref(),
            &intents,
            lint,
        );
        Ok(Self {
            plan_file,
            domains,
            plan_states,
            has_plan: sources.plan.is_some(),
            ledger,
            intents,
            capabilities,
            model,
            locks,
            scenarios,
            catalog,
            tables,
            intent_files: intent_roots.len(),
            scenario_files: scenario_roots.len(),
            catalog_files: catalog_roots.len(),
            plan_panels,
        })
    }

    pub(super) fn capability(&self, id: &str) -> Option<&Capability> {
        self.capabilities.iter().find(|c| c.id == id)
    }

    pub(super) fn model_files(&self) -> Vec<&str> {
        self.model.file.iter().map(String::as_str).collect()
    }

    pub(super) fn intent(&self, panel: &str) -> Option<&Intent> {
        self.intents.iter().find(|i| i.panel == panel)
    }

    /// Every panel id the import lists (plan, ledger or intents).
    pub(super) fn panel_ids(&self) -> BTreeSet<&str> {
        self.domains
            .iter()
            .flat_map(|d| &d.panels)
            .map(|p| p.id.as_str())
            .collect()
    }
}

/// The panels to import, by domain: the plan's in plan order, then the ledger's that the plan
/// lacks in ledger order (under the ledger's domain); with neither plan nor ledger, the
/// intents', under the domain their metadata names.
fn assemble(
    plan_file: Option<&str>,
    mut domains: Vec<PlanDomain>,
    ledger: Option<&Ledger>,
    intents: &[Intent],
    lint: &mut Lints,
) -> (String, Vec<PlanDomain>) {
    let add = |domains: &mut Vec<PlanDomain>, name: String, panel: PlanPanel| match domains
        .iter_mut()
        .find(|d| d.name == name)
    {
        Some(d) => d.panels.push(panel),
        None => domains.push(PlanDomain {
            name,
            panels: vec![panel],
        }),
    };
    let domain_of = |id: &str| id.split('-').next().unwrap_or(id).to_owned();
    if let Some(ledger) = ledger {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for p in &ledger.panels {
            if !seen.insert(&p.id) {
                lint.push(
                    LintKind::Duplicate,
                    Some(&p.id),
                    None,
                    &[&ledger.file],
                    format!(
                        "line {}: {} has a second `### Panel:` section; the first is kept",
                        p.line, p.id
                    ),
                );
                continue;
            }
            if domains.iter().flat_map(|d| &d.panels).any(|q| q.id == p.id) {
                continue;
            }
            let name = p.domain.clone().unwrap_or_else(|| domain_of(&p.id));
            add(
                &mut domains,
                name,
                PlanPanel {
                    id: p.id.clone(),
                    line: p.line,
                    origin: Origin::Ledger,
                    file: ledger.file.clone(),
                    class: p.class.clone(),
                    state: p.state.clone(),
                    capability: p.capability.clone(),
                    subdomain: p.subdomain.clone(),
                    topic: p.topic.clone(),
                    slot: p.slot.clone(),
                },
            );
        }
        let listed = plan_file.unwrap_or(&ledger.file).to_owned();
        return (listed, domains);
    }
    if let Some(plan) = plan_file {
        return (plan.to_owned(), domains);
    }
    for i in intents {
        let name = i.domain.clone().unwrap_or_else(|| domain_of(&i.panel));
        add(
            &mut domains,
            name,
            PlanPanel {
                id: i.panel.clone(),
                line: 0,
                origin: Origin::Intent,
                file: i.file.clone(),
                class: i.class.clone(),
                state: None,
                capability: i.capability.clone(),
                subdomain: i.subdomain.clone(),
                topic: i.topic.clone(),
                slot: i.order.clone(),
            },
        );
    }
    let folder = intents
        .first()
        .and_then(|i| i.file.rsplit_once('/'))
        .map_or_else(|| super::INTENTS_DIR.to_owned(), |(d, _)| d.to_owned());
    (folder, domains)
}
