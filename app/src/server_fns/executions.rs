//! A schedule's attempt history, and its punctuality and health computed from it.

use leptos::prelude::*;
use scheduleman::model::ExecutionView;
use scheduleman::punctuality::Punctuality;
use uuid::Uuid;

use crate::error::AppError;

/// Attempts per page of the history.
pub const HISTORY_PAGE: i64 = 25;

/// One page of attempts, newest first, older than the row id `before`.
#[server(prefix = "/rpc")]
pub async fn list_executions(
    schedule_id: Uuid,
    before: Option<i64>,
) -> Result<Vec<ExecutionView>, AppError> {
    let pool = super::pool()?;
    Ok(
        scheduleman::store::executions::list_for_schedule(&pool, schedule_id, before, HISTORY_PAGE)
            .await?,
    )
}

/// A schedule's lag and success over the last 24 hours and 7 days, hour by hour for a day.
#[server(prefix = "/rpc")]
pub async fn get_punctuality(schedule_id: Uuid) -> Result<Punctuality, AppError> {
    let pool = super::pool()?;
    Ok(scheduleman::commands::punctuality(&pool, schedule_id).await?)
}
