//! A schedule's attempt history.

use leptos::prelude::*;
use scheduleman::model::ExecutionView;
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
