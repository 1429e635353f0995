//! The executor's side of the `schedules` table: the claim, the fenced batched write-back
//! (with the attempts it records in `executions`), and when the next schedule is due.
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

use super::schedules::{retry_policy, target};
use crate::model::{Misfire, RetryPolicy, ScheduleState, Target};
use crate::schedule::ScheduleSpec;

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
            target: target(
                row.target_url,
                row.target_method,
                row.target_headers,
                row.target_body,
            ),
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
