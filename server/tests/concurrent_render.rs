//! Issue 16, item 14: pages rendered while other routers are being built, on many threads
//! at once, all finish. Building a router used to generate the route list, which suppresses
//! resource loading process-wide for a moment; a page whose resource first polled in that
//! moment never finished (leptos issue #4773).

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;
use tower::ServiceExt;

#[sqlx::test(migrations = "../migrations")]
async fn pages_render_while_other_routers_are_built(pool: PgPool) {
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let pool = pool.clone();
        tasks.push(async move {
            for round in 0..40 {
                let router = support::router_with(pool.clone(), "", None);
                let page = ["/executors", "/", "/dead-letters", "/timeline"][round % 4];
                let request = Request::get(page).body(Body::empty()).unwrap();
                let rendered = tokio::time::timeout(Duration::from_secs(20), async move {
                    let response = router.oneshot(request).await.unwrap();
                    let status = response.status();
                    let body = support::body_text(response).await;
                    (status, body)
                })
                .await;
                let (status, body) = rendered.unwrap_or_else(|_| {
                    panic!("worker {worker}: {page} (round {round}) never finished rendering")
                });
                assert_eq!(status, StatusCode::OK, "{page}");
                assert!(body.contains("</html>"), "{page} ended early");
            }
        });
    }
    support::on_worker_threads(4, tasks).await;
}
