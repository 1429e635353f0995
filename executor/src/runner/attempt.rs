//! One claimed fire: trigger it, ask the pure decision what it means for the schedule, and
//! build the write-back (the settlement and the attempt record).

use std::sync::atomic::Ordering;

use chrono::TimeDelta;
use uuid::Uuid;

use crate::decision::{self, AttemptContext, Decision};
use crate::model::{Outcome, WebhookCall};
use crate::runner::clock::DbClock;
use crate::runner::metrics::ExecutorMetrics;
use crate::runner::trigger::{Attempted, Trigger};
use crate::store::claims::Claim;
use crate::store::settle::{AttemptRecord, Settlement};

/// What one fire came to, on its way to the batched write-back: the settlement and the
/// attempt it records (none for a skip or an unreadable row).
pub type FireResult = (Settlement, Option<AttemptRecord>);

/// Triggers one claim and decides what becomes of its schedule, on the database's clock.
pub async fn attempt(
    trigger: &Trigger,
    claim: Claim,
    metrics: &ExecutorMetrics,
    clock: &DbClock,
    jitter: f64,
) -> FireResult {
    let attempt = claim.attempt.max(1) as u32;
    let schedule = match claim.spec.compile_with(&claim.options) {
        Ok(schedule) => schedule,
        Err(error) => {
            let reason = format!("the stored schedule cannot be read: {error}");
            return (
                settlement(
                    claim.schedule_id,
                    claim.token,
                    &Decision::Dead,
                    Some(reason),
                ),
                None,
            );
        }
    };
    // A person's "Trigger now" is never a missed fire, whatever the clocks say.
    let skip = (!claim.manual)
        .then(|| {
            decision::skip_missed_fire(
                &schedule,
                claim.misfire,
                claim.fire_at,
                attempt,
                clock.now(),
            )
        })
        .flatten();
    if let Some(skip) = skip {
        tracing::info!(schedule_id = %claim.schedule_id, fire_at = %claim.fire_at, "skipped a missed fire");
        metrics.skipped.fetch_add(1, Ordering::Relaxed);
        return (
            settlement(claim.schedule_id, claim.token, &skip, None),
            None,
        );
    }
    let mut attempted = trigger.fire(&claim.webhook_call()).await;
    attempted.started_at = clock.from_local(attempted.started_at);
    let now = clock.now();
    let lag_ms = (attempted.started_at - claim.fire_at).num_milliseconds();
    let reason = attempted.failure.as_ref().map(ToString::to_string);
    match &reason {
        None => tracing::debug!(schedule_id = %claim.schedule_id, lag_ms, "triggered"),
        Some(reason) => tracing::info!(
            schedule_id = %claim.schedule_id, attempt, lag_ms, %reason, "trigger failed"
        ),
    }
    let context = AttemptContext {
        schedule: &schedule,
        policy: &claim.retry,
        on_dead: claim.on_dead,
        fire_at: claim.fire_at,
        attempt,
        // A manual fire is not one of the fires a run limit counts.
        last_fire: !claim.manual && claim.fires_left == Some(1),
    };
    let decision = decision::decide(context, attempted.failure.is_none(), now, jitter);
    metrics.lag.observe(lag_ms.max(0) as f64 / 1000.0);
    let counter = match (&reason, &decision) {
        (None, _) => &metrics.delivered,
        (Some(_), Decision::Dead | Decision::DeadFire { .. }) => {
            metrics.dead_letters.fetch_add(1, Ordering::Relaxed);
            &metrics.failed
        }
        (Some(_), _) => {
            metrics.retries.fetch_add(1, Ordering::Relaxed);
            &metrics.failed
        }
    };
    counter.fetch_add(1, Ordering::Relaxed);
    let record = attempt_record(&claim, &attempted, reason.clone());
    let reason = match (&decision, reason) {
        (Decision::DeadFire { .. }, Some(reason)) => Some(format!(
            "the fire of {} was dead-lettered after {attempt} attempts: {reason}",
            crate::schedule::rfc3339_seconds(claim.fire_at)
        )),
        (_, reason) => reason,
    };
    (
        settlement(claim.schedule_id, claim.token, &decision, reason),
        Some(record),
    )
}

/// The write-back of `decision` for the claim `token` of `schedule_id`.
pub fn settlement(
    schedule_id: Uuid,
    token: Uuid,
    decision: &Decision,
    error: Option<String>,
) -> Settlement {
    Settlement {
        schedule_id,
        token,
        change: decision.row_change(),
        error,
    }
}

fn attempt_record(claim: &Claim, attempted: &Attempted, error: Option<String>) -> AttemptRecord {
    AttemptRecord {
        manual: claim.manual,
        ..record_of(&claim.webhook_call(), attempted, error)
    }
}

/// The history row of `attempted`, the attempt `call` made (`error` when it failed).
pub fn record_of(
    call: &WebhookCall<'_>,
    attempted: &Attempted,
    error: Option<String>,
) -> AttemptRecord {
    let latency = TimeDelta::from_std(attempted.latency).unwrap_or(TimeDelta::MAX);
    let finished_at = crate::schedule::saturating_add(attempted.started_at, attempted.latency);
    AttemptRecord {
        schedule_id: call.schedule_id,
        execution_id: call.execution_id,
        scheduled_for: call.scheduled_for,
        attempt: call.attempt,
        started_at: attempted.started_at,
        finished_at,
        outcome: if error.is_none() {
            Outcome::Success
        } else {
            Outcome::Failure
        },
        http_status: attempted.status.map(i32::from),
        latency_ms: latency.num_milliseconds().clamp(0, i64::from(i32::MAX)) as i32,
        error,
        manual: false,
    }
}
