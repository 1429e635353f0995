//! Prometheus text exposition, kept small on purpose (no registry crate): a histogram with
//! fixed buckets in atomics, rendered in the text format. Used by the executor's and the
//! server's metrics.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

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

    /// Appends the histogram to `out` as series `name` with `labels` (`key="value",…`).
    pub fn render(&self, out: &mut String, name: &str, labels: &str) {
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
}
