//! Crontab import: the plan (nothing written) and the confirmed import.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use scheduleman::crontab::{ImportDone, ImportPlan, ImportRequest};

use crate::error::AppError;

/// What importing the crontab would do, line by line; writes nothing.
#[server(prefix = "/rpc", input = Json)]
pub async fn preview_crontab(request: ImportRequest) -> Result<ImportPlan, AppError> {
    let (pool, targets) = (super::pool()?, super::targets()?);
    Ok(scheduleman::commands::import::plan(&pool, &targets, &super::actor()?, &request).await?)
}

/// Imports the crontab if the plan is still the one previewed (`digest`).
#[server(prefix = "/rpc", input = Json)]
pub async fn import_crontab(
    request: ImportRequest,
    digest: String,
) -> Result<ImportDone, AppError> {
    let (pool, targets) = (super::pool()?, super::targets()?);
    Ok(
        scheduleman::commands::import::apply(&pool, &targets, &super::actor()?, &request, &digest)
            .await?,
    )
}
