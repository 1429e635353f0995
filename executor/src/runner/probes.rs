//! The executor's own small HTTP endpoint (`--metrics-addr`): `/healthz`, `/readyz` and
//! Prometheus `/metrics`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::runner::metrics::ExecutorMetrics;
use crate::store;

type OpsState = (PgPool, Arc<ExecutorMetrics>);

/// The endpoint's routes.
pub fn router(pool: PgPool, metrics: Arc<ExecutorMetrics>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state((pool, metrics))
}

/// Serves the endpoint on `addr` until `shutdown`.
pub async fn serve(
    addr: SocketAddr,
    pool: PgPool,
    metrics: Arc<ExecutorMetrics>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "metrics and probes listening");
    axum::serve(listener, router(pool, metrics))
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

async fn ready(State((pool, _)): State<OpsState>) -> (StatusCode, &'static str) {
    match store::migrations_applied(&pool).await {
        Ok(true) => (StatusCode::OK, "ready\n"),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "migrations are not applied yet\n",
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unreachable\n",
        ),
    }
}

async fn metrics_text(State((_, metrics)): State<OpsState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
}
