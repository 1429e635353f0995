//! The error every server function returns: serializable, and worded for the person using
//! the UI. Internal details are logged on the server, never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use scheduleman::validate::FieldError;
use serde::{Deserialize, Serialize};

/// Why a server function failed, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// Some fields are invalid; each reason belongs next to its field.
    #[error("{}", invalid_summary(.0))]
    Invalid(Vec<FieldError>),
    /// The schedule does not exist (any more).
    #[error("{0}")]
    NotFound(String),
    /// The schedule changed meanwhile, or is in the wrong state.
    #[error("{0}")]
    Conflict(String),
    /// The database did not answer (HTTP 503 on the API).
    #[error("The database is unreachable; retrying")]
    DatabaseUnavailable,
    /// The request never reached the function, or its answer never came back.
    #[error("The server could not be reached: {0}")]
    Transport(String),
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

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        Self::Transport(error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<scheduleman::commands::CommandError> for AppError {
    fn from(error: scheduleman::commands::CommandError) -> Self {
        use scheduleman::commands::CommandError;
        match error {
            CommandError::Invalid(errors) => Self::Invalid(errors),
            CommandError::NotFound(id) => Self::NotFound(format!("There is no schedule {id}.")),
            CommandError::StaleVersion { .. }
            | CommandError::WrongState { .. }
            | CommandError::Unreadable(_)
            | CommandError::TooMany { .. }
            | CommandError::PlanChanged => Self::Conflict(error.to_string()),
            CommandError::Database(error) => error.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<scheduleman::store::StoreError> for AppError {
    fn from(error: scheduleman::store::StoreError) -> Self {
        tracing::error!(%error, "store error in a server function");
        Self::DatabaseUnavailable
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error in a server function");
        Self::DatabaseUnavailable
    }
}
