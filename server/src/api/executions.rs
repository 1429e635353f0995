//! `GET /api/v1/schedules/{id}/executions`: a schedule's attempt history, newest first; and
//! `GET /api/v1/schedules/{id}/punctuality`: its lag and success computed from it.

use axum::extract::State;
use axum::Extension;
use axum::Json;
use scheduleman::access::Actor;
use scheduleman::commands;
use scheduleman::model::ExecutionView;
use scheduleman::punctuality::Punctuality;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{ApiError, ProblemDocument};
use super::extract::{ApiPath, ApiQuery};
use crate::router::AppState;

/// A page of attempts and the cursor of the next (older) one.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExecutionPage {
    /// Attempts, newest first.
    pub items: Vec<ExecutionView>,
    /// Pass as `before` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<i64>,
}

/// The query: `before` (a cursor) and `limit` (1–500, default 50).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExecutionParams {
    /// From `next_cursor`.
    #[param(minimum = 0)]
    before: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// Answers one page of the history.
#[utoipa::path(get, path = "/api/v1/schedules/{id}/executions", tag = "schedules",
    params(("id" = Uuid, Path), ExecutionParams),
    responses((status = 200, body = ExecutionPage), (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(params): ApiQuery<ExecutionParams>,
) -> Result<Json<ExecutionPage>, ApiError> {
    let page = commands::history(
        &state.pool,
        &actor,
        id,
        params.before,
        params.limit.unwrap_or(50),
    )
    .await?;
    let (items, next_cursor) = (page.items, page.next);
    Ok(Json(ExecutionPage { items, next_cursor }))
}

/// Answers a schedule's lag and success over 24 hours and 7 days, hour by hour for a day.
#[utoipa::path(get, path = "/api/v1/schedules/{id}/punctuality", tag = "schedules",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Punctuality), (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn punctuality(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Punctuality>, ApiError> {
    Ok(Json(commands::punctuality(&state.pool, &actor, id).await?))
}
