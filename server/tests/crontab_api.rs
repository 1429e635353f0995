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
    assert_eq!(
        done,
        json!({"created": 2, "changed": 0, "unchanged": 0, "skipped": 0})
    );
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
        json!(["cron: 0 2 * * * (Europe/Berlin) → 0 3 * * * (Europe/Berlin)"])
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

async fn call(pool: &PgPool, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let request = Request::builder().method(method).uri(uri);
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = support::router_with(pool.clone(), "hooks.test", None)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn import(pool: &PgPool, text: &str) -> Value {
    let plan = preview(pool, text).await;
    let (status, done) = confirm(pool, text, &plan["digest"]).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    plan
}

async fn imported_id(pool: &PgPool) -> String {
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM schedules WHERE import_source = 'web-1:root' LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap();
    id.to_string()
}

/// Issue 16, item 6: a re-import changes only what the crontab says; what a person set on
/// the schedule since (retries, misfire rule, a header, a pause) stays, and the plan names
/// each field that changes.
#[sqlx::test(migrations = "../migrations")]
async fn a_reimport_keeps_what_the_crontab_does_not_say(pool: PgPool) {
    import(&pool, "0 2 * * * curl -X POST https://hooks.test/report\n").await;
    let id = imported_id(&pool).await;
    let (status, _) = call(
        &pool,
        "PATCH",
        &format!("/api/v1/schedules/{id}"),
        Some(json!({
            "max_attempts": 9, "misfire": "skip", "on_dead": "next_fire",
            "target": {"headers": {"X-Extra": "kept"}, "body": "kept body"}
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &pool,
        "POST",
        &format!("/api/v1/schedules/{id}/pause"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let plan = import(&pool, "0 3 * * * curl -X POST https://hooks.test/report\n").await;
    assert_eq!(
        plan["lines"][0]["action"]["changes"],
        json!(["cron: 0 2 * * * (Europe/Berlin) → 0 3 * * * (Europe/Berlin)"]),
        "exactly what changes"
    );
    let (_, view) = call(&pool, "GET", &format!("/api/v1/schedules/{id}"), None).await;
    assert_eq!(view["schedule"]["cron"], "0 3 * * *");
    assert_eq!(view["retry"]["max_attempts"], 9, "{view}");
    assert_eq!(view["misfire"], "skip");
    assert_eq!(view["on_dead"], "next_fire");
    assert_eq!(view["target"]["headers"]["X-Extra"], "kept");
    assert_eq!(view["target"]["body"], "kept body");
    assert_eq!(view["state"], "paused", "a paused schedule stays paused");
}

/// Issue 16, item 6: curl's -H, -d and -u become the webhook's headers, body and
/// Authorization, and no credential shows anywhere but in the request itself.
#[sqlx::test(migrations = "../migrations")]
async fn curl_headers_body_and_user_become_the_request_and_credentials_stay_hidden(pool: PgPool) {
    let text = "0 1 * * * curl -fsS -u ops:hunter2 -H 'X-Team: data ops' -H \"Authorization: Bearer t0k3n\" -d 'a=1' https://hooks.test/x\nAPI_KEY=s3cr3t\n";
    let plan = import(&pool, text).await;
    for secret in ["hunter2", "t0k3n", "s3cr3t"] {
        assert!(
            !plan.to_string().contains(secret),
            "{secret} in the plan: {plan}"
        );
    }
    let id = imported_id(&pool).await;
    let (_, view) = call(&pool, "GET", &format!("/api/v1/schedules/{id}"), None).await;
    assert_eq!(view["target"]["method"], "POST");
    assert_eq!(view["target"]["headers"]["X-Team"], "data ops");
    // -H Authorization is set after -u's: the command's own header wins over... whichever
    // the command says last; both are credentials and neither is in the name.
    assert!(view["target"]["headers"]["Authorization"]
        .as_str()
        .is_some());
    assert_eq!(view["target"]["body"], "a=1");
    let name = view["name"].as_str().unwrap();
    for secret in ["hunter2", "t0k3n", "ops:"] {
        assert!(!name.contains(secret), "{secret} in the name {name:?}");
    }
    let (_, list) = call(&pool, "GET", "/api/v1/schedules", None).await;
    assert!(!list["items"][0]["name"]
        .as_str()
        .unwrap()
        .contains("hunter2"));
}

/// Issue 16, item 7: repeated lines get unique keys (a line whose command ends in `#2` no
/// longer collides with the second of two equal lines), and a command too long for the
/// database's index is refused by its line, not by a 503.
#[sqlx::test(migrations = "../migrations")]
async fn repeated_and_oversized_lines_are_told_apart_and_refused_by_line(pool: PgPool) {
    let text = "0 1 * * * https://hooks.test/x\n0 2 * * * https://hooks.test/x\n0 3 * * * https://hooks.test/x#2\n";
    let plan = import(&pool, text).await;
    assert_eq!(plan["create"], 3, "{plan}");
    assert_eq!(stored(&pool).await.len(), 3);
    let long = format!("0 4 * * * https://hooks.test/{}\n", "y".repeat(3_000));
    let plan = preview(&pool, &long).await;
    assert_eq!(plan["errors"], 1);
    assert!(
        plan["lines"][0]["error"]
            .as_str()
            .unwrap()
            .contains("bytes long"),
        "{plan}"
    );
}

/// Issue 16, item 16: a tab between command words is whitespace (the name collapses it),
/// and with `skip_errors` the readable lines are imported while an @reboot line or a typo
/// is listed as skipped.
#[sqlx::test(migrations = "../migrations")]
async fn tabs_are_read_and_errors_can_be_skipped_on_purpose(pool: PgPool) {
    let text = "0 1 * * *\tcurl\t-s\thttps://hooks.test/t\n@reboot /usr/local/bin/start.sh\n0 25 * * * https://hooks.test/typo\n";
    let plan = preview(&pool, text).await;
    assert_eq!(plan["errors"], 2);
    assert_eq!(
        plan["lines"][0]["item"]["name"],
        "curl -s https://hooks.test/t"
    );
    let (status, _) = confirm(&pool, text, &plan["digest"]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not without asking"
    );
    let mut body = request(text);
    body["digest"] = plan["digest"].clone();
    body["skip_errors"] = json!(true);
    let (status, done) = post(&pool, "/api/v1/crontab/import", body).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        done,
        json!({"created": 1, "changed": 0, "unchanged": 0, "skipped": 2})
    );
    assert_eq!(stored(&pool).await[0].0, "curl -s https://hooks.test/t");
}
