//! The executor's Prometheus metrics, kept in atomics: trigger outcomes, lag, claim batch
//! sizes, in-flight count, retries, dead letters and lost leases.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

pub use crate::prometheus::Histogram;

const LAG_SECONDS: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BATCH_SIZES: &[f64] = &[0.0, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0];

/// The executor's metrics.
#[derive(Debug)]
pub struct ExecutorMetrics {
    /// Attempts that got a 2xx.
    pub delivered: AtomicU64,
    /// Attempts that failed.
    pub failed: AtomicU64,
    /// Missed fires skipped by the misfire rule.
    pub skipped: AtomicU64,
    /// Failures that will be retried.
    pub retries: AtomicU64,
    /// Schedules dead-lettered.
    pub dead_letters: AtomicU64,
    /// Results dropped because the lease was lost.
    pub lost_leases: AtomicU64,
    /// Trigger tasks that panicked (each is logged; its claim returns at lease expiry).
    pub trigger_panics: AtomicU64,
    /// Triggers in flight now.
    pub in_flight: Arc<AtomicUsize>,
    /// Request start minus scheduled instant, seconds.
    pub lag: Histogram,
    /// Schedules per successful claim.
    pub claim_batch: Histogram,
}

impl Default for ExecutorMetrics {
    fn default() -> Self {
        Self {
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            dead_letters: AtomicU64::new(0),
            lost_leases: AtomicU64::new(0),
            trigger_panics: AtomicU64::new(0),
            in_flight: Arc::new(AtomicUsize::new(0)),
            lag: Histogram::new(LAG_SECONDS),
            claim_batch: Histogram::new(BATCH_SIZES),
        }
    }
}

impl ExecutorMetrics {
    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        out.push_str("# HELP scheduleman_triggers_total Trigger attempts by outcome.\n");
        out.push_str("# TYPE scheduleman_triggers_total counter\n");
        for (outcome, counter) in [
            ("success", &self.delivered),
            ("failure", &self.failed),
            ("skipped", &self.skipped),
        ] {
            let _ = writeln!(
                out,
                "scheduleman_triggers_total{{outcome=\"{outcome}\"}} {}",
                load(counter)
            );
        }
        for (name, help, counter) in [
            (
                "scheduleman_retries_total",
                "Failed attempts scheduled for a retry.",
                &self.retries,
            ),
            (
                "scheduleman_dead_letters_total",
                "Schedules dead-lettered.",
                &self.dead_letters,
            ),
            (
                "scheduleman_lost_leases_total",
                "Results dropped because the claim was lost.",
                &self.lost_leases,
            ),
            (
                "scheduleman_trigger_panics_total",
                "Trigger tasks that panicked (logged; the claim fires again at lease expiry).",
                &self.trigger_panics,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                load(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP scheduleman_in_flight Triggers in flight.\n# TYPE scheduleman_in_flight gauge\nscheduleman_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP scheduleman_trigger_lag_seconds Request start minus scheduled instant.\n",
        );
        out.push_str("# TYPE scheduleman_trigger_lag_seconds histogram\n");
        self.lag
            .render(&mut out, "scheduleman_trigger_lag_seconds", "");
        out.push_str("# HELP scheduleman_claim_batch_size Schedules per claim.\n");
        out.push_str("# TYPE scheduleman_claim_batch_size histogram\n");
        self.claim_batch
            .render(&mut out, "scheduleman_claim_batch_size", "");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executor_metrics_render_every_series() {
        let metrics = ExecutorMetrics::default();
        metrics.delivered.fetch_add(2, Ordering::Relaxed);
        metrics.lag.observe(0.004);
        let text = metrics.render();
        for series in [
            "scheduleman_triggers_total{outcome=\"success\"} 2",
            "scheduleman_retries_total 0",
            "scheduleman_dead_letters_total 0",
            "scheduleman_in_flight 0",
            "scheduleman_trigger_lag_seconds_count 1",
            "scheduleman_claim_batch_size_count 0",
        ] {
            assert!(text.contains(series), "{series} missing from\n{text}");
        }
    }
}
