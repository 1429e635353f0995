//! The OpenAPI document: well formed, complete, and matching the handlers that serve.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

fn router(pool: PgPool) -> Router {
    support::router_with(pool, "", None)
}

async fn document(pool: PgPool) -> Value {
    let response = router(pool)
        .oneshot(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

/// Every `$ref` in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_document_is_openapi_3_1_and_every_reference_resolves(pool: PgPool) {
    let doc = document(pool).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} does not resolve"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_documented_operation_is_served_and_every_endpoint_documented(pool: PgPool) {
    let doc = document(pool.clone()).await;
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    operations.sort();
    let expected = [
        ("DELETE", "/api/v1/alert-channels/{id}"),
        ("DELETE", "/api/v1/api-keys/{id}"),
        ("DELETE", "/api/v1/schedules/{id}"),
        ("GET", "/api/v1/alert-channels"),
        ("GET", "/api/v1/alert-deliveries"),
        ("GET", "/api/v1/api-keys"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/dead-letters"),
        ("GET", "/api/v1/executors"),
        ("GET", "/api/v1/incidents"),
        ("GET", "/api/v1/preview"),
        ("GET", "/api/v1/schedules"),
        ("GET", "/api/v1/schedules/{id}"),
        ("GET", "/api/v1/schedules/{id}/alerts"),
        ("GET", "/api/v1/schedules/{id}/backfills"),
        ("GET", "/api/v1/schedules/{id}/executions"),
        ("GET", "/api/v1/schedules/{id}/punctuality"),
        ("GET", "/api/v1/schedules:export"),
        ("PATCH", "/api/v1/schedules/{id}"),
        ("POST", "/api/v1/alert-channels"),
        ("POST", "/api/v1/alert-channels/{id}/test"),
        ("POST", "/api/v1/api-keys"),
        ("POST", "/api/v1/crontab/import"),
        ("POST", "/api/v1/crontab/preview"),
        ("POST", "/api/v1/schedules"),
        ("POST", "/api/v1/schedules/{id}/backfill"),
        (
            "POST",
            "/api/v1/schedules/{id}/backfills/{backfill_id}/cancel",
        ),
        ("POST", "/api/v1/schedules/{id}/pause"),
        ("POST", "/api/v1/schedules/{id}/rearm"),
        ("POST", "/api/v1/schedules/{id}/resume"),
        ("POST", "/api/v1/schedules/{id}/rotate-secret"),
        ("POST", "/api/v1/schedules/{id}/trigger"),
        ("POST", "/api/v1/schedules:apply"),
        ("POST", "/api/v1/schedules:batch"),
        ("POST", "/api/v1/schedules:bulk"),
        ("PUT", "/api/v1/alert-channels/{id}"),
        ("PUT", "/api/v1/schedules/{id}"),
        ("PUT", "/api/v1/schedules/{id}/alerts"),
    ];
    let documented: Vec<(&str, &str)> = operations
        .iter()
        .map(|(m, p)| (m.as_str(), p.as_str()))
        .collect();
    assert_eq!(documented, expected);

    // Each documented operation reaches its handler: a problem document or JSON answer,
    // never the site's HTML fallback nor 405. Asked four ways: as is (an empty object for a
    // body), with malformed JSON, with an unknown query parameter, and without the token
    // of a server that has one.
    let cases = ["plain", "malformed", "unknown query", "no token"];
    for ((method, path), case) in operations
        .iter()
        .flat_map(|op| cases.iter().map(move |case| (op, *case)))
    {
        let mut uri = path.replace("{id}", "00000000-0000-0000-0000-000000000000");
        if case == "unknown query" {
            uri.push_str("?bogus=1");
        }
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&uri);
        let body = if matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            request = request.header("content-type", "application/json");
            Body::from(if case == "malformed" { "{" } else { "{}" })
        } else {
            Body::empty()
        };
        let router = if case == "no token" {
            support::router_with(pool.clone(), "", Some("a token"))
        } else {
            router(pool.clone())
        };
        let response = router.oneshot(request.body(body).unwrap()).await.unwrap();
        assert_ne!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        assert!(
            content_type.as_deref().is_none_or(|t| t.contains("json")),
            "{method} {uri} answered {content_type:?}"
        );
        // Issue 11: the answer, error or not, is documented with the media type it has.
        let status = response.status().as_str().to_owned();
        let documented = &doc["paths"][path][method.to_lowercase()]["responses"][&status];
        assert!(
            documented.is_object(),
            "{method} {path} ({case}) answered {status}, which its document does not list"
        );
        if let Some(media) = content_type
            .as_deref()
            .map(|t| t.split(';').next().unwrap_or(t))
        {
            assert!(
                documented["content"][media].is_object(),
                "{method} {path} ({case}) answered {status} as {media}; documented: {}",
                documented["content"]
            );
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_docs_page_renders_the_document(pool: PgPool) {
    let response = router(pool)
        .oneshot(Request::get("/api/v1/docs").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains("/api/v1/openapi.json"));
}
