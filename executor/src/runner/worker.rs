//! The claim loop: claim due schedules in batches, trigger each in its own task (bounded by
//! `concurrency`), decide, and write the results back in batches. Sleeps until the earliest
//! known due time (never longer than a jittered poll interval) and wakes early on NOTIFY.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::model::Outcome;
use crate::runner::metrics::ExecutorMetrics;
use crate::runner::outcome::{self, AttemptContext, Decision};
use crate::runner::pacing::Pacing;
use crate::runner::trigger::{Attempted, Trigger};
use crate::store::bounded;
use crate::store::claims::{self, AttemptRecord, Claim, Settlement};
use crate::store::schedules::CHANGES_CHANNEL;

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
    /// Seeds the loop's random choices (poll jitter, retry jitter): a test replays them,
    /// and executors seeded differently never move in lock-step.
    pub seed: u64,
}

/// How long the claim loop waits for more free slots before claiming for fewer than half a
/// batch.
const GATHER: Duration = Duration::from_millis(2);

/// One claim's result on its way to the batched write-back.
type Settled = (Settlement, Option<AttemptRecord>);

/// The database's clock, as seen from this process: the local clock plus the offset last
/// measured against PostgreSQL's `now()`. Every decision about time (lateness, retries,
/// the next fire, lag) reads this, so an executor whose own clock is wrong still agrees
/// with the others.
#[derive(Debug, Default)]
pub struct DbClock {
    offset_ms: AtomicI64,
}

impl DbClock {
    /// Records the database's time, read just now.
    pub fn observe(&self, db_now: DateTime<Utc>) {
        let offset = (db_now - Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::Relaxed);
    }

    /// The database's time now.
    pub fn now(&self) -> DateTime<Utc> {
        self.from_local(Utc::now())
    }

    /// A local instant on the database's clock.
    pub fn from_local(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        local + TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }
}

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
    let clock = Arc::new(DbClock::default());
    let listener = tokio::spawn(listen_for_changes(
        pool.clone(),
        wake.clone(),
        shutdown.clone(),
    ));
    let (settle_tx, settle_rx) = mpsc::channel::<Settled>(config.batch.max(1) * 4);
    let writer = tokio::spawn(write_back(
        pool.clone(),
        config.executor_id.clone(),
        config.lease,
        settle_rx,
        wake.clone(),
        metrics.clone(),
    ));
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut failures = 0u32;
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let pacing = Pacing {
        poll_min: config.poll_min,
        poll_max: config.poll_max,
    };

    while !shutdown.is_cancelled() {
        while tasks.try_join_next().is_some() {}
        // In a burst, slots free one by one; claiming for each would cost a statement per
        // few rows (docs/benchmarks.md). So wait up to GATHER for half a batch of free
        // slots, never longer: a slow target holding slots must not hold up the others.
        let wanted = config.batch.max(1).min(config.concurrency.max(1));
        let half = wanted.div_ceil(2);
        if (1..half).contains(&permits.available_permits()) {
            let _ = tokio::time::timeout(GATHER, async {
                while permits.available_permits() < half && tasks.join_next().await.is_some() {}
            })
            .await;
        }
        let available = permits.available_permits().min(wanted);
        if available == 0 {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tasks.join_next() => continue,
            }
        }
        let claimed = bounded(claims::claim_due(
            &pool,
            &config.executor_id,
            None,
            config.lease.as_millis() as i64,
            available as i64,
        ))
        .await;
        let claimed = match claimed {
            Ok(claimed) => {
                if failures > 0 {
                    tracing::info!(failures, "the database answers again; claiming resumed");
                }
                failures = 0;
                claimed
            }
            Err(error) => {
                failures += 1;
                let pause = Pacing::after_failures(failures);
                tracing::warn!(%error, failures, retry_in = ?pause, "claiming failed; is the database up?");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(pause) => continue,
                }
            }
        };
        if let Some(db_now) = claimed.db_now {
            clock.observe(db_now);
        }
        metrics.claim_batch.observe(claimed.len() as f64);
        let full_batch = claimed.len() == available;
        for unreadable in claimed.unreadable {
            tracing::error!(schedule_id = %unreadable.schedule_id, reason = %unreadable.reason, "dead-lettering a schedule that cannot be read");
            metrics.dead_letters.fetch_add(1, Ordering::Relaxed);
            let buried = settlement(
                unreadable.schedule_id,
                unreadable.token,
                &Decision::Dead,
                Some(unreadable.reason),
            );
            if settle_tx.send((buried, None)).await.is_err() {
                tracing::error!("the write-back has stopped");
            }
        }
        for claim in claimed.claims {
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                break; // cannot happen: we claimed no more than the free permits
            };
            metrics.in_flight.fetch_add(1, Ordering::Relaxed);
            let (trigger, settle_tx, metrics, clock) = (
                trigger.clone(),
                settle_tx.clone(),
                metrics.clone(),
                clock.clone(),
            );
            let jitter = rng.f64();
            tasks.spawn(async move {
                let settled = attempt(&trigger, claim, &metrics, &clock, jitter).await;
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
        let pause = idle_pause(&pool, &pacing, &clock, &mut rng, &mut failures).await;
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

/// How long to sleep when the last claim found less than a full batch (see
/// [`Pacing::idle_pause`]); reads the next due time and the database's clock.
/// A failure counts toward `failures` (the claim loop's run of database failures) and is
/// reported as a failed claim is: the executor says when the database stops answering.
async fn idle_pause(
    pool: &PgPool,
    pacing: &Pacing,
    clock: &DbClock,
    rng: &mut fastrand::Rng,
    failures: &mut u32,
) -> Duration {
    let until_due = match bounded(claims::next_due(pool)).await {
        Ok(due) => {
            clock.observe(due.db_now);
            due.next
                .map(|next| (next - due.db_now).to_std().unwrap_or(Duration::ZERO))
        }
        Err(error) => {
            *failures += 1;
            tracing::warn!(%error, failures = *failures, "reading the next due time failed; is the database up?");
            None
        }
    };
    pacing.idle_pause(until_due, rng)
}

/// Triggers one claim and decides what becomes of its schedule, on the database's clock.
async fn attempt(
    trigger: &Trigger,
    claim: Claim,
    metrics: &ExecutorMetrics,
    clock: &DbClock,
    jitter: f64,
) -> Settled {
    let attempt = claim.attempt.max(1) as u32;
    let schedule = match claim.spec.compile() {
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
    if let Some(skip) = outcome::skip_missed_fire(
        &schedule,
        claim.misfire,
        claim.fire_at,
        attempt,
        clock.now(),
    ) {
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
    };
    let decision = outcome::decide(context, attempted.failure.is_none(), now, jitter);
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
fn settlement(
    schedule_id: Uuid,
    token: Uuid,
    decision: &Decision,
    error: Option<String>,
) -> Settlement {
    let change = decision.row_change();
    Settlement {
        schedule_id,
        token,
        state: change.state,
        next_run_at: change.next_run_at,
        fire_done: change.fire_done,
        dead_fire: change.dead_fire,
        outcome: change.outcome,
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
            Outcome::Success
        } else {
            Outcome::Failure
        },
        http_status: attempted.status.map(i32::from),
        latency_ms: latency.num_milliseconds().clamp(0, i64::from(i32::MAX)) as i32,
        error,
    }
}

/// Collects settled claims and writes them in batches. A batch the database refuses (not
/// one it cannot be reached for) is split and written row by row, so one bad row never holds
/// the others back; a write that keeps failing is retried only while its leases could still
/// hold, since after that the claims are another executor's to take.
async fn write_back(
    pool: PgPool,
    executor_id: String,
    lease: Duration,
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
        let settled = std::mem::take(&mut batch);
        let deadline = tokio::time::Instant::now() + lease;
        match write_batch(&pool, &executor_id, &settled, deadline).await {
            Ok(lost) => record_lost(&metrics, lost),
            Err(error) if is_refused_by_database(&error) && settled.len() > 1 => {
                tracing::warn!(%error, count = settled.len(), "the database refused a batch of results; writing them one by one");
                for one in settled.chunks(1) {
                    match write_batch(&pool, &executor_id, one, deadline).await {
                        Ok(lost) => record_lost(&metrics, lost),
                        Err(error) => {
                            tracing::error!(%error, schedule_id = %one[0].0.schedule_id, "the database refused a result; its lease will expire and it fires again")
                        }
                    }
                }
            }
            Err(error) => {
                tracing::error!(%error, count = settled.len(), "giving up on results; their leases will expire and they fire again");
            }
        }
        wake.notify_one();
    }
}

/// Writes one batch, retrying failures to reach the database until `deadline`; how many
/// results were dropped because their claims were gone.
async fn write_batch(
    pool: &PgPool,
    executor_id: &str,
    settled: &[Settled],
    deadline: tokio::time::Instant,
) -> Result<usize, sqlx::Error> {
    let settlements: Vec<Settlement> = settled.iter().map(|(s, _)| s.clone()).collect();
    let attempts: Vec<AttemptRecord> = settled.iter().filter_map(|(_, a)| a.clone()).collect();
    let mut tries = 0u32;
    loop {
        match bounded(claims::settle(pool, executor_id, &settlements, &attempts)).await {
            Ok(applied) => return Ok(settlements.len() - applied.len()),
            Err(error) if is_refused_by_database(&error) => return Err(error),
            Err(error) if tokio::time::Instant::now() < deadline => {
                tries += 1;
                tracing::warn!(%error, tries, "writing results failed; retrying");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(tries.min(10)))).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Whether the database answered and refused the statement (bad data, a constraint), as
/// opposed to not answering at all: only the first is worth splitting a batch for.
fn is_refused_by_database(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(_) | sqlx::Error::Encode(_))
}

fn record_lost(metrics: &ExecutorMetrics, lost: usize) {
    metrics
        .lost_leases
        .fetch_add(lost as u64, Ordering::Relaxed);
    if lost > 0 {
        tracing::warn!(
            lost,
            "results dropped: their claims were taken over or replaced by an edit"
        );
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
