//! Shared by the server's tests: a router over a test database, creating a schedule through
//! it, reading answers, and running requests on several worker threads.

#![allow(dead_code)] // each test file uses a different part

use std::future::Future;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use scheduleman::alerts::{Deliverer, SmtpSettings};
use scheduleman::ssrf::resolve::DnsServers;
use scheduleman::ssrf::TargetGuard;
use server::auth::Auth;
use server::{app, AppState};
use sqlx::PgPool;
use tower::ServiceExt;

/// The whole router, with targets allowed by `allowlist` and the API `token` if any.
pub fn router_with(pool: PgPool, allowlist: &str, token: Option<&str>) -> Router {
    app(state(pool, allowlist, token))
}

/// The server's state, as [`router_with`] uses it.
pub fn state(pool: PgPool, allowlist: &str, token: Option<&str>) -> AppState {
    state_with_smtp(pool, allowlist, token, None)
}

/// The same, sending email alerts through `smtp`.
pub fn state_with_smtp(
    pool: PgPool,
    allowlist: &str,
    token: Option<&str>,
    smtp: Option<SmtpSettings>,
) -> AppState {
    let policy: scheduleman::ssrf::TargetPolicy =
        allowlist.parse().expect("a valid test allowlist");
    AppState::new(
        LeptosOptions::builder().output_name("scheduleman").build(),
        pool,
        TargetGuard::new(policy.clone(), &DnsServers::System).expect("a resolver"),
        Deliverer::new(policy, &DnsServers::System, smtp).expect("an alert sender"),
        Auth::new(token),
    )
}

/// The body of `response` as text.
pub async fn body_text(response: Response) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Creates the schedule `body` (the API's JSON) through the API; its id.
pub async fn create_schedule(pool: &PgPool, body: serde_json::Value) -> String {
    let response = router_with(pool.clone(), "hooks.test", None)
        .oneshot(
            Request::post("/api/v1/schedules")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    created["id"].as_str().unwrap().to_owned()
}

/// Runs `tasks` at once on a runtime of their own with `threads` worker threads (so a
/// request's rendering can move between threads, as in the server) and waits for them all;
/// a task's panic fails the caller with its message.
pub async fn on_worker_threads<F>(threads: usize, tasks: Vec<F>)
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap();
    let handles: Vec<_> = tasks.into_iter().map(|task| runtime.spawn(task)).collect();
    for handle in handles {
        // Waited for from a thread outside both runtimes.
        let finished = tokio::task::spawn_blocking(move || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(handle)
        })
        .await
        .unwrap();
        if let Err(error) = finished {
            std::panic::resume_unwind(error.into_panic());
        }
    }
    // Dropping a runtime inside another would block it.
    runtime.shutdown_background();
}
