//! Pauses that end by themselves: the executors find those whose `paused_until` has come and
//! make them active again, one executor per schedule (`FOR UPDATE SKIP LOCKED`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::Misfire;
use crate::schedule::StoredTiming;

/// A paused schedule whose pause is over.
#[derive(Debug, Clone, PartialEq)]
pub struct EndedPause {
    /// The schedule.
    pub id: Uuid,
    /// Its timing, or why it cannot be read.
    pub timing: Result<StoredTiming, String>,
    /// What it does with fires missed while paused.
    pub misfire: Misfire,
    /// When it was paused.
    pub paused_at: Option<DateTime<Utc>>,
    /// The database's clock.
    pub now: DateTime<Utc>,
}

/// Up to `limit` schedules whose pause is over, locked in the caller's transaction (both
/// rows of each, skipping any another transaction holds: no waiting, so no lock-order cycle
/// with an edit).
pub async fn ended(tx: &mut PgConnection, limit: i64) -> Result<Vec<EndedPause>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT id, spec::text AS "spec!", misfire AS "misfire: Misfire", paused_at,
               now() AS "now!"
        FROM schedules JOIN schedule_runtime USING (id)
        WHERE state = 'paused' AND paused_until IS NOT NULL AND paused_until <= now()
        ORDER BY paused_until
        LIMIT $1
        FOR UPDATE SKIP LOCKED
        "#,
        limit
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| EndedPause {
            id: row.id,
            timing: serde_json::from_str(&row.spec)
                .map_err(|error| format!("the stored schedule cannot be read: {error}")),
            misfire: row.misfire,
            paused_at: row.paused_at,
            now: row.now,
        })
        .collect())
}

/// Makes schedule `id` active again, next due at `next_run_at` (completed when `None`), in
/// the caller's transaction.
pub async fn resume(
    tx: &mut PgConnection,
    id: Uuid,
    next_run_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        WITH runtime AS (
            UPDATE schedule_runtime
            SET state = CASE WHEN $2::timestamptz IS NULL THEN 'completed' ELSE 'active' END,
                next_run_at = $2, paused_until = NULL, attempt = 0, fire_at = NULL,
                execution_id = NULL, claimed_by = NULL, claim_token = NULL, lease_until = NULL
            WHERE id = $1 AND state = 'paused'
            RETURNING id
        )
        UPDATE schedules AS s
        SET paused_at = NULL, paused_by = NULL, pause_note = NULL, version = version + 1,
            updated_at = now()
        FROM runtime WHERE s.id = runtime.id
        "#,
        id,
        next_run_at
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Leaves schedule `id` paused but forgets its end (its timing cannot be read: a person
/// must look), in the caller's transaction.
pub async fn keep_paused(tx: &mut PgConnection, id: Uuid, why: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        WITH runtime AS (
            UPDATE schedule_runtime SET paused_until = NULL, last_error = $2
            WHERE id = $1 AND state = 'paused'
            RETURNING id
        )
        UPDATE schedules AS s SET updated_at = now() FROM runtime WHERE s.id = runtime.id
        "#,
        id,
        why
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Wakes the executors for the schedules just resumed (when the transaction commits).
pub async fn announce(tx: &mut PgConnection) -> Result<(), sqlx::Error> {
    super::schedules::announce_change(tx).await
}
