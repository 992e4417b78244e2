//! `hisar validate FILE`.

use crate::args::ValidateArgs;
use crate::context::load_registry;
use crate::exit::{Exit, Outcome};

pub(crate) fn validate(args: &ValidateArgs) -> Outcome {
    let registry = load_registry(&args.file)?;
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
    let _ = std::io::Write::write_all(
        &mut std::io::stderr().lock(),
        format!(
            "{}: valid: {} panels in {} domains, {} capabilities, {invariants} invariants, {modes} auth mode{}, {} waiver{}\n",
            args.file.display(),
            registry.panels().len(),
            registry.domains().len(),
            capabilities.len(),
            if modes == 1 { "" } else { "s" },
            registry.waivers().len(),
            if registry.waivers().len() == 1 { "" } else { "s" },
        )
        .as_bytes(),
    );
    if unchecked > 0 {
        // Declared invariants HISAR cannot evaluate: valid, but never silently taken as checked.
        let panels = registry
            .panels()
            .iter()
            .filter(|p| !p.unchecked.is_empty())
            .count();
        let mut out = format!(
            "{}: warning: {unchecked} declared invariant{} on {panels} panel{} cannot be checked; a sweep reports them as not checked:\n",
            args.file.display(),
            if unchecked == 1 { "" } else { "s" },
            if panels == 1 { "" } else { "s" },
        );
        for p in registry.panels().iter().filter(|p| !p.unchecked.is_empty()) {
            let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
            for u in &p.unchecked {
                match by_reason.iter_mut().find(|(r, _)| *r == u.reason) {
                    Some((_, ids)) => ids.push(&u.id),
                    None => by_reason.push((&u.reason, vec![&u.id])),
                }
            }
            for (reason, ids) in by_reason {
                out.push_str(&format!("  {}: {} ({reason})\n", p.id, ids.join(", ")));
            }
        }
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), out.as_bytes());
    }
    Ok(Exit::Pass)
}
