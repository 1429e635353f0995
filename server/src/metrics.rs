//! The server's Prometheus metrics: API request latency by status class, and each
//! schedule's punctuality and health over the last 24 hours.

use std::time::Duration;

use scheduleman::prometheus::Histogram;
use scheduleman::store::punctuality::ScheduleHealth;

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

/// The newest attempts one scrape reads for the per-schedule figures, however busy.
pub const HEALTH_MAX_ATTEMPTS: i64 = 100_000;

/// Per-schedule figures in Prometheus's text format: fires, fires that succeeded, the
/// success ratio and first-attempt lag quantiles over the window.
pub fn render_schedule_health(health: &[ScheduleHealth]) -> String {
    let mut out = String::new();
    let families: [(&str, &str, &str); 4] = [
        (
            "scheduleman_schedule_fires",
            "gauge",
            "Fires with an attempt in the last 24 hours (from the newest 100,000 attempts).",
        ),
        (
            "scheduleman_schedule_fires_succeeded",
            "gauge",
            "Of those, fires one of whose attempts succeeded.",
        ),
        (
            "scheduleman_schedule_success_ratio",
            "gauge",
            "Share of fires that succeeded in the last 24 hours.",
        ),
        (
            "scheduleman_schedule_lag_seconds",
            "gauge",
            "First-attempt lag (request start minus scheduled instant) quantiles, last 24 hours.",
        ),
    ];
    for (index, (name, kind, help)) in families.iter().enumerate() {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for schedule in health {
            let labels = format!(
                "schedule_id=\"{}\",name=\"{}\"",
                schedule.schedule_id,
                label_value(&schedule.name)
            );
            let window = &schedule.window;
            match index {
                0 => out.push_str(&format!("{name}{{{labels}}} {}\n", window.fires)),
                1 => out.push_str(&format!("{name}{{{labels}}} {}\n", window.succeeded)),
                2 => {
                    if let Some(rate) = window.success_rate() {
                        out.push_str(&format!("{name}{{{labels}}} {rate}\n"));
                    }
                }
                _ => {
                    for (quantile, ms) in [("0.5", window.lag_p50_ms), ("0.99", window.lag_p99_ms)]
                    {
                        if let Some(ms) = ms {
                            out.push_str(&format!(
                                "{name}{{{labels},quantile=\"{quantile}\"}} {}\n",
                                ms / 1_000.0
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

/// A label value with Prometheus's escapes (backslash, double quote, newline).
fn label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use scheduleman::punctuality::Window;

    #[test]
    fn schedule_health_renders_with_escaped_names() {
        let health = [ScheduleHealth {
            schedule_id: uuid::Uuid::nil(),
            name: "nightly \"report\"\\n".into(),
            window: Window {
                fires: 4,
                succeeded: 3,
                lag_p50_ms: Some(4.0),
                lag_p99_ms: None,
            },
        }];
        let text = render_schedule_health(&health);
        let labels =
            r#"schedule_id="00000000-0000-0000-0000-000000000000",name="nightly \"report\"\\n""#;
        for line in [
            format!("scheduleman_schedule_fires{{{labels}}} 4"),
            format!("scheduleman_schedule_fires_succeeded{{{labels}}} 3"),
            format!("scheduleman_schedule_success_ratio{{{labels}}} 0.75"),
            format!("scheduleman_schedule_lag_seconds{{{labels},quantile=\"0.5\"}} 0.004"),
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        assert!(
            !text.contains("quantile=\"0.99\""),
            "no p99 without a value"
        );
    }
}
