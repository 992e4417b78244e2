//! The response schemas the demo backend publishes in its OpenAPI document.
//!
//! A real backend derives them from its response models; the demo's models are its healthy
//! answers, so the schema of a route is the shape of that answer: every member present is
//! declared and required, numbers are `integer` or `number` as written, timestamps carry
//! `format: date-time`, an empty array or a `null` constrains nothing (the model does not say
//! more than the answer shows). Extra members stay allowed, as most frameworks publish them.
//! The provenance block is declared but not required: a missing block is the provenance
//! stage's finding (`PROVENANCE_MISSING`), not a contract violation.

use serde_json::{Map, Value, json};

/// How deep an answer is described; deeper members constrain nothing.
const MAX_DEPTH: usize = 16;

/// The schema of a route's 200 answer, whose healthy body is `healthy`.
pub(super) fn response_schema(healthy: &Value, with_provenance: bool) -> Value {
    let mut schema = schema_of(healthy, 0);
    if with_provenance && let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.insert(
            "provenance".to_owned(),
            json!({
                "type": "object",
                "required": ["generated_at", "aggregation", "source", "tenant_id"],
                "properties": {
                    "generated_at": {"type": "string", "format": "date-time"},
                    "aggregation": {"type": "string"},
                    "source": {"type": "string"},
                    "tenant_id": {"type": "string"},
                },
            }),
        );
    }
    schema
}

fn schema_of(value: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return json!({});
    }
    match value {
        Value::Null => json!({}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(s) if s.parse::<jiff::Timestamp>().is_ok() => {
            json!({"type": "string", "format": "date-time"})
        }
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => match items.first() {
            Some(first) => json!({"type": "array", "items": schema_of(first, depth + 1)}),
            None => json!({"type": "array"}),
        },
        Value::Object(members) => {
            let properties: Map<String, Value> = members
                .iter()
                .map(|(k, v)| (k.clone(), schema_of(v, depth + 1)))
                .collect();
            let required: Vec<&String> = members.keys().collect();
            json!({"type": "object", "required": required, "properties": properties})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_the_shape_of_the_healthy_answer() {
        let schema = response_schema(
            &json!({"items": [{"id": "a", "at": "2026-01-15T07:58:00Z", "n": 1, "x": 0.5}], "none": null, "empty": []}),
            true,
        );
        assert_eq!(
            schema["properties"]["items"]["items"],
            json!({"type": "object", "required": ["id", "at", "n", "x"], "properties": {
                "id": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                "n": {"type": "integer"}, "x": {"type": "number"}}})
        );
        assert_eq!(schema["properties"]["none"], json!({}));
        assert_eq!(schema["properties"]["empty"], json!({"type": "array"}));
        assert_eq!(schema["required"], json!(["items", "none", "empty"]));
        assert_eq!(
            schema["properties"]["provenance"]["type"], "object",
            "declared"
        );
    }
}
