//! Server functions, one file per resource. Each takes what it needs from context, calls
//! one command (`scheduleman::commands`, the one door into the domain), and maps the error:
//! nothing more.

pub mod executions;
pub mod executors;
pub mod imports;
pub mod overview;
pub mod schedules;
pub mod session;
pub mod timeline;

#[cfg(feature = "ssr")]
fn pool() -> Result<sqlx::PgPool, crate::error::AppError> {
    leptos::prelude::use_context::<sqlx::PgPool>().ok_or_else(|| {
        tracing::error!("no database pool in the server function's context");
        crate::error::AppError::Internal
    })
}

#[cfg(feature = "ssr")]
fn targets() -> Result<std::sync::Arc<scheduleman::ssrf::TargetGuard>, crate::error::AppError> {
    leptos::prelude::use_context::<std::sync::Arc<scheduleman::ssrf::TargetGuard>>().ok_or_else(
        || {
            tracing::error!("no target guard in the server function's context");
            crate::error::AppError::Internal
        },
    )
}
