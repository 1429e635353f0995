//! A schedule's attempt history, and its punctuality and health computed from it.

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::wire::{Attempt, PunctualityCard};

/// Attempts per page of the history.
pub const HISTORY_PAGE: usize = 25;

/// One page of attempts, newest first, older than the row id `before`; and where the next
/// (older) page starts.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_executions(
    schedule_id: Uuid,
    before: Option<i64>,
) -> Result<(Vec<Attempt>, Option<i64>), AppError> {
    let page = scheduleman::commands::history(
        &super::pool()?,
        &super::actor()?,
        schedule_id,
        before,
        HISTORY_PAGE,
    )
    .await?;
    Ok((page.items.into_iter().map(Attempt).collect(), page.next))
}

/// A schedule's lag and success over the last 24 hours and 7 days, hour by hour for a day.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn get_punctuality(schedule_id: Uuid) -> Result<PunctualityCard, AppError> {
    let pool = super::pool()?;
    Ok(PunctualityCard(
        scheduleman::commands::punctuality(&pool, &super::actor()?, schedule_id).await?,
    ))
}
