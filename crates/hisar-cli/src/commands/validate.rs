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
    let unchecked: usize = registry.panels().iter().map(|p| p.unchecked.len()).sum();
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
    if unchecked > 0 {
        // Declared invariants HISAR cannot evaluate: valid, but never silently taken as checked.
        let panels: Vec<&hisar_core::Panel> = registry
            .panels()
            .iter()
            .filter(|p| !p.unchecked.is_empty())
            .collect();
        ui.warn(&format!(
            "{}: {unchecked} declared invariant{} on {} panel{} cannot be checked; a sweep reports them as not checked:",
            path.display(),
            if unchecked == 1 { "" } else { "s" },
            panels.len(),
            if panels.len() == 1 { "" } else { "s" },
        ));
        for p in panels {
            let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
            for u in &p.unchecked {
                match by_reason.iter_mut().find(|(r, _)| *r == u.reason) {
                    Some((_, ids)) => ids.push(&u.id),
                    None => by_reason.push((&u.reason, vec![&u.id])),
                }
            }
            for (reason, ids) in by_reason {
                ui.line(&format!("  {}: {} ({reason})", p.id, ids.join(", ")));
            }
        }
    }
    Ok(Exit::Pass)
}
