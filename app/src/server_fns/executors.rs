//! The executors alive.

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;

use crate::error::AppError;
use crate::wire::ExecutorCard;

/// Executors with a recent heartbeat, by id.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_executors() -> Result<Vec<ExecutorCard>, AppError> {
    let (pool, actor) = (super::pool()?, super::actor()?);
    let executors = scheduleman::commands::live_executors(&pool, &actor).await?;
    Ok(executors.into_iter().map(ExecutorCard).collect())
}
