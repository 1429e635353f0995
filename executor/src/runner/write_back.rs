//! The batched, fenced write-back of results: one writer per executor collects settled
//! claims and writes them in batches, splitting a batch the database refuses and writing
//! again, shortly, the rows another transaction held.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

use crate::runner::attempt::Settled;
use crate::runner::metrics::ExecutorMetrics;
use crate::store::bounded;
use crate::store::claims::{self, AttemptRecord, Settlement};

/// Most results written in one statement.
const MAX_BATCH: usize = 500;
/// How soon a result whose row another transaction held is written again.
const BUSY_RETRY: Duration = Duration::from_millis(250);
/// How long such a result is kept trying: its claim stays valid while the row is locked
/// (nobody else can take it over), and the fence makes a late write harmless.
const BUSY_GIVE_UP: Duration = Duration::from_secs(600);

/// A result waiting for its row to be free, and since when.
struct Busy {
    settled: Settled,
    since: Instant,
}

/// Collects settled claims and writes them in batches. A batch the database refuses (not
/// one it cannot be reached for) is split and written row by row, so one bad row never holds
/// the others back; a row another transaction holds is skipped and written again shortly; a
/// write that cannot reach the database is retried only while its leases could still hold,
/// since after that the claims are another executor's to take.
pub async fn write_back(
    pool: PgPool,
    executor_id: String,
    lease: Duration,
    mut results: mpsc::Receiver<Settled>,
    wake: Arc<Notify>,
    metrics: Arc<ExecutorMetrics>,
) {
    let mut busy: Vec<Busy> = Vec::new();
    let mut open = true;
    while open || !busy.is_empty() {
        let mut batch: Vec<Busy> = Vec::new();
        if busy.is_empty() {
            match results.recv().await {
                Some(first) => batch.push(Busy::new(first)),
                None => break,
            }
        } else {
            tokio::select! {
                next = results.recv(), if open => match next {
                    Some(first) => batch.push(Busy::new(first)),
                    None => open = false,
                },
                _ = tokio::time::sleep(BUSY_RETRY) => {
                    batch.append(&mut busy);
                }
            }
        }
        while batch.len() < MAX_BATCH {
            match results.try_recv() {
                Ok(next) => batch.push(Busy::new(next)),
                Err(_) => break,
            }
        }
        if !open {
            // Shutting down: one more try for rows that were held, then their leases decide.
            batch.append(&mut busy);
        }
        let deadline = Instant::now() + lease;
        let still_busy = write(&pool, &executor_id, batch, deadline, &metrics).await;
        for waiting in still_busy {
            if !open || waiting.since.elapsed() > BUSY_GIVE_UP {
                tracing::error!(schedule_id = %waiting.settled.0.schedule_id, "another transaction held the schedule's row too long; the result is dropped and its lease decides");
            } else {
                busy.push(waiting);
            }
        }
        wake.notify_one();
    }
}

impl Busy {
    fn new(settled: Settled) -> Self {
        Self {
            settled,
            since: Instant::now(),
        }
    }
}

/// Writes `batch` (row by row when the database refuses it whole); the results whose rows
/// another transaction held, to be written again.
async fn write(
    pool: &PgPool,
    executor_id: &str,
    batch: Vec<Busy>,
    deadline: Instant,
    metrics: &ExecutorMetrics,
) -> Vec<Busy> {
    match write_batch(pool, executor_id, &batch, deadline).await {
        Ok(done) => {
            record_lost(metrics, done.lost(batch.len()));
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

fn keep_busy(batch: Vec<Busy>, busy: &[uuid::Uuid]) -> Vec<Busy> {
    if busy.is_empty() {
        return Vec::new();
    }
    batch
        .into_iter()
        .filter(|waiting| busy.contains(&waiting.settled.0.schedule_id))
        .collect()
}

/// Writes one batch, retrying failures to reach the database until `deadline`.
async fn write_batch(
    pool: &PgPool,
    executor_id: &str,
    batch: &[Busy],
    deadline: Instant,
) -> Result<claims::Settled, sqlx::Error> {
    let settlements: Vec<Settlement> = batch.iter().map(|b| b.settled.0.clone()).collect();
    let attempts: Vec<AttemptRecord> = batch.iter().filter_map(|b| b.settled.1.clone()).collect();
    let mut tries = 0u32;
    loop {
        match bounded(claims::settle(pool, executor_id, &settlements, &attempts)).await {
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
