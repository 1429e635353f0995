//! Prunes `executions` rows older than the retention period, on a jittered timer (every
//! executor runs it; the deletes are idempotent, so overlapping runs are harmless).

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::store::executions;

/// How often, on average, old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Prunes until `shutdown`: once soon after start, then every ~10 minutes (±50 %).
pub async fn run(pool: PgPool, retention: Duration, shutdown: CancellationToken) {
    let retention = TimeDelta::from_std(retention).unwrap_or(TimeDelta::MAX);
    let mut pause = Duration::from_secs(5 + fastrand::u64(0..25));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        match executions::prune(&pool, Utc::now() - retention, 10_000).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "pruned old execution records"),
            Err(error) => tracing::warn!(%error, "pruning execution records failed"),
        }
        pause = PRUNE_EVERY.mul_f64(0.5 + fastrand::f64());
    }
}
