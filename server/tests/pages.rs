//! Server-rendered pages say what a schedule does: a dead or paused schedule's page does not
//! list fires as if they would happen (issue 16, item 20), and a schedule whose stored
//! definition cannot be read is shown as such on the list, the dead letters and its page,
//! with edit and delete (issue 16, item 1).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

async fn page(pool: &PgPool, path: &str) -> String {
    let response = support::router_with(pool.clone(), "hooks.test", None)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    support::body_text(response).await
}

async fn create(pool: &PgPool, body: serde_json::Value) -> String {
    let response = support::router_with(pool.clone(), "hooks.test", None)
        .oneshot(
            Request::post("/api/v1/schedules")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: serde_json::Value =
        serde_json::from_str(&support::body_text(response).await).unwrap();
    created["id"].as_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_dead_schedules_page_says_it_does_not_fire_and_when_it_would(pool: PgPool) {
    let id = create(
        &pool,
        json!({"name": "nightly", "schedule": {"cron": "0 3 * * *"},
               "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    let active = page(&pool, &format!("/schedules/{id}")).await;
    assert!(!active.contains("not-firing"), "an active schedule fires");
    sqlx::query("UPDATE schedules SET state = 'dead', dead_at = now(), next_run_at = NULL")
        .execute(&pool)
        .await
        .unwrap();
    let dead = page(&pool, &format!("/schedules/{id}")).await;
    assert!(
        dead.contains("Dead-lettered: it does not fire until it is re-armed or edited"),
        "{dead}"
    );
    assert!(dead.contains("Re-armed now, it would fire at"));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unreadable_schedule_is_shown_with_why_and_can_be_edited(pool: PgPool) {
    let id = create(
        &pool,
        json!({"name": "broken one", "schedule": {"cron": "0 3 * * *"},
               "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    create(
        &pool,
        json!({"name": "fine one", "schedule": {"cron": "0 4 * * *"},
               "target": {"url": "https://hooks.test/y"}}),
    )
    .await;
    sqlx::query(
        "UPDATE schedules SET spec = '{\"kind\": \"fortnightly\"}', state = 'dead', \
         dead_at = now() WHERE name = 'broken one'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let list = page(&pool, "/").await;
    assert!(
        list.contains("unreadable: its stored timing does not decode"),
        "{list}"
    );
    assert!(list.contains("fine one"), "the others are listed too");
    let dead = page(&pool, "/dead-letters").await;
    assert!(dead.contains("unreadable: its stored timing does not decode"));
    assert!(dead.contains(&format!("/schedules/{id}/edit")));
    let detail = page(&pool, &format!("/schedules/{id}")).await;
    assert!(detail.contains("Unreadable:"), "{detail}");
    assert!(detail.contains(r#"id="delete""#) && detail.contains(r#"id="edit""#));
    let edit = page(&pool, &format!("/schedules/{id}/edit")).await;
    assert!(edit.contains("give it a timing again"), "{edit}");
    assert!(
        edit.contains("https://hooks.test/x"),
        "what can be read is kept"
    );
}
