//! The query behind the dashboard's headline figures.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgPool;

use crate::overview::{Overview, DUE_COUNT_CAP};

/// How recent a heartbeat must be for its executor to count as alive.
pub const ALIVE_WINDOW: TimeDelta = TimeDelta::seconds(30);

/// Counts schedules by state and live executors, as of `now`.
pub async fn read(pool: &PgPool, now: DateTime<Utc>) -> Result<Overview, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT
            count(*) FILTER (WHERE state = 'active')    AS "active!",
            count(*) FILTER (WHERE state = 'paused')    AS "paused!",
            count(*) FILTER (WHERE state = 'completed') AS "completed!",
            count(*) FILTER (WHERE state = 'dead')      AS "dead!",
            (SELECT count(*) FROM (
                SELECT 1 FROM schedule_runtime
                WHERE state = 'active' AND next_run_at <= $2
                LIMIT $3) AS due) AS "due_next_hour!",
            count(*) FILTER (WHERE state = 'active' AND last_outcome = 'failure') AS "failing!",
            (SELECT count(*) FROM executors WHERE last_seen_at >= $1) AS "executors_alive!"
        FROM schedule_runtime
        "#,
        now - ALIVE_WINDOW,
        now + TimeDelta::hours(1),
        DUE_COUNT_CAP,
    )
    .fetch_one(pool)
    .await?;
    Ok(Overview {
        active: row.active,
        paused: row.paused,
        completed: row.completed,
        dead: row.dead,
        due_next_hour: row.due_next_hour,
        failing: row.failing,
        executors_alive: row.executors_alive,
        as_of: now,
    })
}
