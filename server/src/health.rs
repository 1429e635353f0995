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

/// `GET /metrics`: API latency by status class, in Prometheus's text format.
pub async fn metrics(State(metrics): State<Arc<HttpMetrics>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
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
