//! Alerts: channels, incidents, deliveries, and a schedule's routing and mute.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, Postcard};
use scheduleman::model::{AlertRule, ChannelRequest};
use uuid::Uuid;

use crate::error::AppError;
use crate::server_html::ServerHtml;
use crate::wire::{AlertRuleCard, ChannelCard, CreatedChannelCard, DeliveryCard, IncidentCard};

#[cfg(feature = "ssr")]
fn deliverer() -> Result<std::sync::Arc<scheduleman::alerts::Deliverer>, AppError> {
    super::context()
}

/// Every channel, by name.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_channels() -> Result<Vec<ChannelCard>, AppError> {
    let (pool, actor) = (super::pool()?, super::actor()?);
    let channels = scheduleman::commands::alerts::channels(&pool, &actor).await?;
    Ok(channels.into_iter().map(ChannelCard).collect())
}

/// Creates a channel (admin); its signing secret is in the answer, once.
#[server(prefix = "/rpc", input = Json, output = Postcard)]
pub async fn create_channel(request: ChannelRequest) -> Result<CreatedChannelCard, AppError> {
    let (pool, targets, deliverer) = (super::pool()?, super::targets()?, deliverer()?);
    Ok(CreatedChannelCard(
        scheduleman::commands::alerts::create_channel(
            &pool,
            &targets,
            &deliverer,
            &super::actor()?,
            &request,
        )
        .await?,
    ))
}

/// Deletes a channel (admin).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn delete_channel(id: Uuid) -> Result<(), AppError> {
    Ok(
        scheduleman::commands::alerts::delete_channel(&super::pool()?, &super::actor()?, id)
            .await?,
    )
}

/// Sends a test alert to a channel now (admin); how it went.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn test_channel(id: Uuid) -> Result<DeliveryCard, AppError> {
    let (pool, deliverer) = (super::pool()?, deliverer()?);
    Ok(DeliveryCard(
        scheduleman::commands::alerts::test_channel(&pool, &deliverer, &super::actor()?, id)
            .await?,
    ))
}

/// Incidents, newest first: open ones only when `open`, one schedule's when `schedule_id`.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_incidents(
    open: Option<bool>,
    schedule_id: Option<Uuid>,
) -> Result<Vec<IncidentCard>, AppError> {
    let filter = scheduleman::commands::alerts::IncidentFilter { open, schedule_id };
    let (pool, actor) = (super::pool()?, super::actor()?);
    let incidents = scheduleman::commands::alerts::incidents(&pool, &actor, filter).await?;
    Ok(incidents.into_iter().map(IncidentCard).collect())
}

/// A schedule's incidents as its page shows them: the table, or a line saying there are
/// none ([`crate::server_html`]).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn schedule_incidents_part(schedule_id: Uuid) -> Result<ServerHtml, AppError> {
    use leptos::either::Either;

    use crate::components::incidents::IncidentTable;

    let filter = scheduleman::commands::alerts::IncidentFilter {
        open: None,
        schedule_id: Some(schedule_id),
    };
    let (pool, actor) = (super::pool()?, super::actor()?);
    let incidents = scheduleman::commands::alerts::incidents(&pool, &actor, filter).await?;
    Ok(ServerHtml::render(move || {
        if incidents.is_empty() {
            Either::Left(view! { <p class="mt-2 text-sm text-slate-500">"No incident."</p> })
        } else {
            Either::Right(view! { <IncidentTable incidents id="schedule-incidents" /> })
        }
    }))
}

/// The most recent deliveries and how each went.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_deliveries() -> Result<Vec<DeliveryCard>, AppError> {
    let (pool, actor) = (super::pool()?, super::actor()?);
    let deliveries = scheduleman::commands::alerts::deliveries(&pool, &actor).await?;
    Ok(deliveries.into_iter().map(DeliveryCard).collect())
}

/// How many incidents are open (the header's badge).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn open_incident_count() -> Result<i64, AppError> {
    let open =
        scheduleman::commands::alerts::open_incidents(&super::pool()?, &super::actor()?).await?;
    Ok(open.open)
}

/// A schedule's alert routing and mute.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn get_alert_rule(id: Uuid) -> Result<AlertRuleCard, AppError> {
    Ok(AlertRuleCard(
        scheduleman::commands::alerts::rule(&super::pool()?, &super::actor()?, id).await?,
    ))
}

/// Sets a schedule's alert routing and mute (operate).
#[server(prefix = "/rpc", input = Json, output = Postcard)]
pub async fn set_alert_rule(id: Uuid, rule: AlertRule) -> Result<AlertRuleCard, AppError> {
    Ok(AlertRuleCard(
        scheduleman::commands::alerts::set_rule(&super::pool()?, &super::actor()?, id, &rule)
            .await?,
    ))
}
