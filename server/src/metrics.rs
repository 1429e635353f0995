//! The server's Prometheus metrics: API request latency by status class, the headline figures
//! (always), and, when asked for, per-schedule figures for a bounded number of schedules over
//! a time window.

use std::fmt::Write as _;
use std::time::Duration;

use scheduleman::alerts::AlertCounters;
use scheduleman::model::Outcome;
use scheduleman::overview::Overview;
use scheduleman::prometheus::Histogram;
use scheduleman::punctuality::ScheduleHealth;

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

/// The headline figures as gauges: always exported, cheap (read through the same few-seconds
/// cache as the home page), and enough to alert on dead schedules, failures and executors.
pub fn render_overview(out: &mut String, figures: &Overview) {
    for (name, help, value) in [
        (
            "scheduleman_schedules_active",
            "Active schedules.",
            figures.active,
        ),
        (
            "scheduleman_schedules_failing",
            "Active schedules whose latest attempt failed.",
            figures.failing,
        ),
        (
            "scheduleman_schedules_dead",
            "Dead-lettered schedules.",
            figures.dead,
        ),
        (
            "scheduleman_schedules_due_next_hour",
            "Active schedules due within the hour (counted up to 10,000).",
            figures.due_next_hour,
        ),
        (
            "scheduleman_executors_alive",
            "Executors with a heartbeat in the last 30 s.",
            figures.executors_alive,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    }
}

/// Per-schedule figures over the window (only when `SCHEDULEMAN_METRICS_SCHEDULES` asks for
/// them, for at most that many schedules): fires, fires that succeeded, the success ratio,
/// first-attempt lag quantiles, the last attempt's time and whether it failed. A schedule
/// keeps its series while it exists, with zero fires in a quiet window.
pub fn render_schedule_health(out: &mut String, health: &[ScheduleHealth], window: Duration) {
    if health.is_empty() {
        return;
    }
    let window = humantime::format_duration(window);
    let families: [(&str, String); 6] = [
        ("scheduleman_schedule_fires", format!("Fires with an attempt in the last {window}.")),
        ("scheduleman_schedule_fires_succeeded", "Of those, fires one of whose attempts succeeded.".into()),
        ("scheduleman_schedule_success_ratio", format!("Share of fires that succeeded in the last {window}.")),
        ("scheduleman_schedule_lag_seconds", format!("First-attempt lag (request start minus scheduled instant) quantiles, last {window}.")),
        ("scheduleman_schedule_last_attempt_timestamp_seconds", "When the schedule last made an attempt (Unix seconds).".into()),
        ("scheduleman_schedule_last_attempt_failed", "1 when the schedule's latest attempt failed.".into()),
    ];
    for (index, (name, help)) in families.iter().enumerate() {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for schedule in health {
            let id = schedule.schedule_id;
            let label = LabelValue(&schedule.name);
            let window = &schedule.window;
            let _ = match index {
                0 => writeln!(out, "{name}{{schedule_id=\"{id}\",name=\"{label}\"}} {}", window.fires),
                1 => writeln!(out, "{name}{{schedule_id=\"{id}\",name=\"{label}\"}} {}", window.succeeded),
                2 => match window.success_rate() {
                    Some(rate) => writeln!(out, "{name}{{schedule_id=\"{id}\",name=\"{label}\"}} {rate}"),
                    None => Ok(()),
                },
                3 => [("0.5", window.lag_p50_ms), ("0.99", window.lag_p99_ms)]
                    .into_iter()
                    .filter_map(|(quantile, ms)| ms.map(|ms| (quantile, ms / 1_000.0)))
                    .try_for_each(|(quantile, seconds)| {
                        writeln!(out, "{name}{{schedule_id=\"{id}\",name=\"{label}\",quantile=\"{quantile}\"}} {seconds}")
                    }),
                4 => match schedule.last_fired_at {
                    Some(at) => writeln!(out, "{name}{{schedule_id=\"{id}\",name=\"{label}\"}} {}", at.timestamp()),
                    None => Ok(()),
                },
                _ => {
                    let failed = u8::from(schedule.last_outcome == Some(Outcome::Failure));
                    writeln!(out, "{name}{{schedule_id=\"{id}\",name=\"{label}\"}} {failed}")
                }
            };
        }
    }
}

/// Alerts this server delivered and attempts that failed, as counters.
pub fn render_alerts(out: &mut String, counters: &AlertCounters) {
    use std::sync::atomic::Ordering;
    let _ = writeln!(
        out,
        "# HELP scheduleman_alerts_sent_total Alert deliveries a channel took, sent by this server.\n\
         # TYPE scheduleman_alerts_sent_total counter\n\
         scheduleman_alerts_sent_total {}\n\
         # HELP scheduleman_alerts_failed_total Alert delivery attempts that failed (each retry counts).\n\
         # TYPE scheduleman_alerts_failed_total counter\n\
         scheduleman_alerts_failed_total {}",
        counters.sent.load(Ordering::Relaxed),
        counters.failed.load(Ordering::Relaxed),
    );
}

/// A label value with Prometheus's escapes (backslash, double quote, newline), written
/// straight into the output.
struct LabelValue<'a>(&'a str);

impl std::fmt::Display for LabelValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '"' => f.write_str("\\\"")?,
                '\n' => f.write_str("\\n")?,
                other => f.write_char(other)?,
            }
        }
        Ok(())
    }
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
            state: scheduleman::model::ScheduleState::Active,
            last_fired_at: None,
            last_outcome: Some(Outcome::Failure),
            window: Window {
                fires: 4,
                succeeded: 3,
                lag_p50_ms: Some(4.0),
                lag_p99_ms: None,
            },
        }];
        let mut text = String::new();
        render_schedule_health(&mut text, &health, Duration::from_secs(3600));
        let labels =
            r#"schedule_id="00000000-0000-0000-0000-000000000000",name="nightly \"report\"\\n""#;
        for line in [
            format!("scheduleman_schedule_fires{{{labels}}} 4"),
            format!("scheduleman_schedule_fires_succeeded{{{labels}}} 3"),
            format!("scheduleman_schedule_success_ratio{{{labels}}} 0.75"),
            format!("scheduleman_schedule_lag_seconds{{{labels},quantile=\"0.5\"}} 0.004"),
            format!("scheduleman_schedule_last_attempt_failed{{{labels}}} 1"),
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
