//! The executors alive.

use leptos::prelude::*;
use scheduleman::model::ExecutorView;

use crate::error::AppError;

/// Executors with a recent heartbeat, by id.
#[server(prefix = "/rpc")]
pub async fn list_executors() -> Result<Vec<ExecutorView>, AppError> {
    Ok(scheduleman::commands::live_executors(&super::pool()?, &super::actor()?).await?)
}
