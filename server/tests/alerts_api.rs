//! The alerts API through the router against a real PostgreSQL: channels checked like
//! schedule targets, a test alert that really reaches a local Slack-style sink (or says why
//! not), a schedule's routing, and refusals worded field by field.

mod support;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let request = Request::builder().method(method).uri(uri);
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A Slack-style webhook on loopback that records the bodies it gets.
async fn slack_sink() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let recorder = received.clone();
    let app = Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let recorder = recorder.clone();
            async move {
                recorder
                    .lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap_or_default());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), received)
}

#[sqlx::test(migrations = "../migrations")]
async fn channels_are_checked_like_targets_and_a_test_alert_really_goes(pool: PgPool) {
    let app = support::router_with(pool.clone(), "127.0.0.0/8", None);
    let (status, refused) = call(
        &app,
        "POST",
        "/api/v1/alert-channels",
        Some(json!({"name": "x", "url": "http://169.254.169.254/latest", "format": "json"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "url");
    let (status, refused) = call(
        &app,
        "POST",
        "/api/v1/alert-channels",
        Some(json!({"name": "mail", "url": "mailto:ops@example.com", "format": "email"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("SCHEDULEMAN_SMTP_URL"),
        "{refused}"
    );

    let (url, received) = slack_sink().await;
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/alert-channels",
        Some(json!({"name": "#ops", "url": url, "format": "slack"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["signing_secret"]
        .as_str()
        .unwrap()
        .starts_with("whsec_"));
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, listed) = call(&app, "GET", "/api/v1/alert-channels", None).await;
    assert_eq!(listed["items"][0]["name"], "#ops");
    assert!(
        listed["items"][0].get("signing_secret").is_none(),
        "{listed}"
    );

    let (status, delivery) = call(
        &app,
        "POST",
        &format!("/api/v1/alert-channels/{id}/test"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{delivery}");
    assert_eq!(delivery["status"], "sent", "{delivery}");
    let text = received.lock().unwrap()[0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("test") && text.contains("#ops"), "{text}");

    // A channel whose endpoint has gone: the test says why.
    let (status, _) = call(
        &app,
        "PUT",
        &format!("/api/v1/alert-channels/{id}"),
        Some(json!({"name": "#ops", "url": "http://127.0.0.1:9/gone", "format": "slack"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, delivery) = call(
        &app,
        "POST",
        &format!("/api/v1/alert-channels/{id}/test"),
        None,
    )
    .await;
    assert_eq!(delivery["status"], "failed");
    assert!(
        delivery["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("connect"),
        "{delivery}"
    );
    let (_, deliveries) = call(&app, "GET", "/api/v1/alert-deliveries", None).await;
    assert_eq!(deliveries["items"].as_array().unwrap().len(), 2);

    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/alert-channels/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/alert-channels/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_schedule_routes_and_mutes_its_alerts_and_the_change_is_audited(pool: PgPool) {
    let app = support::router_with(pool.clone(), "127.0.0.0/8", None);
    let (_, schedule) = call(
        &app,
        "POST",
        "/api/v1/schedules",
        Some(json!({"name": "billing", "schedule": {"every": "1h"},
                    "target": {"url": "http://127.0.0.1:9/x"}})),
    )
    .await;
    let id = schedule["id"].as_str().unwrap().to_owned();
    let (_, rule) = call(&app, "GET", &format!("/api/v1/schedules/{id}/alerts"), None).await;
    assert_eq!(
        rule,
        json!({"channels": null, "muted_until": null, "failing_after": null})
    );
    let unknown = uuid::Uuid::new_v4();
    let (status, refused) = call(
        &app,
        "PUT",
        &format!("/api/v1/schedules/{id}/alerts"),
        Some(json!({"channels": [unknown]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["field"], "channels");
    let (status, refused) = call(
        &app,
        "PUT",
        &format!("/api/v1/schedules/{id}/alerts"),
        Some(json!({"failing_after": 0})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let rule = json!({"channels": null, "muted_until": "2031-01-01T00:00:00Z", "failing_after": 5});
    let (status, saved) = call(
        &app,
        "PUT",
        &format!("/api/v1/schedules/{id}/alerts"),
        Some(rule.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, read) = call(&app, "GET", &format!("/api/v1/schedules/{id}/alerts"), None).await;
    assert_eq!(read, rule);
    let (_, log) = call(&app, "GET", "/api/v1/audit?action=schedule.alerts", None).await;
    assert_eq!(
        log["items"][0]["changes"]["alerts"]["after"]["failing_after"], 5,
        "{log}"
    );

    let (status, _) = call(&app, "GET", "/api/v1/incidents?state=sideways", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, none) = call(
        &app,
        "GET",
        &format!("/api/v1/incidents?schedule_id={id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["items"], json!([]));
}
