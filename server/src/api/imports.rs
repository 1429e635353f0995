//! `POST /api/v1/crontab/preview` and `POST /api/v1/crontab/import`: a crontab read line by
//! line and compared with what the same source imported before; then, confirmed with the
//! preview's digest (`digest` in the same body), written in one transaction.

use axum::extract::State;
use axum::Extension;
use axum::Json;
use scheduleman::access::Actor;
use scheduleman::commands::import;
use scheduleman::crontab::{ImportDone, ImportPlan, ImportRequest};

use super::error::{ApiError, ProblemDocument};
use super::extract::ApiJson;
use crate::router::AppState;

/// Answers what importing the crontab would do; writes nothing.
#[utoipa::path(post, path = "/api/v1/crontab/preview", tag = "schedules", request_body = ImportRequest,
    responses((status = 200, body = ImportPlan),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(request): ApiJson<ImportRequest>,
) -> Result<Json<ImportPlan>, ApiError> {
    Ok(Json(
        import::plan(&state.pool, &state.targets, &actor, &request).await?,
    ))
}

/// Imports the crontab as previewed, in one transaction; 422 while a line is in error, 409
/// when the plan changed since the preview.
#[utoipa::path(post, path = "/api/v1/crontab/import", tag = "schedules", request_body = ImportRequest,
    responses((status = 200, body = ImportDone),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn confirm(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(request): ApiJson<ImportRequest>,
) -> Result<Json<ImportDone>, ApiError> {
    let digest = request.digest.clone().ok_or_else(|| {
        ApiError::invalid(
            "digest",
            "preview the crontab first (POST /api/v1/crontab/preview) and send its digest",
        )
    })?;
    Ok(Json(
        import::apply(&state.pool, &state.targets, &actor, &request, &digest).await?,
    ))
}
