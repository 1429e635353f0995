//! `alert_deliveries`, the outbox: queued in the transaction that opens or resolves an
//! incident, claimed by one server at a time (`FOR UPDATE SKIP LOCKED`, held while sending),
//! retried with backoff, and kept with their outcome for the UI.

use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{ChannelFormat, DeliveryKind, DeliveryStatus, DeliveryView};

/// Queues the `open` alerts of incidents `(id, subject, payload)`: to the subject
/// schedule's own channels, or the default set; none while the schedule is muted.
pub async fn queue_open(
    tx: &mut PgConnection,
    incidents: &[(Uuid, Uuid, serde_json::Value)],
) -> Result<u64, sqlx::Error> {
    if incidents.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = incidents.iter().map(|i| i.0).collect();
    let subjects: Vec<Uuid> = incidents.iter().map(|i| i.1).collect();
    let payloads: Vec<serde_json::Value> = incidents.iter().map(|i| i.2.clone()).collect();
    Ok(sqlx::query!(
        r#"
        INSERT INTO alert_deliveries (incident_id, channel_id, kind, payload)
        SELECT t.id, c.id, 'open', t.payload
        FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[]) AS t(id, subject, payload)
        LEFT JOIN alert_rules AS r ON r.schedule_id = t.subject
        JOIN alert_channels AS c
          ON CASE WHEN r.channel_ids IS NOT NULL THEN c.id = ANY (r.channel_ids)
                  ELSE c.is_default END
        WHERE r.muted_until IS NULL OR r.muted_until <= now()
        "#,
        &ids,
        &subjects,
        &payloads,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

/// Queues the `resolved` alerts of incidents `(id, payload)`: to every channel their
/// `open` alert was queued for.
pub async fn queue_resolved(
    tx: &mut PgConnection,
    incidents: &[(Uuid, serde_json::Value)],
) -> Result<u64, sqlx::Error> {
    if incidents.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = incidents.iter().map(|i| i.0).collect();
    let payloads: Vec<serde_json::Value> = incidents.iter().map(|i| i.1.clone()).collect();
    Ok(sqlx::query!(
        r#"
        INSERT INTO alert_deliveries (incident_id, channel_id, kind, payload)
        SELECT DISTINCT t.id, d.channel_id, 'resolved', t.payload
        FROM unnest($1::uuid[], $2::jsonb[]) AS t(id, payload)
        JOIN alert_deliveries AS d ON d.incident_id = t.id AND d.kind = 'open'
        "#,
        &ids,
        &payloads,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

/// A delivery claimed for sending, with where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The delivery.
    pub id: Uuid,
    /// Attempts made before this one.
    pub attempts: i32,
    /// What it says.
    pub payload: serde_json::Value,
    /// The channel's name.
    pub channel: String,
    /// Its format.
    pub format: ChannelFormat,
    /// Its URL (or `mailto:`).
    pub url: String,
    /// Its signing secret.
    pub signing_secret: String,
}

/// Claims up to `limit` due deliveries in the caller's transaction: locked until it ends,
/// skipped by every other server meanwhile.
pub async fn claim(tx: &mut PgConnection, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"
        SELECT d.id, d.attempts, d.payload, c.name AS channel,
               c.format AS "format: ChannelFormat", c.url, c.signing_secret
        FROM alert_deliveries AS d JOIN alert_channels AS c ON c.id = d.channel_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
        ORDER BY d.next_attempt_at
        LIMIT $1
        FOR UPDATE OF d SKIP LOCKED
        "#,
        limit
    )
    .fetch_all(&mut *tx)
    .await
}

/// How one attempt at a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The delivery.
    pub id: Uuid,
    /// Why it failed; `None` when the channel took it.
    pub error: Option<String>,
    /// When a failed delivery is tried again; `None` when it is given up.
    pub retry_in: Option<Duration>,
}

/// Records attempts in the caller's transaction: sent, retried later, or failed for good.
pub async fn finish(tx: &mut PgConnection, attempts: &[Attempt]) -> Result<(), sqlx::Error> {
    if attempts.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = attempts.iter().map(|a| a.id).collect();
    let errors: Vec<Option<String>> = attempts.iter().map(|a| a.error.clone()).collect();
    let retry: Vec<Option<f64>> = attempts
        .iter()
        .map(|a| a.retry_in.map(|wait| wait.as_secs_f64()))
        .collect();
    sqlx::query!(
        r#"
        UPDATE alert_deliveries AS d
        SET attempts = d.attempts + 1,
            last_error = t.error,
            status = CASE WHEN t.error IS NULL THEN 'sent'
                          WHEN t.retry IS NULL THEN 'failed'
                          ELSE 'pending' END,
            sent_at = CASE WHEN t.error IS NULL THEN now() END,
            next_attempt_at = CASE WHEN t.retry IS NULL THEN d.next_attempt_at
                                   ELSE now() + make_interval(secs => t.retry) END
        FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS t(id, error, retry)
        WHERE d.id = t.id
        "#,
        &ids,
        &errors as &[Option<String>],
        &retry as &[Option<f64>],
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records a test alert to `channel_id` that was sent at once: `error` says why it failed.
pub async fn record_test(
    pool: &PgPool,
    channel_id: Uuid,
    id: Uuid,
    payload: &serde_json::Value,
    error: Option<&str>,
) -> Result<DeliveryView, sqlx::Error> {
    sqlx::query_as!(
        DeliveryView,
        r#"
        WITH inserted AS (
            INSERT INTO alert_deliveries (id, channel_id, kind, payload, status, attempts,
                                          last_error, sent_at)
            VALUES ($1, $2, 'test', $3, CASE WHEN $4::text IS NULL THEN 'sent' ELSE 'failed' END,
                    1, $4, CASE WHEN $4::text IS NULL THEN now() END)
            RETURNING *
        )
        SELECT d.id, d.incident_id, NULL::text AS event, d.channel_id, c.name AS channel,
               d.kind AS "kind: DeliveryKind", d.status AS "status: DeliveryStatus",
               d.attempts, d.last_error, d.created_at, d.sent_at
        FROM inserted AS d JOIN alert_channels AS c ON c.id = d.channel_id
        "#,
        id,
        channel_id,
        payload,
        error,
    )
    .fetch_one(pool)
    .await
}

/// The `limit` most recent deliveries, newest first, of incident `incident` when given.
pub async fn recent(
    pool: &PgPool,
    incident: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DeliveryView>, sqlx::Error> {
    sqlx::query_as!(
        DeliveryView,
        r#"
        SELECT d.id, d.incident_id, i.event AS "event?", d.channel_id, c.name AS channel,
               d.kind AS "kind: DeliveryKind", d.status AS "status: DeliveryStatus",
               d.attempts, d.last_error, d.created_at, d.sent_at
        FROM alert_deliveries AS d
        JOIN alert_channels AS c ON c.id = d.channel_id
        LEFT JOIN incidents AS i ON i.id = d.incident_id
        WHERE $1::uuid IS NULL OR d.incident_id = $1
        ORDER BY d.created_at DESC, d.id
        LIMIT $2
        "#,
        incident,
        limit,
    )
    .fetch_all(pool)
    .await
}
