//! The JSON HTTP API under `/api/v1`: the same store, types and validation as the UI. Its
//! routes are registered through utoipa's router, so the OpenAPI document
//! (`/api/v1/openapi.json`) lists exactly the handlers that serve.

pub mod alerts;
pub mod audit;
pub mod backfills;
pub mod docs;
pub mod error;
pub mod executions;
pub mod executors;
pub mod extract;
pub mod imports;
pub mod keys;
pub mod manifests;
pub mod preview;
pub mod schedules;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::router::AppState;

/// The largest request body the API reads (a schedule's own body may be 64 KiB).
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;
/// The largest bulk creation body (`POST /schedules:batch`, up to 20,000 schedules).
pub const MAX_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// The document's fixed parts; paths and schemas come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Scheduleman API",
        description = "Schedules that trigger webhooks. Errors are application/problem+json \
                       (RFC 9457). Send `Authorization: Bearer <key>` with an API key \
                       (its role decides what it may do: read, operate, write, admin), or the \
                       server's SCHEDULEMAN_API_TOKEN (admin). A role too low is 403."
    ),
    modifiers(&BearerToken),
    tags(
        (name = "schedules", description = "Create, read, edit and delete schedules"),
        (name = "actions", description = "Pause, resume, trigger now, re-arm"),
        (name = "executors", description = "The executors alive"),
        (name = "access", description = "API keys and the audit log (admin)"),
        (name = "alerts", description = "Alert channels, incidents, deliveries, and each schedule's routing")
    )
)]
struct ApiDoc;

/// Declares the Bearer token scheme.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Adds the error answers every operation can give, beside the ones each handler lists:
/// 401 (no or wrong token, when the server has one), 403 (a cross-site request or a foreign
/// `Host` without a token), 503 (the database does not answer); 400 for a malformed query
/// string or body; 413 and 422 for operations that take a body. All are
/// `application/problem+json`.
fn document_common_errors(document: &mut OpenApiDocument) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| -> RefOr<utoipa::openapi::Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemDocument")))
                    .build(),
            )
            .build()
            .into()
    };
    for item in document.paths.paths.values_mut() {
        let with_body = [&mut item.post, &mut item.put, &mut item.patch];
        let body_ops: Vec<_> = with_body.into_iter().flatten().collect();
        for operation in body_ops {
            let responses = &mut operation.responses.responses;
            for (status, why) in [
                (
                    "400",
                    "The body is not JSON, or the query string is malformed",
                ),
                ("413", "The body is larger than the limit"),
                ("422", "A value is invalid; the reason names the field"),
            ] {
                responses
                    .entry(status.into())
                    .or_insert_with(|| problem(why));
            }
        }
        // A query parameter can be well formed and out of range (a page size of 0): 422.
        if let Some(get) = item.get.as_mut() {
            let has_query = get
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
            if has_query {
                get.responses
                    .responses
                    .entry("422".into())
                    .or_insert_with(|| {
                        problem("A parameter value is out of range or unknown; the reason names it")
                    });
            }
        }
        let all = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in all.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            for (status, why) in [
                (
                    "400",
                    "The query string is malformed or names an unknown parameter",
                ),
                (
                    "401",
                    "No token, or the wrong one (only when the server has one)",
                ),
                (
                    "403",
                    "The key's role does not allow this (the answer names the role needed), \
                     a cross-site request, or a foreign Host without a token",
                ),
                ("503", "The database does not answer"),
            ] {
                responses
                    .entry(status.into())
                    .or_insert_with(|| problem(why));
            }
        }
    }
}

/// The API's routes (full paths), including its OpenAPI document and docs page.
pub fn routes() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(schedules::create, schedules::list))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(schedules::create_batch))
                .routes(routes!(manifests::apply))
                .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES)),
        )
        .routes(routes!(
            schedules::get,
            schedules::replace,
            schedules::patch,
            schedules::delete
        ))
        .routes(routes!(manifests::export))
        .routes(routes!(manifests::bulk))
        .routes(routes!(schedules::pause))
        .routes(routes!(schedules::resume))
        .routes(routes!(schedules::trigger))
        .routes(routes!(schedules::rearm))
        .routes(routes!(schedules::rotate_secret))
        .routes(routes!(backfills::start))
        .routes(routes!(backfills::list))
        .routes(routes!(backfills::cancel))
        .routes(routes!(executions::list))
        .routes(routes!(executions::punctuality))
        .routes(routes!(schedules::dead_letters))
        .routes(routes!(executors::list))
        .routes(routes!(preview::preview))
        .routes(routes!(imports::preview))
        .routes(routes!(imports::confirm))
        .routes(routes!(keys::create, keys::list))
        .routes(routes!(keys::revoke))
        .routes(routes!(audit::list))
        .routes(routes!(alerts::create_channel, alerts::list_channels))
        .routes(routes!(alerts::replace_channel, alerts::delete_channel))
        .routes(routes!(alerts::test_channel))
        .routes(routes!(alerts::incidents))
        .routes(routes!(alerts::deliveries))
        .routes(routes!(alerts::rule, alerts::set_rule))
        .split_for_parts();
    let mut document = document;
    document_common_errors(&mut document);
    router
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(document) }),
        )
        .route("/api/v1/docs", get(docs::page))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
}
