//! The dashboard's headline figures.

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;
use scheduleman::overview::Overview;

use crate::error::AppError;

/// Counts of schedules by state and of live executors: a few seconds old at most, or read
/// afresh when `fresh` (a person pressed Refresh).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn get_overview(fresh: bool) -> Result<Overview, AppError> {
    let pool = super::pool()?;
    let cache = super::context::<std::sync::Arc<scheduleman::commands::OverviewCache>>()?;
    Ok(cache.read(&pool, &super::actor()?, fresh).await?)
}
