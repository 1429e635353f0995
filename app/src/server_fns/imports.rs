//! Crontab import: the plan (nothing written) and the confirmed import.

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;
use scheduleman::crontab::ImportDone;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::server_html::ServerHtml;
use crate::wire::ImportRequestCard;

/// A plan as the import page shows it: rendered on the server ([`crate::server_html`]),
/// each line's next fires read in its zone there, where the zone tables are; and what the
/// confirm button needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPart {
    /// How many schedules it would create or change.
    pub writes: usize,
    /// How many lines are in error.
    pub errors: usize,
    /// What the plan is: the import is refused if it would differ by then.
    pub digest: String,
    /// Its summary, its lines and the schedules whose line is gone.
    pub html: ServerHtml,
}

/// What importing the crontab would do, line by line; writes nothing (the request in
/// postcard: [`crate::wire`]).
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn preview_crontab(request: ImportRequestCard) -> Result<PlanPart, AppError> {
    use crate::pages::import::PlanTable;

    let ImportRequestCard(request) = request;
    let (pool, targets) = (super::pool()?, super::targets()?);
    let plan =
        scheduleman::commands::import::plan(&pool, &targets, &super::actor()?, &request).await?;
    Ok(PlanPart {
        writes: plan.create + plan.change,
        errors: plan.errors,
        digest: plan.digest.clone(),
        html: ServerHtml::render(move || view! { <PlanTable plan=plan /> }),
    })
}

/// Imports the crontab if the plan is still the one previewed (`digest`).
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn import_crontab(
    request: ImportRequestCard,
    digest: String,
) -> Result<ImportDone, AppError> {
    let ImportRequestCard(request) = request;
    let (pool, targets) = (super::pool()?, super::targets()?);
    Ok(
        scheduleman::commands::import::apply(&pool, &targets, &super::actor()?, &request, &digest)
            .await?,
    )
}
