//! Realistic JSON bodies of a chosen size, and the panel that reads them.

use serde_json::{Value, json};

/// A registry of one `interpretation` panel with five invariants and HIL v1 provenance, which
/// every body made by [`sized_body`] satisfies: the BOUND path of the classifier at its fullest.
pub const BOUND_PANEL: &str = r#"
version: 1
domains: [{ code: ACT, name: ACTIVITY }]
panels:
  - id: ACT-LLM-RUNS-O1
    capability: activity.runs
    endpoint: GET /api/v1/runs
    params: { window: 24h }
    class: interpretation
    provenance: { aggregation: list }
    invariants:
      - $.runs isArray
      - $.total >= 0
      - $.runs[*].id exists
      - $.runs count <= 100000
      - '$.runs[*].state matches "^(running|queued|completed|failed)$"'
"#;

/// The OpenAPI 3.0 document of the backend that serves [`BOUND_PANEL`]: `GET /api/v1/runs`
/// answers a `RunList` whose runs are `Run`s (by `$ref`), with `nullable` members, formats and
/// enums, as a framework would publish it. Every body made by [`sized_body`] honours it.
pub const RUNS_OPENAPI: &str = r##"{
  "openapi": "3.0.3",
  "info": {"title": "runs", "version": "1"},
  "paths": {"/api/v1/runs": {"get": {"responses": {"200": {"description": "runs",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunList"}}}}}}}},
  "components": {"schemas": {
    "RunList": {"type": "object", "required": ["runs", "total", "page"], "properties": {
      "runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
      "total": {"type": "integer", "minimum": 0},
      "page": {"type": "object", "required": ["limit", "offset"], "properties": {
        "limit": {"type": "integer"}, "offset": {"type": "integer"},
        "next": {"type": "string", "nullable": true}}},
      "window": {"type": "string"},
      "provenance": {"type": "object"}}},
    "Run": {"type": "object", "required": ["id", "state", "agent", "started_at"], "properties": {
      "id": {"type": "string"},
      "state": {"type": "string", "enum": ["running", "queued", "completed", "failed"]},
      "agent": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "string"}}},
      "started_at": {"type": "string", "format": "date-time"},
      "finished_at": {"type": "string", "format": "date-time", "nullable": true},
      "duration_ms": {"type": "integer"},
      "cost": {"type": "object", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}},
      "tokens": {"type": "object", "properties": {"input": {"type": "integer"}, "output": {"type": "integer"}}},
      "tags": {"type": "array", "items": {"type": "string"}},
      "error": {"type": "object", "nullable": true, "required": ["code"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}}}}}
  }}
}"##;

/// A run, as a list endpoint of an agent platform returns it (about 300 bytes).
fn run(i: usize) -> Value {
    let states = ["completed", "running", "failed", "queued"];
    json!({
        "id": format!("run_{i:06}"),
        "state": states[i % states.len()],
        "agent": { "id": format!("agent_{}", i % 17), "name": "billing-reconciler", "version": "2.4.1" },
        "started_at": "2026-01-15T07:58:01Z",
        "finished_at": if i % 4 == 1 { Value::Null } else { json!("2026-01-15T07:59:12.250Z") },
        "duration_ms": 1_000 + (i * 37) % 90_000,
        "cost": { "amount": 0.001_25 * f64::from(u32::try_from(i % 100).unwrap_or(0)), "currency": "USD" },
        "tokens": { "input": 1_200 + i % 500, "output": 300 + i % 200 },
        "tags": ["prod", "eu-west-1", format!("team-{}", i % 5)],
        "error": if i % 4 == 2 { json!({"code": "TIMEOUT", "message": "tool call exceeded 30s"}) } else { Value::Null }
    })
}

/// A list body of at least `target` bytes (runs are added until it is reached), with the
/// pagination fields and HIL v1 provenance of a real answer. It satisfies [`BOUND_PANEL`].
///
/// ```
/// let body = hisar_benches::sized_body(16 * 1024);
/// assert!(body.len() >= 16 * 1024 && body.len() < 17 * 1024);
/// let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// assert!(value["runs"].is_array());
/// ```
pub fn sized_body(target: usize) -> Vec<u8> {
    let envelope = |runs: &[Value]| {
        json!({
            "runs": runs,
            "total": runs.len(),
            "page": { "limit": runs.len(), "offset": 0, "next": null },
            "window": "24h",
            "provenance": {
                "generated_at": "2026-01-15T07:58:01Z",
                "aggregation": "list",
                "source": "runs-engine",
                "tenant_id": "demo-tenant",
                "period": { "from": "2026-01-14T07:58:01Z", "to": "2026-01-15T07:58:01Z" }
            }
        })
    };
    let size = |v: &Value| {
        serde_json::to_vec(v)
            .expect("a JSON value serializes")
            .len()
    };
    let mut runs = Vec::new();
    let mut estimate = size(&envelope(&runs));
    loop {
        // Grow by estimate (each run adds its own bytes and a comma), then check exactly.
        while estimate < target {
            let next = run(runs.len());
            estimate += size(&next) + 1;
            runs.push(next);
        }
        let bytes = serde_json::to_vec(&envelope(&runs)).expect("a JSON value serializes");
        if bytes.len() >= target {
            return bytes;
        }
        estimate = bytes.len();
    }
}
