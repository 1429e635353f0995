//! Punctuality and health read from `executions` ([`crate::punctuality`]): per schedule over
//! 24 hours and 7 days with an hourly breakdown, success rates for a page of the list, and
//! per-schedule figures over the newest attempts for Prometheus.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::punctuality::{HourBucket, Punctuality, ScheduleHealth, Window};

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

/// The figures of at most `count` schedules (the most recently attempted first) over the
/// window since `since`: every chosen schedule has a row, with zero fires when it had none, so
/// a schedule's series never vanishes for want of recent attempts. The work is bounded by
/// `count` times the history kept per schedule.
pub async fn schedule_health(
    pool: &PgPool,
    since: DateTime<Utc>,
    count: i64,
) -> Result<Vec<ScheduleHealth>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH chosen AS (
            SELECT id, name, state, last_fired_at, last_outcome
            FROM schedules JOIN schedule_runtime USING (id)
            ORDER BY last_fired_at DESC NULLS LAST, id
            LIMIT $2
        )
        SELECT c.id AS "id!", c.name AS "name!", c.state AS "state!: crate::model::ScheduleState",
               c.last_fired_at, c.last_outcome AS "last_outcome: crate::model::Outcome",
               count(DISTINCT e.execution_id) FILTER (WHERE e.outcome <> 'skipped') AS "fires!",
               count(DISTINCT e.execution_id) FILTER (WHERE e.outcome = 'success') AS "succeeded!",
               percentile_disc(0.5) WITHIN GROUP (ORDER BY
                   (extract(epoch FROM e.started_at - e.scheduled_for) * 1000)::float8)
                   FILTER (WHERE e.attempt = 1 AND e.outcome <> 'skipped') AS lag_p50,
               percentile_disc(0.99) WITHIN GROUP (ORDER BY
                   (extract(epoch FROM e.started_at - e.scheduled_for) * 1000)::float8)
                   FILTER (WHERE e.attempt = 1 AND e.outcome <> 'skipped') AS lag_p99
        FROM chosen AS c
        LEFT JOIN executions AS e ON e.schedule_id = c.id AND e.started_at > $1
        GROUP BY c.id, c.name, c.state, c.last_fired_at, c.last_outcome
        ORDER BY c.id
        "#,
        since,
        count,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ScheduleHealth {
            schedule_id: row.id,
            name: row.name,
            state: row.state,
            last_fired_at: row.last_fired_at,
            last_outcome: row.last_outcome,
            window: Window {
                fires: row.fires,
                succeeded: row.succeeded,
                lag_p50_ms: row.lag_p50,
                lag_p99_ms: row.lag_p99,
            },
        })
        .collect())
}
