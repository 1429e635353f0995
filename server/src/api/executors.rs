//! `GET /api/v1/executors`: the executors alive now, with their heartbeats.

use axum::extract::State;
use axum::Extension;
use axum::Json;
use scheduleman::access::Actor;
use scheduleman::commands;
use scheduleman::model::ExecutorView;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::router::AppState;

/// The live executors.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExecutorList {
    /// Executors with a heartbeat in the last 30 s, by id.
    pub items: Vec<ExecutorView>,
}

/// Answers the live executors.
#[utoipa::path(get, path = "/api/v1/executors", tag = "executors",
    responses((status = 200, body = ExecutorList)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<ExecutorList>, ApiError> {
    let items = commands::live_executors(&state.pool, &actor).await?;
    Ok(Json(ExecutorList { items }))
}
