//! The API's error: every failure becomes an `application/problem+json` body (RFC 9457)
//! that says what was wrong, field by field where it can. Internal details are logged once
//! and never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use scheduleman::validate::FieldError;
use serde::Serialize;

/// Why an API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: the request's values are well formed but unacceptable.
    #[error("{}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// 400: the request itself is malformed (bad JSON or query string).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid token.
    #[error("this API needs `Authorization: Bearer <token>` (SCHEDULEMAN_API_TOKEN)")]
    Unauthorized,
    /// 403: a browser request from another site.
    #[error("cross-site requests are refused")]
    CrossSite,
    /// 403: the key's (or session's) role does not allow this; says which role would.
    #[error("{0}")]
    Forbidden(scheduleman::access::Forbidden),
    /// 403: without a token, a request addressed to a name other than loopback's.
    #[error(
        "this server has no SCHEDULEMAN_API_TOKEN, so it answers only requests addressed to \
         localhost or a loopback address"
    )]
    ForeignHost,
    /// 404: no such resource.
    #[error("{0}")]
    NotFound(String),
    /// 409: the resource changed or is in the wrong state.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is over the limit.
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// 429: too many failed sign-ins or wrong tokens from this address; `Retry-After` says
    /// when to try again.
    #[error("too many failed attempts from this address; try again in {} s", .0.as_secs().max(1))]
    TooManyAttempts(std::time::Duration),
    /// 503: the database did not answer.
    #[error("the database is unreachable; retry shortly")]
    Unavailable,
    /// 500: the server itself failed; the details are in its log.
    #[error("the server failed; its log says why")]
    Internal,
}

fn summary(errors: &[FieldError]) -> String {
    match errors {
        [one] => format!("{}: {}", one.field, one.reason),
        many => format!("{} fields are invalid", many.len()),
    }
}

impl ApiError {
    /// A single-field 422.
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.to_owned(),
            reason: reason.into(),
        }])
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::CrossSite | Self::ForeignHost | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The RFC 9457 problem document every error answers with (its schema, for the API docs).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemDocument {
    /// Always `about:blank`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's name.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, in words.
    pub detail: String,
    /// Per-field reasons; only on 422 answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// The RFC 9457 problem document.
#[derive(Debug, Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let errors = match &self {
            Self::Invalid(errors) => errors.as_slice(),
            _ => &[],
        };
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        match self {
            Self::Unauthorized => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            Self::TooManyAttempts(wait) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, wait.as_secs().max(1).into());
            }
            _ => {}
        }
        response
    }
}

impl From<scheduleman::commands::CommandError> for ApiError {
    /// One table from command errors to answers; the UI's server functions map the same
    /// classes the same way (`app::error`).
    fn from(error: scheduleman::commands::CommandError) -> Self {
        use scheduleman::commands::CommandError;
        match error {
            CommandError::Invalid(errors) => Self::Invalid(errors),
            CommandError::NotFound(id) => Self::NotFound(format!("there is no schedule {id}")),
            CommandError::NoSuchKey(_) | CommandError::NoSuchChannel(_) => {
                Self::NotFound(error.to_string())
            }
            CommandError::Forbidden(forbidden) => Self::Forbidden(forbidden),
            CommandError::TooMany { field, .. } => Self::invalid(field, error.to_string()),
            CommandError::Refused {
                conflict: true,
                ref reason,
                ..
            } => Self::Conflict(reason.clone()),
            CommandError::Refused {
                field, ref reason, ..
            } => Self::invalid(field.unwrap_or("body"), reason.clone()),
            CommandError::StaleVersion { .. }
            | CommandError::WrongState { .. }
            | CommandError::Unreadable(_)
            | CommandError::PlanChanged => Self::Conflict(error.to_string()),
            CommandError::Database(error) => {
                tracing::error!(%error, "database error in an API handler");
                Self::Unavailable
            }
            CommandError::Internal(error) => {
                tracing::error!(%error, "an API handler failed");
                Self::Internal
            }
        }
    }
}

impl From<scheduleman::schedule::ScheduleError> for ApiError {
    fn from(error: scheduleman::schedule::ScheduleError) -> Self {
        Self::invalid(&format!("schedule.{}", error.field()), error.to_string())
    }
}
