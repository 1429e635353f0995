//! Schedules as code: `GET /api/v1/schedules:export` (JSON, or YAML with `format=yaml` or
//! `Accept: application/yaml`), `POST /api/v1/schedules:apply` (JSON or YAML; a dry run
//! answers the plan and its digest, the digest applies it) and `POST /api/v1/schedules:bulk`
//! (pause, resume, trigger or delete every schedule a label selector matches).

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use scheduleman::access::Actor;
use scheduleman::commands::manifests;
use scheduleman::model::{ApplyPlan, ApplyRequest, BulkDone, BulkRequest};
use scheduleman::validate::BatchRequest;
use serde::Deserialize;

use super::error::{ApiError, ProblemDocument};
use super::extract::{ApiJson, ApiQuery, Document};
use crate::router::AppState;

/// `GET /schedules:export` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// A label selector; none exports every schedule.
    selector: Option<String>,
    /// `json` (the default) or `yaml`.
    format: Option<String>,
}

/// Every schedule the selector matches, as `{"schedules": [...]}` in name order: every
/// field that defines it, no id, state or secret. What `schedules:apply` takes back.
#[utoipa::path(get, path = "/api/v1/schedules:export", tag = "schedules", params(ExportParams),
    responses((status = 200, body = BatchRequest, description = "JSON, or YAML (application/yaml)"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn export(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let yaml = match params.format.as_deref() {
        None => headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("yaml")),
        Some("json") => false,
        Some("yaml") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!("{other:?} is not a format; use json or yaml"),
            ))
        }
    };
    let document = BatchRequest {
        schedules: manifests::export(
            &state.pool,
            &actor,
            params.selector.as_deref().unwrap_or_default(),
        )
        .await?,
    };
    if yaml {
        let text = serde_norway::to_string(&document).map_err(|error| {
            tracing::error!(%error, "writing an export as YAML");
            ApiError::Internal
        })?;
        Ok(([(header::CONTENT_TYPE, "application/yaml")], text).into_response())
    } else {
        Ok(Json(document).into_response())
    }
}

/// With `dry_run`, the plan (created, changed field by field, deleted with `prune`) and its
/// digest; with that digest and the same document, applies it in one transaction (409 when
/// the plan changed since).
#[utoipa::path(post, path = "/api/v1/schedules:apply", tag = "schedules", request_body = ApplyRequest,
    responses((status = 200, body = ApplyPlan),
        (status = 400, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn apply(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    Document(request): Document<ApplyRequest>,
) -> Result<Json<ApplyPlan>, ApiError> {
    Ok(Json(
        manifests::apply(&state.pool, &state.targets, &actor, &request).await?,
    ))
}

/// Pauses, resumes, triggers or deletes every schedule the selector matches; `dry_run`
/// counts them, `expect` refuses (409) when the count changed since.
#[utoipa::path(post, path = "/api/v1/schedules:bulk", tag = "actions", request_body = BulkRequest,
    responses((status = 200, body = BulkDone),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn bulk(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(request): ApiJson<BulkRequest>,
) -> Result<Json<BulkDone>, ApiError> {
    Ok(Json(manifests::bulk(&state.pool, &actor, &request).await?))
}
