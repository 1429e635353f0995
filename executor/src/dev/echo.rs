//! The echo target: a small webhook receiver that logs every trigger it gets, with its lag,
//! and fails on request (`?fail=500`, `?sleep=5s`) so failures can be demonstrated.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{Query, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

pub use crate::signature::headers;

/// The echo target's router: every method and path is a trigger.
pub fn router() -> Router {
    Router::new().fallback(receive)
}

/// Serves the echo target on `addr` until `shutdown`.
pub async fn serve(addr: SocketAddr, shutdown: CancellationToken) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "echo target listening");
    axum::serve(listener, router())
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

async fn receive(Query(query): Query<HashMap<String, String>>, request: Request) -> Response {
    let received_at = Utc::now();
    let (parts, _body) = request.into_parts();
    let header = |name: &str| header_text(&parts.headers, name);
    let lag_ms = header(headers::SCHEDULED_FOR)
        .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
        .map(|scheduled| (received_at - scheduled.with_timezone(&Utc)).num_milliseconds());
    tracing::info!(
        method = %parts.method,
        path = %parts.uri.path(),
        schedule_id = header(headers::SCHEDULE_ID).as_deref().unwrap_or("-"),
        execution_id = header(headers::EXECUTION_ID).as_deref().unwrap_or("-"),
        attempt = header(headers::ATTEMPT).as_deref().unwrap_or("-"),
        scheduled_for = header(headers::SCHEDULED_FOR).as_deref().unwrap_or("-"),
        lag_ms,
        "trigger received"
    );
    if let Some(sleep) = query.get("sleep") {
        match humantime::parse_duration(sleep) {
            Ok(duration) => tokio::time::sleep(duration.min(Duration::from_secs(600))).await,
            Err(error) => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("bad sleep {sleep:?}: {error}"),
                )
                    .into_response()
            }
        }
    }
    if let Some(fail) = query.get("fail") {
        return match fail
            .parse::<u16>()
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
        {
            Some(status) => (status, format!("failing on request with {status}\n")).into_response(),
            None => (
                StatusCode::BAD_REQUEST,
                format!("bad fail status {fail:?}\n"),
            )
                .into_response(),
        };
    }
    (StatusCode::OK, "ok\n").into_response()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn spawn() -> (SocketAddr, CancellationToken) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            axum::serve(listener, router())
                .with_graceful_shutdown(stop.cancelled_owned())
                .await
                .unwrap();
        });
        (addr, shutdown)
    }

    #[tokio::test]
    async fn echo_answers_ok_and_fails_on_request() {
        let (addr, shutdown) = spawn().await;
        let client = reqwest::Client::new();
        let ok = client
            .post(format!("http://{addr}/hook"))
            .header(headers::SCHEDULED_FOR, "2026-01-01T00:00:00.000Z")
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        let failing = client
            .post(format!("http://{addr}/hook?fail=503"))
            .send()
            .await
            .unwrap();
        assert_eq!(failing.status(), 503);
        let bad = client
            .post(format!("http://{addr}/hook?fail=abc"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        shutdown.cancel();
    }

    #[tokio::test]
    async fn echo_sleeps_on_request() {
        let (addr, shutdown) = spawn().await;
        let started = std::time::Instant::now();
        let response = reqwest::get(format!("http://{addr}/?sleep=300ms"))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(started.elapsed() >= Duration::from_millis(300));
        shutdown.cancel();
    }
}
