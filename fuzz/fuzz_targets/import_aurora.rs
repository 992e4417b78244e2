//! The AURORA importer on any repository content. The input is split at NUL bytes: the
//! first part is the UI plan; each other part is a file whose first character says which
//! (`i` an intent, `c` a capability, `m` the capability status model, anything else a
//! scenario) and whose rest is its text.
//! Never a panic; the draft it writes is YAML the registry loader reads without panic. Each
//! part is also translated as one scenario assertion.
#![no_main]

use hisar_import::aurora::{
    AuroraFile, AuroraSources, CAPABILITIES_DIR, INTENTS_DIR, PLAN_PATH, SCENARIOS_DIR,
    import_aurora, translate_assertion,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let plan = parts.next().unwrap_or_default();
    let mut sources = AuroraSources {
        plan: AuroraFile {
            path: PLAN_PATH.to_owned(),
            text: plan.to_owned(),
        },
        intents: Vec::new(),
        capabilities: Vec::new(),
        scenarios: Vec::new(),
        openapi: None,
    };
    let _ = translate_assertion(plan);
    for (n, part) in parts.enumerate() {
        let _ = translate_assertion(part);
        let mut chars = part.chars();
        let kind = chars.next();
        let text = chars.as_str().to_owned();
        match kind {
            Some('i') => sources.intents.push(AuroraFile {
                path: format!("{INTENTS_DIR}/AURORA_L2_INTENT_FUZZ-{n}.yaml"),
                text,
            }),
            Some('c') => sources.capabilities.push(AuroraFile {
                path: format!("{CAPABILITIES_DIR}/AURORA_L2_CAPABILITY_fuzz.{n}.yaml"),
                text,
            }),
            Some('m') => sources.capabilities.push(AuroraFile {
                path: format!("{CAPABILITIES_DIR}/CAPABILITY_STATUS_MODEL.yaml"),
                text,
            }),
            _ => sources.scenarios.push(AuroraFile {
                path: format!("{SCENARIOS_DIR}/SDSR-FUZZ-{n}.yaml"),
                text,
            }),
        }
    }
    if let Ok(import) = import_aurora(&sources) {
        let yaml = import.draft.to_yaml();
        let _ = hisar_core::Registry::from_yaml(&yaml, "imported.yaml");
    }
});
