//! The JSON HTTP API under `/api/v1`.

pub mod error;
pub mod preview;

use axum::routing::get;
use axum::Router;

use crate::router::AppState;

/// The API's routes, to be nested under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/preview", get(preview::preview))
}
