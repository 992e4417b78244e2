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
    Ok(Exit::Pass)
}
