//! The API's one error type: each variant is a status and a body; internal errors are logged
//! once, where they become a response, and their bodies say little.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hisar_store::StoreError;
use serde_json::json;

/// The API's one error type.
#[derive(Debug)]
pub(crate) enum ApiError {
    NotFound(String),
    BadRequest(String),
    Unauthorized,
    Forbidden,
    Conflict(u64),
    /// Another process records into the state directory.
    Busy(String),
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                json!({"error": format!("not found: {what}")}),
            ),
            ApiError::BadRequest(why) => (StatusCode::BAD_REQUEST, json!({"error": why})),
            ApiError::Unauthorized => {
                let mut r = (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"error": "a valid `Authorization: Bearer <token>` is required"})),
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return r;
            }
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"error": "mutating routes are disabled: start the service with a token in the environment (--token-env)"}),
            ),
            ApiError::Conflict(id) => (
                StatusCode::CONFLICT,
                json!({"error": "a sweep is already running", "sweep": id, "href": format!("/api/v1/sweeps/{id}")}),
            ),
            ApiError::Busy(why) => (
                StatusCode::CONFLICT,
                json!({"error": format!("{why}; try again when it is done")}),
            ),
            // 5xx bodies say little; the log says all, once, here.
            ApiError::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal error; see the service log"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}
