//! `alert_channels` and `alert_rules`: where alerts go, and each schedule's routing and mute.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{AlertRule, ChannelFormat, ChannelRequest, ChannelView};

/// A channel with the secret its deliveries are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelWithSecret {
    /// The channel.
    pub view: ChannelView,
    /// Its signing secret.
    pub signing_secret: String,
}

/// Stores a new channel in the caller's transaction.
pub async fn insert(
    tx: &mut PgConnection,
    request: &ChannelRequest,
    signing_secret: &str,
) -> Result<ChannelView, sqlx::Error> {
    sqlx::query_as!(
        ChannelView,
        r#"
        INSERT INTO alert_channels (name, format, url, signing_secret, is_default)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING id, name, url, format AS "format: ChannelFormat", is_default AS "default",
                  created_at
        "#,
        request.name,
        request.format.as_str(),
        request.url,
        signing_secret,
        request.default,
    )
    .fetch_one(&mut *tx)
    .await
}

/// Replaces channel `id`'s settings in the caller's transaction (its secret stays); the
/// channel before, or `None` when there is none.
pub async fn update(
    tx: &mut PgConnection,
    id: Uuid,
    request: &ChannelRequest,
) -> Result<Option<(ChannelView, ChannelView)>, sqlx::Error> {
    let Some(before) = sqlx::query_as!(
        ChannelView,
        r#"
        SELECT id, name, url, format AS "format: ChannelFormat", is_default AS "default",
               created_at
        FROM alert_channels WHERE id = $1 FOR UPDATE
        "#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let after = sqlx::query_as!(
        ChannelView,
        r#"
        UPDATE alert_channels SET name = $2, format = $3, url = $4, is_default = $5
        WHERE id = $1
        RETURNING id, name, url, format AS "format: ChannelFormat", is_default AS "default",
                  created_at
        "#,
        id,
        request.name,
        request.format.as_str(),
        request.url,
        request.default,
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(Some((before, after)))
}

/// Deletes channel `id` (and its deliveries) in the caller's transaction; the channel as
/// it was.
pub async fn delete(tx: &mut PgConnection, id: Uuid) -> Result<Option<ChannelView>, sqlx::Error> {
    sqlx::query_as!(
        ChannelView,
        r#"
        DELETE FROM alert_channels WHERE id = $1
        RETURNING id, name, url, format AS "format: ChannelFormat", is_default AS "default",
                  created_at
        "#,
        id
    )
    .fetch_optional(&mut *tx)
    .await
}

/// Every channel, by name.
pub async fn list(pool: &PgPool) -> Result<Vec<ChannelView>, sqlx::Error> {
    sqlx::query_as!(
        ChannelView,
        r#"
        SELECT id, name, url, format AS "format: ChannelFormat", is_default AS "default",
               created_at
        FROM alert_channels ORDER BY name, id
        "#
    )
    .fetch_all(pool)
    .await
}

/// Channel `id` with its signing secret.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<ChannelWithSecret>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"
        SELECT id, name, url, format AS "format: ChannelFormat", is_default, created_at,
               signing_secret
        FROM alert_channels WHERE id = $1
        "#,
        id
    )
    .fetch_optional(pool)
    .await?
    .map(|row| ChannelWithSecret {
        view: ChannelView {
            id: row.id,
            name: row.name,
            url: row.url,
            format: row.format,
            default: row.is_default,
            created_at: row.created_at,
        },
        signing_secret: row.signing_secret,
    }))
}

/// Which of `ids` are channels.
pub async fn existing(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT id FROM alert_channels WHERE id = ANY($1)", ids)
        .fetch_all(pool)
        .await
}

/// Schedule `id`'s alert rule (all defaults when it has none).
pub async fn rule(pool: &PgPool, schedule_id: Uuid) -> Result<AlertRule, sqlx::Error> {
    Ok(sqlx::query_as!(
        AlertRule,
        r#"
        SELECT channel_ids AS channels, muted_until, failing_after
        FROM alert_rules WHERE schedule_id = $1
        "#,
        schedule_id
    )
    .fetch_optional(pool)
    .await?
    .unwrap_or_default())
}

/// Sets schedule `id`'s alert rule in the caller's transaction (all defaults: no row); the
/// rule before.
pub async fn set_rule(
    tx: &mut PgConnection,
    schedule_id: Uuid,
    rule: &AlertRule,
) -> Result<AlertRule, sqlx::Error> {
    let before = sqlx::query_as!(
        AlertRule,
        r#"
        DELETE FROM alert_rules WHERE schedule_id = $1
        RETURNING channel_ids AS channels, muted_until, failing_after
        "#,
        schedule_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or_default();
    if *rule != AlertRule::default() {
        sqlx::query!(
            r#"
            INSERT INTO alert_rules (schedule_id, channel_ids, muted_until, failing_after)
            VALUES ($1, $2, $3, $4)
            "#,
            schedule_id,
            rule.channels.as_deref(),
            rule.muted_until,
            rule.failing_after,
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(before)
}
