//! Liveness and readiness probes, and Prometheus metrics of the API.

use std::sync::Arc;
use std::time::Instant;

use crate::metrics::HttpMetrics;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;

/// `GET /healthz`: the process is up.
pub async fn live() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers and has every migration applied (503 otherwise).
pub async fn ready(State(pool): State<PgPool>) -> (StatusCode, String) {
    match scheduleman::store::migrations_applied(&pool).await {
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

/// `GET /metrics`: API latency by status class, and each schedule's figures over the last
/// 24 hours (left out, with a warning in the log, when the database does not answer).
pub async fn metrics(
    State(metrics): State<Arc<HttpMetrics>>,
    State(pool): State<PgPool>,
) -> impl IntoResponse {
    let mut text = metrics.render();
    let health = scheduleman::store::punctuality::recent_by_schedule(
        &pool,
        chrono::Utc::now(),
        chrono::TimeDelta::hours(24),
        crate::metrics::HEALTH_MAX_ATTEMPTS,
    )
    .await;
    match health {
        Ok(health) => text.push_str(&crate::metrics::render_schedule_health(&health)),
        Err(error) => tracing::warn!(%error, "per-schedule metrics left out"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// Middleware timing every API request.
pub async fn time_api_request(
    State(metrics): State<Arc<HttpMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(response.status().as_u16(), started.elapsed());
    response
}
