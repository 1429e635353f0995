//! Issue 11, feature 2: a crontab previewed line by line against what the same source
//! imported before, then imported in one transaction once confirmed with the preview's
//! digest.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

async fn post(pool: &PgPool, uri: &str, body: Value) -> (StatusCode, Value) {
    let response = support::router_with(pool.clone(), "hooks.test", None)
        .oneshot(
            Request::post(uri)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn request(text: &str) -> Value {
    json!({"source": "web-1:root", "text": text, "tz": "Europe/Berlin",
           "target_url": "https://hooks.test/run"})
}

async fn preview(pool: &PgPool, text: &str) -> Value {
    let (status, plan) = post(pool, "/api/v1/crontab/preview", request(text)).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    plan
}

async fn confirm(pool: &PgPool, text: &str, digest: &Value) -> (StatusCode, Value) {
    let mut body = request(text);
    body["digest"] = digest.clone();
    post(pool, "/api/v1/crontab/import", body).await
}

async fn stored(pool: &PgPool) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT name, spec->>'cron', import_key FROM schedules \
         WHERE import_source = 'web-1:root' ORDER BY import_key",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

const FIRST: &str = "# Nightly report\n\
                     0 2 * * * curl -X POST https://hooks.test/report\n\
                     CRON_TZ=America/New_York\n\
                     30 2 * * * /usr/local/bin/backup.sh\n";

#[sqlx::test(migrations = "../migrations")]
async fn a_crontab_is_previewed_then_imported_and_reimported_as_changes(pool: PgPool) {
    let plan = preview(&pool, FIRST).await;
    assert_eq!(
        (plan["create"].as_u64(), plan["errors"].as_u64()),
        (Some(2), Some(0))
    );
    let lines = plan["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1]["number"], 2);
    assert_eq!(lines[1]["item"]["kind"], "entry");
    assert_eq!(lines[1]["item"]["name"], "Nightly report");
    assert_eq!(lines[1]["action"]["kind"], "create");
    assert_eq!(lines[1]["fires"].as_array().unwrap().len(), 3);
    assert_eq!(
        lines[2]["item"],
        json!({"kind": "zone", "tz": "America/New_York"})
    );
    // 02:30 in New York: the preview carries DST notes where they apply.
    assert_eq!(lines[3]["description"], "At 02:30, America/New_York");
    assert!(stored(&pool).await.is_empty(), "a preview writes nothing");

    let (status, done) = confirm(&pool, FIRST, &plan["digest"]).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done, json!({"created": 2, "changed": 0, "unchanged": 0}));
    let rows = stored(&pool).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1],
        (
            "Nightly report".into(),
            "0 2 * * *".into(),
            "curl -X POST https://hooks.test/report".into()
        )
    );

    // The same crontab again changes nothing.
    let again = preview(&pool, FIRST).await;
    assert_eq!(
        (again["create"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2))
    );

    // The report moves to 03:00 and the backup line goes: one change, one gone (kept).
    let second = "# Nightly report\n0 3 * * * curl -X POST https://hooks.test/report\n";
    let plan = preview(&pool, second).await;
    assert_eq!(plan["change"], 1);
    assert_eq!(
        plan["lines"][1]["action"]["changes"],
        json!(["cron 0 2 * * * (Europe/Berlin) → 0 3 * * * (Europe/Berlin)"])
    );
    assert_eq!(plan["gone"][0]["key"], "/usr/local/bin/backup.sh");

    // A digest from another plan is refused, and nothing is written.
    let (status, _) = confirm(&pool, second, &again["digest"]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(stored(&pool).await[1].1, "0 2 * * *");

    let (status, done) = confirm(&pool, second, &plan["digest"]).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["changed"], 1);
    let rows = stored(&pool).await;
    assert_eq!(rows.len(), 2, "the gone line's schedule is kept");
    assert_eq!(rows[1].1, "0 3 * * *");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_crontab_with_an_error_is_shown_but_not_imported(pool: PgPool) {
    let text = "0 2 * * * https://hooks.test/a\n0 25 * * * https://hooks.test/b\n\
                * * * * * http://10.0.0.1/inside\n";
    let plan = preview(&pool, text).await;
    assert_eq!(plan["errors"], 2);
    assert!(plan["lines"][1]["error"]
        .as_str()
        .unwrap()
        .contains("cron field 2 (hour) is 25"));
    assert!(
        plan["lines"][2]["error"]
            .as_str()
            .unwrap()
            .contains("target.url"),
        "the target checks a create makes: {}",
        plan["lines"][2]["error"]
    );
    let (status, problem) = confirm(&pool, text, &plan["digest"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("text.line[2]"), "{problem}");
    assert!(stored(&pool).await.is_empty(), "all or nothing");
}
