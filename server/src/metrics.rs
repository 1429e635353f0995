//! The server's Prometheus metrics: API request latency by status class.

use std::time::Duration;

use scheduleman::prometheus::Histogram;

const LATENCY_SECONDS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// API request latency by status class.
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
