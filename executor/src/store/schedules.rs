//! The `schedules` table: creating and editing schedules, and the executor's claim, its
//! fenced batched write-back, and the hint of when the next one is due.
//!
//! A claim sets `claimed_by` and moves `next_run_at` to the lease expiry, so a claimed
//! schedule is simply not due until its lease runs out; if its executor dies, the schedule
//! becomes due again and any executor claims it (with `attempt` + 1). Every write after a
//! claim is fenced on `claimed_by` and `attempt`, so a holder that lost its lease changes
//! nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::model::{Misfire, NewSchedule, RetryPolicy, ScheduleState, ScheduleView, Target};
use crate::schedule::ScheduleSpec;

/// The channel on which schedule changes are announced, so sleeping executors wake.
pub const CHANGES_CHANNEL: &str = "scheduleman_schedules";

/// The columns behind a [`ScheduleView`].
#[derive(Debug)]
struct ScheduleRow {
    id: Uuid,
    name: String,
    spec: Json<ScheduleSpec>,
    target_url: String,
    target_method: String,
    target_headers: Json<BTreeMap<String, String>>,
    target_body: Option<String>,
    max_attempts: i32,
    backoff_initial_ms: i64,
    backoff_max_ms: i64,
    misfire: String,
    state: String,
    next_run_at: Option<DateTime<Utc>>,
    fire_at: Option<DateTime<Utc>>,
    attempt: i32,
    claimed_by: Option<String>,
    last_fired_at: Option<DateTime<Utc>>,
    last_outcome: Option<String>,
    last_error: Option<String>,
    dead_at: Option<DateTime<Utc>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ScheduleRow> for ScheduleView {
    fn from(row: ScheduleRow) -> Self {
        let spec = row.spec.0;
        Self {
            id: row.id,
            name: row.name,
            description: spec.describe(),
            schedule: spec,
            target: Target {
                url: row.target_url,
                method: row.target_method,
                headers: row.target_headers.0,
                body: row.target_body,
            },
            retry: retry_policy(row.max_attempts, row.backoff_initial_ms, row.backoff_max_ms),
            misfire: Misfire::from_db(&row.misfire),
            state: ScheduleState::from_db(&row.state).unwrap_or(ScheduleState::Paused),
            next_run_at: row.next_run_at,
            fire_at: row.fire_at,
            attempt: row.attempt,
            claimed_by: row.claimed_by,
            last_fired_at: row.last_fired_at,
            last_outcome: row.last_outcome,
            last_error: row.last_error,
            dead_at: row.dead_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Which schedules a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Every schedule.
    All,
    /// Schedules in one state.
    State(ScheduleState),
    /// Active schedules whose latest attempt failed (retrying).
    Failing,
}

impl ListFilter {
    fn as_sql(self) -> Option<&'static str> {
        match self {
            Self::All => None,
            Self::State(state) => Some(state.as_str()),
            Self::Failing => Some("failing"),
        }
    }
}

/// A schedule claimed by an executor for one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The schedule's id.
    pub schedule_id: Uuid,
    /// Its name.
    pub name: String,
    /// When it fires.
    pub spec: ScheduleSpec,
    /// What to call.
    pub target: Target,
    /// How failures are retried.
    pub retry: RetryPolicy,
    /// What happens to missed fires.
    pub misfire: Misfire,
    /// The fire this attempt belongs to.
    pub fire_at: DateTime<Utc>,
    /// The fire's execution id, stable across its retries.
    pub execution_id: Uuid,
    /// This attempt's number, from 1 (the write-back fence).
    pub attempt: i32,
}

/// The write-back of one claim: what the schedule becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The schedule.
    pub schedule_id: Uuid,
    /// The attempt it settles (the fence).
    pub attempt: i32,
    /// The new state.
    pub state: ScheduleState,
    /// When it is next due; `None` when nothing is pending.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether the fire is finished (delivered or skipped): resets the attempt counter and
    /// execution id. A retry or a dead letter keeps them.
    pub fire_done: bool,
    /// `success`, `failure` or `skipped`.
    pub outcome: &'static str,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// One attempt as the `executions` table records it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// The schedule.
    pub schedule_id: Uuid,
    /// The fire's execution id.
    pub execution_id: Uuid,
    /// The fire's scheduled instant.
    pub scheduled_for: DateTime<Utc>,
    /// The attempt number.
    pub attempt: i32,
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// `success` or `failure`.
    pub outcome: &'static str,
    /// The HTTP status, when one came back.
    pub http_status: Option<i32>,
    /// How long it took.
    pub latency_ms: i32,
    /// Why it failed, in words.
    pub error: Option<String>,
}

/// Stores a new schedule due at `next_run_at` and announces it.
pub async fn insert(
    pool: &PgPool,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let state = if schedule.paused {
        ScheduleState::Paused
    } else {
        ScheduleState::Active
    };
    let id = sqlx::query_scalar!(
        r#"
        INSERT INTO schedules (name, kind, spec, target_url, target_method, target_headers,
                               target_body, max_attempts, backoff_initial_ms, backoff_max_ms,
                               misfire, state, next_run_at, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
        RETURNING id
        "#,
        schedule.name,
        schedule.spec.kind(),
        Json(&schedule.spec) as _,
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
    )
    .fetch_one(&mut *tx)
    .await?;
    announce_change(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces a schedule's definition. The edit revives a dead schedule, drops any claim and
/// pending retry (their write-backs are fenced out), bumps the version, and announces it.
/// With `expected_version`, applies only at that version. `None` when no row matched.
pub async fn update(
    pool: &PgPool,
    id: Uuid,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let state = if schedule.paused {
        ScheduleState::Paused
    } else {
        ScheduleState::Active
    };
    let version = sqlx::query_scalar!(
        r#"
        UPDATE schedules
        SET name = $2, kind = $3, spec = $4, target_url = $5, target_method = $6,
            target_headers = $7, target_body = $8, max_attempts = $9,
            backoff_initial_ms = $10, backoff_max_ms = $11, misfire = $12, state = $13,
            next_run_at = $14, attempt = 0, fire_at = NULL, execution_id = NULL,
            claimed_by = NULL, lease_expires_at = NULL, dead_at = NULL,
            version = version + 1, updated_at = $15
        WHERE id = $1 AND ($16::bigint IS NULL OR version = $16)
        RETURNING version
        "#,
        id,
        schedule.name,
        schedule.spec.kind(),
        Json(&schedule.spec) as _,
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
    )
    .fetch_optional(&mut *tx)
    .await?;
    announce_change(&mut tx).await?;
    tx.commit().await?;
    Ok(version)
}

/// Reads one schedule.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<ScheduleView>, sqlx::Error> {
    let row = sqlx::query_as!(
        ScheduleRow,
        r#"
        SELECT id, name, spec AS "spec: Json<ScheduleSpec>", target_url, target_method,
               target_headers AS "target_headers: Json<BTreeMap<String, String>>",
               target_body, max_attempts, backoff_initial_ms, backoff_max_ms, misfire, state,
               next_run_at, fire_at, attempt, claimed_by, last_fired_at, last_outcome,
               last_error, dead_at, version, created_at, updated_at
        FROM schedules
        WHERE id = $1
        "#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(ScheduleView::from))
}

/// One page of schedules in (name, id) order, after the `after` position, filtered by
/// state and by a case-insensitive name search.
pub async fn list(
    pool: &PgPool,
    filter: ListFilter,
    search: Option<&str>,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<ScheduleView>, sqlx::Error> {
    let pattern = search.filter(|s| !s.trim().is_empty()).map(|s| {
        format!(
            "%{}%",
            s.trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let (after_name, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        ScheduleRow,
        r#"
        SELECT id, name, spec AS "spec: Json<ScheduleSpec>", target_url, target_method,
               target_headers AS "target_headers: Json<BTreeMap<String, String>>",
               target_body, max_attempts, backoff_initial_ms, backoff_max_ms, misfire, state,
               next_run_at, fire_at, attempt, claimed_by, last_fired_at, last_outcome,
               last_error, dead_at, version, created_at, updated_at
        FROM schedules
        WHERE ($1::text IS NULL
               OR state = $1
               OR ($1 = 'failing' AND state = 'active' AND last_outcome = 'failure'))
          AND ($2::text IS NULL OR name ILIKE $2)
          AND ($3::text IS NULL OR (name, id) > ($3, $4::uuid))
        ORDER BY name, id
        LIMIT $5
        "#,
        filter.as_sql(),
        pattern,
        after_name,
        after_id,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ScheduleView::from).collect())
}

/// Deletes a schedule and its history; whether it existed.
pub async fn delete(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM schedules WHERE id = $1", id)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}

/// Moves a schedule from one state to another, setting `next_run_at` (and dropping any
/// claim and attempts when `reset_fire`). `None` when it is not in `from` (or missing).
pub async fn transition(
    pool: &PgPool,
    id: Uuid,
    from: &[ScheduleState],
    to: ScheduleState,
    next_run_at: Option<DateTime<Utc>>,
    reset_fire: bool,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let version = sqlx::query_scalar!(
        r#"
        UPDATE schedules
        SET state = $3, next_run_at = $4,
            attempt = CASE WHEN $5 THEN 0 ELSE attempt END,
            fire_at = CASE WHEN $5 THEN NULL ELSE fire_at END,
            execution_id = CASE WHEN $5 THEN NULL ELSE execution_id END,
            claimed_by = CASE WHEN $5 THEN NULL ELSE claimed_by END,
            lease_expires_at = CASE WHEN $5 THEN NULL ELSE lease_expires_at END,
            dead_at = CASE WHEN $3 = 'dead' THEN dead_at ELSE NULL END,
            version = version + 1, updated_at = $6
        WHERE id = $1 AND state = ANY($2)
        RETURNING version
        "#,
        id,
        &from as &[&str],
        to.as_str(),
        next_run_at,
        reset_fire,
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    announce_change(&mut tx).await?;
    tx.commit().await?;
    Ok(version)
}

fn retry_policy(max_attempts: i32, initial_ms: i64, max_ms: i64) -> RetryPolicy {
    RetryPolicy {
        max_attempts: max_attempts.max(1) as u32,
        backoff_initial_ms: initial_ms.max(1) as u64,
        backoff_max_ms: max_ms.max(1) as u64,
    }
}

/// Claims up to `limit` due schedules for `executor_id`, in due order, skipping rows other
/// executors hold locked; each claim's lease runs `lease_ms` from `now`. One statement,
/// committed at once: no transaction stays open across the HTTP call.
pub async fn claim_due(
    pool: &PgPool,
    executor_id: &str,
    now: DateTime<Utc>,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<Claim>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH due AS (
            SELECT id FROM schedules
            WHERE state = 'active' AND next_run_at <= $1
            ORDER BY next_run_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        UPDATE schedules AS s
        SET claimed_by = $3,
            lease_expires_at = $1 + $4::bigint * interval '1 millisecond',
            next_run_at = $1 + $4::bigint * interval '1 millisecond',
            fire_at = COALESCE(s.fire_at, s.next_run_at),
            execution_id = COALESCE(s.execution_id, gen_random_uuid()),
            attempt = s.attempt + 1
        FROM due
        WHERE s.id = due.id
        RETURNING s.id, s.name, s.spec AS "spec: Json<ScheduleSpec>", s.target_url,
                  s.target_method,
                  s.target_headers AS "target_headers: Json<BTreeMap<String, String>>",
                  s.target_body, s.max_attempts, s.backoff_initial_ms, s.backoff_max_ms,
                  s.misfire, s.fire_at AS "fire_at!", s.execution_id AS "execution_id!",
                  s.attempt
        "#,
        now,
        limit,
        executor_id,
        lease_ms,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Claim {
            schedule_id: row.id,
            name: row.name,
            spec: row.spec.0,
            target: Target {
                url: row.target_url,
                method: row.target_method,
                headers: row.target_headers.0,
                body: row.target_body,
            },
            retry: retry_policy(row.max_attempts, row.backoff_initial_ms, row.backoff_max_ms),
            misfire: Misfire::from_db(&row.misfire),
            fire_at: row.fire_at,
            execution_id: row.execution_id,
            attempt: row.attempt,
        })
        .collect())
}

/// Writes back a batch of settled claims and their attempt records in one transaction.
/// Each settlement applies only while `executor_id` still holds that attempt; the ids of
/// those that applied are returned (the others lost their lease and changed nothing).
pub async fn settle(
    pool: &PgPool,
    executor_id: &str,
    settlements: &[Settlement],
    attempts: &[AttemptRecord],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let ids: Vec<Uuid> = settlements.iter().map(|s| s.schedule_id).collect();
    let fences: Vec<i32> = settlements.iter().map(|s| s.attempt).collect();
    let states: Vec<&str> = settlements.iter().map(|s| s.state.as_str()).collect();
    let next_runs: Vec<Option<DateTime<Utc>>> = settlements.iter().map(|s| s.next_run_at).collect();
    let fire_done: Vec<bool> = settlements.iter().map(|s| s.fire_done).collect();
    let outcomes: Vec<&str> = settlements.iter().map(|s| s.outcome).collect();
    let errors: Vec<Option<String>> = settlements.iter().map(|s| s.error.clone()).collect();
    let applied = sqlx::query_scalar!(
        r#"
        WITH input AS (
            SELECT * FROM unnest($2::uuid[], $3::int4[], $4::text[], $5::timestamptz[],
                                 $6::bool[], $7::text[], $8::text[])
                AS t(id, attempt, state, next_run_at, fire_done, outcome, error)
        )
        UPDATE schedules AS s
        SET state = i.state,
            next_run_at = i.next_run_at,
            claimed_by = NULL,
            lease_expires_at = NULL,
            attempt = CASE WHEN i.fire_done THEN 0 ELSE s.attempt END,
            fire_at = CASE WHEN i.fire_done THEN NULL ELSE s.fire_at END,
            execution_id = CASE WHEN i.fire_done THEN NULL ELSE s.execution_id END,
            last_fired_at = $9,
            last_outcome = i.outcome,
            last_error = i.error,
            dead_at = CASE WHEN i.state = 'dead' THEN $9 ELSE s.dead_at END,
            updated_at = $9
        FROM input AS i
        WHERE s.id = i.id AND s.claimed_by = $1 AND s.attempt = i.attempt
        RETURNING s.id
        "#,
        executor_id,
        &ids,
        &fences,
        &states as &[&str],
        &next_runs as &[Option<DateTime<Utc>>],
        &fire_done,
        &outcomes as &[&str],
        &errors as &[Option<String>],
        now,
    )
    .fetch_all(&mut *tx)
    .await?;
    insert_attempts(&mut tx, executor_id, attempts).await?;
    tx.commit().await?;
    Ok(applied)
}

/// Records attempts in `executions` (all of them: a request that was sent happened, even
/// when its holder lost the lease), skipping schedules deleted meanwhile.
async fn insert_attempts(
    tx: &mut Transaction<'_, Postgres>,
    executor_id: &str,
    attempts: &[AttemptRecord],
) -> Result<(), sqlx::Error> {
    if attempts.is_empty() {
        return Ok(());
    }
    let schedule_ids: Vec<Uuid> = attempts.iter().map(|a| a.schedule_id).collect();
    let execution_ids: Vec<Uuid> = attempts.iter().map(|a| a.execution_id).collect();
    let scheduled_for: Vec<DateTime<Utc>> = attempts.iter().map(|a| a.scheduled_for).collect();
    let numbers: Vec<i32> = attempts.iter().map(|a| a.attempt).collect();
    let started: Vec<DateTime<Utc>> = attempts.iter().map(|a| a.started_at).collect();
    let finished: Vec<DateTime<Utc>> = attempts.iter().map(|a| a.finished_at).collect();
    let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome).collect();
    let statuses: Vec<Option<i32>> = attempts.iter().map(|a| a.http_status).collect();
    let latencies: Vec<i32> = attempts.iter().map(|a| a.latency_ms).collect();
    let errors: Vec<Option<String>> = attempts.iter().map(|a| a.error.clone()).collect();
    sqlx::query!(
        r#"
        INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id,
                                started_at, finished_at, outcome, http_status, latency_ms, error)
        SELECT e.schedule_id, e.execution_id, e.scheduled_for, e.attempt, $1, e.started_at,
               e.finished_at, e.outcome, e.http_status, e.latency_ms, e.error
        FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::int4[], $6::timestamptz[],
                    $7::timestamptz[], $8::text[], $9::int4[], $10::int4[], $11::text[])
            AS e(schedule_id, execution_id, scheduled_for, attempt, started_at, finished_at,
                 outcome, http_status, latency_ms, error)
        WHERE EXISTS (SELECT 1 FROM schedules WHERE schedules.id = e.schedule_id)
        "#,
        executor_id,
        &schedule_ids,
        &execution_ids,
        &scheduled_for,
        &numbers,
        &started,
        &finished,
        &outcomes as &[&str],
        &statuses as &[Option<i32>],
        &latencies,
        &errors as &[Option<String>],
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The earliest `next_run_at` of any active schedule: when the executor must next look.
pub async fn next_due(pool: &PgPool) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT min(next_run_at) AS "next" FROM schedules WHERE state = 'active'"#
    )
    .fetch_one(pool)
    .await
}

/// Tells listening executors that schedules changed (delivered when `tx` commits).
async fn announce_change(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_notify($1, '')", CHANGES_CHANNEL)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
