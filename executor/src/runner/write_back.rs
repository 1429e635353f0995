//! The batched, fenced write-back of results: one writer per executor collects settled
//! claims and writes them in batches, splitting a batch the database refuses and writing
//! again, shortly, the rows another transaction held.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use crate::runner::attempt::FireResult;
use crate::runner::metrics::ExecutorMetrics;
use crate::store::bounded;
use crate::store::settle::{self, AttemptRecord, Settlement};

/// Most results written in one statement.
const MAX_BATCH: usize = 500;
/// How soon a result whose row another transaction held is written again: at once with the
/// next batch (most such locks are another executor's claim statement, gone in a
/// millisecond), then at this pace while the row stays held.
const BUSY_RETRY: Duration = Duration::from_millis(250);
/// The first retry of a held row.
const BUSY_FIRST_RETRY: Duration = Duration::from_millis(10);
/// How long such a result is kept trying: its claim stays valid while the row is locked
/// (nobody else can take it over), and the fence makes a late write harmless.
const BUSY_GIVE_UP: Duration = Duration::from_secs(600);

/// A result on its way to the database: new, or waiting for its row to be free.
struct Pending {
    settled: FireResult,
    /// When its row was first found held.
    held_since: Option<Instant>,
    /// When to write it again.
    retry_at: Instant,
}

/// Collects settled claims and writes them in batches. A batch the database refuses (not
/// one it cannot be reached for) is split and written row by row, so one bad row never holds
/// the others back; a row another transaction holds is skipped and written again with the
/// next batches (never starved by them); a write that cannot reach the database is retried
/// only while its leases could still hold, since after that the claims are another
/// executor's to take.
pub async fn write_back(
    pool: PgPool,
    executor_id: String,
    lease: Duration,
    mut results: mpsc::Receiver<FireResult>,
    wake: Arc<Notify>,
    metrics: Arc<ExecutorMetrics>,
) {
    let mut held: Vec<Pending> = Vec::new();
    let mut open = true;
    while open || !held.is_empty() {
        let mut batch: Vec<Pending> = Vec::new();
        let next_retry = held.iter().map(|p| p.retry_at).min();
        tokio::select! {
            next = results.recv(), if open => match next {
                Some(first) => batch.push(Pending::new(first)),
                None => open = false,
            },
            _ = tokio::time::sleep_until(next_retry.unwrap_or_else(Instant::now)), if next_retry.is_some() => {}
        }
        while batch.len() < MAX_BATCH {
            match results.try_recv() {
                Ok(next) => batch.push(Pending::new(next)),
                Err(_) => break,
            }
        }
        // Held rows due for another try go with this batch; shutting down, all of them get
        // one last try, then their leases decide.
        let now = Instant::now();
        let (due, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut held)
            .into_iter()
            .partition(|p| !open || p.retry_at <= now);
        held = waiting;
        batch.extend(due);
        if batch.is_empty() {
            continue;
        }
        let deadline = now + lease;
        for mut still_held in write(&pool, &executor_id, batch, deadline, &metrics).await {
            let since = *still_held.held_since.get_or_insert(now);
            if !open || since.elapsed() > BUSY_GIVE_UP {
                tracing::error!(schedule_id = %still_held.settled.0.schedule_id, "another transaction held the schedule's row too long; the result is dropped and its lease decides");
                continue;
            }
            let pause = if since == now {
                BUSY_FIRST_RETRY
            } else {
                BUSY_RETRY
            };
            still_held.retry_at = Instant::now() + pause;
            held.push(still_held);
        }
        wake.notify_one();
    }
}

impl Pending {
    fn new(settled: FireResult) -> Self {
        Self {
            settled,
            held_since: None,
            retry_at: Instant::now(),
        }
    }
}

/// Writes `batch` (row by row when the database refuses it whole); the results whose rows
/// another transaction held, to be written again.
async fn write(
    pool: &PgPool,
    executor_id: &str,
    batch: Vec<Pending>,
    deadline: Instant,
    metrics: &ExecutorMetrics,
) -> Vec<Pending> {
    match write_batch(pool, executor_id, &batch, deadline).await {
        Ok(done) => {
            record_lost(metrics, done.lost(batch.len()));
            if !done.busy.is_empty() {
                tracing::debug!(busy = ?done.busy, count = batch.len(), "rows held by another transaction; writing them again shortly");
            }
            keep_busy(batch, &done.busy)
        }
        Err(error) if is_refused_by_database(&error) && batch.len() > 1 => {
            tracing::warn!(%error, count = batch.len(), "the database refused a batch of results; writing them one by one");
            let mut still_busy = Vec::new();
            for one in batch {
                let one = [one];
                match write_batch(pool, executor_id, &one, deadline).await {
                    Ok(done) => {
                        record_lost(metrics, done.lost(1));
                        still_busy.extend(keep_busy(one.into(), &done.busy));
                    }
                    Err(error) => {
                        tracing::error!(%error, schedule_id = %one[0].settled.0.schedule_id, "the database refused a result; its lease will expire and it fires again")
                    }
                }
            }
            still_busy
        }
        Err(error) => {
            tracing::error!(%error, count = batch.len(), "giving up on results; their leases will expire and they fire again");
            Vec::new()
        }
    }
}

fn keep_busy(batch: Vec<Pending>, busy: &[uuid::Uuid]) -> Vec<Pending> {
    if busy.is_empty() {
        return Vec::new();
    }
    batch
        .into_iter()
        .filter(|pending| busy.contains(&pending.settled.0.schedule_id))
        .collect()
}

/// Writes one batch, retrying failures to reach the database until `deadline`.
async fn write_batch(
    pool: &PgPool,
    executor_id: &str,
    batch: &[Pending],
    deadline: Instant,
) -> Result<settle::Written, sqlx::Error> {
    let settlements: Vec<Settlement> = batch.iter().map(|b| b.settled.0.clone()).collect();
    let attempts: Vec<AttemptRecord> = batch.iter().filter_map(|b| b.settled.1.clone()).collect();
    let mut tries = 0u32;
    loop {
        match bounded(settle::settle(pool, executor_id, &settlements, &attempts)).await {
            Ok(done) => return Ok(done),
            Err(error) if is_refused_by_database(&error) => return Err(error),
            Err(error) if Instant::now() < deadline => {
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
