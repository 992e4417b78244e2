//! HIL v1 provenance (SPEC §3.3).
//!
//! ```
//! use hisar_core::provenance::check;
//! use hisar_core::Aggregation;
//! use serde_json::json;
//! let body = json!({"provenance": {"generated_at": "2026-01-15T07:58:01Z",
//!                                  "aggregation": "list", "source": "runs-engine"}});
//! assert!(check(&body, "/provenance", Some(Aggregation::List), None).is_ok());
//! let err = check(&body, "/provenance", Some(Aggregation::Summary), None).unwrap_err();
//! assert_eq!(err.field, "aggregation");
//! assert_eq!(err.pointer, "/provenance/aggregation");
//! ```

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::invariant::show;
use crate::model::Aggregation;
use crate::time::parse_rfc3339;

/// How far in the future `generated_at` may be (clock skew allowance).
pub const MAX_FUTURE: SignedDuration = SignedDuration::from_mins(5);

/// The first missing or invalid provenance field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceProblem {
    /// The field name (`provenance` when the block itself is missing).
    pub field: String,
    /// JSON pointer to the field.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

fn problem(at: &str, field: &str, message: String) -> ProvenanceProblem {
    ProvenanceProblem {
        field: field.to_owned(),
        pointer: format!("{at}/{field}"),
        message,
    }
}

/// Checks the provenance block found at JSON pointer `at`.
///
/// `now` is when the answer was observed; without it the future check is skipped.
pub fn check(
    body: &Value,
    at: &str,
    expected: Option<Aggregation>,
    now: Option<Timestamp>,
) -> Result<(), ProvenanceProblem> {
    let block_name = at
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("provenance");
    let block = match body.pointer(at) {
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(ProvenanceProblem {
                field: block_name.to_owned(),
                pointer: at.to_owned(),
                message: format!(
                    "provenance block at {at} is not an object (found {})",
                    show(other)
                ),
            });
        }
        None => {
            return Err(ProvenanceProblem {
                field: block_name.to_owned(),
                pointer: at.to_owned(),
                message: format!("no provenance block at {at}"),
            });
        }
    };

    match block.get("generated_at") {
        None => {
            return Err(problem(
                at,
                "generated_at",
                "generated_at is missing".into(),
            ));
        }
        Some(Value::String(s)) => match parse_rfc3339(s) {
            None => {
                return Err(problem(
                    at,
                    "generated_at",
                    format!("generated_at {s:?} is not an RFC 3339 timestamp"),
                ));
            }
            Some(ts) => {
                if let Some(now) = now
                    && ts.duration_since(now) > MAX_FUTURE
                {
                    return Err(problem(
                        at,
                        "generated_at",
                        format!("generated_at {s} is more than 5 minutes in the future"),
                    ));
                }
            }
        },
        Some(other) => {
            return Err(problem(
                at,
                "generated_at",
                format!("generated_at is not a string (found {})", show(other)),
            ));
        }
    }

    match block.get("aggregation") {
        None => return Err(problem(at, "aggregation", "aggregation is missing".into())),
        Some(Value::String(s)) => match s.parse::<Aggregation>() {
            Err(_) => {
                return Err(problem(
                    at,
                    "aggregation",
                    format!("aggregation {s:?} is not one of list, summary, count, detail"),
                ));
            }
            Ok(found) => {
                if let Some(expected) = expected
                    && found != expected
                {
                    return Err(problem(
                        at,
                        "aggregation",
                        format!("aggregation is {found}, the panel expects {expected}"),
                    ));
                }
            }
        },
        Some(other) => {
            return Err(problem(
                at,
                "aggregation",
                format!("aggregation is not a string (found {})", show(other)),
            ));
        }
    }

    match block.get("source") {
        None => return Err(problem(at, "source", "source is missing".into())),
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(other) => {
            return Err(problem(
                at,
                "source",
                format!("source must be a non-empty string (found {})", show(other)),
            ));
        }
    }

    match block.get("tenant_id") {
        None | Some(Value::String(_)) => {}
        Some(other) => {
            return Err(problem(
                at,
                "tenant_id",
                format!(
                    "tenant_id must be a string when present (found {})",
                    show(other)
                ),
            ));
        }
    }

    match block.get("period") {
        None | Some(Value::String(_) | Value::Object(_)) => {}
        Some(other) => {
            return Err(problem(
                at,
                "period",
                format!(
                    "period must be a string or an object when present (found {})",
                    show(other)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-01-15T08:00:00Z".parse().unwrap()
    }

    fn good() -> Value {
        json!({"generated_at": "2026-01-15T07:58:01Z", "aggregation": "summary",
               "source": "cost-engine", "tenant_id": "t1", "period": {"from": "a", "to": "b"}})
    }

    fn with(field: &str, value: Option<Value>) -> Value {
        let mut block = good();
        match value {
            Some(v) => block[field] = v,
            None => {
                block.as_object_mut().unwrap().remove(field);
            }
        }
        json!({ "provenance": block })
    }

    /// Every field of the HIL v1 table, missing and invalid.
    #[test]
    fn fields_table() {
        let cases: Vec<(&str, Option<Value>, Option<&str>)> = vec![
            ("generated_at", None, Some("generated_at is missing")),
            (
                "generated_at",
                Some(json!("15/01/2026")),
                Some("not an RFC 3339"),
            ),
            ("generated_at", Some(json!(12)), Some("not a string")),
            ("generated_at", Some(json!("2026-01-15T08:04:59Z")), None),
            (
                "generated_at",
                Some(json!("2026-01-15T08:05:01Z")),
                Some("in the future"),
            ),
            ("aggregation", None, Some("aggregation is missing")),
            ("aggregation", Some(json!("table")), Some("not one of")),
            (
                "aggregation",
                Some(json!("list")),
                Some("the panel expects summary"),
            ),
            (
                "aggregation",
                Some(json!(["summary"])),
                Some("not a string"),
            ),
            ("source", None, Some("source is missing")),
            ("source", Some(json!("  ")), Some("non-empty string")),
            ("source", Some(json!(null)), Some("non-empty string")),
            ("tenant_id", None, None),
            (
                "tenant_id",
                Some(json!(7)),
                Some("tenant_id must be a string"),
            ),
            ("period", None, None),
            ("period", Some(json!("24h")), None),
            ("period", Some(json!(24)), Some("period must be")),
        ];
        for (field, value, expected) in cases {
            let body = with(field, value.clone());
            let result = check(
                &body,
                "/provenance",
                Some(Aggregation::Summary),
                Some(now()),
            );
            match expected {
                None => assert!(result.is_ok(), "{field} {value:?}: {result:?}"),
                Some(needle) => {
                    let p = result.expect_err(field);
                    assert_eq!(p.field, field);
                    assert_eq!(p.pointer, format!("/provenance/{field}"));
                    assert!(p.message.contains(needle), "{field}: {}", p.message);
                }
            }
        }
    }

    #[test]
    fn first_bad_field_wins() {
        let body = json!({"provenance": {"aggregation": 3}});
        assert_eq!(
            check(&body, "/provenance", None, None).unwrap_err().field,
            "generated_at"
        );
    }

    #[test]
    fn custom_pointer_and_missing_block() {
        let body = json!({"meta": {"prov": good()}});
        assert!(check(&body, "/meta/prov", None, None).is_ok());
        let p = check(&body, "/provenance", None, None).unwrap_err();
        assert_eq!(p.message, "no provenance block at /provenance");
        let body = json!({"provenance": "yes"});
        assert!(
            check(&body, "/provenance", None, None)
                .unwrap_err()
                .message
                .contains("not an object")
        );
    }
}
