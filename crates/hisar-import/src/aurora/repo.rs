//! The repository, read: every file parsed, then read into the plan, intents, capabilities,
//! status model and scenarios.

use super::lint::Lints;
use super::nodes::{Yaml, get, parse_file};
use super::read::{Capability, Intent, PlanDomain, read_capability, read_intent, read_plan};
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
    pub(super) plan_file: String,
    pub(super) plan: Vec<PlanDomain>,
    pub(super) plan_states: Vec<String>,
    pub(super) intents: Vec<Intent>,
    pub(super) capabilities: Vec<Capability>,
    pub(super) model: StatusModel,
    pub(super) scenarios: Vec<Scenario>,
    pub(super) intent_files: usize,
    pub(super) scenario_files: usize,
}

impl Repo {
    /// Parses every file first, so that an unreadable one is reported before any work.
    pub(super) fn read(sources: &AuroraSources, lint: &mut Lints) -> Result<Self, AuroraError> {
        let plan_file = sources.plan.path.clone();
        let plan_root = parse_file(&sources.plan)?;
        let intent_roots = parse_all(&sources.intents)?;
        let capability_roots = parse_all(&sources.capabilities)?;
        let scenario_roots = parse_all(&sources.scenarios)?;
        let (plan, plan_states) = read_plan(&plan_root, &plan_file, lint)?;

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
        for (f, root) in &capability_roots {
            if get(root, "capability_id").is_none() && get(root, "statuses").is_some() {
                model = StatusModel::from_yaml(root, &f.path);
                continue;
            }
            let Some(cap) = read_capability(root, &f.path) else {
                lint.push(
                    LintKind::InvalidValue,
                    None,
                    None,
                    &[&f.path],
                    "neither a capability (no `capability_id`) nor the status model (no `statuses:`); skipped"
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

        let scenarios = scenario_roots
            .iter()
            .map(|(f, root)| read_scenario(root, &f.path, lint))
            .collect();
        Ok(Self {
            plan_file,
            plan,
            plan_states,
            intents,
            capabilities,
            model,
            scenarios,
            intent_files: intent_roots.len(),
            scenario_files: scenario_roots.len(),
        })
    }

    pub(super) fn capability(&self, id: &str) -> Option<&Capability> {
        self.capabilities.iter().find(|c| c.id == id)
    }

    pub(super) fn model_files(&self) -> Vec<&str> {
        self.model.file.iter().map(String::as_str).collect()
    }
}
