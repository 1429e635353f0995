//! Server functions, one file per resource. Each takes what it needs from context, calls
//! one command (`scheduleman::commands`, the one door into the domain), and maps the error:
//! nothing more.

pub mod access;
pub mod alerts;
pub mod backfills;
pub mod executions;
pub mod executors;
pub mod imports;
pub mod overview;
pub mod schedules;
pub mod timeline;
pub mod timing;

/// A value the server put in the server functions' context (a misconfigured server, when
/// missing: logged, and an internal error for the caller).
#[cfg(feature = "ssr")]
fn context<T: Clone + Send + Sync + 'static>() -> Result<T, crate::error::AppError> {
    leptos::prelude::use_context::<T>().ok_or_else(|| {
        tracing::error!(
            missing = std::any::type_name::<T>(),
            "the server function's context lacks a value"
        );
        crate::error::AppError::Internal
    })
}

#[cfg(feature = "ssr")]
fn pool() -> Result<sqlx::PgPool, crate::error::AppError> {
    context()
}

#[cfg(feature = "ssr")]
fn targets() -> Result<std::sync::Arc<scheduleman::ssrf::TargetGuard>, crate::error::AppError> {
    context()
}

/// Who is calling: the server's auth middleware put them in the request's extensions.
#[cfg(feature = "ssr")]
fn actor() -> Result<scheduleman::access::Actor, crate::error::AppError> {
    let parts = context::<http::request::Parts>()?;
    parts
        .extensions
        .get::<scheduleman::access::Actor>()
        .cloned()
        .ok_or_else(|| {
            tracing::error!("a server function ran without an actor: is the auth layer missing?");
            crate::error::AppError::Internal
        })
}
