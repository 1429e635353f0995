//! The executors alive.

use leptos::prelude::*;
use scheduleman::model::ExecutorView;

use crate::error::AppError;

/// Executors with a recent heartbeat, by id.
#[server(prefix = "/rpc")]
pub async fn list_executors() -> Result<Vec<ExecutorView>, AppError> {
    use scheduleman::store::overview::ALIVE_WINDOW;
    let since = chrono::Utc::now() - ALIVE_WINDOW;
    Ok(scheduleman::store::executors::list_alive(&super::pool()?, since).await?)
}
