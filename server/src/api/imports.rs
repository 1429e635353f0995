//! `POST /api/v1/crontab/preview` and `POST /api/v1/crontab/import`: a crontab read line by
//! line and compared with what the same source imported before; then, confirmed with the
//! preview's digest, written in one transaction.

use axum::extract::State;
use axum::Json;
use scheduleman::commands::import;
use scheduleman::crontab::{ImportDone, ImportPlan, ImportRequest};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ProblemDocument};
use super::extract::ApiJson;
use crate::router::AppState;

/// A confirmed import: the request previewed, and the preview's digest.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportConfirm {
    /// The same request as previewed.
    #[serde(flatten)]
    pub request: ImportRequest,
    /// `digest` from the preview: the import is refused (409) if it would now do otherwise.
    pub digest: String,
}

/// Read by hand: serde cannot refuse unknown fields beside a flattened one, so `digest` is
/// taken out and the rest must be exactly an [`ImportRequest`].
impl<'de> Deserialize<'de> for ImportConfirm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut fields = serde_json::Map::deserialize(deserializer)?;
        let digest = fields
            .remove("digest")
            .ok_or_else(|| D::Error::missing_field("digest"))?;
        let digest = String::deserialize(digest).map_err(D::Error::custom)?;
        let request = ImportRequest::deserialize(serde_json::Value::Object(fields))
            .map_err(D::Error::custom)?;
        Ok(Self { request, digest })
    }
}

/// Answers what importing the crontab would do; writes nothing.
#[utoipa::path(post, path = "/api/v1/crontab/preview", tag = "schedules", request_body = ImportRequest,
    responses((status = 200, body = ImportPlan),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ImportRequest>,
) -> Result<Json<ImportPlan>, ApiError> {
    Ok(Json(
        import::plan(&state.pool, &state.targets, &request).await?,
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
    ApiJson(confirm): ApiJson<ImportConfirm>,
) -> Result<Json<ImportDone>, ApiError> {
    Ok(Json(
        import::apply(
            &state.pool,
            &state.targets,
            &confirm.request,
            &confirm.digest,
        )
        .await?,
    ))
}
