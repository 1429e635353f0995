//! The server's HTTP surface, called through the router against a real PostgreSQL.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

fn router(pool: PgPool) -> Router {
    support::router_with(pool, "", None)
}

async fn get(router: Router, uri: &str) -> (StatusCode, Option<String>, String) {
    let response = router
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn healthz_and_readyz_answer_ok_on_a_migrated_database(pool: PgPool) {
    assert_eq!(
        get(router(pool.clone()), "/healthz").await.0,
        StatusCode::OK
    );
    let (status, _, body) = get(router(pool), "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[sqlx::test(migrations = false)]
async fn readyz_is_unavailable_before_migrations(pool: PgPool) {
    let (status, _, body) = get(router(pool), "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("migrations"), "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn preview_answers_cron_instants_across_a_dst_gap(pool: PgPool) {
    let (status, _, body) = get(
        router(pool),
        "/api/v1/preview?cron=30%202%20*%20*%20*&tz=America/New_York&after=2026-03-07T12:00:00Z&count=2",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json["instants"],
        serde_json::json!(["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
    );
    assert_eq!(json["description"], "At 02:30, America/New_York");
    // Issue 11: a structured DST note on the instant the gap moved, none on the next.
    assert_eq!(json["tz"], "America/New_York");
    assert_eq!(
        json["fires"][0],
        serde_json::json!({
            "at": "2026-03-08T07:00:00Z",
            "local": "2026-03-08 03:00:00 EDT",
            "dst": {
                "kind": "shifted",
                "reading": "2026-03-08T02:30:00",
                "gap_start": "2026-03-08T02:00:00",
                "gap_end": "2026-03-08T03:00:00",
                "occurrence": null,
                "fires_twice": null,
                "text": "02:30 does not exist that day (clocks jump 02:00→03:00); runs at the \
                         first instant after the gap"
            }
        })
    );
    assert_eq!(json["fires"][1]["dst"], Value::Null);
}

#[sqlx::test(migrations = "../migrations")]
async fn preview_answers_every_in_and_at(pool: PgPool) {
    let after = "after=2026-01-01T00:00:00Z";
    for (query, expected) in [
        (
            "every=90s&count=2",
            vec!["2026-01-01T00:01:30Z", "2026-01-01T00:03:00Z"],
        ),
        ("in=1h%2030m", vec!["2026-01-01T01:30:00Z"]),
        (
            "at=2026-06-01T09:00&tz=Europe/Berlin",
            vec!["2026-06-01T07:00:00Z"],
        ),
    ] {
        let (status, _, body) = get(
            router(pool.clone()),
            &format!("/api/v1/preview?{query}&{after}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["instants"], serde_json::json!(expected), "{query}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn preview_refuses_bad_input_with_a_problem_document(pool: PgPool) {
    for (query, status, field, reason) in [
        (
            "cron=0%2025%20*%20*%20*",
            422,
            "schedule.cron",
            "cron field 2 (hour) is 25; hours are 0–23",
        ),
        (
            "cron=*%20*%20*%20*%20*&tz=Mars/Base",
            422,
            "schedule.tz",
            "unknown time zone",
        ),
        (
            "in=soon",
            422,
            "schedule.in",
            "\"soon\" is not a valid duration",
        ),
        ("every=1m&count=0", 422, "count", "count is 0"),
        (
            "every=1m&after=yesterday",
            422,
            "after",
            "not an RFC 3339 instant",
        ),
        (
            "at=2026-03-08T02:30&tz=America/New_York&after=2026-01-01T00:00:00Z",
            422,
            "schedule.at",
            "does not exist in America/New_York",
        ),
    ] {
        let (actual, content_type, body) =
            get(router(pool.clone()), &format!("/api/v1/preview?{query}")).await;
        assert_eq!(actual.as_u16(), status, "{query}: {body}");
        assert_eq!(
            content_type.as_deref(),
            Some("application/problem+json"),
            "{query}"
        );
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["status"], status, "{query}");
        assert_eq!(json["errors"][0]["field"], field, "{query}: {body}");
        let text = json["errors"][0]["reason"].as_str().unwrap();
        assert!(text.contains(reason), "{query}: {text:?} lacks {reason:?}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn preview_refuses_a_malformed_query_with_400(pool: PgPool) {
    let (status, content_type, body) =
        get(router(pool), "/api/v1/preview?every=1m&count=many").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_count_api_requests_by_status_class(pool: PgPool) {
    let router = router(pool);
    let ok = router
        .clone()
        .oneshot(
            Request::get("/api/v1/executors")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let bad = router
        .clone()
        .oneshot(
            Request::get("/api/v1/preview?cron=nope")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = router
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains("scheduleman_api_request_duration_seconds_count{status=\"2xx\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("scheduleman_api_request_duration_seconds_count{status=\"4xx\"} 1"),
        "{text}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unreachable_database_answers_503_without_internals(pool: PgPool) {
    let router = router(pool.clone());
    pool.close().await;
    let (status, content_type, body) = get(router, "/api/v1/schedules").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["detail"], "the database is unreachable; retry shortly");
}
