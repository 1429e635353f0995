//! The timeline: every fire due in the next 24 hours.

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;
use scheduleman::timeline::Timeline;

use crate::error::AppError;

/// A page of every fire due in the next 24 hours, dense schedules as bands (drawn at most
/// every few seconds however many look).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn get_timeline(page: Option<usize>) -> Result<Timeline, AppError> {
    let cache = super::context::<std::sync::Arc<scheduleman::commands::TimelineCache>>()?;
    Ok(cache
        .read_page(&super::pool()?, &super::actor()?, page.unwrap_or(1))
        .await?)
}
