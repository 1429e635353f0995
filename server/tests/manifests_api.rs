//! Schedules as code through the router against a real PostgreSQL (issue 20): labels and
//! selectors, export, apply with a plan and its digest, and bulk actions by selector.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

fn router(pool: &PgPool) -> Router {
    support::router_with(pool.clone(), "hooks.test", None)
}

/// Calls the API; `yaml` sends the body as YAML text.
async fn send(
    pool: &PgPool,
    method: &str,
    uri: &str,
    body: Option<Value>,
    yaml: bool,
) -> (StatusCode, String) {
    let request = Request::builder().method(method).uri(uri);
    let request = match body {
        Some(body) if yaml => request
            .header("content-type", "application/yaml")
            .body(Body::from(serde_norway::to_string(&body).unwrap())),
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = router(pool).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn call(pool: &PgPool, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (status, text) = send(pool, method, uri, body, false).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn schedule(name: &str, cron: &str, labels: Value) -> Value {
    json!({
        "name": name,
        "schedule": {"cron": cron, "tz": "Europe/Berlin"},
        "target": {"url": format!("https://hooks.test/{}", name.replace(' ', "-")), "headers": {"X-Team": "ops"}},
        "labels": labels,
    })
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A dry run, then the apply with its digest; the applied plan.
async fn apply(pool: &PgPool, document: &Value) -> Value {
    let mut request = document.clone();
    request["dry_run"] = json!(true);
    let (status, plan) = call(
        pool,
        "POST",
        "/api/v1/schedules:apply",
        Some(request.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    request["dry_run"] = json!(false);
    request["digest"] = plan["digest"].clone();
    let (status, applied) = call(pool, "POST", "/api/v1/schedules:apply", Some(request)).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["applied"], true);
    applied
}

#[sqlx::test(migrations = "../migrations")]
async fn labels_are_checked_like_kubernetes_and_selected_in_the_list(pool: PgPool) {
    for (name, labels) in [
        ("billing prod", json!({"team": "billing", "env": "prod"})),
        ("billing dev", json!({"team": "billing", "env": "dev"})),
        (
            "search prod",
            json!({"team": "search", "env": "prod", "example.com/tier": "1"}),
        ),
        ("unlabelled", json!({})),
    ] {
        let (status, created) = call(
            &pool,
            "POST",
            "/api/v1/schedules",
            Some(schedule(name, "0 9 * * *", labels)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let (status, refused) = call(
        &pool,
        "POST",
        "/api/v1/schedules",
        Some(schedule(
            "bad",
            "0 9 * * *",
            json!({"team": "bill ing", "-x": "1"}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["labels.-x", "labels.team"], "{refused}");
    for (selector, expected) in [
        ("team%3Dbilling", vec!["billing dev", "billing prod"]),
        ("team%3Dbilling,env!%3Ddev", vec!["billing prod"]),
        (
            "env!%3Ddev",
            vec!["billing prod", "search prod", "unlabelled"],
        ),
        ("example.com/tier", vec!["search prod"]),
        ("!team", vec!["unlabelled"]),
    ] {
        let (status, page) = call(
            &pool,
            "GET",
            &format!("/api/v1/schedules?selector={selector}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(names(&page), expected, "{selector}");
    }
    let (status, refused) = call(
        &pool,
        "GET",
        "/api/v1/schedules?selector=team%3Dbill%20ing",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["field"], "selector", "{refused}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_set_round_trips_through_export_and_apply_on_an_empty_instance(pool: PgPool) {
    let document = json!({
        "source": "git:ops/schedules.yaml",
        "schedules": [
            schedule("nightly report", "0 3 * * *", json!({"team": "billing"})),
            {
                "name": "heartbeat",
                "schedule": {"every": "90s"},
                "target": {"url": "https://hooks.test/beat", "method": "PUT", "body": "{}"},
                "max_attempts": 2, "misfire": "skip", "on_dead": "next_fire",
                "max_fires": 1000, "jitter": "5s", "labels": {"team": "sre"},
            },
            {
                "name": "new year",
                "schedule": {"cron": "30 1 * * *", "tz": "America/New_York"},
                "target": {"url": "https://hooks.test/ny"},
                "dst_gap": "skip", "dst_overlap": "twice",
                "ends_at": "2030-01-01T00:00:00Z",
            },
        ],
    });
    let applied = apply(&pool, &document).await;
    assert_eq!(applied["create"].as_array().unwrap().len(), 3, "{applied}");
    let (status, exported) = call(&pool, "GET", "/api/v1/schedules:export", None).await;
    assert_eq!(status, StatusCode::OK, "{exported}");
    let listed: Vec<&str> = exported["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["heartbeat", "new year", "nightly report"],
        "name order"
    );
    let first = &exported["schedules"][0];
    assert!(
        first.get("id").is_none()
            && first.get("state").is_none()
            && first.get("signing_secret").is_none()
    );
    assert_eq!(first["jitter"], "5s");
    // Applying the export again changes nothing.
    let mut again = exported.clone();
    again["source"] = json!("git:ops/schedules.yaml");
    let plan = apply(&pool, &again).await;
    assert_eq!(plan["unchanged"], 3, "{plan}");
    assert!(
        plan["create"].as_array().unwrap().is_empty()
            && plan["change"].as_array().unwrap().is_empty()
    );

    // On an empty instance, the export applied gives the same export.
    sqlx::query("DELETE FROM schedules")
        .execute(&pool)
        .await
        .unwrap();
    apply(&pool, &again).await;
    let (_, second) = call(&pool, "GET", "/api/v1/schedules:export", None).await;
    assert_eq!(
        second, exported,
        "export → apply → export is the same document"
    );

    // The same in YAML, both ways.
    let (status, yaml) = send(
        &pool,
        "GET",
        "/api/v1/schedules:export?format=yaml",
        None,
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let read: Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(read, exported);
    let mut request = again.clone();
    request["dry_run"] = json!(true);
    let (status, text) = send(
        &pool,
        "POST",
        "/api/v1/schedules:apply",
        Some(request),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let plan: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        plan["unchanged"], 3,
        "a YAML body reads as the JSON one: {plan}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_changed_document_shows_exactly_its_changes_and_applies_them_at_once(pool: PgPool) {
    let source = "git:team/billing";
    let original = json!({"source": source, "schedules": [
        schedule("invoices", "0 2 * * *", json!({"team": "billing", "env": "prod"})),
        schedule("reminders", "0 8 * * 1", json!({"team": "billing"})),
        schedule("cleanup", "0 4 * * *", json!({"team": "billing"})),
    ]});
    apply(&pool, &original).await;
    // Someone else's schedule, not in the source: never touched.
    let (status, _) = call(
        &pool,
        "POST",
        "/api/v1/schedules",
        Some(schedule("handmade", "0 5 * * *", json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let changed = json!({"source": source, "prune": true, "schedules": [
        schedule("invoices", "0 3 * * *", json!({"team": "billing", "env": "staging"})),
        schedule("reminders", "0 8 * * 1", json!({"team": "billing"})),
        schedule("statements", "0 6 1 * *", json!({"team": "billing"})),
    ]});
    let mut dry = changed.clone();
    dry["dry_run"] = json!(true);
    let (status, plan) = call(&pool, "POST", "/api/v1/schedules:apply", Some(dry.clone())).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["create"][0]["name"], "statements");
    assert_eq!(plan["change"].as_array().unwrap().len(), 1);
    assert_eq!(plan["change"][0]["name"], "invoices");
    let fields: Vec<&String> = plan["change"][0]["changes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(fields, ["labels.env", "schedule.cron"], "{plan}");
    assert_eq!(
        plan["change"][0]["changes"]["schedule.cron"],
        json!({"before": "0 2 * * *", "after": "0 3 * * *"})
    );
    assert_eq!(plan["delete"][0]["name"], "cleanup");
    assert_eq!(plan["unchanged"], 1);

    // Without the digest, or with a digest the plan no longer has: refused, nothing written.
    let mut blind = changed.clone();
    blind["dry_run"] = json!(false);
    let (status, _) = call(
        &pool,
        "POST",
        "/api/v1/schedules:apply",
        Some(blind.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, page) = call(&pool, "GET", "/api/v1/schedules?search=reminders", None).await;
    let reminders = page["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &pool,
        "PATCH",
        &format!("/api/v1/schedules/{reminders}"),
        Some(json!({"max_attempts": 9})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    blind["digest"] = plan["digest"].clone();
    let (status, stale) = call(&pool, "POST", "/api/v1/schedules:apply", Some(blind)).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "an edit since the plan changes it: {stale}"
    );

    let applied = apply(&pool, &changed).await;
    assert_eq!(
        applied["change"].as_array().unwrap().len(),
        2,
        "invoices, and reminders put back: {applied}"
    );
    let (_, exported) = call(
        &pool,
        "GET",
        "/api/v1/schedules:export?selector=team%3Dbilling",
        None,
    )
    .await;
    let listed: Vec<(&str, &str)> = exported["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["schedule"]["cron"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("invoices", "0 3 * * *"),
            ("reminders", "0 8 * * 1"),
            ("statements", "0 6 1 * *")
        ]
    );
    let (_, all) = call(&pool, "GET", "/api/v1/schedules?search=handmade", None).await;
    assert_eq!(
        names(&all),
        ["handmade"],
        "a schedule outside the source is not pruned"
    );

    // One bad entry: the error names its path, and nothing of the document is written.
    let mut broken = changed.clone();
    broken["schedules"][1]["schedule"]["cron"] = json!("0 25 * * *");
    broken["schedules"][2]["name"] = json!("invoices");
    broken["dry_run"] = json!(true);
    let (status, refused) = call(&pool, "POST", "/api/v1/schedules:apply", Some(broken)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["schedules[1].schedule.cron", "schedules[2].name"],
        "{refused}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn bulk_actions_by_selector_confirm_the_count_they_touch(pool: PgPool) {
    for (name, team) in [("a", "billing"), ("b", "billing"), ("c", "search")] {
        let (status, _) = call(
            &pool,
            "POST",
            "/api/v1/schedules",
            Some(schedule(name, "0 9 * * *", json!({"team": team}))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let bulk = |body: Value| call(&pool, "POST", "/api/v1/schedules:bulk", Some(body));
    let (status, counted) =
        bulk(json!({"selector": "team=billing", "action": "pause", "dry_run": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counted, json!({"matched": 2, "done": 0}));
    let (status, _) =
        bulk(json!({"selector": "team=billing", "action": "pause", "expect": 3})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the count confirmed is not the count now"
    );
    let (status, done) =
        bulk(json!({"selector": "team=billing", "action": "pause", "expect": 2})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done, json!({"matched": 2, "done": 2}));
    let (_, paused) = call(&pool, "GET", "/api/v1/schedules?state=paused", None).await;
    assert_eq!(names(&paused), ["a", "b"]);
    let (status, refused) = bulk(json!({"selector": "", "action": "delete"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, done) = bulk(json!({"selector": "team=billing", "action": "delete"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done["done"], 2);
    let (_, left) = call(&pool, "GET", "/api/v1/schedules", None).await;
    assert_eq!(names(&left), ["c"]);
}
