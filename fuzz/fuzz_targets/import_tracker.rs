//! The tracker importer (a hand-kept Markdown tracker) on any text: a draft or an error,
//! never a panic; and the draft it writes is YAML the registry loader reads without panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(import) = hisar_import::tracker::parse_tracker(text) {
        let yaml = import.draft.to_yaml();
        let _ = hisar_core::Registry::from_yaml(&yaml, "imported.yaml");
    }
});
