//! The schedules API end to end through the router, against a real PostgreSQL.

mod support;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

fn router_with(pool: PgPool, allowlist: &str) -> Router {
    support::router_with(pool, allowlist, None)
}

fn router(pool: PgPool) -> Router {
    router_with(pool, "hooks.test")
}

async fn call(
    router: Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(version) = if_match {
        request = request.header("if-match", version);
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, value)
}

fn nightly(name: &str) -> Value {
    json!({
        "name": name,
        "schedule": {"cron": "0 9 * * 1-5", "tz": "Europe/Berlin"},
        "target": {"url": "https://hooks.test/run", "headers": {"X-Team": "ops"}},
        "max_attempts": 3
    })
}

async fn create(pool: &PgPool, body: Value) -> Value {
    let (status, _, created) = call(
        router(pool.clone()),
        "POST",
        "/api/v1/schedules",
        Some(body),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

#[sqlx::test(migrations = "../migrations")]
async fn create_answers_201_with_the_stored_schedule(pool: PgPool) {
    let (status, headers, created) = call(
        router(pool.clone()),
        "POST",
        "/api/v1/schedules",
        Some(nightly("nightly")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(headers["location"], format!("/api/v1/schedules/{id}"));
    assert_eq!(created["state"], "active");
    assert_eq!(created["target"]["method"], "POST");
    assert_eq!(created["retry"]["max_attempts"], 3);
    assert_eq!(
        created["description"],
        "At 09:00, Monday through Friday, Europe/Berlin"
    );
    assert!(created["next_run_at"].is_string());

    let (status, headers, fetched) = call(
        router(pool),
        "GET",
        &format!("/api/v1/schedules/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["etag"], "\"1\"");
    let mut created = created;
    let secret = created
        .as_object_mut()
        .unwrap()
        .remove("signing_secret")
        .expect("the new schedule's signing secret is shown once");
    assert!(secret.as_str().unwrap().starts_with("whsec_"), "{secret}");
    assert!(fetched.get("signing_secret").is_none(), "never shown again");
    assert_eq!(fetched, created);
}

/// Issue 9, item 11: each schedule has its own secret, and a rotation replaces it.
#[sqlx::test(migrations = "../migrations")]
async fn each_schedule_has_its_own_secret_and_rotation_replaces_it(pool: PgPool) {
    let a = create(&pool, nightly("a")).await;
    let b = create(&pool, nightly("b")).await;
    assert_ne!(a["signing_secret"], b["signing_secret"]);
    let (status, _, rotated) = call(
        router(pool.clone()),
        "POST",
        &format!(
            "/api/v1/schedules/{}/rotate-secret",
            a["id"].as_str().unwrap()
        ),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["signing_secret"], a["signing_secret"]);
    let stored: String =
        sqlx::query_scalar("SELECT signing_secret FROM schedules WHERE id = $1::uuid")
            .bind(a["id"].as_str().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(json!(stored), rotated["signing_secret"]);
}

/// Issue 9, items 9 and 10: input that used to panic, store a schedule that never runs, or
/// reach the database (and answer 503) is refused with a reason per field.
#[sqlx::test(migrations = "../migrations")]
async fn hostile_values_answer_422_with_the_field_at_fault(pool: PgPool) {
    let cases = [
        (json!({"in": "1000000years"}), None, None, "schedule.in"),
        (
            json!({"every": "1000000years"}),
            None,
            None,
            "schedule.every",
        ),
        (
            json!({"every": "1h"}),
            Some(("X-Ctl", "a\u{1}b")),
            None,
            "target.headers",
        ),
        (
            json!({"every": "1h"}),
            Some(("Proxy-Authorization", "Basic eA==")),
            None,
            "target.headers",
        ),
        (
            json!({"every": "1h"}),
            Some(("TE", "trailers")),
            None,
            "target.headers",
        ),
        (
            json!({"every": "1h"}),
            None,
            Some("bin\u{0}ary"),
            "target.body",
        ),
    ];
    for (schedule, header, body, field) in cases {
        let mut request = json!({
            "name": "hostile",
            "schedule": schedule,
            "target": {"url": "https://hooks.test/run"}
        });
        if let Some((name, value)) = header {
            request["target"]["headers"] = json!({ name: value });
        }
        if let Some(body) = body {
            request["target"]["body"] = json!(body);
        }
        let (status, _, problem) = call(
            router(pool.clone()),
            "POST",
            "/api/v1/schedules",
            Some(request.clone()),
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{request}: {problem}"
        );
        assert_eq!(problem["errors"][0]["field"], field, "{request}: {problem}");
    }
    let named = json!({
        "name": "nul\u{0}name",
        "schedule": {"every": "1h"},
        "target": {"url": "https://hooks.test/run"}
    });
    let (status, _, problem) = call(
        router(pool.clone()),
        "POST",
        "/api/v1/schedules",
        Some(named),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "name");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM schedules")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn every_kind_of_schedule_can_be_created(pool: PgPool) {
    for schedule in [
        json!({"at": "2099-12-01T09:00", "tz": "Europe/Berlin"}),
        json!({"in": "90m"}),
        json!({"every": "15m"}),
        json!({"cron": "@hourly"}),
    ] {
        let mut body = nightly("kind");
        body["schedule"] = schedule.clone();
        let created = create(&pool, body).await;
        assert!(created["next_run_at"].is_string(), "{schedule}: {created}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn invalid_values_answer_422_with_a_reason_per_field(pool: PgPool) {
    let body = json!({
        "name": "",
        "schedule": {"cron": "0 25 * * *"},
        "target": {"url": "ftp://hooks.test/", "method": "BREW"},
        "max_attempts": 0
    });
    let (status, headers, problem) =
        call(router(pool), "POST", "/api/v1/schedules", Some(body), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(problem["status"], 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "schedule.cron",
            "target.url",
            "target.method",
            "max_attempts"
        ]
    );
    assert_eq!(
        problem["errors"][1]["reason"],
        "cron field 2 (hour) is 25; hours are 0–23"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_unknown_and_oversized_bodies_are_refused(pool: PgPool) {
    let request = Request::post("/api/v1/schedules")
        .header("content-type", "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let response = router(pool.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let mut unknown = nightly("x");
    unknown["colour"] = json!("blue");
    let (status, _, problem) = call(
        router(pool.clone()),
        "POST",
        "/api/v1/schedules",
        Some(unknown),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("colour"),
        "{problem}"
    );

    let mut huge = nightly("x");
    huge["target"]["body"] = json!("x".repeat(300 * 1024));
    let (status, _, problem) = call(
        router(pool.clone()),
        "POST",
        "/api/v1/schedules",
        Some(huge),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");

    let mut big_body = nightly("x");
    big_body["target"]["body"] = json!("x".repeat(65 * 1024));
    let (status, _, problem) = call(
        router(pool),
        "POST",
        "/api/v1/schedules",
        Some(big_body),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "target.body");
}

#[sqlx::test(migrations = "../migrations")]
async fn targets_on_special_purpose_addresses_are_refused_at_save_time(pool: PgPool) {
    for (url, class) in [
        ("http://127.0.0.1:8080/", "loopback"),
        ("http://localhost:8080/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://100.64.1.1/", "carrier-grade NAT"),
        ("http://[::1]/", "loopback"),
        ("http://[fd12::1]/", "unique local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[::ffff:10.0.0.1]/", "private"),
    ] {
        let mut body = nightly("ssrf");
        body["target"]["url"] = json!(url);
        let (status, _, problem) = call(
            router_with(pool.clone(), ""),
            "POST",
            "/api/v1/schedules",
            Some(body),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(problem["errors"][0]["field"], "target.url", "{url}");
        let reason = problem["errors"][0]["reason"].as_str().unwrap();
        assert!(reason.contains(class), "{url}: {reason}");
        assert!(
            reason.contains("SCHEDULEMAN_TARGET_ALLOWLIST"),
            "{url}: {reason}"
        );
    }
    // The allowlist admits what it names.
    let mut body = nightly("allowed");
    body["target"]["url"] = json!("http://127.0.0.1:5003/");
    let (status, _, _) = call(
        router_with(pool, "127.0.0.0/8"),
        "POST",
        "/api/v1/schedules",
        Some(body),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[sqlx::test(migrations = "../migrations")]
async fn listing_filters_searches_and_pages_by_name(pool: PgPool) {
    for name in ["alpha", "bravo", "charlie", "delta", "echo"] {
        create(&pool, nightly(name)).await;
    }
    let mut paused = nightly("foxtrot");
    paused["paused"] = json!(true);
    create(&pool, paused).await;

    let (_, _, page1) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/schedules?limit=2",
        None,
        None,
    )
    .await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&page1), ["alpha", "bravo"]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, _, page2) = call(
        router(pool.clone()),
        "GET",
        &format!("/api/v1/schedules?limit=2&cursor={cursor}"),
        None,
        None,
    )
    .await;
    assert_eq!(names(&page2), ["charlie", "delta"]);

    let (_, _, paused) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/schedules?state=paused",
        None,
        None,
    )
    .await;
    assert_eq!(names(&paused), ["foxtrot"]);
    let (_, _, found) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/schedules?search=HAR",
        None,
        None,
    )
    .await;
    assert_eq!(names(&found), ["charlie"]);
    let (status, _, problem) = call(
        router(pool),
        "GET",
        "/api/v1/schedules?state=sleeping",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "state");
}

#[sqlx::test(migrations = "../migrations")]
async fn edits_are_versioned_and_stale_ones_answer_409(pool: PgPool) {
    let created = create(&pool, nightly("nightly")).await;
    let uri = format!("/api/v1/schedules/{}", created["id"].as_str().unwrap());

    let mut replacement = nightly("renamed");
    replacement["schedule"] = json!({"every": "10m"});
    let (status, headers, replaced) = call(
        router(pool.clone()),
        "PUT",
        &uri,
        Some(replacement.clone()),
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(headers["etag"], "\"2\"");
    assert_eq!(replaced["description"], "Every 10m");

    let (status, _, problem) = call(
        router(pool.clone()),
        "PUT",
        &uri,
        Some(replacement),
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        problem["detail"].as_str().unwrap().contains("version 2"),
        "{problem}"
    );

    let (status, _, patched) = call(
        router(pool.clone()),
        "PATCH",
        &uri,
        Some(json!({"name": "patched", "max_attempts": 7})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "patched");
    assert_eq!(patched["retry"]["max_attempts"], 7);
    assert_eq!(patched["description"], "Every 10m", "untouched fields stay");

    let (status, _, problem) = call(
        router(pool.clone()),
        "PATCH",
        &uri,
        Some(json!({"schedule": {"every": null, "cron": "61 * * * *"}})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "schedule.cron");

    let missing = "/api/v1/schedules/00000000-0000-0000-0000-000000000000";
    let (status, _, _) = call(router(pool), "PUT", missing, Some(nightly("x")), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn actions_move_schedules_between_states(pool: PgPool) {
    let created = create(&pool, nightly("nightly")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let action = |name: &str| format!("/api/v1/schedules/{id}/{name}");

    let (status, _, paused) =
        call(router(pool.clone()), "POST", &action("pause"), None, None).await;
    assert_eq!(
        (status, paused["state"].as_str()),
        (StatusCode::OK, Some("paused"))
    );
    let (status, _, problem) =
        call(router(pool.clone()), "POST", &action("pause"), None, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["detail"], "cannot pause a schedule that is paused");
    let (status, _, problem) =
        call(router(pool.clone()), "POST", &action("trigger"), None, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (_, _, resumed) = call(router(pool.clone()), "POST", &action("resume"), None, None).await;
    assert_eq!(resumed["state"], "active");

    let before = chrono::Utc::now();
    let (_, _, triggered) =
        call(router(pool.clone()), "POST", &action("trigger"), None, None).await;
    let due: chrono::DateTime<chrono::Utc> =
        triggered["next_run_at"].as_str().unwrap().parse().unwrap();
    assert!(
        due >= before && due <= chrono::Utc::now(),
        "trigger makes it due now"
    );

    let (status, _, _) = call(router(pool.clone()), "POST", &action("rearm"), None, None).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "only dead schedules are re-armed"
    );
    sqlx::query("UPDATE schedule_runtime SET state = 'dead', next_run_at = NULL, last_error = 'HTTP 500', dead_at = now()")
        .execute(&pool)
        .await
        .unwrap();
    let (_, _, dead) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/dead-letters",
        None,
        None,
    )
    .await;
    assert_eq!(dead["items"][0]["last_error"], "HTTP 500");
    let (_, _, rearmed) = call(router(pool.clone()), "POST", &action("rearm"), None, None).await;
    assert_eq!(rearmed["state"], "active");
    assert!(rearmed["next_run_at"].is_string());
    assert!(rearmed["dead_at"].is_null());
    let (_, _, dead) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/dead-letters",
        None,
        None,
    )
    .await;
    assert_eq!(dead["items"], json!([]));

    let (status, _, _) = call(
        router(pool.clone()),
        "DELETE",
        &format!("/api/v1/schedules/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, problem) = call(
        router(pool.clone()),
        "GET",
        &format!("/api/v1/schedules/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["detail"], format!("there is no schedule {id}"));
    // What belongs to it is gone with it: each read checks the schedule exists first.
    for part in ["executions", "punctuality", "alerts"] {
        let (status, _, problem) = call(
            router(pool.clone()),
            "GET",
            &format!("/api/v1/schedules/{id}/{part}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{part}");
        assert_eq!(
            problem["detail"],
            format!("there is no schedule {id}"),
            "{part}"
        );
    }
    let (status, _, _) = call(
        router(pool),
        "DELETE",
        &format!("/api/v1/schedules/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn executions_and_executors_are_listed(pool: PgPool) {
    let created = create(&pool, nightly("nightly")).await;
    let id = created["id"].as_str().unwrap();
    for attempt in 1..=3 {
        sqlx::query(
            "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id, \
             started_at, finished_at, outcome, http_status, latency_ms, error) \
             VALUES ($1::uuid, gen_random_uuid(), now(), $2, 'e1', now(), now(), 'failure', 503, 12, 'HTTP 503')",
        )
        .bind(id)
        .bind(attempt)
        .execute(&pool)
        .await
        .unwrap();
    }
    let uri = format!("/api/v1/schedules/{id}/executions?limit=2");
    let (status, _, page) = call(router(pool.clone()), "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK);
    let attempts: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts, [3, 2]);
    assert_eq!(page["items"][0]["error"], "HTTP 503");
    let cursor = page["next_cursor"].as_i64().unwrap();
    let (_, _, older) = call(
        router(pool.clone()),
        "GET",
        &format!("{uri}&before={cursor}"),
        None,
        None,
    )
    .await;
    assert_eq!(older["items"][0]["attempt"], 1);
    let (status, _, _) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/schedules/00000000-0000-0000-0000-000000000000/executions",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let now = chrono::Utc::now();
    scheduleman::store::executors::heartbeat(&pool, "executor-1", "host", 7, now, 2, now)
        .await
        .unwrap();
    let (_, _, executors) = call(router(pool), "GET", "/api/v1/executors", None, None).await;
    assert_eq!(executors["items"][0]["id"], "executor-1");
    assert_eq!(executors["items"][0]["in_flight"], 2);
}

/// Issue 10: bulk creation stores every schedule in one go, in request order, or none.
#[sqlx::test(migrations = "../migrations")]
async fn a_batch_creates_all_in_order_or_none(pool: PgPool) {
    let batch: Vec<Value> = (0..300).map(|i| nightly(&format!("bulk {i:03}"))).collect();
    let (status, _, created) = call(
        router(pool.clone()),
        "POST",
        "/api/v1/schedules:batch",
        Some(json!({ "schedules": batch })),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let created = created["created"].as_array().unwrap();
    assert_eq!(created.len(), 300);
    for (i, item) in created.iter().enumerate().step_by(37) {
        let (name, secret): (String, String) =
            sqlx::query_as("SELECT name, signing_secret FROM schedules WHERE id = $1::uuid")
                .bind(item["id"].as_str().unwrap())
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(name, format!("bulk {i:03}"), "answers are in request order");
        assert_eq!(
            json!(secret),
            item["signing_secret"],
            "the answer's secret is the row's"
        );
        assert!(
            secret.starts_with("whsec_") && secret.len() == 70,
            "{secret}"
        );
    }
    let distinct: std::collections::HashSet<&str> = created
        .iter()
        .map(|item| item["signing_secret"].as_str().unwrap())
        .collect();
    assert_eq!(distinct.len(), 300, "every schedule has its own secret");
    let searchable: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule_names")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(searchable, 300, "bulk-created schedules are searchable");

    // One bad schedule: nothing is stored, and the reason names it.
    let mut bad: Vec<Value> = (0..5).map(|i| nightly(&format!("more {i}"))).collect();
    bad[3]["schedule"] = json!({"cron": "0 25 * * *"});
    let (status, _, problem) = call(
        router(pool.clone()),
        "POST",
        "/api/v1/schedules:batch",
        Some(json!({ "schedules": bad })),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "schedules[3].schedule.cron");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM schedules")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 300, "all or none");

    let too_many: Vec<Value> = (0..=scheduleman::commands::MAX_BATCH)
        .map(|_| json!({"name": "x", "schedule": {"every": "1h"}, "target": {"url": "https://hooks.test/"}}))
        .collect();
    let (status, _, problem) = call(
        router(pool),
        "POST",
        "/api/v1/schedules:batch",
        Some(json!({ "schedules": too_many })),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "schedules");
}

/// Issue 11, feature 4: a schedule's punctuality over the API and in /metrics.
#[sqlx::test(migrations = "../migrations")]
async fn punctuality_is_answered_per_schedule_and_exported_to_prometheus(pool: PgPool) {
    let created = create(&pool, nightly("punctual")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    // Two fires in the last hour: one on time (4 ms late), one that failed then succeeded.
    for (fire, attempt, lag_ms, outcome) in [
        ("a", 1, 4, "success"),
        ("b", 1, 8, "failure"),
        ("b", 2, 2_008, "success"),
    ] {
        sqlx::query(
            "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, \
             executor_id, started_at, finished_at, outcome, latency_ms) VALUES \
             ($1::uuid, md5($2)::uuid, now() - $3 * interval '1 millisecond' - interval '10 minutes', \
              $4, 'e', now() - interval '10 minutes', now(), $5, 5)",
        )
        .bind(&id)
        .bind(fire)
        .bind(lag_ms)
        .bind(attempt)
        .bind(outcome)
        .execute(&pool)
        .await
        .unwrap();
    }
    let uri = format!("/api/v1/schedules/{id}/punctuality");
    let (status, _, figures) = call(router(pool.clone()), "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    assert_eq!(figures["day"]["fires"], 2);
    assert_eq!(figures["day"]["succeeded"], 2);
    assert_eq!(figures["day"]["lag_p50_ms"], 4.0);
    assert_eq!(figures["day"]["lag_p99_ms"], 8.0, "first attempts only");
    assert_eq!(figures["week"]["fires"], 2);
    assert_eq!(figures["hours"].as_array().unwrap().len(), 1);

    let missing = "/api/v1/schedules/00000000-0000-0000-0000-0000000000ff/punctuality";
    let (status, _, _) = call(router(pool.clone()), "GET", missing, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Issue 16, item 2: by default /metrics has the aggregate figures and no per-schedule
    // series (they were 5 per schedule for up to 100,000 schedules).
    let metrics = |router: axum::Router| async move {
        let response = router
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        support::body_text(response).await
    };
    let text = metrics(router(pool.clone())).await;
    assert!(
        text.lines().any(|l| l == "scheduleman_schedules_active 1"),
        "{text}"
    );
    assert!(text.contains("scheduleman_executors_alive 0"));
    assert!(
        !text.contains("scheduleman_schedule_fires"),
        "no per-schedule series unless asked"
    );

    // Asked for, over a time window: a quiet schedule keeps its series (with 0 fires), and
    // attempts older than the window do not count.
    let quiet = create(&pool, nightly("quiet")).await;
    sqlx::query(
        "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id, \
         started_at, finished_at, outcome, latency_ms) VALUES \
         ($1::uuid, gen_random_uuid(), now() - interval '3 hours', 1, 'e', \
          now() - interval '3 hours', now() - interval '3 hours', 'failure', 5)",
    )
    .bind(quiet["id"].as_str().unwrap())
    .execute(&pool)
    .await
    .unwrap();
    let with_series = {
        server::app(
            support::state(pool.clone(), "hooks.test", None).with_schedule_series(
                scheduleman::commands::SeriesSettings {
                    schedules: 10,
                    window: std::time::Duration::from_secs(3600),
                },
            ),
        )
    };
    // Computed in the background, never during a scrape: the first scrapes may not have them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        let text = metrics(with_series.clone()).await;
        if text.contains("scheduleman_schedule_fires") {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the series never came: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let labels = format!("schedule_id=\"{id}\",name=\"punctual\"");
    let quiet_labels = format!(
        "schedule_id=\"{}\",name=\"quiet\"",
        quiet["id"].as_str().unwrap()
    );
    for line in [
        format!("scheduleman_schedule_fires{{{labels}}} 2"),
        format!("scheduleman_schedule_success_ratio{{{labels}}} 1"),
        format!("scheduleman_schedule_lag_seconds{{{labels},quantile=\"0.5\"}} 0.004"),
        format!("scheduleman_schedule_fires{{{quiet_labels}}} 0"),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }
    let capped =
        scheduleman::commands::ScheduleSeries::new(scheduleman::commands::SeriesSettings {
            schedules: 1_000_000,
            window: std::time::Duration::from_secs(3600),
        });
    assert_eq!(capped.settings().schedules, 10_000, "a hard cap on series");
}

/// Issue 16, item 21: a misspelt field is refused with its path, never silently dropped, in
/// every body that carries a schedule: create, replace, patch, batch, crontab import.
#[sqlx::test(migrations = "../migrations")]
async fn unknown_fields_are_refused_with_their_path_everywhere(pool: PgPool) {
    let created = create(&pool, nightly("typos")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let mut top = nightly("x");
    top["max_attempt"] = json!(3);
    let mut nested = nightly("x");
    nested["target"]["retries"] = json!(2);
    let mut timing = nightly("x");
    timing["schedule"]["timezone"] = json!("UTC");
    let batch = json!({"schedules": [nightly("a"), nested.clone()]});
    let cases = [
        (
            "POST",
            "/api/v1/schedules".to_owned(),
            top.clone(),
            "max_attempt",
        ),
        (
            "POST",
            "/api/v1/schedules".to_owned(),
            nested.clone(),
            "target.retries",
        ),
        (
            "POST",
            "/api/v1/schedules".to_owned(),
            timing,
            "schedule.timezone",
        ),
        ("PUT", format!("/api/v1/schedules/{id}"), top, "max_attempt"),
        (
            "PATCH",
            format!("/api/v1/schedules/{id}"),
            json!({"retries": 2}),
            "retries",
        ),
        (
            "PATCH",
            format!("/api/v1/schedules/{id}"),
            json!({"target": {"retriez": 1}}),
            "target.retriez",
        ),
        (
            "POST",
            "/api/v1/schedules:batch".to_owned(),
            batch,
            "schedules[1].target.retries",
        ),
        (
            "POST",
            "/api/v1/crontab/preview".to_owned(),
            json!({"source": "s", "text": "", "tz": "UTC", "skip_error": true}),
            "skip_error",
        ),
        (
            "POST",
            "/api/v1/crontab/import".to_owned(),
            json!({"source": "s", "text": "", "tz": "UTC", "digest": "x", "force": true}),
            "force",
        ),
    ];
    for (method, uri, body, path) in cases {
        let (status, _, problem) = call(router(pool.clone()), method, &uri, Some(body), None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {uri}: {problem}"
        );
        assert_eq!(
            problem["errors"][0]["field"], path,
            "{method} {uri}: {problem}"
        );
    }
    let (_, _, stored) = call(
        router(pool.clone()),
        "GET",
        &format!("/api/v1/schedules/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(stored["version"], created["version"], "nothing was changed");
}

/// Issue 16, item 18: an id that is not a UUID, or a query value of the wrong type, answers
/// 400 as problem+json, like every other error.
#[sqlx::test(migrations = "../migrations")]
async fn malformed_paths_and_query_values_answer_problem_json(pool: PgPool) {
    for uri in [
        "/api/v1/schedules/not-a-uuid",
        "/api/v1/schedules/not-a-uuid/executions",
        "/api/v1/schedules?limit=many",
        "/api/v1/schedules/00000000-0000-0000-0000-000000000000/executions?before=yesterday",
        "/api/v1/preview?cron=*%20*%20*%20*%20*&count=-1",
    ] {
        let response = router(pool.clone())
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{uri}"
        );
    }
    let request = Request::post("/api/v1/schedules/not-a-uuid/pause")
        .body(Body::empty())
        .unwrap();
    let response = router(pool).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

/// Issue 16, item 1: a page that holds a row whose stored timing does not decode neither
/// ends the listing early nor hides the row: following the cursors reaches every schedule,
/// the bad one listed with `"readable": false` and its reason.
#[sqlx::test(migrations = "../migrations")]
async fn paging_past_an_unreadable_row_reaches_every_schedule(pool: PgPool) {
    for name in ["a", "b", "c", "d", "e"] {
        create(&pool, nightly(name)).await;
    }
    sqlx::query("UPDATE schedules SET spec = '{\"kind\": \"fortnightly\"}' WHERE name = 'b'")
        .execute(&pool)
        .await
        .unwrap();
    let mut names = Vec::new();
    let mut unreadable = Vec::new();
    let mut uri = "/api/v1/schedules?limit=2".to_owned();
    for _ in 0..10 {
        let (status, _, page) = call(router(pool.clone()), "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for item in page["items"].as_array().unwrap() {
            names.push(item["name"].as_str().unwrap().to_owned());
            if item["readable"] == json!(false) {
                unreadable.push(item["reason"].as_str().unwrap().to_owned());
            }
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/v1/schedules?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert_eq!(unreadable.len(), 1);
    assert!(unreadable[0].contains("fortnightly"), "{unreadable:?}");
    // A last page that is exactly full says there is no next one.
    let (_, _, page) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/schedules?limit=5",
        None,
        None,
    )
    .await;
    assert!(page.get("next_cursor").is_none(), "{page}");
}

/// Issue 21, item 4: `GET /dead-letters` is paged with a cursor, most recently dead first,
/// and a cursor it did not give out is refused.
#[sqlx::test(migrations = "../migrations")]
async fn dead_letters_are_paged_with_a_cursor(pool: PgPool) {
    create(&pool, nightly("seed")).await;
    sqlx::query(
        "WITH src AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 7) AS n), \
         d AS (INSERT INTO schedules (id, name, spec, target_url) \
               SELECT src.id, 'dead ' || lpad(n::text, 3, '0'), spec, target_url \
               FROM schedules, src WHERE name = 'seed') \
         INSERT INTO schedule_runtime (id, sort_name, state, dead_at, last_error) \
         SELECT id, 'dead ' || lpad(n::text, 3, '0'), 'dead', now() - n * interval '1 minute', 'HTTP 500' FROM src",
    )
    .execute(&pool)
    .await
    .unwrap();
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, _, first) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/dead-letters?limit=5",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        names(&first),
        ["dead 001", "dead 002", "dead 003", "dead 004", "dead 005"]
    );
    assert_eq!(first["truncated"], true);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, _, second) = call(
        router(pool.clone()),
        "GET",
        &format!("/api/v1/dead-letters?limit=5&cursor={cursor}"),
        None,
        None,
    )
    .await;
    assert_eq!(names(&second), ["dead 006", "dead 007"]);
    assert_eq!(second["truncated"], false);
    assert!(second.get("next_cursor").is_none());
    let (status, _, refused) = call(
        router(pool.clone()),
        "GET",
        "/api/v1/dead-letters?cursor=nonsense",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
}
