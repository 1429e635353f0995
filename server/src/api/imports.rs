//! `POST /api/v1/crontab/preview` and `POST /api/v1/crontab/import`: a crontab read line by
//! line and compared with what the same source imported before; then, confirmed with the
//! preview's digest, written in one transaction.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::Json;
use scheduleman::commands::import;
use scheduleman::crontab::{ImportDone, ImportPlan, ImportRequest};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ProblemDocument};
use crate::router::AppState;

/// A confirmed import: the request previewed, and the preview's digest.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportConfirm {
    /// The same request as previewed.
    #[serde(flatten)]
    pub request: ImportRequest,
    /// `digest` from the preview: the import is refused (409) if it would now do otherwise.
    pub digest: String,
}

/// Answers what importing the crontab would do; writes nothing.
#[utoipa::path(post, path = "/api/v1/crontab/preview", tag = "schedules", request_body = ImportRequest,
    responses((status = 200, body = ImportPlan),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    body: Result<Json<ImportRequest>, JsonRejection>,
) -> Result<Json<ImportPlan>, ApiError> {
    let Json(request) = body?;
    Ok(Json(
        import::plan(&state.pool, &state.policy, &request).await?,
    ))
}

/// Imports the crontab as previewed, in one transaction; 422 while a line is in error, 409
/// when the plan changed since the preview.
#[utoipa::path(post, path = "/api/v1/crontab/import", tag = "schedules", request_body = ImportConfirm,
    responses((status = 200, body = ImportDone),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn confirm(
    State(state): State<AppState>,
    body: Result<Json<ImportConfirm>, JsonRejection>,
) -> Result<Json<ImportDone>, ApiError> {
    let Json(confirm) = body?;
    Ok(Json(
        import::apply(
            &state.pool,
            &state.policy,
            &confirm.request,
            &confirm.digest,
        )
        .await?,
    ))
}
