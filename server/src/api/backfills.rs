//! `POST /api/v1/schedules/{id}/backfill`: fire a schedule's instants of a past range (or,
//! with `dry_run`, say which); `GET …/backfills`: the latest with their progress;
//! `POST …/backfills/{backfill_id}/cancel`: drop the fires not yet made.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;
use axum::Json;
use scheduleman::access::Actor;
use scheduleman::commands::backfills;
use scheduleman::model::{BackfillRequest, BackfillView};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{ApiError, ProblemDocument};
use super::extract::{ApiJson, ApiPath};
use crate::router::AppState;

/// A schedule's latest backfills.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BackfillList {
    /// Newest first (at most 20).
    pub items: Vec<BackfillView>,
}

/// Starts a backfill (201) or, with `dry_run`, answers its fires (200) without making them.
#[utoipa::path(post, path = "/api/v1/schedules/{id}/backfill", tag = "actions", params(("id" = Uuid, Path)),
    request_body = BackfillRequest,
    responses((status = 201, body = BackfillView), (status = 200, description = "a dry run", body = BackfillView),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn start(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<BackfillRequest>,
) -> Result<(StatusCode, Json<BackfillView>), ApiError> {
    let view = backfills::backfill(&state.pool, &actor, id, &request).await?;
    let status = if request.dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(view)))
}

/// The schedule's latest backfills with their progress.
#[utoipa::path(get, path = "/api/v1/schedules/{id}/backfills", tag = "actions", params(("id" = Uuid, Path)),
    responses((status = 200, body = BackfillList)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<BackfillList>, ApiError> {
    Ok(Json(BackfillList {
        items: backfills::list(&state.pool, &actor, id).await?,
    }))
}

/// Cancels a running backfill; 409 when it is not running.
#[utoipa::path(post, path = "/api/v1/schedules/{id}/backfills/{backfill_id}/cancel", tag = "actions",
    params(("id" = Uuid, Path), ("backfill_id" = Uuid, Path)),
    responses((status = 200, body = BackfillView),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath((id, backfill_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<BackfillView>, ApiError> {
    Ok(Json(
        backfills::cancel(&state.pool, &actor, id, backfill_id).await?,
    ))
}
