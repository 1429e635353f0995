//! The executor's heartbeat: its row in `executors`, refreshed on a jittered timer so the UI
//! can tell which executors are alive, and removed on a clean shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::store::{bounded, executors};

/// Who this executor is, as its heartbeat row says.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The executor's id, unique among running executors.
    pub id: String,
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: i32,
    /// When the process started.
    pub started_at: DateTime<Utc>,
}

impl Identity {
    /// This process, under `id`.
    pub fn of_this_process(id: String) -> Self {
        Self {
            id,
            host: host_name(),
            pid: i32::try_from(std::process::id()).unwrap_or(i32::MAX),
            started_at: Utc::now(),
        }
    }
}

/// This machine's host name, or `unknown`.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Beats every `interval` (±20 % jitter) until `shutdown`, then removes the row. A failed
/// beat is logged and retried at the next tick: a database outage must not stop the executor.
pub async fn run(
    pool: PgPool,
    identity: Identity,
    interval: Duration,
    in_flight: Arc<AtomicUsize>,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(error) = bounded(executors::heartbeat(
            &pool,
            &identity.id,
            &identity.host,
            identity.pid,
            identity.started_at,
            i32::try_from(in_flight.load(Ordering::Relaxed)).unwrap_or(i32::MAX),
            Utc::now(),
        ))
        .await
        {
            tracing::warn!(%error, "heartbeat failed; retrying at the next tick");
        }
        let jitter = 0.8 + fastrand::f64() * 0.4;
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(interval.mul_f64(jitter)) => {}
        }
    }
    if let Err(error) = executors::remove(&pool, &identity.id).await {
        tracing::warn!(%error, "could not remove the heartbeat row");
    }
}
