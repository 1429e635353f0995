//! Liveness and readiness probes, and Prometheus metrics of the API.

use axum::Extension;
use scheduleman::access::Actor;
use std::sync::Arc;
use std::time::Instant;

use crate::metrics::HttpMetrics;
use crate::router::AppState;
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

/// `GET /metrics`: API latency by status class, the headline figures, and (when configured)
/// per-schedule figures; a part the database cannot answer for is left out, with a warning in
/// the log.
pub async fn metrics(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> impl IntoResponse {
    let mut text = state.metrics.render();
    match state.overview.read(&state.pool, &actor, false).await {
        Ok(figures) => crate::metrics::render_overview(&mut text, &figures),
        Err(error) => tracing::warn!(%error, "headline figures left out of /metrics"),
    }
    let health = state.series.read(&state.pool);
    crate::metrics::render_schedule_health(&mut text, &health, state.series.settings().window);
    crate::metrics::render_alerts(&mut text, &state.alert_counters);
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
