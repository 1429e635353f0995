//! Crontab import: the plan (nothing written) and the confirmed import.

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;
use scheduleman::crontab::{ImportDone, ImportPlan};
use serde::{Deserialize, Serialize};

use crate::components::fires::FireReading;
use crate::error::AppError;
use crate::wire::ImportRequestCard;

/// The plan as the import page shows it: each line's next fires read in its zone here,
/// where the zone tables are (the page's code has none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPreview {
    /// The plan, its lines' fires moved to `fires`.
    #[serde(with = "crate::wire::ImportPlanDef")]
    pub plan: ImportPlan,
    /// The next fires of each line of the plan, in order.
    pub fires: Vec<Vec<FireReading>>,
}

#[cfg(feature = "ssr")]
impl PlanPreview {
    /// `plan` with each line's fires read in the line's zone.
    fn of(mut plan: ImportPlan) -> Self {
        use scheduleman::crontab::LineItem;
        use scheduleman::schedule::zone;
        let fires = plan
            .lines
            .iter_mut()
            .map(|line| {
                let line_zone = match &line.line.item {
                    LineItem::Entry(entry) => zone::parse(&entry.tz).unwrap_or(chrono_tz::Tz::UTC),
                    _ => chrono_tz::Tz::UTC,
                };
                std::mem::take(&mut line.fires)
                    .iter()
                    .map(|fire| FireReading::read(fire, line_zone))
                    .collect()
            })
            .collect();
        Self { plan, fires }
    }
}

/// What importing the crontab would do, line by line; writes nothing (in postcard both ways:
/// [`crate::wire`]).
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn preview_crontab(request: ImportRequestCard) -> Result<PlanPreview, AppError> {
    let ImportRequestCard(request) = request;
    let (pool, targets) = (super::pool()?, super::targets()?);
    let plan =
        scheduleman::commands::import::plan(&pool, &targets, &super::actor()?, &request).await?;
    Ok(PlanPreview::of(plan))
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
