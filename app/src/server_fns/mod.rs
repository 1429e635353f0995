//! Server functions, one file per resource. Each takes the pool from context, calls the
//! store, and maps the error: nothing more.

pub mod overview;

#[cfg(feature = "ssr")]
fn pool() -> Result<sqlx::PgPool, crate::error::AppError> {
    leptos::prelude::use_context::<sqlx::PgPool>().ok_or_else(|| {
        tracing::error!("no database pool in the server function's context");
        crate::error::AppError::DatabaseUnavailable
    })
}
