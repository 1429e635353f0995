//! The `executions` table: one row per trigger attempt (written by
//! [`super::claims::settle`]), read for the history and pruned after the retention period.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::model::ExecutionView;

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

/// Deletes every schedule's attempts beyond its newest `keep`, at most `batch` rows per
/// statement. Returns how many rows went.
pub async fn prune_beyond(pool: &PgPool, keep: i64, batch: i64) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    loop {
        let deleted = sqlx::query!(
            r#"
            DELETE FROM executions
            WHERE id IN (
                SELECT e.id
                FROM (SELECT schedule_id FROM executions
                      GROUP BY schedule_id HAVING count(*) > $1) AS crowded
                CROSS JOIN LATERAL (
                    SELECT id FROM executions
                    WHERE schedule_id = crowded.schedule_id
                    ORDER BY id DESC
                    OFFSET $1
                ) AS e
                LIMIT $2
            )
            "#,
            keep,
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
        SELECT id, execution_id, scheduled_for, attempt, executor_id, started_at, outcome,
               http_status, latency_ms, error
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
