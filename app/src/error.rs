//! The error every server function returns: serializable, and worded for the person using
//! the UI. Internal details are logged on the server, never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why a server function failed, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// The database did not answer (HTTP 503 on the API).
    #[error("The database is unreachable; retrying")]
    DatabaseUnavailable,
    /// The request never reached the function, or its answer never came back.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        Self::Transport(error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<executor::store::StoreError> for AppError {
    fn from(error: executor::store::StoreError) -> Self {
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
