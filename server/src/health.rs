//! Liveness and readiness probes.

use axum::extract::State;
use axum::http::StatusCode;
use sqlx::PgPool;

/// `GET /healthz`: the process is up.
pub async fn live() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers and has every migration applied (503 otherwise).
pub async fn ready(State(pool): State<PgPool>) -> (StatusCode, String) {
    match executor::store::migrations_applied(&pool).await {
        Ok(true) => (StatusCode::OK, "ready\n".into()),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "migrations are not applied yet\n".into(),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unreachable\n".into(),
            )
        }
    }
}
