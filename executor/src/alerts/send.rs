//! The sender: claims due deliveries from the outbox (`FOR UPDATE SKIP LOCKED`, so with
//! several servers exactly one sends each), sends them at once, and records each outcome:
//! sent, tried again with backoff, or failed after [`MAX_DELIVERY_ATTEMPTS`]. A server that
//! dies mid-send leaves its claim to the next: an alert can arrive twice, never not at all,
//! and carries the same id both times.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::deliver::{ChannelTarget, Deliverer};
use crate::model::AlertPayload;
use crate::store::alerts::outbox::{self, Attempt, Claimed};

/// Attempts at one delivery before it is given up.
pub const MAX_DELIVERY_ATTEMPTS: i32 = 8;
/// Deliveries claimed per round.
const BATCH: i64 = 16;
/// How often, on average, the outbox is looked at when it had nothing due.
const POLL: Duration = Duration::from_secs(1);

/// Alerts sent and attempts failed by this process, for `/metrics`.
#[derive(Debug, Default)]
pub struct AlertCounters {
    /// Deliveries a channel took.
    pub sent: AtomicU64,
    /// Attempts that failed (each retry counts).
    pub failed: AtomicU64,
}

/// The wait before the next attempt after `attempts` failed ones: 2 s, doubling, at most
/// 5 min.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
    Duration::from_secs(2u64.saturating_mul(1 << doublings)).min(Duration::from_secs(300))
}

/// Sends until `shutdown`.
pub async fn run(
    pool: PgPool,
    deliverer: Arc<Deliverer>,
    counters: Arc<AlertCounters>,
    shutdown: CancellationToken,
) {
    loop {
        let sent = match send_due(&pool, &deliverer, &counters).await {
            Ok(sent) => sent,
            Err(error) => {
                tracing::warn!(%error, "the alert sender could not reach the outbox");
                0
            }
        };
        // A full batch suggests more are due: look again at once.
        let pause = if sent as i64 >= BATCH {
            Duration::ZERO
        } else {
            POLL.mul_f64(0.5 + fastrand::f64())
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// One round: claims what is due, sends it, records the outcomes; how many were claimed.
pub async fn send_due(
    pool: &PgPool,
    deliverer: &Arc<Deliverer>,
    counters: &AlertCounters,
) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let claimed = outbox::claim(&mut tx, BATCH).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let count = claimed.len();
    let mut sending = JoinSet::new();
    for delivery in claimed {
        let deliverer = deliverer.clone();
        sending.spawn(async move { attempt(&deliverer, delivery).await });
    }
    let mut attempts = Vec::with_capacity(count);
    while let Some(done) = sending.join_next().await {
        match done {
            Ok(attempt) => attempts.push(attempt),
            Err(error) => tracing::error!(%error, "an alert delivery task failed"),
        }
    }
    for attempt in &attempts {
        let counter = if attempt.error.is_none() {
            &counters.sent
        } else {
            &counters.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    outbox::finish(&mut tx, &attempts).await?;
    tx.commit().await?;
    Ok(count)
}

async fn attempt(deliverer: &Deliverer, delivery: Claimed) -> Attempt {
    let number = delivery.attempts + 1;
    let result = match serde_json::from_value::<AlertPayload>(delivery.payload) {
        Ok(payload) => {
            let channel = ChannelTarget {
                name: &delivery.channel,
                format: delivery.format,
                url: &delivery.url,
                signing_secret: &delivery.signing_secret,
            };
            deliverer
                .deliver(channel, delivery.id, number, &payload)
                .await
        }
        Err(error) => Err(format!("the queued alert cannot be read: {error}")),
    };
    if let Err(error) = &result {
        tracing::warn!(delivery = %delivery.id, channel = %delivery.channel, attempt = number,
            %error, "an alert was not delivered");
    }
    let error = result.err();
    let retry_in = (error.is_some() && number < MAX_DELIVERY_ATTEMPTS).then(|| backoff(number));
    Attempt {
        id: delivery.id,
        error,
        retry_in,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds_up_to_five_minutes() {
        let waits: Vec<u64> = (1..=10).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(i32::MAX).as_secs(), 300);
    }
}
