//! The `executors` table: one heartbeat row per running executor process.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::model::ExecutorView;

/// Records that executor `id` is alive at `now` (inserting its row on the first beat).
pub async fn heartbeat(
    pool: &PgPool,
    id: &str,
    host: &str,
    pid: i32,
    started_at: DateTime<Utc>,
    in_flight: i32,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO executors (id, host, pid, started_at, last_seen_at, in_flight)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (id) DO UPDATE
        SET host = EXCLUDED.host, pid = EXCLUDED.pid, started_at = EXCLUDED.started_at,
            last_seen_at = EXCLUDED.last_seen_at, in_flight = EXCLUDED.in_flight
        "#,
        id,
        host,
        pid,
        started_at,
        now,
        in_flight
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Removes executor `id`'s row (a clean shutdown).
pub async fn remove(pool: &PgPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM executors WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Removes executors whose latest heartbeat is older than `seen_before`; how many went.
pub async fn remove_stale(pool: &PgPool, seen_before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("DELETE FROM executors WHERE last_seen_at < $1", seen_before)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Executors whose latest heartbeat is no older than `seen_since`, by id.
pub async fn list_alive(
    pool: &PgPool,
    seen_since: DateTime<Utc>,
) -> Result<Vec<ExecutorView>, sqlx::Error> {
    sqlx::query_as!(
        ExecutorView,
        r#"
        SELECT id, host, pid, started_at, last_seen_at, in_flight
        FROM executors
        WHERE last_seen_at >= $1
        ORDER BY id
        "#,
        seen_since
    )
    .fetch_all(pool)
    .await
}
