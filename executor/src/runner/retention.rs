//! Keeps the history bounded: prunes `executions` rows older than the retention period or
//! beyond the newest N per schedule, audit entries older than theirs, and removes executors
//! that stopped beating long ago. On
//! a jittered timer; every executor runs it and the deletes are idempotent, so overlapping
//! runs are harmless.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::store::audit;
use crate::store::executions::{self, Trimmed};
use crate::store::executors;

/// How often, on average, old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// Rows deleted per statement, so no table is locked for long.
const DELETE_BATCH: i64 = 10_000;
/// Schedules whose history is trimmed per statement in the full pass.
const SCHEDULES_PER_ROUND: i64 = 200;
/// New attempt rows whose schedules are trimmed per statement in an incremental pass.
const ROWS_PER_ROUND: i64 = 20_000;

/// What is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Attempts older than this go.
    pub max_age: Duration,
    /// At most this many attempts are kept per schedule (the newest).
    pub keep_attempts: i64,
    /// Executors whose last heartbeat is older than this go.
    pub executor_expiry: Duration,
    /// Audit entries older than this go.
    pub audit_max_age: Duration,
}

/// Prunes until `shutdown`: once soon after start, then every ~10 minutes (±50 %).
pub async fn run(pool: PgPool, retention: Retention, shutdown: CancellationToken) {
    let age = |duration: Duration| TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
    let mut pause = Duration::from_secs(5 + fastrand::u64(0..25));
    // The newest attempt row the per-schedule trim has covered; None until a full pass.
    let mut covered: Option<i64> = None;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        let now = Utc::now();
        let cutoff = now
            .checked_sub_signed(age(retention.max_age))
            .unwrap_or(now);
        match executions::prune(&pool, cutoff, DELETE_BATCH).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "pruned old execution records"),
            Err(error) => tracing::warn!(%error, "pruning execution records failed"),
        }
        match trim(&pool, retention.keep_attempts, covered).await {
            Ok(trimmed) => {
                covered = Some(trimmed.covered);
                if trimmed.deleted > 0 {
                    tracing::info!(
                        deleted = trimmed.deleted,
                        keep = retention.keep_attempts,
                        "pruned execution records beyond the per-schedule limit"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "pruning execution records failed"),
        }
        let audit_cutoff = now
            .checked_sub_signed(age(retention.audit_max_age))
            .unwrap_or(now);
        match audit::prune(&pool, audit_cutoff, DELETE_BATCH).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "pruned old audit entries"),
            Err(error) => tracing::warn!(%error, "pruning audit entries failed"),
        }
        let stale = now
            .checked_sub_signed(age(retention.executor_expiry))
            .unwrap_or(now);
        match executors::remove_stale(&pool, stale).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed executors that stopped beating"),
            Err(error) => tracing::warn!(%error, "removing stale executors failed"),
        }
        pause = PRUNE_EVERY.mul_f64(0.5 + fastrand::f64());
    }
}

/// Trims every schedule's history to its newest `keep` attempts: all schedules on the first
/// pass, then only those with attempts newer than the last pass `covered`.
async fn trim(pool: &PgPool, keep: i64, covered: Option<i64>) -> Result<Trimmed, sqlx::Error> {
    match covered {
        Some(after) => executions::prune_beyond_since(pool, keep, after, ROWS_PER_ROUND).await,
        None => {
            let newest = executions::newest_id(pool).await?;
            let deleted = executions::prune_beyond(pool, keep, SCHEDULES_PER_ROUND).await?;
            Ok(Trimmed {
                deleted,
                covered: newest,
            })
        }
    }
}
