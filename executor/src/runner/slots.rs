//! Triggers in flight: each holds one of the executor's concurrency slots until its result
//! is handed to the write-back (so a stalled write-back stops new claims instead of letting
//! results pile up), and gives it back however it ends, panics included.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinSet};

use crate::runner::metrics::ExecutorMetrics;

/// The executor's concurrency slots and the triggers holding them.
#[derive(Debug)]
pub struct Slots {
    permits: Arc<Semaphore>,
    tasks: JoinSet<()>,
    metrics: Arc<ExecutorMetrics>,
}

/// One slot taken: released, and the in-flight count lowered, when dropped.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    in_flight: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Slots {
    /// `concurrency` slots (at least one).
    pub fn new(concurrency: usize, metrics: Arc<ExecutorMetrics>) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            tasks: JoinSet::new(),
            metrics,
        }
    }

    /// Slots free now.
    pub fn free(&self) -> usize {
        self.permits.available_permits()
    }

    /// Tasks not yet reaped.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task is left.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Runs `work` in a slot of its own, or gives it back when none is free. The slot is
    /// passed to `work`, which drops it once its result is handed over; a panic drops it too.
    pub fn spawn<F, Fut>(&mut self, work: F) -> Result<(), F>
    where
        F: FnOnce(Slot) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            return Err(work);
        };
        self.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let slot = Slot {
            _permit: permit,
            in_flight: self.metrics.in_flight.clone(),
        };
        self.tasks.spawn(work(slot));
        Ok(())
    }

    /// Reaps every finished task without waiting.
    pub fn reap_finished(&mut self) {
        while let Some(result) = self.tasks.try_join_next() {
            self.reaped(result);
        }
    }

    /// Waits for the next task to finish and reaps it; `false` when none is left.
    pub async fn reap_next(&mut self) -> bool {
        match self.tasks.join_next().await {
            Some(result) => {
                self.reaped(result);
                true
            }
            None => false,
        }
    }

    /// Cancels every task left (their claims return when the leases expire).
    pub fn abort_all(&mut self) {
        self.tasks.abort_all();
    }

    fn reaped(&self, result: Result<(), JoinError>) {
        match result {
            Ok(()) => {}
            Err(error) if error.is_panic() => {
                self.metrics.trigger_panics.fetch_add(1, Ordering::Relaxed);
                let message = panic_message(error.into_panic());
                tracing::error!(%message, "a trigger task panicked; its claim returns when the lease expires");
            }
            Err(_) => {} // cancelled at shutdown
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_trigger_is_counted_logged_and_frees_its_slot() {
        let metrics = Arc::new(ExecutorMetrics::default());
        let mut slots = Slots::new(2, metrics.clone());
        slots
            .spawn(|_slot| async move { panic!("boom in a trigger") })
            .unwrap_or_else(|_| panic!("a slot was free"));
        assert!(slots.reap_next().await);
        assert_eq!(metrics.trigger_panics.load(Ordering::Relaxed), 1);
        assert_eq!(metrics.in_flight.load(Ordering::Relaxed), 0);
        assert_eq!(slots.free(), 2, "the slot came back");
    }

    #[tokio::test]
    async fn a_slot_is_held_until_the_work_drops_it() {
        let metrics = Arc::new(ExecutorMetrics::default());
        let mut slots = Slots::new(1, metrics.clone());
        let (handed_over, wait) = tokio::sync::oneshot::channel::<()>();
        slots
            .spawn(|slot| async move {
                let _ = wait.await; // the write-back is slow to take the result
                drop(slot);
            })
            .unwrap_or_else(|_| panic!("a slot was free"));
        assert_eq!(slots.free(), 0);
        assert!(
            slots.spawn(|_slot| async {}).is_err(),
            "no second claim while the first result waits"
        );
        assert_eq!(metrics.in_flight.load(Ordering::Relaxed), 1);
        handed_over.send(()).unwrap();
        assert!(slots.reap_next().await);
        assert_eq!(slots.free(), 1);
        assert_eq!(metrics.in_flight.load(Ordering::Relaxed), 0);
    }
}
