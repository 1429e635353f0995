//! A schedule's attempt history, and its punctuality and health computed from it: parts of
//! its page that only show data, so they arrive rendered ([`crate::server_html`]).

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;
use uuid::Uuid;

use crate::error::AppError;
use crate::server_html::ServerHtml;

/// Attempts per page of the history.
pub const HISTORY_PAGE: usize = 25;

/// One page of attempts, newest first, older than the row id `before`, as the history table
/// (or, on the first page of a schedule that never fired, a line saying so); and where the
/// next (older) page starts.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn history_part(
    schedule_id: Uuid,
    before: Option<i64>,
) -> Result<(ServerHtml, Option<i64>), AppError> {
    use leptos::either::Either;

    use crate::components::history::History;

    let page = scheduleman::commands::history(
        &super::pool()?,
        &super::actor()?,
        schedule_id,
        before,
        HISTORY_PAGE,
    )
    .await?;
    let rows = page.items;
    let html = ServerHtml::render(move || {
        if rows.is_empty() && before.is_none() {
            Either::Left(view! { <p class="mt-2 text-sm text-slate-500">"No attempts yet."</p> })
        } else {
            Either::Right(view! { <History rows=rows /> })
        }
    });
    Ok((html, page.next))
}

/// A schedule's lag and success over the last 24 hours and 7 days, hour by hour for a day,
/// as its page shows them.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn punctuality_part(schedule_id: Uuid) -> Result<ServerHtml, AppError> {
    use crate::components::punctuality::PunctualityPanel;

    let pool = super::pool()?;
    let figures = scheduleman::commands::punctuality(&pool, &super::actor()?, schedule_id).await?;
    let now = chrono::Utc::now();
    Ok(ServerHtml::render(move || {
        view! { <PunctualityPanel figures=figures now=now /> }
    }))
}
