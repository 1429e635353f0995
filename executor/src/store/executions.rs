//! The `executions` table: one row per trigger attempt (written by
//! [`super::schedules::settle`]), read for the history and pruned after the retention period.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

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
