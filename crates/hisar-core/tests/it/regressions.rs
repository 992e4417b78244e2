//! Inputs that crashed, and what must happen instead.

use hisar_core::{Invariant, Registry};

/// Fuzz target `invariant`: a JSONPath ending inside a `\u` escape reached serde_json_path's
/// streaming hex parser, which panics (`unreachable!("we do not use streaming parsers")`).
#[test]
fn a_jsonpath_ending_inside_a_unicode_escape_is_an_error() {
    for text in [
        r"$['\u",
        r"$['\u1",
        r"$['\u12",
        r"$['\u123",
        r"$['\uD83D\u",
        r"$['\uD83D\uD",
        r"$['\u isString",
        r#"$["\u"] exists"#,
    ] {
        let err = Invariant::parse(text)
            .map(|_| ())
            .expect_err(text)
            .to_string();
        assert!(err.contains("invalid JSONPath"), "{text}: {err}");
    }
    // Whole escapes, and an escaped backslash before `u`, still parse.
    for text in [
        r"$['\u00e9'] exists",
        r"$['\uD83D\uDE00'] isString",
        r"$['\\u'] exists",
    ] {
        assert!(Invariant::parse(text).is_ok(), "{text}");
    }
    // The same through the registry: an error with the panel and the place, not a crash.
    let registry = Registry::from_yaml(
        "version: 1\ndomains: [{code: A, name: A}]\npanels:\n  - {id: A-B-C-O1, capability: a.b, endpoint: /a, class: evidence, invariants: [\"$['\\\\u\"]}\n",
        "r.yaml",
    );
    let err = registry
        .map(|_| ())
        .expect_err("a bad invariant")
        .to_string();
    assert!(
        err.contains("A-B-C-O1") && err.contains("invalid JSONPath"),
        "{err}"
    );
}
