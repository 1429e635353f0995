//! Alerts as people manage them: channels (admin: create, change, delete, send a test
//! alert), each schedule's routing and mute (operate), and the incidents and deliveries
//! (anyone who may read). Channel URLs pass the same target checks as schedules; every
//! change is in the audit log.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{change, record};
use super::CommandError;
use crate::access::{Actor, Role};
use crate::alerts::{payload, smtp, ChannelTarget, Deliverer};
use crate::model::{
    AlertRule, ChannelFormat, ChannelRequest, ChannelView, CreatedChannel, DeliveryView,
    IncidentView, OpenIncidents,
};
use crate::ssrf::TargetGuard;
use crate::store::alerts::{channels, incidents, outbox};
use crate::validate::FieldError;

pub use crate::store::alerts::incidents::IncidentFilter;

/// Most incidents or deliveries one listing holds.
pub const MAX_LISTED: usize = 200;

fn invalid(field: &str, reason: impl Into<String>) -> CommandError {
    CommandError::Invalid(vec![FieldError {
        field: field.into(),
        reason: reason.into(),
    }])
}

/// `request` checked: its name, and its URL as its format needs.
async fn checked(
    targets: &TargetGuard,
    deliverer: &Deliverer,
    request: &ChannelRequest,
) -> Result<ChannelRequest, CommandError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "name the channel (1–200 characters, no control characters)",
        ));
    }
    let url = request.url.trim();
    if url.len() > 2048 {
        return Err(invalid("url", "the URL is longer than 2048 bytes"));
    }
    match request.format {
        ChannelFormat::Email => {
            if !deliverer.email_enabled() {
                return Err(invalid(
                    "format",
                    "email alerts need SCHEDULEMAN_SMTP_URL, which this server does not have",
                ));
            }
            smtp::recipients(url).map_err(|error| invalid("url", error.to_string()))?;
        }
        ChannelFormat::Json | ChannelFormat::Slack => {
            let parsed = url::Url::parse(url)
                .map_err(|error| invalid("url", format!("{url:?} is not a URL ({error})")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(invalid("url", "a webhook channel's URL is http or https"));
            }
            targets
                .check_url(url)
                .await
                .map_err(|refusal| invalid("url", refusal.to_string()))?;
        }
    }
    Ok(ChannelRequest {
        name: name.to_owned(),
        url: url.to_owned(),
        ..request.clone()
    })
}

/// Creates a channel (admin); its signing secret is in the answer, once.
pub async fn create_channel(
    pool: &PgPool,
    targets: &TargetGuard,
    deliverer: &Deliverer,
    actor: &Actor,
    request: &ChannelRequest,
) -> Result<CreatedChannel, CommandError> {
    actor.require(Role::Admin)?;
    let request = checked(targets, deliverer, request).await?;
    let secret = crate::signature::new_secret();
    let mut tx = pool.begin().await?;
    let channel = channels::insert(&mut tx, &request, &secret).await?;
    let changes = serde_json::json!({
        "name": {"after": channel.name}, "url": {"after": channel.url},
        "format": {"after": channel.format}, "default": {"after": channel.default},
    });
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "channel.create",
            Some("channel"),
            Some(channel.id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedChannel {
        channel,
        signing_secret: secret,
    })
}

/// Changes a channel's name, URL, format or default membership (admin).
pub async fn replace_channel(
    pool: &PgPool,
    targets: &TargetGuard,
    deliverer: &Deliverer,
    actor: &Actor,
    id: Uuid,
    request: &ChannelRequest,
) -> Result<ChannelView, CommandError> {
    actor.require(Role::Admin)?;
    let request = checked(targets, deliverer, request).await?;
    let mut tx = pool.begin().await?;
    let (before, after) = channels::update(&mut tx, id, &request)
        .await?
        .ok_or(CommandError::NoSuchChannel(id))?;
    let mut changes = serde_json::Map::new();
    let (old, new) = (serde_json::to_value(&before), serde_json::to_value(&after));
    if let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) = (old, new) {
        for (field, value) in &new {
            if old.get(field) != Some(value) {
                changes.insert(
                    field.clone(),
                    serde_json::json!({"before": old.get(field), "after": value}),
                );
            }
        }
    }
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "channel.update",
            Some("channel"),
            Some(id),
            changes.into(),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a channel and its deliveries (admin).
pub async fn delete_channel(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<(), CommandError> {
    actor.require(Role::Admin)?;
    let mut tx = pool.begin().await?;
    let gone = channels::delete(&mut tx, id)
        .await?
        .ok_or(CommandError::NoSuchChannel(id))?;
    let changes = serde_json::json!({"name": {"before": gone.name}, "url": {"before": gone.url}});
    record(
        &mut tx,
        actor,
        None,
        &[change("channel.delete", Some("channel"), Some(id), changes)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every channel, by name.
pub async fn channels(pool: &PgPool, actor: &Actor) -> Result<Vec<ChannelView>, CommandError> {
    actor.require(Role::Read)?;
    Ok(channels::list(pool).await?)
}

/// Sends a test alert to channel `id` now (admin), and records how it went.
pub async fn test_channel(
    pool: &PgPool,
    deliverer: &Deliverer,
    actor: &Actor,
    id: Uuid,
) -> Result<DeliveryView, CommandError> {
    actor.require(Role::Admin)?;
    let channel = channels::get(pool, id)
        .await?
        .ok_or(CommandError::NoSuchChannel(id))?;
    let payload = payload::test(&channel.view.name, Utc::now());
    let delivery = Uuid::new_v4();
    let target = ChannelTarget {
        name: &channel.view.name,
        format: channel.view.format,
        url: &channel.view.url,
        signing_secret: &channel.signing_secret,
    };
    let outcome = deliverer.deliver(target, delivery, 1, &payload).await;
    let json = serde_json::to_value(&payload).unwrap_or_default();
    Ok(outbox::record_test(pool, id, delivery, &json, outcome.err().as_deref()).await?)
}

/// Incidents, newest first, at most [`MAX_LISTED`].
pub async fn incidents(
    pool: &PgPool,
    actor: &Actor,
    filter: IncidentFilter,
) -> Result<Vec<IncidentView>, CommandError> {
    actor.require(Role::Read)?;
    Ok(incidents::list(pool, filter, MAX_LISTED as i64).await?)
}

/// How many incidents are open (the header's badge).
pub async fn open_incidents(pool: &PgPool, actor: &Actor) -> Result<OpenIncidents, CommandError> {
    actor.require(Role::Read)?;
    Ok(OpenIncidents {
        open: incidents::open_count(pool).await?,
    })
}

/// The most recent deliveries, newest first, at most [`MAX_LISTED`].
pub async fn deliveries(pool: &PgPool, actor: &Actor) -> Result<Vec<DeliveryView>, CommandError> {
    actor.require(Role::Read)?;
    Ok(outbox::recent(pool, None, MAX_LISTED as i64).await?)
}

/// Schedule `id`'s alert routing.
pub async fn rule(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<AlertRule, CommandError> {
    super::require_exists(pool, actor, id).await?;
    Ok(channels::rule(pool, id).await?)
}

/// Sets schedule `id`'s alert routing and mute (operate).
pub async fn set_rule(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    rule: &AlertRule,
) -> Result<AlertRule, CommandError> {
    actor.require(Role::Operate)?;
    super::require_exists(pool, actor, id).await?;
    if let Some(after) = rule.failing_after {
        if !(1..=1000).contains(&after) {
            return Err(invalid("failing_after", format!("{after} is not 1–1000")));
        }
    }
    if let Some(wanted) = &rule.channels {
        let mut wanted = wanted.clone();
        wanted.sort_unstable();
        wanted.dedup();
        let found = channels::existing(pool, &wanted).await?;
        if let Some(missing) = wanted.iter().find(|id| !found.contains(id)) {
            return Err(invalid(
                "channels",
                format!("there is no channel {missing}"),
            ));
        }
    }
    let mut tx = pool.begin().await?;
    let before = channels::set_rule(&mut tx, id, rule).await?;
    let changes = serde_json::json!({"alerts": {"before": before, "after": rule}});
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "schedule.alerts",
            Some("schedule"),
            Some(id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(rule.clone())
}
