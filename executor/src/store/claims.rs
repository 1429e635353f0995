//! The executor's side of the `schedules` table: the claim, the fenced batched write-back
//! (with the attempts it records in `executions`), and when the next schedule is due.
//!
//! A claim sets `claimed_by`, a fresh random `claim_token`, and moves `next_run_at` to the
//! lease expiry, so a claimed schedule is simply not due until its lease runs out; if its
//! executor dies, the schedule becomes due again and any executor claims it (with `attempt`
//! one higher). Every write after a claim is fenced on its token, which no other claim of the
//! same schedule can share, so a holder that lost its lease, or whose claim an edit or
//! "Trigger now" replaced, changes nothing.
//!
//! Time comes from the database: due checks and lease expiries use PostgreSQL's `now()`
//! unless a test passes a fixed instant, so executors with skewed clocks agree on both.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::schedules::{retry_policy, target};
use super::storable;
use crate::model::{Misfire, OnDead, Outcome, RetryPolicy, ScheduleState, Target, WebhookCall};
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
    /// The schedule's own signing secret, if it has one.
    pub signing_secret: Option<String>,
    /// How failures are retried.
    pub retry: RetryPolicy,
    /// What happens to missed fires.
    pub misfire: Misfire,
    /// What a fire that runs out of attempts does to the schedule.
    pub on_dead: OnDead,
    /// The fire this attempt belongs to.
    pub fire_at: DateTime<Utc>,
    /// The fire's execution id, stable across its retries.
    pub execution_id: Uuid,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// This claim's token: the write-back fence, unique per claim.
    pub token: Uuid,
    /// Whether a person asked for this fire ("Trigger now"): never skipped as missed.
    pub manual: bool,
}

impl Claim {
    /// The webhook request this claim makes.
    pub fn webhook_call(&self) -> WebhookCall<'_> {
        WebhookCall {
            schedule_id: self.schedule_id,
            execution_id: self.execution_id,
            name: &self.name,
            scheduled_for: self.fire_at,
            attempt: self.attempt,
            target: &self.target,
            signing_secret: self.signing_secret.as_deref(),
        }
    }
}

/// A claimed row that cannot be read (its stored definition does not decode): the worker
/// dead-letters it with the reason instead of triggering it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The schedule.
    pub schedule_id: Uuid,
    /// This claim's token.
    pub token: Uuid,
    /// Why it cannot be read.
    pub reason: String,
}

/// What one claim statement returned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claimed {
    /// The database's clock when it claimed (`None` when nothing was claimed).
    pub db_now: Option<DateTime<Utc>>,
    /// The claims to trigger, in due order.
    pub claims: Vec<Claim>,
    /// Claimed rows that cannot be read.
    pub unreadable: Vec<Unreadable>,
}

impl Claimed {
    /// How many rows were claimed, readable or not.
    pub fn len(&self) -> usize {
        self.claims.len() + self.unreadable.len()
    }

    /// Whether nothing was claimed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The write-back of one claim: what the schedule becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The schedule.
    pub schedule_id: Uuid,
    /// The claim it settles (the fence).
    pub token: Uuid,
    /// The new state.
    pub state: ScheduleState,
    /// When it is next due; `None` when nothing is pending.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether the fire is finished (delivered, skipped, or dead-lettered while the schedule
    /// goes on): resets the attempt counter and execution id. A retry or a dead schedule
    /// keeps them.
    pub fire_done: bool,
    /// Whether this fire was dead-lettered while the schedule goes on (`on_dead: next_fire`).
    pub dead_fire: bool,
    /// How the attempt (or the skip) ended.
    pub outcome: Outcome,
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
    /// How it ended.
    pub outcome: Outcome,
    /// The HTTP status, when one came back.
    pub http_status: Option<i32>,
    /// How long it took.
    pub latency_ms: i32,
    /// Why it failed, in words.
    pub error: Option<String>,
}

/// Claims up to `limit` due schedules for `executor_id`, in due order, skipping rows other
/// executors hold locked; each claim's lease runs `lease_ms` from the database's `now()`
/// (or from `fixed_now`, which tests pass to control time). One statement, committed at
/// once: no transaction stays open across the HTTP call. Rows are decoded one by one, so a
/// row that cannot be read comes back in [`Claimed::unreadable`] and holds up nothing.
pub async fn claim_due(
    pool: &PgPool,
    executor_id: &str,
    fixed_now: Option<DateTime<Utc>>,
    lease_ms: i64,
    limit: i64,
) -> Result<Claimed, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH due AS (
            SELECT id FROM schedules
            WHERE state = 'active' AND next_run_at <= COALESCE($1::timestamptz, now())
            ORDER BY next_run_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        UPDATE schedules AS s
        SET claimed_by = $3,
            claim_token = gen_random_uuid(),
            next_run_at = COALESCE($1::timestamptz, now()) + $4::bigint * interval '1 millisecond',
            fire_at = COALESCE(s.fire_at, s.next_run_at),
            execution_id = COALESCE(s.execution_id, gen_random_uuid()),
            attempt = s.attempt + 1
        FROM due
        WHERE s.id = due.id
        RETURNING s.id, s.name, s.spec::text AS "spec!", s.target_url, s.target_method,
                  s.target_headers::text AS "target_headers!",
                  s.target_body, s.signing_secret, s.max_attempts, s.backoff_initial_ms,
                  s.backoff_max_ms, s.misfire AS "misfire: Misfire",
                  s.on_dead AS "on_dead: OnDead", s.fire_at AS "fire_at!",
                  s.execution_id AS "execution_id!", s.attempt, s.claim_token AS "token!",
                  s.manual_fire,
                  COALESCE($1::timestamptz, now()) AS "db_now!"
        "#,
        fixed_now,
        limit,
        executor_id,
        lease_ms,
    )
    .fetch_all(pool)
    .await?;
    let mut claimed = Claimed {
        db_now: rows.first().map(|row| row.db_now),
        ..Claimed::default()
    };
    for row in rows {
        let decoded = decode_definition(&row.spec, &row.target_headers);
        match decoded {
            Ok((spec, headers)) => claimed.claims.push(Claim {
                schedule_id: row.id,
                name: row.name,
                spec,
                target: target(row.target_url, row.target_method, headers, row.target_body),
                signing_secret: row.signing_secret,
                retry: retry_policy(row.max_attempts, row.backoff_initial_ms, row.backoff_max_ms),
                misfire: row.misfire,
                on_dead: row.on_dead,
                fire_at: row.fire_at,
                execution_id: row.execution_id,
                attempt: row.attempt,
                token: row.token,
                manual: row.manual_fire,
            }),
            Err(reason) => claimed.unreadable.push(Unreadable {
                schedule_id: row.id,
                token: row.token,
                reason,
            }),
        }
    }
    Ok(claimed)
}

/// The stored timing and headers (JSON text), or why they cannot be read.
fn decode_definition(
    spec: &str,
    headers: &str,
) -> Result<(ScheduleSpec, BTreeMap<String, String>), String> {
    // Only decoding here: whether the timing compiles is the worker's question (it asks once,
    // per fire, and dead-letters with the reason).
    let spec = serde_json::from_str::<ScheduleSpec>(spec)
        .map_err(|error| format!("the stored schedule cannot be read: {error}"))?;
    let headers = serde_json::from_str(headers)
        .map_err(|error| format!("the stored headers cannot be read: {error}"))?;
    Ok((spec, headers))
}

/// What one write-back did with each settlement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settled {
    /// Settlements that applied (their claim was still the schedule's).
    pub applied: Vec<Uuid>,
    /// Settlements not written because another transaction holds the schedule's row (an
    /// edit or an import in progress): still the schedule's claim, to be written again
    /// shortly. Their attempt records wait with them.
    pub busy: Vec<Uuid>,
}

impl Settled {
    /// How many settlements found their claim gone (taken over, or replaced by an edit).
    pub fn lost(&self, asked: usize) -> usize {
        asked - self.applied.len() - self.busy.len()
    }
}

/// How long a write-back waits for a lock it cannot skip (the history row's reference to its
/// schedule) before the batch is refused and written row by row.
const SETTLE_LOCK_TIMEOUT: &str = "1s";

/// Writes back a batch of settled claims and their attempt records in one transaction.
/// Each settlement applies only while its claim token is still the schedule's. Rows are
/// locked in id order, and a row another transaction holds is skipped, not waited for: it
/// comes back in [`Settled::busy`] (with its attempt left unrecorded) so one locked row
/// never holds up the others. Texts are made storable first: a target's reply can hold bytes
/// PostgreSQL refuses. An attempt recorded before (a retried write-back) is not recorded
/// twice.
pub async fn settle(
    pool: &PgPool,
    executor_id: &str,
    settlements: &[Settlement],
    attempts: &[AttemptRecord],
) -> Result<Settled, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL lock_timeout = '{SETTLE_LOCK_TIMEOUT}'"))
        .execute(&mut *tx)
        .await?;
    let ids: Vec<Uuid> = settlements.iter().map(|s| s.schedule_id).collect();
    let tokens: Vec<Uuid> = settlements.iter().map(|s| s.token).collect();
    let states: Vec<&str> = settlements.iter().map(|s| s.state.as_str()).collect();
    let next_runs: Vec<Option<DateTime<Utc>>> = settlements.iter().map(|s| s.next_run_at).collect();
    let fire_done: Vec<bool> = settlements.iter().map(|s| s.fire_done).collect();
    let dead_fire: Vec<bool> = settlements.iter().map(|s| s.dead_fire).collect();
    let outcomes: Vec<&str> = settlements.iter().map(|s| s.outcome.as_str()).collect();
    let errors: Vec<Option<String>> = settlements
        .iter()
        .map(|s| s.error.as_deref().map(storable))
        .collect();
    let rows = sqlx::query!(
        r#"
        WITH input AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[],
                                 $5::bool[], $6::bool[], $7::text[], $8::text[])
                AS t(id, token, state, next_run_at, fire_done, dead_fire, outcome, error)
        ),
        locked AS (
            SELECT s.id FROM schedules AS s JOIN input AS i ON s.id = i.id
            WHERE s.claim_token = i.token
            ORDER BY s.id
            FOR UPDATE OF s SKIP LOCKED
        ),
        updated AS (
            UPDATE schedules AS s
            SET state = i.state,
                next_run_at = i.next_run_at,
                claimed_by = NULL,
                claim_token = NULL,
                attempt = CASE WHEN i.fire_done THEN 0 ELSE s.attempt END,
                fire_at = CASE WHEN i.fire_done THEN NULL ELSE s.fire_at END,
                execution_id = CASE WHEN i.fire_done THEN NULL ELSE s.execution_id END,
                manual_fire = s.manual_fire AND NOT i.fire_done,
                dead_fires = s.dead_fires + CASE WHEN i.dead_fire THEN 1 ELSE 0 END,
                last_fired_at = now(),
                last_outcome = i.outcome,
                last_error = i.error,
                dead_at = CASE WHEN i.state = 'dead' THEN now() ELSE s.dead_at END,
                updated_at = now()
            FROM input AS i JOIN locked AS l ON l.id = i.id
            WHERE s.id = i.id AND s.claim_token = i.token
            RETURNING s.id
        )
        SELECT i.id AS "id!",
               EXISTS (SELECT 1 FROM updated AS u WHERE u.id = i.id) AS "applied!",
               EXISTS (SELECT 1 FROM schedules AS s
                       WHERE s.id = i.id AND s.claim_token = i.token) AS "held!"
        FROM input AS i
        "#,
        &ids,
        &tokens,
        &states as &[&str],
        &next_runs as &[Option<DateTime<Utc>>],
        &fire_done,
        &dead_fire,
        &outcomes as &[&str],
        &errors as &[Option<String>],
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut settled = Settled::default();
    for row in rows {
        match (row.applied, row.held) {
            (true, _) => settled.applied.push(row.id),
            // Still ours, but locked by another transaction: skipped, not waited for.
            (false, true) => settled.busy.push(row.id),
            (false, false) => {}
        }
    }
    let recordable: Vec<AttemptRecord> = attempts
        .iter()
        .filter(|a| !settled.busy.contains(&a.schedule_id))
        .cloned()
        .collect();
    insert_attempts(&mut tx, executor_id, &recordable).await?;
    tx.commit().await?;
    Ok(settled)
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
    let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
    let statuses: Vec<Option<i32>> = attempts.iter().map(|a| a.http_status).collect();
    let latencies: Vec<i32> = attempts.iter().map(|a| a.latency_ms).collect();
    let errors: Vec<Option<String>> = attempts
        .iter()
        .map(|a| a.error.as_deref().map(storable))
        .collect();
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
        ON CONFLICT (execution_id, attempt) DO NOTHING
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

/// When the executor must next look, and the database's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDue {
    /// The earliest `next_run_at` of any active schedule.
    pub next: Option<DateTime<Utc>>,
    /// The database's `now()`.
    pub db_now: DateTime<Utc>,
}

/// The database's clock: every instant a person's action computes (a manual fire, a resume,
/// a creation) is on it, as the executors' are, whatever the server's own clock says.
pub async fn db_now(pool: &PgPool) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT now() AS "now!""#)
        .fetch_one(pool)
        .await
}

/// The earliest `next_run_at` of any active schedule, with the database's clock.
pub async fn next_due(pool: &PgPool) -> Result<NextDue, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT min(next_run_at) AS "next", now() AS "db_now!"
           FROM schedules WHERE state = 'active'"#
    )
    .fetch_one(pool)
    .await?;
    Ok(NextDue {
        next: row.next,
        db_now: row.db_now,
    })
}
