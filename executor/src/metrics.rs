//! Prometheus metrics, kept in atomics and written in the text exposition format: the
//! executor's trigger outcomes, lag, claim batch sizes, in-flight count, retries and dead
//! letters, and the server's API latency. Small on purpose: no registry crate needed.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A histogram with fixed upper bounds (in the unit it is observed in).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    /// Sum of observations, in millionths of the unit.
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    /// A histogram with these bucket upper bounds (ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Records one observation.
    pub fn observe(&self, value: f64) {
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            if value <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros
            .fetch_add((value.max(0.0) * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        let total = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {total}");
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {total}");
    }
}

const LAG_SECONDS: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const BATCH_SIZES: &[f64] = &[0.0, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0];
const LATENCY_SECONDS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

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

/// The server's API metrics: request latency by status class.
#[derive(Debug)]
pub struct HttpMetrics {
    classes: [Histogram; 3],
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self {
            classes: [
                Histogram::new(LATENCY_SECONDS),
                Histogram::new(LATENCY_SECONDS),
                Histogram::new(LATENCY_SECONDS),
            ],
        }
    }
}

impl HttpMetrics {
    /// Records one API request.
    pub fn observe(&self, status: u16, elapsed: Duration) {
        let index = match status {
            500.. => 2,
            400.. => 1,
            _ => 0,
        };
        self.classes[index].observe(elapsed.as_secs_f64());
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP scheduleman_api_request_duration_seconds API request latency.\n");
        out.push_str("# TYPE scheduleman_api_request_duration_seconds histogram\n");
        for (class, histogram) in ["2xx", "4xx", "5xx"].iter().zip(&self.classes) {
            histogram.render(
                &mut out,
                "scheduleman_api_request_duration_seconds",
                &format!("status=\"{class}\""),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_count_cumulatively_per_bucket() {
        let histogram = Histogram::new(&[0.01, 0.1, 1.0]);
        for value in [0.005, 0.05, 0.05, 5.0] {
            histogram.observe(value);
        }
        let mut out = String::new();
        histogram.render(&mut out, "lag", "");
        assert!(out.contains("lag_bucket{le=\"0.01\"} 1\n"), "{out}");
        assert!(out.contains("lag_bucket{le=\"0.1\"} 3\n"), "{out}");
        assert!(out.contains("lag_bucket{le=\"1\"} 3\n"), "{out}");
        assert!(out.contains("lag_bucket{le=\"+Inf\"} 4\n"), "{out}");
        assert!(out.contains("lag_sum 5.105\n"), "{out}");
        assert!(out.contains("lag_count 4\n"), "{out}");
    }

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
