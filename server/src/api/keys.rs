//! `/api/v1/api-keys`: create a key (shown once), list them, revoke one. Admin only.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use scheduleman::access::Actor;
use scheduleman::commands::keys;
use scheduleman::model::{ApiKeyView, CreatedKey, KeyRequest};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{ApiError, ProblemDocument};
use super::extract::{ApiJson, ApiPath};
use crate::router::AppState;

/// Every key, newest first.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyList {
    /// The keys (never the keys themselves), revoked ones included.
    pub items: Vec<ApiKeyView>,
}

/// `POST /api-keys`: 201 with the key, shown only in this answer.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "access", request_body = KeyRequest,
    responses((status = 201, body = CreatedKey),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(request): ApiJson<KeyRequest>,
) -> Result<Response, ApiError> {
    let created = keys::create(&state.pool, &actor, &request).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `GET /api-keys`: every key, newest first.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "access",
    responses((status = 200, body = KeyList)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<KeyList>, ApiError> {
    let items = keys::list(&state.pool, &actor).await?;
    Ok(Json(KeyList { items }))
}

/// `DELETE /api-keys/{id}`: revokes the key; it, and every session signed in with it, stop
/// working at their next request.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "access", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyView),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ApiKeyView>, ApiError> {
    Ok(Json(keys::revoke(&state.pool, &actor, id).await?))
}
