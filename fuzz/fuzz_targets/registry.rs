//! The registry loader on any text: it returns a registry or errors, never panics, and a
//! registry it returns is usable (every panel's request path renders).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(registry) = hisar_core::Registry::from_yaml(text, "fuzz.yaml") {
        for panel in registry.panels() {
            let _ = panel.request_path();
            let _ = panel.endpoint.to_string();
        }
    }
});
