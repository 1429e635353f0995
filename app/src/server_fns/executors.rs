//! The executors alive.

use executor::model::ExecutorView;
use leptos::prelude::*;

use crate::error::AppError;

/// Executors with a recent heartbeat, by id.
#[server(prefix = "/rpc")]
pub async fn list_executors() -> Result<Vec<ExecutorView>, AppError> {
    use executor::store::overview::ALIVE_WINDOW;
    let since = chrono::Utc::now() - ALIVE_WINDOW;
    Ok(executor::store::executors::list_alive(&super::pool()?, since).await?)
}
