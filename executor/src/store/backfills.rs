//! Backfills: a schedule's past instants queued as fires of their own, claimed by executors
//! when due (`FOR UPDATE SKIP LOCKED`, with a lease another executor takes over when the
//! holder dies), their attempts recorded in `executions`, cancelled on request.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::schedules::{retry_policy, target};
use super::settle::AttemptRecord;
use crate::model::{BackfillView, RetryPolicy, Target, WebhookCall};

/// A backfill to store: its fires' instants, paced from `start`.
#[derive(Debug, Clone)]
pub struct NewBackfill<'a> {
    /// Its id.
    pub id: Uuid,
    /// The schedule.
    pub schedule_id: Uuid,
    /// The range asked for.
    pub from: DateTime<Utc>,
    /// See `from`.
    pub to: DateTime<Utc>,
    /// Milliseconds between two fires' first attempts.
    pub pace_ms: i64,
    /// The instants, ascending.
    pub instants: &'a [DateTime<Utc>],
    /// Who asked.
    pub created_by: &'a str,
}

/// Stores `backfill` and queues its fires (the first due at once, each next `pace_ms`
/// later), in the caller's transaction.
pub async fn insert(tx: &mut PgConnection, backfill: &NewBackfill<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO backfills (id, schedule_id, range_from, range_to, pace_ms, total, created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        "#,
        backfill.id,
        backfill.schedule_id,
        backfill.from,
        backfill.to,
        backfill.pace_ms,
        backfill.instants.len() as i32,
        backfill.created_by,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"
        INSERT INTO backfill_fires (backfill_id, seq, schedule_id, scheduled_for, due_at,
                                    execution_id)
        SELECT $1, f.seq::int4, $2, f.scheduled_for,
               now() + (f.seq - 1) * $3::bigint * interval '1 millisecond', gen_random_uuid()
        FROM unnest($4::timestamptz[]) WITH ORDINALITY AS f(scheduled_for, seq)
        "#,
        backfill.id,
        backfill.schedule_id,
        backfill.pace_ms,
        backfill.instants,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The most backfills a schedule's list shows.
pub const LISTED: i64 = 20;

/// The schedule's latest backfills with their progress, newest first.
pub async fn list_for_schedule(
    pool: &PgPool,
    schedule_id: Uuid,
) -> Result<Vec<BackfillView>, sqlx::Error> {
    sqlx::query_as!(
        BackfillView,
        r#"
        SELECT id AS "id?", schedule_id, range_from AS "from", range_to AS "to", pace_ms, state,
               created_by, created_at, finished_at, total, delivered, failed, cancelled,
               ARRAY[]::timestamptz[] AS "fires!"
        FROM backfills
        WHERE schedule_id = $1
        ORDER BY created_at DESC
        LIMIT $2
        "#,
        schedule_id,
        LISTED,
    )
    .fetch_all(pool)
    .await
}

/// Cancels backfill `id` of schedule `schedule_id`: its fires not yet made are dropped (an
/// attempt in flight still lands). `false` when it is not running (or not there).
pub async fn cancel(
    tx: &mut PgConnection,
    schedule_id: Uuid,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let cancelled = sqlx::query!(
        r#"
        UPDATE backfills SET state = 'cancelled', finished_at = now()
        WHERE id = $1 AND schedule_id = $2 AND state = 'running'
        "#,
        id,
        schedule_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if cancelled {
        let dropped = sqlx::query!(
            "UPDATE backfill_fires SET state = 'cancelled' WHERE backfill_id = $1 AND state = 'pending'",
            id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query!(
            "UPDATE backfills SET cancelled = cancelled + $2 WHERE id = $1",
            id,
            dropped as i32
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(cancelled)
}

/// One claimed backfill fire: everything its attempt needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillClaim {
    /// The backfill.
    pub backfill_id: Uuid,
    /// The fire's place in it.
    pub seq: i32,
    /// The schedule.
    pub schedule_id: Uuid,
    /// Its name.
    pub name: String,
    /// The fire's execution id.
    pub execution_id: Uuid,
    /// The past instant it stands for.
    pub scheduled_for: DateTime<Utc>,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// The webhook, as the schedule has it now.
    pub target: Target,
    /// The schedule's signing key.
    pub signing_secret: Option<String>,
    /// The schedule's retry policy.
    pub retry: RetryPolicy,
}

impl BackfillClaim {
    /// The webhook request this attempt makes.
    pub fn webhook_call(&self) -> WebhookCall<'_> {
        WebhookCall {
            schedule_id: self.schedule_id,
            execution_id: self.execution_id,
            name: &self.name,
            scheduled_for: self.scheduled_for,
            attempt: self.attempt,
            target: &self.target,
            signing_secret: self.signing_secret.as_deref(),
        }
    }
}

/// Claims up to `limit` due backfill fires for `lease_ms`, in due order, skipping those other
/// executors hold; each claim starts an attempt. A fire whose headers cannot be read is
/// marked failed with the reason.
pub async fn claim_due(
    pool: &PgPool,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<BackfillClaim>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        WITH due AS (
            SELECT f.backfill_id, f.seq FROM backfill_fires f
            WHERE f.state = 'pending' AND f.due_at <= now()
              AND (f.lease_until IS NULL OR f.lease_until < now())
            ORDER BY f.due_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE backfill_fires AS f
        SET attempt = f.attempt + 1,
            lease_until = now() + $2::bigint * interval '1 millisecond'
        FROM due, schedules s
        WHERE f.backfill_id = due.backfill_id AND f.seq = due.seq AND s.id = f.schedule_id
        RETURNING f.backfill_id, f.seq, f.schedule_id, s.name, f.execution_id, f.scheduled_for,
                  f.attempt, s.target_url, s.target_method,
                  s.target_headers::text AS "target_headers!", s.target_body, s.signing_secret,
                  s.max_attempts, s.backoff_initial_ms, s.backoff_max_ms
        "#,
        limit,
        lease_ms,
    )
    .fetch_all(pool)
    .await?;
    let mut claims = Vec::with_capacity(rows.len());
    for row in rows {
        match serde_json::from_str(&row.target_headers) {
            Ok(headers) => claims.push(BackfillClaim {
                backfill_id: row.backfill_id,
                seq: row.seq,
                schedule_id: row.schedule_id,
                name: row.name,
                execution_id: row.execution_id,
                scheduled_for: row.scheduled_for,
                attempt: row.attempt,
                target: target(row.target_url, row.target_method, headers, row.target_body),
                signing_secret: row.signing_secret,
                retry: retry_policy(row.max_attempts, row.backoff_initial_ms, row.backoff_max_ms),
            }),
            Err(error) => {
                let reason = format!("the stored headers cannot be read: {error}");
                let mut tx = pool.begin().await?;
                lock(&mut tx, row.backfill_id).await?;
                sqlx::query!(
                    r#"UPDATE backfill_fires SET state = 'failed', last_error = $3, lease_until = NULL
                       WHERE backfill_id = $1 AND seq = $2"#,
                    row.backfill_id,
                    row.seq,
                    reason
                )
                .execute(&mut *tx)
                .await?;
                count_settled(&mut tx, row.backfill_id, "failed").await?;
                tx.commit().await?;
            }
        }
    }
    Ok(claims)
}

/// What became of one backfill attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum BackfillOutcome {
    /// Delivered.
    Delivered,
    /// Failed; tried again this many milliseconds from now (the database's).
    RetryAfterMs(i64),
    /// Failed for the last time.
    Failed,
}

/// Records `record`, the attempt of `claim`, and what it came to; fenced on the attempt
/// number, so an executor whose lease ran out (another took the fire) changes nothing but
/// the history. Ends the backfill when it was its last pending fire.
pub async fn settle(
    pool: &PgPool,
    executor_id: &str,
    claim: &BackfillClaim,
    record: &AttemptRecord,
    outcome: &BackfillOutcome,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    // One settlement of a backfill at a time, so that the one settling its last fire sees
    // every other settled and ends it.
    lock(&mut tx, claim.backfill_id).await?;
    sqlx::query!(
        r#"
        INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id,
                                started_at, finished_at, outcome, http_status, latency_ms, error,
                                backfill_id)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
        WHERE EXISTS (SELECT 1 FROM schedules WHERE id = $1)
        ON CONFLICT (execution_id, attempt) DO NOTHING
        "#,
        record.schedule_id,
        record.execution_id,
        record.scheduled_for,
        record.attempt,
        executor_id,
        record.started_at,
        record.finished_at,
        record.outcome.as_str(),
        record.http_status,
        record.latency_ms,
        record.error.as_deref().map(super::storable),
        claim.backfill_id,
    )
    .execute(&mut *tx)
    .await?;
    let (state, retry_ms) = match outcome {
        BackfillOutcome::Delivered => ("delivered", None),
        BackfillOutcome::RetryAfterMs(ms) => ("pending", Some(*ms)),
        BackfillOutcome::Failed => ("failed", None),
    };
    let applied = sqlx::query!(
        r#"
        UPDATE backfill_fires
        SET state = $4,
            due_at = COALESCE(now() + $5::bigint * interval '1 millisecond', due_at),
            lease_until = NULL, last_error = $6
        WHERE backfill_id = $1 AND seq = $2 AND attempt = $3 AND state = 'pending'
        "#,
        claim.backfill_id,
        claim.seq,
        claim.attempt,
        state,
        retry_ms,
        record.error.as_deref().map(super::storable),
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if applied && state != "pending" {
        count_settled(&mut tx, claim.backfill_id, state).await?;
    }
    tx.commit().await
}

/// Counts a fire of `backfill_id` settled for good as `state` (`delivered` or `failed`), and
/// ends the backfill when it was its last pending fire.
async fn count_settled(
    tx: &mut PgConnection,
    backfill_id: Uuid,
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        WITH last AS (
            SELECT NOT EXISTS (SELECT 1 FROM backfill_fires
                               WHERE backfill_id = $1 AND state = 'pending') AS done
        )
        UPDATE backfills
        SET delivered = delivered + CASE WHEN $2 = 'delivered' THEN 1 ELSE 0 END,
            failed = failed + CASE WHEN $2 = 'failed' THEN 1 ELSE 0 END,
            state = CASE WHEN state = 'running' AND last.done THEN 'done' ELSE state END,
            finished_at = CASE WHEN state = 'running' AND last.done THEN now()
                               ELSE finished_at END
        FROM last
        WHERE id = $1
        "#,
        backfill_id,
        state,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Locks backfill `id`'s row for the caller's transaction.
async fn lock(tx: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT id FROM backfills WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(())
}
