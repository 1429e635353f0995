//! The executor's side of the `schedule_runtime` table: the claim, and when the next schedule
//! is due. The fenced write-back of what a claim led to is in [`crate::store::settle`].
//!
//! Fires touch only `schedule_runtime`, one narrow row per schedule (state, next run, lease,
//! the fire's bookkeeping and outcome); the claim reads the definition from `schedules`
//! without locking it, so a fire never writes the wide row that people edit.
//!
//! A claim sets `claimed_by`, a fresh random `claim_token` and `lease_until`, the lease's
//! expiry: a schedule is due when `next_run_at` has passed and it holds no live lease, so a
//! claimed schedule is not due until its lease runs out; if its executor dies, the schedule
//! becomes due again (first in line: its `next_run_at` is the fire's time) and any executor
//! claims it (with `attempt` one higher). The claim changes no indexed column, so
//! PostgreSQL writes it as a heap-only update when the row's page has room; the write-back
//! moves `next_run_at` and clears the lease. Every write after a claim is fenced on its token, which no other claim of the
//! same schedule can share, so a holder that lost its lease, or whose claim an edit or
//! "Trigger now" replaced, changes nothing.
//!
//! Time comes from the database: due checks and lease expiries use PostgreSQL's `now()`
//! unless a test passes a fixed instant, so executors with skewed clocks agree on both.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::schedules::{retry_policy, target};
use crate::model::{Misfire, OnDead, RetryPolicy, Target, WebhookCall};
use crate::schedule::{ScheduleSpec, StoredTiming, TimingOptions};

/// A schedule claimed by an executor for one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The schedule's id.
    pub schedule_id: Uuid,
    /// Its name.
    pub name: String,
    /// When it fires.
    pub spec: ScheduleSpec,
    /// Its window, jitter and DST policy.
    pub options: TimingOptions,
    /// Fires its run limit still allows (`None`: no limit).
    pub fires_left: Option<i32>,
    /// What to call (with the one-off body of a manual fire that has one).
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
pub struct UnreadableClaim {
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
    pub unreadable: Vec<UnreadableClaim>,
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
            SELECT id, ctid FROM schedule_runtime
            WHERE state = 'active' AND next_run_at <= COALESCE($1::timestamptz, now())
              AND (lease_until IS NULL OR lease_until <= COALESCE($1::timestamptz, now()))
            ORDER BY next_run_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        UPDATE schedule_runtime AS r
        SET claimed_by = $3,
            claim_token = gen_random_uuid(),
            lease_until = COALESCE($1::timestamptz, now()) + $4::bigint * interval '1 millisecond',
            fire_at = COALESCE(r.fire_at, r.next_run_at),
            execution_id = COALESCE(r.execution_id, gen_random_uuid()),
            attempt = r.attempt + 1
        FROM due JOIN schedules AS s ON s.id = due.id
        -- The row as locked above (a locked row keeps its place): no second index lookup.
        WHERE r.ctid = due.ctid AND r.id = due.id
        RETURNING r.id, s.name, s.spec::text AS "spec!", s.target_url, s.target_method,
                  s.target_headers::text AS "target_headers!",
                  s.target_body, s.signing_secret, s.max_attempts, s.backoff_initial_ms,
                  s.backoff_max_ms, s.misfire AS "misfire: Misfire",
                  s.on_dead AS "on_dead: OnDead", r.fire_at AS "fire_at!",
                  r.execution_id AS "execution_id!", r.attempt, r.claim_token AS "token!",
                  r.manual_fire, r.manual_body, r.fires_left,
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
            Ok((timing, headers)) => claimed.claims.push(Claim {
                schedule_id: row.id,
                name: row.name,
                spec: timing.spec,
                options: timing.options,
                fires_left: row.fires_left,
                target: target(
                    row.target_url,
                    row.target_method,
                    headers,
                    // "Trigger now" with a payload sends it instead of the usual body.
                    match (row.manual_fire, row.manual_body) {
                        (true, Some(body)) => Some(body),
                        _ => row.target_body,
                    },
                ),
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
            Err(reason) => claimed.unreadable.push(UnreadableClaim {
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
) -> Result<(StoredTiming, BTreeMap<String, String>), String> {
    // Only decoding here: whether the timing compiles is the worker's question (it asks once,
    // per fire, and dead-letters with the reason).
    let spec = serde_json::from_str::<StoredTiming>(spec)
        .map_err(|error| format!("the stored schedule cannot be read: {error}"))?;
    let headers = serde_json::from_str(headers)
        .map_err(|error| format!("the stored headers cannot be read: {error}"))?;
    Ok((spec, headers))
}

/// When the executor must next look, and the database's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDue {
    /// When the first active schedule becomes due: the earliest `next_run_at`, or for a
    /// schedule held by a claim, its lease's expiry.
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

/// How many rows of the due range [`next_due`] reads for their leases: more than any
/// executors hold in flight. Were all of them held, a due row behind them would wait for
/// the claim loop's next poll (at most `--poll-max`), not be lost.
const DUE_RANGE_READ: i64 = 10_000;

/// When the first active schedule becomes due (a held one: when its lease expires), with
/// the database's clock. Two reads of the due index: the rows already past `next_run_at`
/// (held ones among them count from their lease's expiry), and the first one not yet due.
pub async fn next_due(pool: &PgPool) -> Result<NextDue, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT least(
                   (SELECT min(greatest(d.next_run_at, d.lease_until))
                    FROM (SELECT next_run_at, lease_until FROM schedule_runtime
                          WHERE state = 'active' AND next_run_at <= now()
                          ORDER BY next_run_at, id
                          LIMIT $1) AS d),
                   (SELECT min(next_run_at) FROM schedule_runtime
                    WHERE state = 'active' AND next_run_at > now())
               ) AS "next",
               now() AS "db_now!"
        "#,
        DUE_RANGE_READ,
    )
    .fetch_one(pool)
    .await?;
    Ok(NextDue {
        next: row.next,
        db_now: row.db_now,
    })
}
