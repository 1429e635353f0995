//! A schedule's backfills: preview or start one, list them with their progress, cancel one.
//! What they answer is shown as it is, so it arrives rendered ([`crate::server_html`]).

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, Postcard};
use scheduleman::model::BackfillRequest;
use uuid::Uuid;

use crate::error::AppError;
use crate::server_html::ServerHtml;

/// Starts a backfill of schedule `id` (with `dry_run`, only says what it would fire): whether
/// one started, and what it makes, in words.
#[server(prefix = "/rpc", input = Json, output = Postcard)]
pub async fn start_backfill(
    id: Uuid,
    request: BackfillRequest,
) -> Result<(bool, ServerHtml), AppError> {
    use crate::components::backfills::BackfillSummary;

    let view =
        scheduleman::commands::backfills::backfill(&super::pool()?, &super::actor()?, id, &request)
            .await?;
    let started = view.id.is_some();
    Ok((
        started,
        ServerHtml::render(move || view! { <BackfillSummary view=view /> }),
    ))
}

/// The schedule's latest backfills, newest first, with their progress (and, for a role that
/// may operate, a cancel button on each running one: `data-backfill` names it).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn backfills_part(id: Uuid) -> Result<ServerHtml, AppError> {
    use scheduleman::access::Role;

    use crate::components::backfills::BackfillTable;

    let (pool, actor) = (super::pool()?, super::actor()?);
    let listed = scheduleman::commands::backfills::list(&pool, &actor, id).await?;
    let operate = actor.role >= Role::Operate;
    Ok(ServerHtml::render(move || {
        view! { <BackfillTable items=listed operate=operate /> }
    }))
}

/// Cancels a running backfill.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn cancel_backfill(id: Uuid, backfill_id: Uuid) -> Result<(), AppError> {
    scheduleman::commands::backfills::cancel(&super::pool()?, &super::actor()?, id, backfill_id)
        .await?;
    Ok(())
}
