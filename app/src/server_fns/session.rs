//! Whether this server asks for its token, so the UI offers "Sign out" only where there is
//! something to sign out of.

use leptos::prelude::*;

use crate::error::AppError;

/// Put in the server functions' context by the server: whether it has an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRequired(pub bool);

/// Whether the server asks for its token (and so whether "Sign out" means anything).
#[server(prefix = "/rpc")]
pub async fn sign_in_required() -> Result<bool, AppError> {
    Ok(use_context::<TokenRequired>().is_some_and(|required| required.0))
}
