//! The JSON Schema of `hisar.yaml` published in `docs/`: generated from `hisar-core`, kept in
//! step with it, and true of the registries HISAR itself ships.

use std::path::PathBuf;

use hisar_demo::DEMO_REGISTRY;
use serde_json::Value;

fn published() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/hisar.schema.json")
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("YAML")
}

#[test]
fn the_published_schema_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&hisar_core::registry_schema()).unwrap() + "\n";
    if std::env::var_os("HISAR_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(published(), &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(published()).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/hisar.schema.json is out of date: run `HISAR_UPDATE_DOCS=1 cargo test -p hisar-cli --test it schema`"
    );
}

#[test]
fn the_schema_accepts_the_registries_hisar_ships_and_rejects_a_typo() {
    let schema = hisar_core::registry_schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let demo = yaml(DEMO_REGISTRY);
    let errors: Vec<String> = validator
        .iter_errors(&demo)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let examples: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .filter(|block| block.contains("version: 1"))
        .collect();
    assert!(!examples.is_empty(), "the README shows a registry");
    for example in examples {
        hisar_core::Registry::from_yaml(example, "README.md")
            .unwrap_or_else(|e| panic!("a README registry does not load: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(&yaml(example))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{example}");
    }

    let typo = DEMO_REGISTRY.replacen("    endpoint: ", "    endpont: ", 1);
    assert!(
        !validator.is_valid(&yaml(&typo)),
        "an unknown key fails the schema"
    );
    let bad_class = DEMO_REGISTRY.replacen("class: evidence", "class: evidance", 1);
    assert!(
        !validator.is_valid(&yaml(&bad_class)),
        "an unknown class fails it"
    );
}
