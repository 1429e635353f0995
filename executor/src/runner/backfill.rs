//! The backfill loop: each executor claims due backfill fires (at most a few at once, beside
//! its own claim loop), triggers them with the same sender, and records each attempt;
//! a failed one is tried again as the schedule's retry policy says, up to its attempts.

use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::runner::attempt::record_of;
use crate::runner::trigger::Trigger;
use crate::store::backfills::{self, BackfillClaim, BackfillOutcome};

/// How often an idle executor looks for due backfill fires (randomized ±50 %).
const EVERY: Duration = Duration::from_millis(250);
/// Fires claimed at once.
const BATCH: i64 = 8;
/// How long a claim is held; an executor that dies leaves it to another after this.
const LEASE_MS: i64 = 30_000;

/// Runs until `shutdown`; attempts in flight finish first.
pub async fn run(pool: PgPool, trigger: Trigger, executor_id: String, shutdown: CancellationToken) {
    loop {
        let claimed = match backfills::claim_due(&pool, LEASE_MS, BATCH).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "claiming backfill fires failed");
                Vec::new()
            }
        };
        let busy = !claimed.is_empty();
        let mut attempts = JoinSet::new();
        for claim in claimed {
            let (pool, trigger, executor_id) = (pool.clone(), trigger.clone(), executor_id.clone());
            attempts.spawn(async move { fire(&pool, &trigger, &executor_id, claim).await });
        }
        while attempts.join_next().await.is_some() {}
        if busy && !shutdown.is_cancelled() {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY.mul_f64(0.5 + fastrand::f64())) => {}
        }
    }
}

/// One attempt of one backfill fire, recorded.
async fn fire(pool: &PgPool, trigger: &Trigger, executor_id: &str, claim: BackfillClaim) {
    let attempted = trigger.fire(&claim.webhook_call()).await;
    let reason = attempted.failure.as_ref().map(ToString::to_string);
    let attempt = claim.attempt.max(1) as u32;
    let outcome = match &reason {
        None => BackfillOutcome::Delivered,
        Some(_) if attempt >= claim.retry.max_attempts => BackfillOutcome::Failed,
        Some(_) => BackfillOutcome::RetryAfterMs(claim.retry.backoff(attempt).as_millis() as i64),
    };
    let record = record_of(&claim.webhook_call(), &attempted, reason);
    tracing::debug!(backfill_id = %claim.backfill_id, seq = claim.seq, ?outcome, at = %Utc::now(), "backfill attempt");
    if let Err(error) = backfills::settle(pool, executor_id, &claim, &record, &outcome).await {
        // The lease runs out and another executor (or this one) tries the fire again; the
        // receiver de-duplicates on the execution id.
        tracing::warn!(%error, backfill_id = %claim.backfill_id, seq = claim.seq, "recording a backfill attempt failed");
    }
}
