//! The claim loop: claim due schedules in batches, trigger each in its own task (bounded by
//! `concurrency`), decide, and write the results back in batches. Sleeps until the earliest
//! known due time (never longer than a jittered poll interval) and wakes early on NOTIFY.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

use crate::decision::Decision;
use crate::runner::attempt::{attempt, settlement, FireResult};
use crate::runner::clock::DbClock;
use crate::runner::metrics::ExecutorMetrics;
use crate::runner::pacing::Pacing;
use crate::runner::slots::Slots;
use crate::runner::trigger::Trigger;
use crate::runner::write_back::write_back;
use crate::store::bounded;
use crate::store::claims;
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

/// The connections the loop uses.
#[derive(Debug, Clone)]
pub struct Pools {
    /// For everything but claims and write-backs.
    pub main: PgPool,
    /// For claims and write-backs only ([`crate::store::Database::fire_path_pool`]).
    pub fire_path: PgPool,
}

/// Runs the claim loop until `shutdown`, then lets in-flight triggers finish (up to the
/// grace period) and flushes their results.
pub async fn run(
    pools: Pools,
    config: WorkerConfig,
    trigger: Trigger,
    metrics: Arc<ExecutorMetrics>,
    shutdown: CancellationToken,
) {
    let Pools {
        main: pool,
        fire_path,
    } = pools;
    let wake = Arc::new(Notify::new());
    let clock = Arc::new(DbClock::default());
    let listener = tokio::spawn(listen_for_changes(
        pool.clone(),
        wake.clone(),
        shutdown.clone(),
    ));
    let (settle_tx, settle_rx) = mpsc::channel::<FireResult>(config.batch.max(1) * 4);
    let writer = tokio::spawn(write_back(
        fire_path.clone(),
        config.executor_id.clone(),
        config.lease,
        settle_rx,
        wake.clone(),
        metrics.clone(),
    ));
    let mut slots = Slots::new(config.concurrency, metrics.clone());
    let mut failures = 0u32;
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let pacing = Pacing {
        poll_min: config.poll_min,
        poll_max: config.poll_max,
    };

    while !shutdown.is_cancelled() {
        slots.reap_finished();
        // In a burst, slots free one by one; claiming for each would cost a statement per
        // few rows (docs/benchmarks.md). So wait up to GATHER for half a batch of free
        // slots, never longer: a slow target holding slots must not hold up the others.
        let wanted = config.batch.max(1).min(config.concurrency.max(1));
        let half = wanted.div_ceil(2);
        if (1..half).contains(&slots.free()) {
            let _ = tokio::time::timeout(GATHER, async {
                while slots.free() < half && slots.reap_next().await {}
            })
            .await;
        }
        let available = slots.free().min(wanted);
        if available == 0 {
            // Every slot is taken: by triggers in flight, or by results the write-back has
            // not taken yet (backpressure: no claims while results queue).
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = slots.reap_next() => continue,
            }
        }
        let claimed = bounded(claims::claim_due(
            &fire_path,
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
            let (trigger, settle_tx, metrics, clock) = (
                trigger.clone(),
                settle_tx.clone(),
                metrics.clone(),
                clock.clone(),
            );
            let jitter = rng.f64();
            let spawned = slots.spawn(move |slot| async move {
                let settled = attempt(&trigger, claim, &metrics, &clock, jitter).await;
                if settle_tx.send(settled).await.is_err() {
                    tracing::error!("the write-back has stopped; a result is lost to the lease");
                }
                drop(slot); // only once the write-back has the result
            });
            if spawned.is_err() {
                break; // cannot happen: we claimed no more than the free slots
            }
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
        in_flight = slots.len(),
        "stopped claiming; finishing triggers in flight"
    );
    let drained = tokio::time::timeout(config.shutdown_grace, async {
        while slots.reap_next().await {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = slots.len(),
            "grace period over; unfinished claims return to the queue when their leases expire"
        );
        slots.abort_all();
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
