//! The error every server function returns: serializable, and worded for the person using
//! the UI. Internal details are logged on the server, never sent.

use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use scheduleman::validate::FieldError;
use serde::{Deserialize, Serialize};

/// Why a server function failed, in words a user can act on. The classes are the API's,
/// one for one: [`AppError::status`] is the status the API answers for the same failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// Some fields are invalid; each reason belongs next to its field (API 422).
    #[error("{}", invalid_summary(.0))]
    Invalid(Vec<FieldError>),
    /// The schedule does not exist (any more) (API 404).
    #[error("{0}")]
    NotFound(String),
    /// The schedule changed meanwhile, is in the wrong state, or conflicts with another
    /// (API 409).
    #[error("{0}")]
    Conflict(String),
    /// The signed-in key's role does not allow it; says which role would (API 403).
    #[error("{0}")]
    Forbidden(String),
    /// The database did not answer; retrying may help (API 503).
    #[error("The database is unreachable; retrying")]
    DatabaseUnavailable,
    /// The server is misconfigured (a missing piece of its state); logged (API 500).
    #[error("The server failed; its log says why")]
    Internal,
    /// The request never reached the function, or its answer never came back.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status the API answers for the same failure.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 422,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Forbidden(_) => 403,
            Self::DatabaseUnavailable | Self::Transport(_) => 503,
            Self::Internal => 500,
        }
    }
}

fn invalid_summary(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.reason.clone(),
        many => format!("{} fields need attention", many.len()),
    }
}

impl AppError {
    /// The reason for `field`, when the error is about it.
    pub fn reason_for(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid(errors) => errors
                .iter()
                .filter(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
                .map(|e| e.reason.clone())
                .reduce(|a, b| format!("{a}; {b}")),
            _ => None,
        }
    }
}

/// Postcard, like the pages' plain data (`page_data`): every server function's failure is
/// read by the code every page loads, which then carries no JSON decoder (issue 21).
impl FromServerFnError for AppError {
    type Encoder = PostcardEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        Self::Transport(error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<scheduleman::commands::CommandError> for AppError {
    /// The same table as the API's (`server::api::error`): invalid and too many are 422,
    /// missing 404, a role too low 403, stale, wrong state, unreadable, changed plans and conflicts 409, an
    /// unreachable database 503.
    fn from(error: scheduleman::commands::CommandError) -> Self {
        use scheduleman::commands::CommandError;
        use scheduleman::validate::FieldError;
        match error {
            CommandError::Invalid(errors) => Self::Invalid(errors),
            CommandError::NotFound(id) => Self::NotFound(format!("There is no schedule {id}.")),
            CommandError::NoSuchKey(_) | CommandError::NoSuchChannel(_) => {
                Self::NotFound(error.to_string())
            }
            CommandError::Forbidden(forbidden) => Self::Forbidden(forbidden.to_string()),
            CommandError::TooMany { field, .. } => Self::Invalid(vec![FieldError {
                field: field.into(),
                reason: error.to_string(),
            }]),
            CommandError::Refused {
                conflict: true,
                ref reason,
                ..
            } => Self::Conflict(reason.clone()),
            CommandError::Refused {
                field, ref reason, ..
            } => Self::Invalid(vec![FieldError {
                field: field.unwrap_or("body").into(),
                reason: reason.clone(),
            }]),
            CommandError::StaleVersion { .. }
            | CommandError::WrongState { .. }
            | CommandError::Unreadable(_)
            | CommandError::PlanChanged => Self::Conflict(error.to_string()),
            CommandError::Database(error) => {
                tracing::error!(%error, "database error in a server function");
                Self::DatabaseUnavailable
            }
            CommandError::Internal(error) => {
                tracing::error!(%error, "a server function failed");
                Self::Internal
            }
        }
    }
}
