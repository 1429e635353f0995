//! The API's error: every failure becomes an `application/problem+json` body (RFC 9457)
//! that says what was wrong, field by field where it can.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why an API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request's values are well formed but unacceptable: 422.
    #[error("{reason}")]
    Invalid {
        /// The input field at fault.
        field: String,
        /// Why, in words.
        reason: String,
    },
    /// The request itself is malformed (bad query string or JSON): 400.
    #[error("{0}")]
    BadRequest(String),
}

/// One field's reason, as the problem body lists them.
#[derive(Debug, Serialize)]
struct FieldReason<'a> {
    field: &'a str,
    reason: &'a str,
}

/// The RFC 9457 problem document.
#[derive(Debug, Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldReason<'a>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            Self::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid value"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "Malformed request"),
        };
        let errors = match &self {
            Self::Invalid { field, reason } => vec![FieldReason { field, reason }],
            Self::BadRequest(_) => Vec::new(),
        };
        let problem = Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail: self.to_string(),
            errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

impl From<executor::schedule::ScheduleError> for ApiError {
    fn from(error: executor::schedule::ScheduleError) -> Self {
        Self::Invalid {
            field: format!("schedule.{}", error.field()),
            reason: error.to_string(),
        }
    }
}
