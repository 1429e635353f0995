//! The `executions` table: one row per trigger attempt (written by
//! [`crate::store::settle::settle`]), read for the history and pruned after the retention period.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::model::{ExecutionView, Outcome};

/// Deletes attempts that started before `before`, at most `batch` rows per statement so
/// the table is never locked for long. Returns how many rows went.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>, batch: i64) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    loop {
        let deleted = sqlx::query!(
            r#"
            DELETE FROM executions
            WHERE id IN (SELECT id FROM executions WHERE started_at < $1 LIMIT $2)
            "#,
            before,
            batch
        )
        .execute(pool)
        .await?
        .rows_affected();
        total += deleted;
        if deleted < batch as u64 {
            return Ok(total);
        }
    }
}

/// Deletes every schedule's attempts beyond its newest `keep`, walking schedules in id order
/// `schedules_per_round` at a time (each round reads only those schedules' newest rows through
/// the `(schedule_id, id)` index, never the whole table). Returns how many rows went.
pub async fn prune_beyond(
    pool: &PgPool,
    keep: i64,
    schedules_per_round: i64,
) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let round = sqlx::query!(
            r#"
            WITH batch AS (
                SELECT id FROM schedules
                WHERE $1::uuid IS NULL OR id > $1
                ORDER BY id
                LIMIT $2
            ),
            cutoff AS (
                SELECT batch.id AS schedule_id,
                       (SELECT e.id FROM executions AS e
                        WHERE e.schedule_id = batch.id
                        ORDER BY e.id DESC
                        OFFSET $3 LIMIT 1) AS oldest_dropped
                FROM batch
            ),
            deleted AS (
                DELETE FROM executions AS e
                USING cutoff
                WHERE cutoff.oldest_dropped IS NOT NULL
                  AND e.schedule_id = cutoff.schedule_id
                  AND e.id <= cutoff.oldest_dropped
                RETURNING 1
            )
            SELECT (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS "last",
                   (SELECT count(*) FROM deleted) AS "deleted!"
            "#,
            after,
            schedules_per_round,
            keep,
        )
        .fetch_one(pool)
        .await?;
        total += round.deleted as u64;
        match round.last {
            Some(last) => after = Some(last),
            None => return Ok(total),
        }
    }
}

/// The newest attempt's row id (0 when there is none): where an incremental trim
/// ([`prune_beyond_since`]) after a full one ([`prune_beyond`]) starts.
pub async fn newest_id(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COALESCE(max(id), 0) AS "newest!" FROM executions"#)
        .fetch_one(pool)
        .await
}

/// What an incremental trim did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trimmed {
    /// Attempts deleted.
    pub deleted: u64,
    /// The newest attempt row id it covered: pass it as `after` next time.
    pub covered: i64,
}

/// Like [`prune_beyond`], but visits only the schedules with attempts written after row id
/// `after`: once a pass has trimmed everything up to `after`, no other schedule can have
/// gained rows. The cost follows the fires since then, not the number of schedules, so an
/// idle million costs nothing. Walks the new rows `rows_per_round` ids at a time. A row
/// whose id was taken before `after` but committed later is missed, which only delays its
/// schedule's trim to that schedule's next attempt.
pub async fn prune_beyond_since(
    pool: &PgPool,
    keep: i64,
    after: i64,
    rows_per_round: i64,
) -> Result<Trimmed, sqlx::Error> {
    let newest = newest_id(pool).await?;
    let mut trimmed = Trimmed {
        deleted: 0,
        covered: after,
    };
    while trimmed.covered < newest {
        let upto = trimmed
            .covered
            .saturating_add(rows_per_round.max(1))
            .min(newest);
        let deleted = sqlx::query_scalar!(
            r#"
            WITH recent AS (
                SELECT DISTINCT schedule_id FROM executions WHERE id > $1 AND id <= $2
            ),
            cutoff AS (
                SELECT recent.schedule_id,
                       (SELECT e.id FROM executions AS e
                        WHERE e.schedule_id = recent.schedule_id
                        ORDER BY e.id DESC
                        OFFSET $3 LIMIT 1) AS oldest_dropped
                FROM recent
            ),
            deleted AS (
                DELETE FROM executions AS e
                USING cutoff
                WHERE cutoff.oldest_dropped IS NOT NULL
                  AND e.schedule_id = cutoff.schedule_id
                  AND e.id <= cutoff.oldest_dropped
                RETURNING 1
            )
            SELECT count(*) AS "deleted!" FROM deleted
            "#,
            trimmed.covered,
            upto,
            keep,
        )
        .fetch_one(pool)
        .await?;
        trimmed.deleted += deleted as u64;
        trimmed.covered = upto;
    }
    Ok(trimmed)
}

/// One page of a schedule's attempts, newest first, before the row id `before`.
pub async fn list_for_schedule(
    pool: &PgPool,
    schedule_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<ExecutionView>, sqlx::Error> {
    sqlx::query_as!(
        ExecutionView,
        r#"
        SELECT id, execution_id, scheduled_for, attempt, executor_id, started_at,
               outcome AS "outcome: Outcome",
               http_status, latency_ms, error, manual, backfill_id
        FROM executions
        WHERE schedule_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC
        LIMIT $3
        "#,
        schedule_id,
        before,
        limit
    )
    .fetch_all(pool)
    .await
}
