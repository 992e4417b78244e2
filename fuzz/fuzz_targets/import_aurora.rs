//! The AURORA importer on any repository content. The input is split at NUL bytes: the
//! first part is the UI plan (none when empty); each other part is a file whose first
//! character says which (`i` an intent, `c` a capability, `m` the capability status model,
//! `l` the intent ledger, `v` an invariant catalogue, `r` a route source, anything else a
//! scenario) and whose rest is its text. Never a panic; the draft it writes is YAML the
//! registry loader reads without panic. Each part is also translated as one scenario
//! assertion.
#![no_main]

use hisar_import::aurora::{
    AuroraFile, AuroraSources, CAPABILITIES_DIR, INTENTS_DIR, INVARIANTS_DIR, LEDGER_PATH,
    PLAN_PATH, ROUTE_PATHS, SCENARIOS_DIR, import_aurora, translate_assertion,
};
use libfuzzer_sys::fuzz_target;

fn file(path: impl Into<String>, text: &str) -> AuroraFile {
    AuroraFile {
        path: path.into(),
        text: text.to_owned(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let plan = parts.next().unwrap_or_default();
    let _ = translate_assertion(plan);
    let mut sources = AuroraSources {
        plan: (!plan.is_empty()).then(|| file(PLAN_PATH, plan)),
        ledger: None,
        intents: Vec::new(),
        capabilities: Vec::new(),
        scenarios: Vec::new(),
        invariants: Vec::new(),
        routes: Vec::new(),
        root: None,
    };
    for (n, part) in parts.enumerate() {
        let _ = translate_assertion(part);
        let mut chars = part.chars();
        let kind = chars.next();
        let text = chars.as_str();
        match kind {
            Some('i') => sources.intents.push(file(
                format!("{INTENTS_DIR}/AURORA_L2_INTENT_FUZZ-{n}.yaml"),
                text,
            )),
            Some('c') => sources.capabilities.push(file(
                format!("{CAPABILITIES_DIR}/AURORA_L2_CAPABILITY_fuzz.{n}.yaml"),
                text,
            )),
            Some('m') => sources.capabilities.push(file(
                format!("{CAPABILITIES_DIR}/CAPABILITY_STATUS_MODEL.yaml"),
                text,
            )),
            Some('l') => sources.ledger = Some(file(LEDGER_PATH, text)),
            Some('v') => sources
                .invariants
                .push(file(format!("{INVARIANTS_DIR}/fuzz-{n}.yaml"), text)),
            Some('r') => sources
                .routes
                .push(file(ROUTE_PATHS[n % ROUTE_PATHS.len()], text)),
            _ => sources
                .scenarios
                .push(file(format!("{SCENARIOS_DIR}/SDSR-FUZZ-{n}.yaml"), text)),
        }
    }
    if let Ok(import) = import_aurora(&sources) {
        let yaml = import.draft.to_yaml();
        let _ = hisar_core::Registry::from_yaml(&yaml, "imported.yaml");
    }
});
