//! A schedule's backfills: preview or start one, list them with their progress, cancel one.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, Postcard};
use scheduleman::model::BackfillRequest;
use uuid::Uuid;

use crate::error::AppError;
use crate::wire::BackfillCard;

/// Starts a backfill of schedule `id` (with `dry_run`, only says what it would fire).
#[server(prefix = "/rpc", input = Json, output = Postcard)]
pub async fn start_backfill(id: Uuid, request: BackfillRequest) -> Result<BackfillCard, AppError> {
    Ok(BackfillCard(
        scheduleman::commands::backfills::backfill(&super::pool()?, &super::actor()?, id, &request)
            .await?,
    ))
}

/// The schedule's latest backfills, newest first.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_backfills(id: Uuid) -> Result<Vec<BackfillCard>, AppError> {
    let (pool, actor) = (super::pool()?, super::actor()?);
    let listed = scheduleman::commands::backfills::list(&pool, &actor, id).await?;
    Ok(listed.into_iter().map(BackfillCard).collect())
}

/// Cancels a running backfill.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn cancel_backfill(id: Uuid, backfill_id: Uuid) -> Result<BackfillCard, AppError> {
    Ok(BackfillCard(
        scheduleman::commands::backfills::cancel(
            &super::pool()?,
            &super::actor()?,
            id,
            backfill_id,
        )
        .await?,
    ))
}
