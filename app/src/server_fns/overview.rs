//! The dashboard's headline figures.

use leptos::prelude::*;
use scheduleman::overview::Overview;

use crate::error::AppError;

/// Counts of schedules by state and of live executors.
#[server(prefix = "/rpc")]
pub async fn get_overview() -> Result<Overview, AppError> {
    let pool = super::pool()?;
    Ok(scheduleman::store::overview::read(&pool, chrono::Utc::now()).await?)
}
