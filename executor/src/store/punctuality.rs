//! Punctuality and health read from `executions` ([`crate::punctuality`]): per schedule over
//! 24 hours and 7 days with an hourly breakdown, success rates for a page of the list, and
//! per-schedule figures over the newest attempts for Prometheus.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::punctuality::{HourBucket, Punctuality, Window};

/// `schedule_id`'s figures as of `now`. Reads at most its last 7 days of attempts (at most
/// `--keep-attempts` rows, through the `(schedule_id, id)` index).
pub async fn read(
    pool: &PgPool,
    schedule_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Punctuality, sqlx::Error> {
    let windows = sqlx::query!(
        r#"
        WITH recent AS (
            SELECT execution_id, attempt, outcome, started_at,
                   (extract(epoch FROM started_at - scheduled_for) * 1000)::float8 AS lag_ms
            FROM executions
            WHERE schedule_id = $1 AND started_at > $2::timestamptz - interval '7 days'
        )
        SELECT
            count(DISTINCT execution_id) FILTER (WHERE started_at > $2::timestamptz - interval '24 hours'
                                                 AND outcome <> 'skipped') AS "day_fires!",
            count(DISTINCT execution_id) FILTER (WHERE started_at > $2::timestamptz - interval '24 hours'
                                                 AND outcome = 'success') AS "day_succeeded!",
            percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms)
                FILTER (WHERE started_at > $2::timestamptz - interval '24 hours'
                        AND attempt = 1 AND outcome <> 'skipped') AS day_lag_p50,
            percentile_disc(0.99) WITHIN GROUP (ORDER BY lag_ms)
                FILTER (WHERE started_at > $2::timestamptz - interval '24 hours'
                        AND attempt = 1 AND outcome <> 'skipped') AS day_lag_p99,
            count(DISTINCT execution_id) FILTER (WHERE outcome <> 'skipped') AS "week_fires!",
            count(DISTINCT execution_id) FILTER (WHERE outcome = 'success') AS "week_succeeded!",
            percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms)
                FILTER (WHERE attempt = 1 AND outcome <> 'skipped') AS week_lag_p50,
            percentile_disc(0.99) WITHIN GROUP (ORDER BY lag_ms)
                FILTER (WHERE attempt = 1 AND outcome <> 'skipped') AS week_lag_p99
        FROM recent
        "#,
        schedule_id,
        now,
    )
    .fetch_one(pool)
    .await?;
    let hours = sqlx::query!(
        r#"
        SELECT date_bin('1 hour', started_at, $2::timestamptz - interval '24 hours') AS "start!",
               count(*) FILTER (WHERE outcome = 'success') AS "succeeded!",
               count(*) FILTER (WHERE outcome = 'failure') AS "failed!",
               percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms)
                   FILTER (WHERE attempt = 1 AND outcome <> 'skipped') AS lag_p50,
               max(lag_ms) FILTER (WHERE attempt = 1 AND outcome <> 'skipped') AS lag_max
        FROM (SELECT attempt, outcome, started_at,
                     (extract(epoch FROM started_at - scheduled_for) * 1000)::float8 AS lag_ms
              FROM executions
              WHERE schedule_id = $1 AND started_at > $2::timestamptz - interval '24 hours') AS day
        GROUP BY 1
        ORDER BY 1
        "#,
        schedule_id,
        now,
    )
    .fetch_all(pool)
    .await?;
    Ok(Punctuality {
        day: Window {
            fires: windows.day_fires,
            succeeded: windows.day_succeeded,
            lag_p50_ms: windows.day_lag_p50,
            lag_p99_ms: windows.day_lag_p99,
        },
        week: Window {
            fires: windows.week_fires,
            succeeded: windows.week_succeeded,
            lag_p50_ms: windows.week_lag_p50,
            lag_p99_ms: windows.week_lag_p99,
        },
        hours: hours
            .into_iter()
            .map(|hour| HourBucket {
                start: hour.start,
                succeeded: hour.succeeded,
                failed: hour.failed,
                lag_p50_ms: hour.lag_p50,
                lag_max_ms: hour.lag_max,
            })
            .collect(),
    })
}

/// Fires and successful fires since `since` for each of `ids` (a page of the list); a
/// schedule without attempts in that time is absent.
pub async fn success_rates(
    pool: &PgPool,
    ids: &[Uuid],
    since: DateTime<Utc>,
) -> Result<HashMap<Uuid, Window>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT schedule_id,
               count(DISTINCT execution_id) FILTER (WHERE outcome <> 'skipped') AS "fires!",
               count(DISTINCT execution_id) FILTER (WHERE outcome = 'success') AS "succeeded!"
        FROM executions
        WHERE schedule_id = ANY($1) AND started_at > $2
        GROUP BY schedule_id
        "#,
        ids,
        since,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let window = Window {
                fires: row.fires,
                succeeded: row.succeeded,
                ..Window::default()
            };
            (row.schedule_id, window)
        })
        .collect())
}

/// One schedule's figures for Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleHealth {
    /// The schedule.
    pub schedule_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its figures over the window.
    pub window: Window,
}

/// Per-schedule figures over the newest `max_attempts` attempts of the last `window` (a bound
/// on what one scrape reads however busy the system is), for schedules that still exist.
pub async fn recent_by_schedule(
    pool: &PgPool,
    now: DateTime<Utc>,
    window: TimeDelta,
    max_attempts: i64,
) -> Result<Vec<ScheduleHealth>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH recent AS (
            SELECT schedule_id, execution_id, attempt, outcome,
                   (extract(epoch FROM started_at - scheduled_for) * 1000)::float8 AS lag_ms
            FROM executions
            WHERE started_at > $1
            ORDER BY id DESC
            LIMIT $2
        )
        SELECT r.schedule_id, s.name,
               count(DISTINCT r.execution_id) FILTER (WHERE r.outcome <> 'skipped') AS "fires!",
               count(DISTINCT r.execution_id) FILTER (WHERE r.outcome = 'success') AS "succeeded!",
               percentile_disc(0.5) WITHIN GROUP (ORDER BY r.lag_ms)
                   FILTER (WHERE r.attempt = 1 AND r.outcome <> 'skipped') AS lag_p50,
               percentile_disc(0.99) WITHIN GROUP (ORDER BY r.lag_ms)
                   FILTER (WHERE r.attempt = 1 AND r.outcome <> 'skipped') AS lag_p99
        FROM recent AS r JOIN schedules AS s ON s.id = r.schedule_id
        GROUP BY r.schedule_id, s.name
        ORDER BY r.schedule_id
        "#,
        now - window,
        max_attempts,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ScheduleHealth {
            schedule_id: row.schedule_id,
            name: row.name,
            window: Window {
                fires: row.fires,
                succeeded: row.succeeded,
                lag_p50_ms: row.lag_p50,
                lag_p99_ms: row.lag_p99,
            },
        })
        .collect())
}
