//! Server functions, one file per resource. Each takes what it needs from context, calls
//! the store or the shared commands, and maps the error: nothing more.

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
        crate::error::AppError::DatabaseUnavailable
    })
}

#[cfg(feature = "ssr")]
fn policy() -> Result<std::sync::Arc<scheduleman::ssrf::TargetPolicy>, crate::error::AppError> {
    leptos::prelude::use_context::<std::sync::Arc<scheduleman::ssrf::TargetPolicy>>().ok_or_else(
        || {
            tracing::error!("no target policy in the server function's context");
            crate::error::AppError::DatabaseUnavailable
        },
    )
}
