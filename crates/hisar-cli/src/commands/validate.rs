//! `hisar validate [FILE]` (or `-r FILE`, or `HISAR_REGISTRY`).

use crate::args::ValidateArgs;
use crate::context::load_registry;
use crate::exit::{Exit, Outcome};
use crate::ui::Ui;

pub(crate) fn validate(args: &ValidateArgs, ui: Ui) -> Outcome {
    let path = args.path();
    let registry = load_registry(path)?;
    let modes = registry.auth_modes().len();
    let mut capabilities: Vec<&str> = registry
        .panels()
        .iter()
        .map(|p| p.capability.as_str())
        .collect();
    capabilities.sort_unstable();
    capabilities.dedup();
    let invariants: usize = registry.panels().iter().map(|p| p.invariants.len()).sum();
    ui.line(&format!(
        "{}: valid: {} panels in {} domains, {} capabilities, {invariants} invariants, {modes} auth mode{}, {} waiver{}",
        path.display(),
        registry.panels().len(),
        registry.domains().len(),
        capabilities.len(),
        if modes == 1 { "" } else { "s" },
        registry.waivers().len(),
        if registry.waivers().len() == 1 { "" } else { "s" },
    ));
    Ok(Exit::Pass)
}
