//! The claim loop: claim due schedules in batches, trigger each in its own task (bounded by
//! `concurrency`), decide, and write the results back in batches. Sleeps until the earliest
//! known due time (never longer than a jittered poll interval) and wakes early on NOTIFY.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::metrics::ExecutorMetrics;
use crate::model::ScheduleState;
use crate::outcome::{self, Decision};
use crate::store::claims::{self, AttemptRecord, Claim, Settlement};
use crate::store::schedules::CHANGES_CHANNEL;
use crate::trigger::{Attempted, Trigger};

/// How the claim loop behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// This executor's id (the `claimed_by` of its claims).
    pub executor_id: String,
    /// Triggers in flight at once.
    pub concurrency: usize,
    /// Most schedules claimed per statement.
    pub batch: usize,
    /// Shortest idle poll interval.
    pub poll_min: Duration,
    /// Longest idle poll interval.
    pub poll_max: Duration,
    /// How long a claim is held before any executor may take it over.
    pub lease: Duration,
    /// How long shutdown waits for triggers in flight.
    pub shutdown_grace: Duration,
}

/// One claim's result on its way to the batched write-back.
type Settled = (Settlement, Option<AttemptRecord>);

/// Runs the claim loop until `shutdown`, then lets in-flight triggers finish (up to the
/// grace period) and flushes their results.
pub async fn run(
    pool: PgPool,
    config: WorkerConfig,
    trigger: Trigger,
    metrics: Arc<ExecutorMetrics>,
    shutdown: CancellationToken,
) {
    let wake = Arc::new(Notify::new());
    let listener = tokio::spawn(listen_for_changes(
        pool.clone(),
        wake.clone(),
        shutdown.clone(),
    ));
    let (settle_tx, settle_rx) = mpsc::channel::<Settled>(config.batch.max(1) * 4);
    let writer = tokio::spawn(write_back(
        pool.clone(),
        config.executor_id.clone(),
        settle_rx,
        wake.clone(),
        metrics.clone(),
    ));
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut failures = 0u32;

    while !shutdown.is_cancelled() {
        while tasks.try_join_next().is_some() {}
        let available = permits.available_permits().min(config.batch.max(1));
        if available == 0 {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tasks.join_next() => continue,
            }
        }
        let now = Utc::now();
        let claimed = claims::claim_due(
            &pool,
            &config.executor_id,
            now,
            config.lease.as_millis() as i64,
            available as i64,
        )
        .await;
        let claims = match claimed {
            Ok(claims) => {
                failures = 0;
                claims
            }
            Err(error) => {
                failures += 1;
                let pause = Duration::from_millis(200 * u64::from(failures.min(10)));
                tracing::warn!(%error, retry_in = ?pause, "claiming failed; is the database up?");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(pause) => continue,
                }
            }
        };
        metrics.claim_batch.observe(claims.len() as f64);
        let full_batch = claims.len() == available;
        for claim in claims {
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                break; // cannot happen: we claimed no more than the free permits
            };
            metrics.in_flight.fetch_add(1, Ordering::Relaxed);
            let (trigger, settle_tx, metrics) =
                (trigger.clone(), settle_tx.clone(), metrics.clone());
            tasks.spawn(async move {
                let settled = attempt(&trigger, claim, &metrics).await;
                metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
                drop(permit);
                if settle_tx.send(settled).await.is_err() {
                    tracing::error!("the write-back has stopped; a result is lost to the lease");
                }
            });
        }
        if full_batch {
            continue; // more may be due right now
        }
        let pause = idle_pause(&pool, &config, Utc::now()).await;
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }

    tracing::info!(
        in_flight = tasks.len(),
        "stopped claiming; finishing triggers in flight"
    );
    let drained = tokio::time::timeout(config.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = tasks.len(),
            "grace period over; unfinished claims return to the queue when their leases expire"
        );
        tasks.abort_all();
    }
    drop(settle_tx);
    if writer.await.is_err() {
        tracing::error!("the write-back task panicked");
    }
    listener.abort();
}

/// How long to sleep when the last claim found less than a full batch: until the earliest
/// known due time, never longer than a random poll interval in [poll_min, poll_max] (so
/// executors never move in lock-step), and a few random milliseconds at least (so rows due
/// but locked by another executor are not spun on).
async fn idle_pause(pool: &PgPool, config: &WorkerConfig, now: DateTime<Utc>) -> Duration {
    let span = config.poll_max.saturating_sub(config.poll_min);
    let poll = config.poll_min + span.mul_f64(fastrand::f64());
    let floor = Duration::from_millis(2 + fastrand::u64(0..8));
    match claims::next_due(pool).await {
        Ok(Some(next)) => (next - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(floor, poll.max(floor)),
        Ok(None) => poll,
        Err(error) => {
            tracing::debug!(%error, "cannot read the next due time");
            poll
        }
    }
}

/// Triggers one claim and decides what becomes of its schedule.
async fn attempt(trigger: &Trigger, claim: Claim, metrics: &ExecutorMetrics) -> Settled {
    let attempt = claim.attempt.max(1) as u32;
    let schedule = match claim.spec.compile() {
        Ok(schedule) => schedule,
        Err(error) => {
            let reason = format!("the stored schedule cannot be read: {error}");
            return (settlement(&claim, &Decision::Dead, Some(reason)), None);
        }
    };
    if let Some(skip) =
        outcome::skip_missed_fire(&schedule, claim.misfire, claim.fire_at, attempt, Utc::now())
    {
        tracing::info!(schedule_id = %claim.schedule_id, fire_at = %claim.fire_at, "skipped a missed fire");
        metrics.skipped.fetch_add(1, Ordering::Relaxed);
        return (settlement(&claim, &skip, None), None);
    }
    let attempted = trigger.fire(&claim).await;
    let now = Utc::now();
    let lag_ms = (attempted.started_at - claim.fire_at).num_milliseconds();
    let reason = attempted.failure.as_ref().map(ToString::to_string);
    match &reason {
        None => tracing::debug!(schedule_id = %claim.schedule_id, lag_ms, "triggered"),
        Some(reason) => tracing::info!(
            schedule_id = %claim.schedule_id, attempt, lag_ms, %reason, "trigger failed"
        ),
    }
    let decision = outcome::decide(
        &schedule,
        &claim.retry,
        claim.fire_at,
        attempt,
        attempted.failure.is_none(),
        now,
        fastrand::f64(),
    );
    metrics.lag.observe(lag_ms.max(0) as f64 / 1000.0);
    let counter = match (&reason, &decision) {
        (None, _) => &metrics.delivered,
        (Some(_), Decision::Dead) => {
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
    (settlement(&claim, &decision, reason), Some(record))
}

fn settlement(claim: &Claim, decision: &Decision, error: Option<String>) -> Settlement {
    let (state, next_run_at, fire_done, outcome) = match decision {
        Decision::Fired { next_run } | Decision::Skipped { next_run } => (
            if next_run.is_some() {
                ScheduleState::Active
            } else {
                ScheduleState::Completed
            },
            *next_run,
            true,
            if matches!(decision, Decision::Skipped { .. }) {
                "skipped"
            } else {
                "success"
            },
        ),
        Decision::Retry { at } => (ScheduleState::Active, Some(*at), false, "failure"),
        Decision::Dead => (ScheduleState::Dead, None, false, "failure"),
    };
    Settlement {
        schedule_id: claim.schedule_id,
        attempt: claim.attempt,
        state,
        next_run_at,
        fire_done,
        outcome,
        error,
    }
}

fn attempt_record(claim: &Claim, attempted: &Attempted, error: Option<String>) -> AttemptRecord {
    let latency = TimeDelta::from_std(attempted.latency).unwrap_or(TimeDelta::MAX);
    AttemptRecord {
        schedule_id: claim.schedule_id,
        execution_id: claim.execution_id,
        scheduled_for: claim.fire_at,
        attempt: claim.attempt,
        started_at: attempted.started_at,
        finished_at: attempted.started_at + latency,
        outcome: if error.is_none() {
            "success"
        } else {
            "failure"
        },
        http_status: attempted.status.map(i32::from),
        latency_ms: latency.num_milliseconds().clamp(0, i64::from(i32::MAX)) as i32,
        error,
    }
}

/// Collects settled claims and writes them in batches; a failed write is retried (with the
/// batch kept) until it succeeds or the channel closes and the retries run out.
async fn write_back(
    pool: PgPool,
    executor_id: String,
    mut results: mpsc::Receiver<Settled>,
    wake: Arc<Notify>,
    metrics: Arc<ExecutorMetrics>,
) {
    const MAX_BATCH: usize = 500;
    let mut batch: Vec<Settled> = Vec::new();
    while let Some(first) = results.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match results.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (settlements, attempts): (Vec<Settlement>, Vec<Option<AttemptRecord>>) =
            batch.drain(..).unzip();
        let attempts: Vec<AttemptRecord> = attempts.into_iter().flatten().collect();
        let mut tries = 0u32;
        loop {
            match claims::settle(&pool, &executor_id, &settlements, &attempts, Utc::now()).await {
                Ok(applied) => {
                    let lost = settlements.len() - applied.len();
                    metrics
                        .lost_leases
                        .fetch_add(lost as u64, Ordering::Relaxed);
                    if lost > 0 {
                        tracing::warn!(
                            lost,
                            "results dropped: their leases were taken over or the schedules edited"
                        );
                    }
                    wake.notify_one();
                    break;
                }
                Err(error) if tries < 50 => {
                    tries += 1;
                    tracing::warn!(%error, tries, "writing results failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(tries.min(20)))).await;
                }
                Err(error) => {
                    tracing::error!(%error, count = settlements.len(), "giving up on results; their leases will expire and they fire again");
                    break;
                }
            }
        }
    }
}

/// Wakes the claim loop whenever schedules change (LISTEN), reconnecting as needed.
async fn listen_for_changes(pool: PgPool, wake: Arc<Notify>, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            result = forward_notifications(&pool, &wake) => {
                if let Err(error) = result {
                    tracing::debug!(%error, "change listener lost its connection; reconnecting");
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

async fn forward_notifications(pool: &PgPool, wake: &Notify) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    loop {
        listener.recv().await?;
        wake.notify_one();
    }
}
