//! The JSON HTTP API under `/api/v1`: the same store, types and validation as the UI.

pub mod error;
pub mod executions;
pub mod executors;
pub mod preview;
pub mod schedules;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::router::AppState;

/// The largest request body the API reads (a schedule's own body may be 64 KiB).
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// The API's routes, to be nested under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/schedules", post(schedules::create).get(schedules::list))
        .route(
            "/schedules/{id}",
            get(schedules::get)
                .put(schedules::replace)
                .patch(schedules::patch)
                .delete(schedules::delete),
        )
        .route("/schedules/{id}/pause", post(schedules::pause))
        .route("/schedules/{id}/resume", post(schedules::resume))
        .route("/schedules/{id}/trigger", post(schedules::trigger))
        .route("/schedules/{id}/rearm", post(schedules::rearm))
        .route("/schedules/{id}/executions", get(executions::list))
        .route("/dead-letters", get(schedules::dead_letters))
        .route("/executors", get(executors::list))
        .route("/preview", get(preview::preview))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
}
