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

/// Fuzz target `invariant`: brackets nested 17 deep (`$.items[?@..a[?@.b[?…`) took the
/// JSONPath parser more than ten seconds (its time doubles per level): one registry line could
/// hang `validate`, a sweep or the service. Deeper than 8 is an error, found at once.
#[test]
fn deeply_nested_jsonpath_brackets_are_refused_not_parsed() {
    let deep = format!("$.a{} exists", "[?@.a".repeat(40));
    let err = Invariant::parse(&deep)
        .map(|_| ())
        .expect_err("too deep")
        .to_string();
    assert!(err.contains("brackets nest 9 deep, more than 8"), "{err}");
    let closed = format!("$.a{}{} exists", "[?@.a".repeat(12), "]".repeat(12));
    assert!(Invariant::parse(&closed).is_err());
    // Eight levels, brackets in quoted names, and many siblings are fine.
    let eight = format!("$.a{}{} exists", "[?@.a".repeat(8), "]".repeat(8));
    assert!(Invariant::parse(&eight).is_ok(), "{eight}");
    assert!(Invariant::parse("$['[[[[[[[[[[[['] exists").is_ok());
    assert!(Invariant::parse("$[?@.a[0] && @.b[1] && @.c[2] && @.d[3] && @.e[4] && @.f[5] && @.g[6] && @.h[7] && @.i[8]] exists").is_ok());
}
