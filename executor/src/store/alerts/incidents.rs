//! `incidents`: opened by the watcher when an event starts (at most one open per event and
//! subject, the unique index holding two servers to one), resolved when it ends, and read
//! for the UI and the API. Every statement is idempotent: two watchers may run it at once.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{AlertEvent, IncidentView, DEFAULT_FAILING_AFTER};

/// Most incidents of one kind opened or resolved per pass (the rest wait for the next).
const PER_PASS: i64 = 1000;

/// An incident just opened or resolved, to queue its alerts for.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    /// The incident.
    pub incident: IncidentView,
    /// The schedule's id, or nil for the whole system.
    pub subject: Uuid,
}

macro_rules! changed_rows {
    ($rows:expr) => {
        $rows
            .into_iter()
            .map(|row| Changed {
                subject: row.subject,
                incident: IncidentView {
                    id: row.id,
                    event: row.event,
                    schedule_id: row.schedule_id,
                    schedule_name: row.schedule_name,
                    reason: row.reason,
                    details: row.details,
                    opened_at: row.opened_at,
                    resolved_at: row.resolved_at,
                    resolution: row.resolution,
                },
            })
            .collect()
    };
}

/// Opens `schedule.dead` for each dead schedule without one.
pub async fn open_dead(tx: &mut PgConnection) -> Result<Vec<Changed>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        INSERT INTO incidents (event, subject, schedule_id, schedule_name, reason, details)
        SELECT 'schedule.dead', s.id, s.id, s.name,
               coalesce(s.last_error, 'every attempt failed'),
               jsonb_build_object(
                   'attempts', (SELECT e.attempt FROM executions AS e
                                WHERE e.schedule_id = s.id ORDER BY e.id DESC LIMIT 1),
                   'dead_at', s.dead_at)
        FROM (schedules JOIN schedule_runtime USING (id)) AS s
        WHERE s.state = 'dead'
          AND NOT EXISTS (SELECT 1 FROM incidents AS i
                          WHERE i.event = 'schedule.dead' AND i.subject = s.id
                            AND i.resolved_at IS NULL)
        LIMIT $1
        ON CONFLICT (event, subject) WHERE resolved_at IS NULL DO NOTHING
        RETURNING id, event AS "event: AlertEvent", subject, schedule_id, schedule_name,
                  reason, details, opened_at, resolved_at, resolution
        "#,
        PER_PASS
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(changed_rows!(rows))
}

/// Opens `fire.dead` for each active schedule whose last dead fire came after its last
/// success.
pub async fn open_fire_dead(tx: &mut PgConnection) -> Result<Vec<Changed>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        INSERT INTO incidents (event, subject, schedule_id, schedule_name, reason, details)
        SELECT 'fire.dead', s.id, s.id, s.name,
               coalesce(s.last_error, 'every attempt of a fire failed'),
               jsonb_build_object('dead_fires', s.dead_fires, 'at', s.last_dead_fire_at)
        FROM (schedules JOIN schedule_runtime USING (id)) AS s
        WHERE s.last_dead_fire_at IS NOT NULL AND s.state = 'active'
          AND (s.last_success_at IS NULL OR s.last_dead_fire_at > s.last_success_at)
          AND NOT EXISTS (SELECT 1 FROM incidents AS i
                          WHERE i.event = 'fire.dead' AND i.subject = s.id
                            AND i.resolved_at IS NULL)
        LIMIT $1
        ON CONFLICT (event, subject) WHERE resolved_at IS NULL DO NOTHING
        RETURNING id, event AS "event: AlertEvent", subject, schedule_id, schedule_name,
                  reason, details, opened_at, resolved_at, resolution
        "#,
        PER_PASS
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(changed_rows!(rows))
}

/// Opens `schedule.failing` for each active schedule whose attempts failed its threshold
/// (or [`DEFAULT_FAILING_AFTER`]) times in a row.
pub async fn open_failing(tx: &mut PgConnection) -> Result<Vec<Changed>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        INSERT INTO incidents (event, subject, schedule_id, schedule_name, reason, details)
        SELECT 'schedule.failing', s.id, s.id, s.name,
               s.failure_streak || ' attempts in a row failed: '
                   || coalesce(s.last_error, 'no reason recorded'),
               jsonb_build_object('failures', s.failure_streak,
                                  'threshold', coalesce(r.failing_after, $2))
        FROM (schedules JOIN schedule_runtime USING (id)) AS s
            LEFT JOIN alert_rules AS r ON r.schedule_id = s.id
        WHERE s.failure_streak > 0 AND s.state = 'active'
          AND s.failure_streak >= coalesce(r.failing_after, $2)
          AND NOT EXISTS (SELECT 1 FROM incidents AS i
                          WHERE i.event = 'schedule.failing' AND i.subject = s.id
                            AND i.resolved_at IS NULL)
        LIMIT $1
        ON CONFLICT (event, subject) WHERE resolved_at IS NULL DO NOTHING
        RETURNING id, event AS "event: AlertEvent", subject, schedule_id, schedule_name,
                  reason, details, opened_at, resolved_at, resolution
        "#,
        PER_PASS,
        DEFAULT_FAILING_AFTER,
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(changed_rows!(rows))
}

/// Resolves the open per-schedule incidents whose condition no longer holds, each with
/// why.
pub async fn resolve_schedules(tx: &mut PgConnection) -> Result<Vec<Changed>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH ended AS (
            SELECT i.id,
                   CASE
                     WHEN s.id IS NULL THEN 'the schedule was deleted'
                     WHEN i.event = 'schedule.dead' THEN 'the schedule is ' || s.state || ' now'
                     WHEN s.state <> 'active' THEN 'the schedule is ' || s.state
                     WHEN i.event = 'fire.dead' THEN 'a later fire succeeded'
                     ELSE 'an attempt succeeded'
                   END AS resolution
            FROM incidents AS i
            LEFT JOIN (schedules JOIN schedule_runtime USING (id)) AS s ON s.id = i.subject
            LEFT JOIN alert_rules AS r ON r.schedule_id = i.subject
            WHERE i.resolved_at IS NULL
              AND i.event IN ('schedule.dead', 'fire.dead', 'schedule.failing')
              AND NOT coalesce(CASE i.event
                    WHEN 'schedule.dead' THEN s.state = 'dead'
                    WHEN 'fire.dead' THEN s.state = 'active'
                        AND (s.last_success_at IS NULL OR s.last_dead_fire_at > s.last_success_at)
                    ELSE s.state = 'active'
                        AND s.failure_streak >= coalesce(r.failing_after, $2)
                  END, false)
            LIMIT $1
            FOR UPDATE OF i SKIP LOCKED
        )
        UPDATE incidents AS i SET resolved_at = now(), resolution = ended.resolution
        FROM ended WHERE i.id = ended.id AND i.resolved_at IS NULL
        RETURNING i.id, i.event AS "event: AlertEvent", i.subject, i.schedule_id,
                  i.schedule_name, i.reason, i.details, i.opened_at, i.resolved_at,
                  i.resolution
        "#,
        PER_PASS,
        DEFAULT_FAILING_AFTER,
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(changed_rows!(rows))
}

/// Active schedules due for longer than `threshold_secs` and not fired (nor being fired,
/// under a live claim): how many, and the oldest due instant.
pub async fn overdue(
    tx: &mut PgConnection,
    threshold_secs: f64,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT count(*) AS "count!", min(next_run_at) AS oldest FROM schedule_runtime
        WHERE state = 'active' AND next_run_at < now() - make_interval(secs => $1)
          AND (lease_until IS NULL OR lease_until <= now())
        "#,
        threshold_secs
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok((row.count, row.oldest))
}

/// Whether an executor beat within `grace_secs`, and whether any schedule is active.
pub async fn executors_alive(
    tx: &mut PgConnection,
    grace_secs: f64,
) -> Result<(bool, bool), sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT EXISTS (SELECT 1 FROM executors
                       WHERE last_seen_at > now() - make_interval(secs => $1)) AS "alive!",
               EXISTS (SELECT 1 FROM schedule_runtime WHERE state = 'active') AS "active!"
        "#,
        grace_secs
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok((row.alive, row.active))
}

/// Opens the system-wide incident `event` unless one is open.
pub async fn open_system(
    tx: &mut PgConnection,
    event: AlertEvent,
    reason: &str,
    details: &serde_json::Value,
) -> Result<Option<Changed>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        INSERT INTO incidents (event, subject, reason, details)
        SELECT $1, '00000000-0000-0000-0000-000000000000', $2, $3
        WHERE NOT EXISTS (SELECT 1 FROM incidents
                          WHERE event = $1 AND subject = '00000000-0000-0000-0000-000000000000'
                            AND resolved_at IS NULL)
        ON CONFLICT (event, subject) WHERE resolved_at IS NULL DO NOTHING
        RETURNING id, event AS "event: AlertEvent", subject, schedule_id, schedule_name,
                  reason, details, opened_at, resolved_at, resolution
        "#,
        event.as_str(),
        reason,
        details,
    )
    .fetch_all(&mut *tx)
    .await?;
    let changed: Vec<Changed> = changed_rows!(rows);
    Ok(changed.into_iter().next())
}

/// Resolves the open system-wide incident `event`, if any, saying why.
pub async fn resolve_system(
    tx: &mut PgConnection,
    event: AlertEvent,
    resolution: &str,
) -> Result<Option<Changed>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        UPDATE incidents SET resolved_at = now(), resolution = $2
        WHERE event = $1 AND subject = '00000000-0000-0000-0000-000000000000'
          AND resolved_at IS NULL
        RETURNING id, event AS "event: AlertEvent", subject, schedule_id, schedule_name,
                  reason, details, opened_at, resolved_at, resolution
        "#,
        event.as_str(),
        resolution,
    )
    .fetch_all(&mut *tx)
    .await?;
    let changed: Vec<Changed> = changed_rows!(rows);
    Ok(changed.into_iter().next())
}

/// Which incidents to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    /// Only open (`Some(true)`) or resolved (`Some(false)`) ones.
    pub open: Option<bool>,
    /// Only this schedule's.
    pub schedule_id: Option<Uuid>,
}

/// Up to `limit` incidents, newest first.
pub async fn list(
    pool: &PgPool,
    filter: IncidentFilter,
    limit: i64,
) -> Result<Vec<IncidentView>, sqlx::Error> {
    sqlx::query_as!(
        IncidentView,
        r#"
        SELECT id, event AS "event: AlertEvent", schedule_id, schedule_name, reason, details,
               opened_at, resolved_at, resolution
        FROM incidents
        WHERE ($1::bool IS NULL OR (resolved_at IS NULL) = $1)
          AND ($2::uuid IS NULL OR subject = $2)
        ORDER BY opened_at DESC, id
        LIMIT $3
        "#,
        filter.open,
        filter.schedule_id,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// How many incidents are open.
pub async fn open_count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM incidents WHERE resolved_at IS NULL"#
    )
    .fetch_one(pool)
    .await
}
