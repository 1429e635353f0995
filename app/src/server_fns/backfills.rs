//! A schedule's backfills: preview or start one, list them with their progress, cancel one.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use scheduleman::model::{BackfillRequest, BackfillView};
use uuid::Uuid;

use crate::error::AppError;

/// Starts a backfill of schedule `id` (with `dry_run`, only says what it would fire).
#[server(prefix = "/rpc", input = Json)]
pub async fn start_backfill(id: Uuid, request: BackfillRequest) -> Result<BackfillView, AppError> {
    Ok(
        scheduleman::commands::backfills::backfill(&super::pool()?, &super::actor()?, id, &request)
            .await?,
    )
}

/// The schedule's latest backfills, newest first.
#[server(prefix = "/rpc")]
pub async fn list_backfills(id: Uuid) -> Result<Vec<BackfillView>, AppError> {
    Ok(scheduleman::commands::backfills::list(&super::pool()?, &super::actor()?, id).await?)
}

/// Cancels a running backfill.
#[server(prefix = "/rpc")]
pub async fn cancel_backfill(id: Uuid, backfill_id: Uuid) -> Result<BackfillView, AppError> {
    Ok(
        scheduleman::commands::backfills::cancel(
            &super::pool()?,
            &super::actor()?,
            id,
            backfill_id,
        )
        .await?,
    )
}
