//! API keys with roles and the audit log, through the router against a real PostgreSQL:
//! keys shown once and stored as hashes, revocation at the next request (sessions too),
//! every route and server function refused below its role, and every change recorded with
//! who made it and what changed (secrets redacted).

mod support;

use app::error::AppError;
use app::server_fns::imports::{ImportCrontab, PreviewCrontab};
use app::server_fns::schedules::{BulkSchedules, RearmSchedules, SaveSchedule};
use app::server_fns::timing::ReadTiming;
use app::timing_draft::TimingDraft;
use app::wire::{ImportRequestCard, RequestCard};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::server_fn::error::FromServerFnError;
use scheduleman::model::{BulkAction, BulkRequest};
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

const TOKEN: &str = "bootstrap-token-for-tests";

/// How a request proves who it is.
#[derive(Clone)]
enum As {
    Bearer(String),
    Cookie(String),
}

fn router(pool: &PgPool) -> Router {
    support::router_with(pool.clone(), "hooks.test", Some(TOKEN))
}

fn bootstrap() -> As {
    As::Bearer(TOKEN.to_owned())
}

/// Sends a request; the answer's status and body (JSON, or the text as a JSON string).
async fn call(
    app: &Router,
    who: &As,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    request = match who {
        As::Bearer(key) => request.header("authorization", format!("Bearer {key}")),
        As::Cookie(cookie) => request.header("cookie", cookie),
    };
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    answer(app.clone().oneshot(request).await.unwrap()).await
}

async fn answer(response: axum::response::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A new key with `role`, made by the bootstrap token: its id and the key.
async fn new_key(app: &Router, name: &str, role: &str) -> (Uuid, String) {
    let (status, created) = call(
        app,
        &bootstrap(),
        "POST",
        "/api/v1/api-keys",
        Some(json!({"name": name, "role": role})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (
        created["id"].as_str().unwrap().parse().unwrap(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

fn schedule(name: &str) -> Value {
    json!({
        "name": name,
        "schedule": {"cron": "0 9 * * 1-5", "tz": "Europe/Berlin"},
        "target": {
            "url": "https://hooks.test/run",
            "headers": {"Authorization": "Bearer hunter2-secret"},
            "body": "password=sw0rdfish"
        },
        "max_attempts": 3
    })
}

async fn create_schedule(app: &Router, who: &As, name: &str) -> Uuid {
    let (status, created) = call(app, who, "POST", "/api/v1/schedules", Some(schedule(name))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().parse().unwrap()
}

/// Signs in to the UI with `secret` (a key or the token); the session cookie.
async fn sign_in(app: &Router, secret: &str) -> Result<String, StatusCode> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", secret)
        .append_pair("next", "/")
        .finish();
    let response = app
        .clone()
        .oneshot(
            Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    if response.status() != StatusCode::SEE_OTHER {
        return Err(response.status());
    }
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    Ok(cookie.split(';').next().unwrap().to_owned())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_is_shown_once_stored_as_its_hash_and_revoked_at_the_next_request(pool: PgPool) {
    let app = router(&pool);
    let (id, key) = new_key(&app, "deploy pipeline", "write").await;
    assert!(key.starts_with("sk_") && key.len() >= 40, "{key}");

    let stored: Vec<String> = sqlx::query_scalar("SELECT row_to_json(k)::text FROM api_keys k")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains(&key[3..]),
        "the key itself is stored: {}",
        stored[0]
    );

    let (status, listed) = call(&app, &bootstrap(), "GET", "/api/v1/api-keys", None).await;
    assert_eq!(status, StatusCode::OK);
    let listed = &listed["items"][0];
    assert_eq!(listed["name"], "deploy pipeline");
    assert_eq!(listed["role"], "write");
    assert_eq!(listed["prefix"], &key[..11]);
    assert!(listed.get("key").is_none(), "{listed}");
    assert!(listed["last_used_at"].is_null());

    let holder = As::Bearer(key.clone());
    let (status, _) = call(&app, &holder, "GET", "/api/v1/schedules", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, listed) = call(&app, &bootstrap(), "GET", "/api/v1/api-keys", None).await;
    assert!(
        listed["items"][0]["last_used_at"].is_string(),
        "use is recorded"
    );

    let (status, revoked) = call(
        &app,
        &bootstrap(),
        "DELETE",
        &format!("/api/v1/api-keys/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (status, _) = call(&app, &holder, "GET", "/api/v1/schedules", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a revoked key is refused at once"
    );
    let (status, _) = call(
        &app,
        &bootstrap(),
        "DELETE",
        &format!("/api/v1/api-keys/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "revoked already");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_key_is_refused_and_an_expiry_in_the_past_is_invalid(pool: PgPool) {
    let app = router(&pool);
    let (status, refused) = call(
        &app,
        &bootstrap(),
        "POST",
        "/api/v1/api-keys",
        Some(json!({"name": "old", "role": "read", "expires_at": "2020-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["field"], "expires_at");
    let (status, refused) = call(
        &app,
        &bootstrap(),
        "POST",
        "/api/v1/api-keys",
        Some(json!({"name": "x", "role": "owner"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    let (id, key) = new_key(&app, "short-lived", "read").await;
    let holder = As::Bearer(key);
    assert_eq!(
        call(&app, &holder, "GET", "/api/v1/schedules", None)
            .await
            .0,
        StatusCode::OK
    );
    sqlx::query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let (status, _) = call(&app, &holder, "GET", "/api/v1/schedules", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_signed_in_with_a_key_has_its_role_and_ends_with_it(pool: PgPool) {
    let app = router(&pool);
    let (id, key) = new_key(&app, "on-call viewer", "read").await;
    let session = As::Cookie(sign_in(&app, &key).await.unwrap());

    let (status, _) = call(&app, &session, "GET", "/api/v1/schedules", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) = call(
        &app,
        &session,
        "POST",
        "/api/v1/schedules",
        Some(schedule("nope")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(
        refused["detail"],
        "this needs the write role; on-call viewer has read"
    );

    call(
        &app,
        &bootstrap(),
        "DELETE",
        &format!("/api/v1/api-keys/{id}"),
        None,
    )
    .await;
    let (status, _) = call(&app, &session, "GET", "/api/v1/schedules", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "revoking the key ends its sessions"
    );

    assert_eq!(sign_in(&app, &key).await, Err(StatusCode::UNAUTHORIZED));
    assert_eq!(
        sign_in(&app, "sk_guess").await,
        Err(StatusCode::UNAUTHORIZED)
    );
    let (_, log) = call(
        &app,
        &bootstrap(),
        "GET",
        "/api/v1/audit?action=session.",
        None,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "session.sign_in_failed",
            "session.sign_in_failed",
            "session.sign_in"
        ],
        "{log}"
    );
    assert_eq!(log["items"][2]["actor"], "on-call viewer");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_role_below_write_sees_header_names_but_not_their_values(pool: PgPool) {
    let app = router(&pool);
    let id = create_schedule(&app, &bootstrap(), "billing").await;
    let (_, key) = new_key(&app, "viewer", "operate").await;
    for uri in [
        format!("/api/v1/schedules/{id}"),
        "/api/v1/schedules".to_owned(),
    ] {
        let (status, seen) = call(&app, &As::Bearer(key.clone()), "GET", &uri, None).await;
        assert_eq!(status, StatusCode::OK);
        let text = seen.to_string();
        assert!(text.contains("Authorization"), "{text}");
        assert!(
            !text.contains("hunter2") && !text.contains("sw0rdfish"),
            "{text}"
        );
    }
    let (_, seen) = call(
        &app,
        &bootstrap(),
        "GET",
        &format!("/api/v1/schedules/{id}"),
        None,
    )
    .await;
    assert_eq!(
        seen["target"]["headers"]["Authorization"],
        "Bearer hunter2-secret"
    );
}

/// The least role each API operation needs: every operation the router serves must be
/// here (a new one fails this test until it is given a role).
fn api_role(method: &str, path: &str) -> Option<&'static str> {
    Some(match (method, path) {
        ("get", "/api/v1/schedules" | "/api/v1/schedules/{id}") => "read",
        ("get", "/api/v1/schedules/{id}/executions" | "/api/v1/schedules/{id}/punctuality") => {
            "read"
        }
        ("get", "/api/v1/dead-letters" | "/api/v1/executors" | "/api/v1/preview") => "read",
        ("post", path) if path.ends_with("/pause") || path.ends_with("/resume") => "operate",
        ("post", path) if path.ends_with("/trigger") || path.ends_with("/rearm") => "operate",
        ("post", "/api/v1/schedules" | "/api/v1/schedules:batch") => "write",
        ("put" | "patch" | "delete", "/api/v1/schedules/{id}") => "write",
        ("post", "/api/v1/schedules/{id}/rotate-secret") => "write",
        ("post", "/api/v1/crontab/preview" | "/api/v1/crontab/import") => "write",
        ("get" | "post", "/api/v1/api-keys") | ("delete", "/api/v1/api-keys/{id}") => "admin",
        ("get", "/api/v1/audit") => "admin",
        ("get", "/api/v1/alert-channels" | "/api/v1/incidents" | "/api/v1/alert-deliveries") => {
            "read"
        }
        ("post", "/api/v1/alert-channels" | "/api/v1/alert-channels/{id}/test") => "admin",
        ("put" | "delete", "/api/v1/alert-channels/{id}") => "admin",
        ("get", "/api/v1/schedules/{id}/alerts") => "read",
        ("put", "/api/v1/schedules/{id}/alerts") => "operate",
        ("get", "/api/v1/schedules/{id}/backfills") => "read",
        ("post", "/api/v1/schedules/{id}/backfill") => "operate",
        ("post", "/api/v1/schedules/{id}/backfills/{backfill_id}/cancel") => "operate",
        ("get", "/api/v1/schedules:export") => "write",
        ("post", "/api/v1/schedules:apply") => "write",
        ("post", "/api/v1/schedules:bulk") => "operate",
        _ => return None,
    })
}

/// A dry run of a backfill over the last week (the subject fires on weekdays).
fn backfill_range() -> Value {
    let now = chrono::Utc::now();
    json!({"from": (now - chrono::TimeDelta::days(7)).to_rfc3339(), "to": now.to_rfc3339(), "dry_run": true})
}

/// A body each operation accepts as well-formed (so the role, not the parser, decides).
fn api_body(method: &str, path: &str) -> Option<Value> {
    let crontab =
        json!({"source": "roles", "text": "0 1 * * * https://hooks.test/x\n", "tz": "UTC"});
    match (method, path) {
        ("put", "/api/v1/schedules/{id}/alerts") => Some(json!({"muted_until": null})),
        ("post", "/api/v1/schedules/{id}/backfill") => Some(backfill_range()),
        ("post", "/api/v1/schedules:apply") => {
            Some(json!({"source": "roles", "schedules": [schedule("applied")], "dry_run": true}))
        }
        ("post", "/api/v1/schedules:bulk") => {
            Some(json!({"selector": "team=none", "action": "pause", "dry_run": true}))
        }
        ("post", "/api/v1/alert-channels") | ("put", "/api/v1/alert-channels/{id}") => {
            Some(json!({"name": "table", "url": "https://hooks.test/alerts", "format": "slack"}))
        }
        ("post", "/api/v1/schedules") | ("put", _) => Some(schedule("role table")),
        ("patch", _) => Some(json!({"name": "patched"})),
        ("post", "/api/v1/schedules:batch") => Some(json!({"schedules": [schedule("b")]})),
        ("post", "/api/v1/crontab/preview") => Some(crontab),
        ("post", "/api/v1/crontab/import") => {
            let mut request = crontab;
            request["digest"] = json!("0");
            Some(request)
        }
        ("post", "/api/v1/api-keys") => Some(json!({"name": "made in the table", "role": "read"})),
        _ => None,
    }
}

/// The least role each server function needs, and a well-formed body for it with its content
/// type (form-encoded, JSON or postcard, as the function takes its arguments).
fn rpc_role(name: &str, id: Uuid) -> Option<(&'static str, Vec<u8>, &'static str)> {
    const FORM: &str = "application/x-www-form-urlencoded";
    let form = |role, body: String| Some((role, body.into_bytes(), FORM));
    let json = |role, body: Value| Some((role, body.to_string().into_bytes(), "application/json"));
    let postcard = |role, body: Vec<u8>| Some((role, body, "application/x-postcard"));
    let request = schedule("rpc");
    let crontab = json!({"source": "rpc", "text": "0 1 * * * https://hooks.test/x\n", "tz": "UTC"});
    match name {
        "list_schedules" => form("read", "filter=all&search=&selector=".into()),
        "get_schedule" | "get_edit_base" => form("read", format!("id={id}")),
        "history_part" | "punctuality_part" => form("read", format!("schedule_id={id}")),
        "list_executors" | "list_dead_letters" | "get_timeline" | "whoami" => {
            form("read", String::new())
        }
        "get_overview" => form("read", "fresh=false".into()),
        "schedule_changes_part" => form("read", format!("id={id}")),
        "schedule_action" => json(
            "operate",
            json!({"id": id, "action": "pause", "pause": {}, "trigger": {}}),
        ),
        "start_backfill" => json("operate", json!({"id": id, "request": backfill_range()})),
        "backfills_part" => form("read", format!("id={id}")),
        "cancel_backfill" => form("operate", format!("id={id}&backfill_id={}", Uuid::new_v4())),
        "read_timing" => postcard(
            "read",
            postcard::to_allocvec(&ReadTiming {
                draft: TimingDraft::new_schedule("0 9 * * 1-5", chrono::Utc::now()),
            })
            .unwrap(),
        ),
        "rearm_schedules" => postcard(
            "operate",
            postcard::to_allocvec(&RearmSchedules { ids: vec![id] }).unwrap(),
        ),
        "bulk_schedules" => postcard(
            "operate",
            postcard::to_allocvec(&BulkSchedules {
                request: BulkRequest {
                    selector: "team=none".into(),
                    action: BulkAction::Pause,
                    dry_run: true,
                    expect: None,
                },
            })
            .unwrap(),
        ),
        "save_schedule" => postcard(
            "write",
            postcard::to_allocvec(&SaveSchedule {
                id: None,
                request: RequestCard(serde_json::from_value(request).unwrap()),
            })
            .unwrap(),
        ),
        "rotate_secret" | "delete_schedule" => form("write", format!("id={id}")),
        "preview_crontab" => postcard(
            "write",
            postcard::to_allocvec(&PreviewCrontab {
                request: ImportRequestCard(serde_json::from_value(crontab).unwrap()),
            })
            .unwrap(),
        ),
        "import_crontab" => postcard(
            "write",
            postcard::to_allocvec(&ImportCrontab {
                request: ImportRequestCard(serde_json::from_value(crontab).unwrap()),
                digest: "0".into(),
            })
            .unwrap(),
        ),
        "list_keys" => form("admin", String::new()),
        "revoke_key" => form("admin", format!("id={}", Uuid::new_v4())),
        "create_key" => json("admin", json!({"request": {"name": "rpc", "role": "read"}})),
        "list_audit" => form("admin", "actor=&action=".into()),
        "list_channels" | "list_deliveries" | "open_incident_count" => form("read", String::new()),
        "list_incidents" => form("read", String::new()),
        "schedule_incidents_part" => form("read", format!("schedule_id={id}")),
        "get_alert_rule" => form("read", format!("id={id}")),
        "set_alert_rule" => json("operate", json!({"id": id, "rule": {}})),
        "create_channel" => json(
            "admin",
            json!({"request": {"name": "rpc", "url": "https://hooks.test/a", "format": "json"}}),
        ),
        "delete_channel" | "test_channel" => form("admin", format!("id={}", Uuid::new_v4())),
        _ => None,
    }
}

/// Issue 18: every route × every role → allowed or 403 naming the role needed, generated
/// from the router's own OpenAPI document and the registered server functions.
#[sqlx::test(migrations = "../migrations")]
async fn every_route_and_server_function_answers_each_role_as_the_table_says(pool: PgPool) {
    let app = router(&pool);
    let roles = ["read", "operate", "write", "admin"];
    let mut keys = Vec::new();
    for role in roles {
        keys.push((
            role,
            As::Bearer(new_key(&app, &format!("{role} key"), role).await.1),
        ));
    }
    let rank = |role: &str| roles.iter().position(|r| *r == role).unwrap();

    let (_, document) = call(&app, &bootstrap(), "GET", "/api/v1/openapi.json", None).await;
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let needed = api_role(method, path)
                .unwrap_or_else(|| panic!("{method} {path} has no role in this table"));
            for (role, who) in &keys {
                // A schedule of its own for each call, so one call's delete is not the next
                // call's 404.
                let id = create_schedule(&app, &bootstrap(), "subject").await;
                let uri = path
                    .replace("{id}", &id.to_string())
                    .replace("{backfill_id}", &Uuid::new_v4().to_string())
                    .replace(
                        "/api/v1/preview",
                        "/api/v1/preview?cron=*%20*%20*%20*%20*&tz=UTC",
                    );
                let uri = if path.starts_with("/api/v1/api-keys/")
                    || path.starts_with("/api/v1/alert-channels/")
                {
                    path.replace("{id}", &Uuid::new_v4().to_string())
                } else {
                    uri
                };
                let (status, body) = call(
                    &app,
                    who,
                    &method.to_uppercase(),
                    &uri,
                    api_body(method, path),
                )
                .await;
                if rank(role) < rank(needed) {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{role} {method} {uri}: {body}"
                    );
                    let detail = body["detail"].as_str().unwrap_or_default();
                    assert!(
                        detail.contains(&format!("needs the {needed} role")),
                        "{role} {method} {uri}: {body}"
                    );
                } else {
                    assert!(
                        !matches!(status.as_u16(), 401 | 403 | 500..),
                        "{role} {method} {uri}: {status} {body}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 4 * 32, "only {checked} API calls checked");

    let mut functions = 0;
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let name = path
            .strip_prefix("/rpc/")
            .map(|rest| rest.trim_end_matches(|c: char| c.is_ascii_digit()))
            .unwrap_or_else(|| panic!("{path} is not under /rpc"));
        let id = create_schedule(&app, &bootstrap(), "rpc subject").await;
        let (needed, body, content_type) =
            rpc_role(name, id).unwrap_or_else(|| panic!("server function {name} has no role"));
        for (role, who) in &keys {
            let id = create_schedule(&app, &bootstrap(), "rpc subject").await;
            let (_, body, _) = rpc_role(name, id).unwrap();
            let As::Bearer(key) = who else { unreachable!() };
            let response = app
                .clone()
                .oneshot(
                    Request::post(path)
                        .header("authorization", format!("Bearer {key}"))
                        .header("content-type", content_type)
                        .header("accept", "application/json")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = response.status();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            // A server function's failure is an `AppError` in its own encoding.
            let failure = (!status.is_success()).then(|| AppError::de(bytes));
            if rank(role) < rank(needed) {
                assert!(
                    matches!(&failure, Some(AppError::Forbidden(why))
                        if why.contains(&format!("needs the {needed} role"))),
                    "{role} {name}: {status} {failure:?}"
                );
            } else {
                assert!(
                    !matches!(failure, Some(AppError::Forbidden(_))),
                    "{role} {name}: {status} {failure:?}"
                );
                assert!(
                    !matches!(failure, Some(AppError::Transport(_))),
                    "{role} {name}: a malformed call: {failure:?}"
                );
            }
        }
        let _ = body;
        functions += 1;
    }
    assert!(functions >= 20, "only {functions} server functions found");
}

#[sqlx::test(migrations = "../migrations")]
async fn every_change_is_recorded_with_who_and_what_changed_and_no_secret(pool: PgPool) {
    let app = router(&pool);
    let (_, writer) = new_key(&app, "deployer", "write").await;
    let (_, operator) = new_key(&app, "night shift", "operate").await;
    let (writer, operator) = (As::Bearer(writer), As::Bearer(operator));

    let id = create_schedule(&app, &writer, "billing").await;
    let mut edit = schedule("billing v2");
    edit["target"]["headers"]["Authorization"] = json!("Bearer rotated-hunter3");
    let (status, _) = call(
        &app,
        &writer,
        "PUT",
        &format!("/api/v1/schedules/{id}"),
        Some(edit),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &app,
        &operator,
        "POST",
        &format!("/api/v1/schedules/{id}/pause"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Refused changes record nothing: a role too low, and a state the action does not fit.
    let (status, _) = call(
        &app,
        &operator,
        "DELETE",
        &format!("/api/v1/schedules/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app,
        &writer,
        "POST",
        &format!("/api/v1/schedules/{id}/pause"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "paused already");

    let (status, log) = call(
        &app,
        &bootstrap(),
        "GET",
        &format!("/api/v1/audit?schedule_id={id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let items = log["items"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = items
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("schedule.pause", "night shift"),
            ("schedule.update", "deployer"),
            ("schedule.create", "deployer"),
        ]
    );
    let (pause, update, create) = (&items[0], &items[1], &items[2]);
    assert_eq!(pause["changes"]["state"]["before"], "active");
    assert_eq!(pause["changes"]["state"]["after"], "paused");
    assert_eq!(update["changes"]["name"]["before"], "billing");
    assert_eq!(update["changes"]["name"]["after"], "billing v2");
    assert!(
        update["changes"]["target.headers.Authorization"].is_object(),
        "a changed secret shows as changed: {update}"
    );
    assert!(
        update["changes"].get("target.url").is_none(),
        "unchanged fields are left out"
    );
    assert_eq!(create["schedule_id"], id.to_string());
    assert_eq!(create["actor_kind"], "key");
    let text = log.to_string();
    for secret in ["hunter2", "hunter3", "sw0rdfish"] {
        assert!(!text.contains(secret), "{secret} in the audit log: {text}");
    }

    // Filters and pages.
    let (_, by_actor) = call(
        &app,
        &bootstrap(),
        "GET",
        "/api/v1/audit?actor=night%20shift",
        None,
    )
    .await;
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 1);
    let (_, keys) = call(&app, &bootstrap(), "GET", "/api/v1/audit?action=key.", None).await;
    assert_eq!(
        keys["items"].as_array().unwrap().len(),
        2,
        "two keys created: {keys}"
    );
    let (_, first) = call(&app, &bootstrap(), "GET", "/api/v1/audit?limit=2", None).await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("more than two entries");
    let (_, second) = call(
        &app,
        &bootstrap(),
        "GET",
        &format!("/api/v1/audit?limit=2&cursor={cursor}"),
        None,
    )
    .await;
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert!(
        a.iter().all(|x| b.iter().all(|y| x > y)),
        "{a:?} then {b:?}"
    );
    let (status, _) = call(&app, &bootstrap(), "GET", "/api/v1/audit?cursor=abc", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(&app, &writer, "GET", "/api/v1/audit", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the audit log is for admins");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_import_records_one_entry_per_schedule_tied_together(pool: PgPool) {
    let app = router(&pool);
    let request = json!({
        "source": "web-1:root",
        "text": "0 1 * * * https://hooks.test/a\n0 2 * * * https://hooks.test/b\n*/5 * * * * https://hooks.test/c\n",
        "tz": "UTC"
    });
    let (status, plan) = call(
        &app,
        &bootstrap(),
        "POST",
        "/api/v1/crontab/preview",
        Some(request.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let mut confirm = request;
    confirm["digest"] = plan["digest"].clone();
    let (status, done) = call(
        &app,
        &bootstrap(),
        "POST",
        "/api/v1/crontab/import",
        Some(confirm),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");

    let (_, log) = call(
        &app,
        &bootstrap(),
        "GET",
        "/api/v1/audit?action=schedule.import",
        None,
    )
    .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{log}");
    let batch = &items[0]["batch_id"];
    assert!(batch.is_string());
    assert!(items
        .iter()
        .all(|e| &e["batch_id"] == batch && e["actor"] == "bootstrap token"));
    assert!(items.iter().all(|e| e["schedule_id"].is_string()));
}
