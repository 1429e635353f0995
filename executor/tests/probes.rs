//! The executor's probes and metrics endpoint.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use scheduleman::runner::metrics::ExecutorMetrics;
use scheduleman::runner::probes;
use sqlx::PgPool;
use tower::ServiceExt;

async fn get(router: axum::Router, uri: &str) -> (StatusCode, String) {
    let response = router
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn probes_and_metrics_answer(pool: PgPool) {
    let metrics = Arc::new(ExecutorMetrics::default());
    metrics.dead_letters.fetch_add(1, Ordering::Relaxed);
    let router = probes::router(pool, metrics);
    assert_eq!(get(router.clone(), "/healthz").await.0, StatusCode::OK);
    assert_eq!(get(router.clone(), "/readyz").await.0, StatusCode::OK);
    let (status, text) = get(router, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("scheduleman_dead_letters_total 1"), "{text}");
}

#[sqlx::test(migrations = false)]
async fn readyz_fails_before_migrations(pool: PgPool) {
    let router = probes::router(pool, Arc::new(ExecutorMetrics::default()));
    assert_eq!(
        get(router, "/readyz").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
}
