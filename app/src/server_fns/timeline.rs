//! The timeline: every fire due in the next 24 hours.

use leptos::prelude::*;
use scheduleman::timeline::Timeline;

use crate::error::AppError;

/// How far ahead the timeline looks.
pub const TIMELINE_HOURS: i64 = 24;

/// Every fire due in the next 24 hours, dense schedules as bands.
#[server(prefix = "/rpc")]
pub async fn get_timeline() -> Result<Timeline, AppError> {
    Ok(scheduleman::commands::timeline(&super::pool()?, TIMELINE_HOURS).await?)
}
