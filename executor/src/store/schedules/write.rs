//! Changing the `schedules` table for people: create (one or many), edit, rotate a secret,
//! move between states, delete; each change is announced so sleeping executors wake.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::access::Actor;
use crate::model::{Misfire, NewSchedule, OnDead, Outcome, ScheduleItem, ScheduleState};
use crate::signature::new_secret;

use super::rows::ScheduleRow;
use super::CHANGES_CHANNEL;

/// A stored schedule's id and the signing secret generated for it (shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted {
    /// The new schedule's id.
    pub id: Uuid,
    /// Its signing secret.
    pub signing_secret: String,
}

/// How far ahead a new schedule must be due for executors to be woken for it: an executor
/// re-reads the next due time at least this often (its `--poll-max` may not exceed it).
pub const WAKE_HORIZON: std::time::Duration = std::time::Duration::from_secs(60);

/// Stores a new schedule due at `next_run_at`, with a fresh signing secret, and its audit
/// entry (`schedule.create` by `actor`, with `changes`), and wakes executors when it is due
/// within [`WAKE_HORIZON`]: all in one statement, atomic on its own, so a creation costs one
/// round trip and no transaction. Answers with the stored row as well, so the creation needs
/// no second read.
pub async fn insert(
    conn: &mut PgConnection,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    actor: &Actor,
    changes: &serde_json::Value,
) -> Result<(Inserted, ScheduleItem), sqlx::Error> {
    // Drawn here, not by the database, so the audit entry can name the row it records.
    let id = Uuid::new_v4();
    let signing_secret = new_secret();
    let state = if schedule.paused {
        ScheduleState::Paused
    } else {
        ScheduleState::Active
    };
    // Executors re-read the next due time at least every poll interval (at most
    // WAKE_HORIZON), so only a schedule due sooner needs to wake them. Every NOTIFY
    // serialises its commit on PostgreSQL's notification queue lock, which capped creation.
    let horizon = TimeDelta::from_std(WAKE_HORIZON).unwrap_or(TimeDelta::MAX);
    let wake = next_run_at.is_some_and(|at| at <= now + horizon);
    let actor_kind: &str = actor.kind.into();
    // `announced` is a plain query, which PostgreSQL runs only where it is read: the audit
    // insert reads it (an outer join, so the entry is written whether or not it notified).
    let row = sqlx::query_as!(
        ScheduleRow,
        r#"
        WITH announced AS (
            SELECT pg_notify($23, '') WHERE $24
        ),
        recorded AS (
            INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, subject_kind,
                                   subject_id, changes)
            SELECT $19, $20, $21, 'schedule.create', 'schedule', $18, $22::jsonb
            FROM (VALUES (1)) AS one LEFT JOIN announced ON true
        ),
        definition AS (
            INSERT INTO schedules (name, spec, target_url, target_method, target_headers,
                                   target_body, max_attempts, backoff_initial_ms,
                                   backoff_max_ms, misfire, created_at, updated_at, on_dead,
                                   max_fires, signing_secret, labels, id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $13, $13, $14, $15, $17, $16, $18)
            RETURNING *
        ),
        runtime AS (
            INSERT INTO schedule_runtime (id, state, next_run_at, fires_left, sort_name)
            VALUES ($18, $11, $12, $15, $1)
            RETURNING *
        )
        SELECT d.id, d.name, d.spec AS "spec: Json<serde_json::Value>", d.target_url,
               d.target_method, d.target_headers AS "target_headers: Json<serde_json::Value>",
               d.target_body, d.max_attempts, d.backoff_initial_ms, d.backoff_max_ms,
               d.misfire AS "misfire: Misfire", d.on_dead AS "on_dead: OnDead", r.dead_fires,
               r.state AS "state: ScheduleState", r.next_run_at, r.fire_at, r.attempt,
               r.claimed_by, r.last_fired_at, r.last_outcome AS "last_outcome: Outcome",
               r.last_error, r.dead_at, d.max_fires, r.fires_left, r.paused_until, d.paused_at,
               d.paused_by, d.pause_note, d.labels AS "labels: Json<serde_json::Value>",
               d.version, d.created_at, d.updated_at
        FROM definition AS d JOIN runtime AS r ON r.id = d.id
        "#,
        schedule.name,
        Json(&schedule.stored_timing()) as _,
        schedule.target.url,
        schedule.target.method,
        Json(&schedule.target.headers) as _,
        schedule.target.body,
        schedule.retry.max_attempts as i32,
        schedule.retry.backoff_initial_ms as i64,
        schedule.retry.backoff_max_ms as i64,
        schedule.misfire.as_str(),
        state.as_str(),
        next_run_at,
        now,
        schedule.on_dead.as_str(),
        schedule.max_fires.map(|n| n as i32),
        Json(&schedule.labels) as _,
        signing_secret,
        id,
        actor_kind,
        actor.key_id,
        actor.name,
        Json(changes) as _,
        CHANGES_CHANNEL,
        wake,
    )
    .fetch_one(&mut *conn)
    .await?;
    let inserted = Inserted {
        id: row.id,
        signing_secret,
    };
    Ok((inserted, ScheduleItem::from(row)))
}

/// Stores many new schedules in one statement and one transaction (all or none), each with a
/// fresh signing secret, and announces them once. The answer is in input order.
pub async fn insert_many(
    tx: &mut PgConnection,
    schedules: &[(NewSchedule, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Result<Vec<Inserted>, sqlx::Error> {
    let inserted = insert_many_in(&mut *tx, schedules, now).await?;
    announce_change(&mut *tx).await?;
    Ok(inserted)
}

/// [`insert_many`]'s statement, in the caller's transaction (which announces and commits).
pub(in crate::store) async fn insert_many_in(
    tx: &mut PgConnection,
    schedules: &[(NewSchedule, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Result<Vec<Inserted>, sqlx::Error> {
    let column = |f: &dyn Fn(&NewSchedule) -> String| -> Vec<String> {
        schedules.iter().map(|(s, _)| f(s)).collect()
    };
    let names = column(&|s| s.name.clone());
    let specs = column(&|s| serde_json::to_string(&s.stored_timing()).unwrap_or_default());
    let urls = column(&|s| s.target.url.clone());
    let methods = column(&|s| s.target.method.clone());
    let headers = column(&|s| serde_json::to_string(&s.target.headers).unwrap_or_default());
    let bodies: Vec<Option<String>> = schedules
        .iter()
        .map(|(s, _)| s.target.body.clone())
        .collect();
    let attempts: Vec<i32> = schedules
        .iter()
        .map(|(s, _)| s.retry.max_attempts as i32)
        .collect();
    let initial: Vec<i64> = schedules
        .iter()
        .map(|(s, _)| s.retry.backoff_initial_ms as i64)
        .collect();
    let longest: Vec<i64> = schedules
        .iter()
        .map(|(s, _)| s.retry.backoff_max_ms as i64)
        .collect();
    let misfires = column(&|s| s.misfire.as_str().to_owned());
    let on_dead = column(&|s| s.on_dead.as_str().to_owned());
    let states = column(&|s| {
        if s.paused {
            ScheduleState::Paused
        } else {
            ScheduleState::Active
        }
        .as_str()
        .to_owned()
    });
    let next_runs: Vec<Option<DateTime<Utc>>> = schedules.iter().map(|(_, at)| *at).collect();
    let max_fires: Vec<Option<i32>> = schedules
        .iter()
        .map(|(s, _)| s.max_fires.map(|n| n as i32))
        .collect();
    let labels = column(&|s| serde_json::to_string(&s.labels).unwrap_or_else(|_| "{}".into()));
    let secrets: Vec<String> = schedules.iter().map(|_| new_secret()).collect();
    let rows = sqlx::query!(
        r#"
        WITH input AS (
            SELECT gen_random_uuid() AS id, t.*
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::text[], $7::int4[], $8::int8[], $9::int8[], $10::text[],
                        $11::text[], $12::text[], $13::timestamptz[], $15::int4[], $16::text[],
                        $17::text[])
                 WITH ORDINALITY
                 AS t(name, spec, url, method, headers, body, max_attempts, backoff_initial_ms,
                      backoff_max_ms, misfire, on_dead, state, next_run_at, max_fires, labels,
                      secret, ord)
        ),
        stored AS (
            INSERT INTO schedules (id, name, spec, target_url, target_method, target_headers,
                                   target_body, max_attempts, backoff_initial_ms,
                                   backoff_max_ms, misfire, on_dead, max_fires, signing_secret,
                                   created_at, updated_at, labels)
            SELECT id, name, spec::jsonb, url, method, headers::jsonb, body, max_attempts,
                   backoff_initial_ms, backoff_max_ms, misfire, on_dead, max_fires, secret, $14,
                   $14, labels::jsonb
            FROM input
        ),
        runtime AS (
            INSERT INTO schedule_runtime (id, state, next_run_at, fires_left, sort_name)
            SELECT id, state, next_run_at, max_fires, name FROM input
        )
        SELECT id AS "id!", secret AS "secret!" FROM input ORDER BY ord
        "#,
        &names,
        &specs,
        &urls,
        &methods,
        &headers,
        &bodies as &[Option<String>],
        &attempts,
        &initial,
        &longest,
        &misfires,
        &on_dead,
        &states,
        &next_runs as &[Option<DateTime<Utc>>],
        now,
        &max_fires as &[Option<i32>],
        &labels,
        &secrets,
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Inserted {
            id: row.id,
            signing_secret: row.secret,
        })
        .collect())
}

/// Gives a schedule a new signing secret and returns it; `None` when there is no such
/// schedule. Requests already in flight keep the old signature.
pub async fn rotate_secret(
    tx: &mut PgConnection,
    id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        UPDATE schedules
        SET signing_secret = $2, version = version + 1, updated_at = now()
        WHERE id = $1
        RETURNING signing_secret AS "signing_secret!"
        "#,
        id,
        new_secret(),
    )
    .fetch_optional(&mut *tx)
    .await
}

/// Replaces a schedule's definition. The edit revives a dead schedule, drops any claim and
/// pending retry (their write-backs are fenced out), bumps the version, and announces it.
/// With `expected_version`, applies only at that version. `None` when no row matched.
pub async fn update(
    tx: &mut PgConnection,
    id: Uuid,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let version = update_in(&mut *tx, id, schedule, next_run_at, expected_version, now).await?;
    announce_change(&mut *tx).await?;
    Ok(version)
}

/// [`update`]'s statement, in the caller's transaction (which announces and commits).
pub(in crate::store) async fn update_in(
    tx: &mut PgConnection,
    id: Uuid,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let state = if schedule.paused {
        ScheduleState::Paused
    } else {
        ScheduleState::Active
    };
    let Some(previous_max_fires) = lock_definition(&mut *tx, id).await? else {
        return Ok(None);
    };
    let version = sqlx::query_scalar!(
        r#"
        WITH definition AS (
            UPDATE schedules
            SET name = $2, spec = $3, target_url = $4, target_method = $5,
                target_headers = $6, target_body = $7, max_attempts = $8,
                backoff_initial_ms = $9, backoff_max_ms = $10, misfire = $11,
                on_dead = $16, labels = $18, max_fires = $17,
                -- A pause the edit keeps keeps its author and note.
                paused_at = CASE WHEN $12 = 'paused' THEN coalesce(paused_at, $14) END,
                paused_by = CASE WHEN $12 = 'paused' THEN paused_by END,
                pause_note = CASE WHEN $12 = 'paused' THEN pause_note END,
                version = version + 1, updated_at = $14
            WHERE id = $1 AND ($15::bigint IS NULL OR version = $15)
            RETURNING id, version
        ),
        runtime AS (
            UPDATE schedule_runtime AS r
            SET state = $12, dead_fires = 0, sort_name = $2,
                next_run_at = $13, attempt = 0, fire_at = NULL, execution_id = NULL,
                claimed_by = NULL, claim_token = NULL, lease_until = NULL, dead_at = NULL,
                manual_fire = false, manual_body = NULL,
                -- A new limit starts over; so does one used up (the edit brings it back).
                fires_left = CASE WHEN $19::int4 IS DISTINCT FROM $17 OR r.fires_left = 0
                                  THEN $17 ELSE r.fires_left END,
                -- A pause the edit keeps keeps its end.
                paused_until = CASE WHEN $12 = 'paused' THEN r.paused_until END
            FROM definition AS d
            WHERE r.id = d.id
        )
        SELECT version AS "version!" FROM definition
        "#,
        id,
        schedule.name,
        Json(&schedule.stored_timing()) as _,
        schedule.target.url,
        schedule.target.method,
        Json(&schedule.target.headers) as _,
        schedule.target.body,
        schedule.retry.max_attempts as i32,
        schedule.retry.backoff_initial_ms as i64,
        schedule.retry.backoff_max_ms as i64,
        schedule.misfire.as_str(),
        state.as_str(),
        next_run_at,
        now,
        expected_version,
        schedule.on_dead.as_str(),
        schedule.max_fires.map(|n| n as i32),
        Json(&schedule.labels) as _,
        previous_max_fires,
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(version)
}

/// Locks schedule `id`'s definition row for the caller's transaction and reads its run
/// limit; `None` when there is no such schedule. Every change of both rows of a schedule
/// locks the definition first (then the runtime row), so two such changes never wait for
/// each other in a cycle; executors lock only runtime rows and never wait for a definition.
pub(in crate::store) async fn lock_definition(
    tx: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Option<i32>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT max_fires FROM schedules WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *tx)
    .await
}

/// Deletes a schedule and its history; whether it existed.
pub async fn delete(tx: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM schedules WHERE id = $1", id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}

/// Tells listening executors that schedules changed (delivered when `tx` commits).
pub(in crate::store) async fn announce_change(tx: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_notify($1, '')", CHANGES_CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
