//! Stage 4 against the backend's own contract (SPEC §3.7): the body against the OpenAPI
//! response schema of the operation, after the JSON checks and before the invariants.

use serde_json::Value;

use crate::model::{Method, Panel, SchemaPolicy};
use crate::observation::Response;
use crate::openapi::{ResponseSchemas, SchemaOutcome};
use crate::verdict::{Finding, Gap, GapCode, Stage};

/// Checks `value` against the schema the document declares for the answer, if any: a
/// violation is `SDSR_FAILED` under `enforce` and a finding under `warn`; a schema that cannot
/// be used is a finding saying it was not checked (never a gap: the backend's answer is not at
/// fault).
pub(super) fn check_schema(
    panel: &Panel,
    response: &Response,
    schemas: &ResponseSchemas,
    value: &Value,
    live: &mut Vec<Gap>,
    findings: &mut Vec<Finding>,
) {
    if panel.schema == SchemaPolicy::Off || panel.endpoint.method == Method::Head {
        return;
    }
    let outcome = schemas.check(
        &panel.endpoint.path,
        panel.endpoint.method,
        response.status,
        response.content_type(),
        value,
    );
    match outcome {
        None | Some(SchemaOutcome::Matches) => {}
        Some(SchemaOutcome::Unusable { label, reason }) => findings.push(Finding {
            stage: Stage::Contract,
            code: None,
            message: format!("not checked against the OpenAPI schema of {label}: {reason}"),
        }),
        Some(SchemaOutcome::Violation(v)) => {
            let more = match v.more {
                0 => String::new(),
                1 => " (and 1 more violation)".to_owned(),
                n => format!(" (and {n} more violations)"),
            };
            let detail = format!(
                "does not match the OpenAPI schema of {}: {}: {}{more}",
                v.label, v.pointer, v.message
            );
            if panel.schema == SchemaPolicy::Warn {
                findings.push(Finding {
                    stage: Stage::Contract,
                    code: None,
                    message: format!("{detail} (backend.schema: warn)"),
                });
            } else {
                live.push(Gap {
                    code: GapCode::SdsrFailed,
                    stage: Stage::Contract,
                    detail,
                    fix: Some(format!(
                        "OpenAPI schema of {}: `{}` at {}",
                        v.label, v.keyword, v.pointer
                    )),
                });
            }
        }
    }
}
