use super::*;
use serde_json::json;

fn eval(text: &str, body: &Value) -> Check {
    let headers = [
        (
            "content-type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ),
        ("x-multi".to_owned(), "a".to_owned()),
        ("x-multi".to_owned(), "b".to_owned()),
    ];
    let subject = Subject {
        body: Some(body),
        status: 200,
        headers: &headers,
        duration_ms: 150,
    };
    Invariant::parse(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .evaluate(&subject)
}

fn doc() -> Value {
    json!({
        "items": [{"id": 1, "name": "a", "at": "2026-01-15T07:58:01Z"},
                  {"id": 2, "name": "b", "at": "2026-01-16T00:00:00+01:00"}],
        "total": 2, "ratio": 0.5, "flag": true, "none": null, "empty": [], "blank": "",
        "tags": ["x", "y"], "name": "hisar-prod", "whole": 3.0, "obj": {"k": 1}
    })
}

/// Every predicate, with a case that holds and one that fails.
#[test]
fn predicates_table() {
    let body = doc();
    let table: &[(&str, bool)] = &[
        ("$.total exists", true),
        ("$.missing exists", false),
        ("$.total == 2", true),
        ("$.total == 2.0", true),
        ("$.total == 3", false),
        ("$.name == \"hisar-prod\"", true),
        ("$.obj == {\"k\": 1.0}", true),
        ("$.total != 3", true),
        ("$.total != 2", false),
        ("$.total < 3", true),
        ("$.total < 2", false),
        ("$.total <= 2", true),
        ("$.total <= 1", false),
        ("$.total > 1", true),
        ("$.total > 2", false),
        ("$.total >= 2", true),
        ("$.total >= 2.5", false),
        ("$.name > \"a\"", true),
        ("$.name < 5", false),
        ("$.name contains \"prod\"", true),
        ("$.name contains \"dev\"", false),
        ("$.tags contains \"x\"", true),
        ("$.tags contains \"z\"", false),
        ("$.obj contains \"k\"", true),
        ("$.name startsWith \"hisar\"", true),
        ("$.name startsWith \"prod\"", false),
        ("$.name matches \"^hisar-(prod|dev)$\"", true),
        ("$.name matches \"^dev\"", false),
        ("$.items isArray", true),
        ("$.obj isArray", false),
        ("$.obj isObject", true),
        ("$.items isObject", false),
        ("$.name isString", true),
        ("$.total isString", false),
        ("$.total isInteger", true),
        ("$.whole isInteger", true),
        ("$.ratio isInteger", false),
        ("$.ratio isNumber", true),
        ("$.name isNumber", false),
        ("$.flag isBoolean", true),
        ("$.none isBoolean", false),
        ("$.none isNull", true),
        ("$.flag isNull", false),
        ("$.empty isEmpty", true),
        ("$.blank isEmpty", true),
        ("$.tags isEmpty", false),
        ("$.items[*].at isIsoDate", true),
        ("$.name isIsoDate", false),
    ];
    for (text, expected) in table {
        assert_eq!(eval(text, &body).holds, *expected, "{text}");
    }
}

#[test]
fn multi_node_semantics() {
    let body = doc();
    assert!(eval("$.items[*].id > 0", &body).holds);
    let check = eval("$.items[*].id > 1", &body);
    assert!(!check.holds);
    assert_eq!(check.found, "1 at $['items'][0]['id']");
    // No node selected fails, for every predicate but `not exists`.
    assert_eq!(
        eval("$.nothing[*] > 0", &body).found,
        "nothing selected: no `nothing` in $"
    );
    assert!(!eval("$.missing isNull", &body).holds);
    assert!(!eval("not $.missing == 1", &body).holds);
    assert!(eval("not $.missing exists", &body).holds);
    assert!(!eval("not $.total exists", &body).holds);
    // `not` applies per node.
    assert!(eval("not $.items[*].name == \"c\"", &body).holds);
    assert!(!eval("not $.items[*].name == \"a\"", &body).holds);
}

#[test]
fn count_semantics() {
    let body = doc();
    assert!(eval("$.items count == 2", &body).holds);
    assert!(eval("$.items[*] count == 2", &body).holds);
    assert!(eval("$.items[*].id count == 2", &body).holds);
    assert!(eval("$.empty count == 0", &body).holds);
    assert!(eval("$.empty[*] count == 0", &body).holds);
    assert!(eval("$.items count <= 100", &body).holds);
    let check = eval("$.items count > 5", &body);
    assert_eq!(check.found, "count 2");
}

/// SPEC §3.2: a wildcard or filter followed by more segments means "for every node".
/// Each of these passed before (RFC 9535 selects only what exists): a false BOUND.
#[test]
fn for_all_not_for_some() {
    let body = json!({"items": [
        {"id": 1, "cost": 2, "kind": "a"},
        {"name": "no id", "kind": "a"},
        {"id": 3, "cost": -1, "kind": "b"}
    ]});
    let cases: &[(&str, &str)] = &[
        ("$.items[*].id exists", "no `id` in $['items'][1]"),
        ("$.items[*].cost >= 0", "no `cost` in $['items'][1]"),
        (
            "$.items[?@.kind == 'a'].id isInteger",
            "no `id` in $['items'][1]",
        ),
        ("$.items.*.id exists", "no `id` in $['items'][1]"),
        ("not $.items[*].id == 0", "no `id` in $['items'][1]"),
        (
            "$.items[?@.kind == 'b'].cost >= 0",
            "-1 at $['items'][2]['cost']",
        ),
    ];
    for (text, found) in cases {
        let check = eval(text, &body);
        assert!(!check.holds, "{text} must fail");
        assert_eq!(&check.found, found, "{text}");
    }
    // The same queries hold when every node has what they ask for.
    let whole =
        json!({"items": [{"id": 1, "cost": 0, "kind": "a"}, {"id": 2, "cost": 5, "kind": "b"}]});
    for (text, _) in cases {
        assert!(eval(text, &whole).holds, "{text} must hold");
    }
    // Nodes the filter does not select are not asked anything.
    assert!(eval("$.items[?@.kind == 'b'].cost exists", &body).holds);
    // `not exists` asks that nothing is selected: items without `error` are what it wants.
    assert!(eval("not $.items[*].error exists", &body).holds);
    assert!(!eval("not $.items[*].kind exists", &body).holds);
    // A descendant segment at the end selects what exists anywhere.
    assert!(eval("$..id exists", &body).holds);
}

/// SPEC §3.2: `count` on a query that selects nothing because a member on its way is
/// missing fails; an empty array counts 0. `$.items count <= 100` passed without `items`.
#[test]
fn count_on_missing_fails() {
    let body = json!({"data": {"items": []}, "other": 1});
    let check = eval("$.items count <= 100", &body);
    assert!(!check.holds);
    assert_eq!(check.found, "nothing selected: no `items` in $");
    assert_eq!(
        eval("$.data.rows count == 0", &body).found,
        "nothing selected: no `rows` in $['data']"
    );
    assert!(eval("$.data.items count <= 100", &body).holds);
    assert!(eval("$.data.items count == 0", &body).holds);
    assert!(eval("$.data.items[*] count == 0", &body).holds);
    assert!(!eval("$.other.items count == 0", &body).holds);
}

#[test]
fn status_header_duration() {
    let body = doc();
    assert!(eval("status == 200", &body).holds);
    assert!(!eval("status >= 300", &body).holds);
    assert!(eval("header \"Content-Type\" contains \"json\"", &body).holds);
    assert!(eval("header \"x-multi\" matches \"^[ab]$\"", &body).holds);
    assert!(!eval("header \"x-multi\" == \"a\"", &body).holds);
    assert!(!eval("header \"x-absent\" exists", &body).holds);
    assert!(eval("not header \"x-absent\" exists", &body).holds);
    assert!(eval("duration < 2000", &body).holds);
    assert!(!eval("duration < 100", &body).holds);
}

#[test]
fn jsonpath_with_spaces_and_filters() {
    let body = doc();
    assert!(eval("$.items[?@.name == 'a'].id == 1", &body).holds);
    assert!(eval("$[ 'items' ][0].id == 1", &body).holds);
}

#[test]
fn no_body_fails_path_queries() {
    let subject = Subject {
        body: None,
        status: 200,
        headers: &[],
        duration_ms: 1,
    };
    let inv = Invariant::parse("not $.x exists").unwrap();
    assert_eq!(inv.evaluate(&subject).found, "no JSON body");
    assert!(
        Invariant::parse("status == 200")
            .unwrap()
            .evaluate(&subject)
            .holds
    );
}

#[test]
fn parse_errors_have_columns() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "empty invariant"),
        ("$.a ==", 7, "needs a value"),
        ("$.a => 1", 5, "did you mean `>=`"),
        ("$.a isArray 3", 13, "takes no value"),
        ("$.a == 'x'", 8, "not a JSON literal"),
        ("$.a[ exists", 6, "invalid JSONPath"),
        ("body exists", 1, "expected a query"),
        ("header content-type exists", 8, "quoted header name"),
        ("$.a matches \"(\"", 13, "invalid regular expression"),
        ("$.a count exists", 11, "`count` takes a comparison"),
        ("$.a", 4, "expected a predicate"),
        ("$.a < true", 7, "compares with a number or a string"),
        ("$.a startsWith 1", 16, "takes a string"),
    ];
    for (text, column, needle) in cases {
        let err = Invariant::parse(text).expect_err(text);
        assert_eq!(err.column, *column, "{text}: {}", err.message);
        assert!(err.message.contains(needle), "{text}: {}", err.message);
    }
}

fn arb_json() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("(id|items|a|b)", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Parsing and evaluating never panic, whatever the query text and the body.
    #[test]
    fn any_query_on_any_body_never_panics(
        query in "\\$[\\[\\]\\.\\*\\?@a-z0-9'=!<>:, -]{0,16}",
        body in arb_json(),
    ) {
        for text in [format!("{query} exists"), format!("not {query} exists"), format!("{query} count >= 0"), format!("{query} == 1")] {
            if let Ok(invariant) = Invariant::parse(&text) {
                let subject = Subject { body: Some(&body), status: 200, headers: &[], duration_ms: 1 };
                let _ = invariant.evaluate(&subject);
            }
        }
    }

    /// For all, not for some: `$.items[*].id exists` holds exactly when there are items and
    /// every one of them is an object with an `id`.
    #[test]
    fn a_wildcard_then_a_member_holds_for_all_or_fails(items in proptest::collection::vec(arb_json(), 0..5)) {
        let every = !items.is_empty()
            && items.iter().all(|i| i.as_object().is_some_and(|o| o.contains_key("id")));
        let body = json!({ "items": items });
        proptest::prop_assert_eq!(eval("$.items[*].id exists", &body).holds, every);
    }
}
