//! The `executors` table: one heartbeat row per running executor process.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// An executor as its heartbeat row describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecutorRow {
    /// The executor's id (`executor run --id`).
    pub id: String,
    /// The host it runs on.
    pub host: String,
    /// Its process id on that host.
    pub pid: i32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Its latest heartbeat.
    pub last_seen_at: DateTime<Utc>,
    /// How many triggers it had in flight at that heartbeat.
    pub in_flight: i32,
}

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

/// Executors whose latest heartbeat is no older than `seen_since`, by id.
pub async fn list_alive(
    pool: &PgPool,
    seen_since: DateTime<Utc>,
) -> Result<Vec<ExecutorRow>, sqlx::Error> {
    sqlx::query_as!(
        ExecutorRow,
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
