//! JSONPath queries outside invariants: the values a sweep takes from live answers (SPEC §4.2,
//! `select:` and `capture:`). They are parsed once, when the registry loads, with the same
//! RFC 9535 parser as invariants.
//!
//! ```
//! use hisar_core::JsonQuery;
//! use serde_json::json;
//! let query = JsonQuery::parse("$.items[0].id").unwrap();
//! let body = json!({"items": [{"id": "inc-7f3a"}, {"id": "inc-0042"}]});
//! assert_eq!(query.value_in(&body).unwrap(), "inc-7f3a");
//! assert_eq!(
//!     query.value_in(&json!({"items": []})).unwrap_err(),
//!     "`$.items[0].id` selects nothing"
//! );
//! assert_eq!(JsonQuery::parse("$.items[").unwrap_err().column, 9);
//! ```

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::error::InvariantError;
use crate::invariant::PathQuery;

/// A compiled JSONPath query that picks one value out of an answer.
#[derive(Clone)]
pub struct JsonQuery {
    source: String,
    path: Arc<PathQuery>,
}

impl fmt::Debug for JsonQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonQuery").field(&self.source).finish()
    }
}

impl PartialEq for JsonQuery {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for JsonQuery {}

impl fmt::Display for JsonQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl JsonQuery {
    /// Parses a query starting with `$`. The error's column is 1-based within `text`.
    pub fn parse(text: &str) -> Result<Self, InvariantError> {
        let trimmed = text.trim();
        if !trimmed.starts_with('$') {
            return Err(InvariantError {
                column: 1,
                message: format!("`{trimmed}` is not a JSONPath: it must start with `$`"),
            });
        }
        let leading = text.chars().take_while(|c| c.is_whitespace()).count();
        let path = PathQuery::parse(trimmed).map_err(|(offset, message)| InvariantError {
            column: leading + offset + 1,
            message: format!("invalid JSONPath `{trimmed}`: {message}"),
        })?;
        Ok(Self {
            source: trimmed.to_owned(),
            path: Arc::new(path),
        })
    }

    /// The query as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first node the query selects, in document order.
    pub fn first<'a>(&self, body: &'a Value) -> Option<&'a Value> {
        self.path.select(body).into_iter().next().map(|s| s.value)
    }

    /// The first selected node as the text a request carries: a string as it is, a number or
    /// a boolean as JSON writes it. Nothing selected, `null`, an array or an object is an
    /// error saying so: a path segment or a header cannot carry it.
    pub fn value_in(&self, body: &Value) -> Result<String, String> {
        match self.first(body) {
            None => Err(format!("`{}` selects nothing", self.source)),
            Some(Value::String(s)) if s.is_empty() => {
                Err(format!("`{}` selects an empty string", self.source))
            }
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(v.to_string()),
            Some(Value::Null) => Err(format!("`{}` selects null", self.source)),
            Some(Value::Array(_)) => {
                Err(format!("`{}` selects an array, not one value", self.source))
            }
            Some(Value::Object(_)) => Err(format!(
                "`{}` selects an object, not one value",
                self.source
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_scalars() {
        let body = json!({"n": 7, "b": true, "s": "x y", "o": {}, "a": [1], "z": null, "e": ""});
        let value = |q: &str| JsonQuery::parse(q).unwrap().value_in(&body);
        assert_eq!(value("$.n").unwrap(), "7");
        assert_eq!(value("$.b").unwrap(), "true");
        assert_eq!(value("$.s").unwrap(), "x y");
        assert_eq!(value("$.a[0]").unwrap(), "1");
        for (q, why) in [
            ("$.o", "selects an object"),
            ("$.a", "selects an array"),
            ("$.z", "selects null"),
            ("$.e", "selects an empty string"),
            ("$.missing", "selects nothing"),
        ] {
            let err = value(q).unwrap_err();
            assert!(err.contains(why), "{q}: {err}");
        }
        assert_eq!(JsonQuery::parse("items").unwrap_err().column, 1);
        assert_eq!(JsonQuery::parse("  $.a[").unwrap_err().column, 7);
    }
}
