//! The executor's write-back: each claim's result, fenced on its claim token, written in
//! batches with the attempts it records in `executions`.
//!
//! Rows are locked in id order and a row another transaction holds is skipped, not waited
//! for, so one locked row never holds up a batch; an attempt already recorded (a write-back
//! retried after a client-side timeout) is not recorded twice.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::storable;
use crate::decision::RowChange;
use crate::model::Outcome;

/// The write-back of one claim: what the schedule becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// The schedule.
    pub schedule_id: Uuid,
    /// The claim it settles (the fence).
    pub token: Uuid,
    /// What the decision makes of the schedule's row.
    pub change: RowChange,
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
    /// Whether a person asked for this fire.
    pub manual: bool,
}

/// What one write-back did with each settlement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Settlements that applied (their claim was still the schedule's).
    pub applied: Vec<Uuid>,
    /// Settlements not written because another transaction holds the schedule's row (an
    /// edit or an import in progress): still the schedule's claim, to be written again
    /// shortly. Their attempt records wait with them.
    pub busy: Vec<Uuid>,
}

impl Written {
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
/// comes back in [`Written::busy`] (with its attempt left unrecorded) so one locked row
/// never holds up the others. Texts are made storable first: a target's reply can hold bytes
/// PostgreSQL refuses. An attempt recorded before (a retried write-back) is not recorded
/// twice.
pub async fn settle(
    pool: &PgPool,
    executor_id: &str,
    settlements: &[Settlement],
    attempts: &[AttemptRecord],
) -> Result<Written, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL lock_timeout = '{SETTLE_LOCK_TIMEOUT}'"))
        .execute(&mut *tx)
        .await?;
    let ids: Vec<Uuid> = settlements.iter().map(|s| s.schedule_id).collect();
    let tokens: Vec<Uuid> = settlements.iter().map(|s| s.token).collect();
    let states: Vec<&str> = settlements.iter().map(|s| s.change.state.as_str()).collect();
    let next_runs: Vec<Option<DateTime<Utc>>> =
        settlements.iter().map(|s| s.change.next_run_at).collect();
    let fire_done: Vec<bool> = settlements.iter().map(|s| s.change.fire_done).collect();
    let dead_fire: Vec<bool> = settlements.iter().map(|s| s.change.dead_fire).collect();
    let outcomes: Vec<&str> = settlements.iter().map(|s| s.change.outcome.as_str()).collect();
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
            SELECT r.id, r.ctid FROM schedule_runtime AS r JOIN input AS i ON r.id = i.id
            WHERE r.claim_token = i.token
            ORDER BY r.id
            FOR UPDATE OF r SKIP LOCKED
        ),
        updated AS (
            UPDATE schedule_runtime AS s
            SET state = i.state,
                next_run_at = i.next_run_at,
                claimed_by = NULL,
                claim_token = NULL,
                lease_until = NULL,
                attempt = CASE WHEN i.fire_done THEN 0 ELSE s.attempt END,
                fire_at = CASE WHEN i.fire_done THEN NULL ELSE s.fire_at END,
                execution_id = CASE WHEN i.fire_done THEN NULL ELSE s.execution_id END,
                manual_fire = s.manual_fire AND NOT i.fire_done,
                manual_body = CASE WHEN i.fire_done THEN NULL ELSE s.manual_body END,
                -- A scheduled fire done (not skipped) uses one of the run limit's fires.
                fires_left = CASE WHEN i.fire_done AND i.outcome <> 'skipped'
                                       AND NOT s.manual_fire AND s.fires_left IS NOT NULL
                                  THEN greatest(s.fires_left - 1, 0)
                                  ELSE s.fires_left END,
                dead_fires = s.dead_fires + CASE WHEN i.dead_fire THEN 1 ELSE 0 END,
                last_fired_at = now(),
                failure_streak = CASE i.outcome WHEN 'failure' THEN s.failure_streak + 1
                                                WHEN 'success' THEN 0
                                                ELSE s.failure_streak END,
                last_success_at = CASE WHEN i.outcome = 'success' THEN now()
                                       ELSE s.last_success_at END,
                last_dead_fire_at = CASE WHEN i.dead_fire THEN now() ELSE s.last_dead_fire_at END,
                last_outcome = i.outcome,
                last_error = i.error,
                dead_at = CASE WHEN i.state = 'dead' THEN now() ELSE s.dead_at END
            -- The row as locked above (a locked row keeps its place): no second index lookup.
            FROM locked AS l JOIN input AS i ON i.id = l.id
            WHERE s.ctid = l.ctid AND s.id = l.id AND s.claim_token = i.token
            RETURNING s.id
        )
        SELECT i.id AS "id!", u.id IS NOT NULL AS "applied!",
               -- Asked only of a row not written: is it still this claim's?
               u.id IS NOT NULL OR EXISTS (SELECT 1 FROM schedule_runtime AS r
                                           WHERE r.id = i.id AND r.claim_token = i.token)
                   AS "held!"
        FROM input AS i LEFT JOIN updated AS u ON u.id = i.id
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
    let mut settled = Written::default();
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
    let manual: Vec<bool> = attempts.iter().map(|a| a.manual).collect();
    sqlx::query!(
        r#"
        INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id,
                                started_at, finished_at, outcome, http_status, latency_ms, error,
                                manual)
        SELECT e.schedule_id, e.execution_id, e.scheduled_for, e.attempt, $1, e.started_at,
               e.finished_at, e.outcome, e.http_status, e.latency_ms, e.error, e.manual
        FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::int4[], $6::timestamptz[],
                    $7::timestamptz[], $8::text[], $9::int4[], $10::int4[], $11::text[],
                    $12::bool[])
            AS e(schedule_id, execution_id, scheduled_for, attempt, started_at, finished_at,
                 outcome, http_status, latency_ms, error, manual)
        WHERE EXISTS (SELECT 1 FROM schedule_runtime AS r WHERE r.id = e.schedule_id)
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
        &manual,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
