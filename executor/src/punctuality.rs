//! How punctual and healthy a schedule has been: lag (request start minus scheduled instant,
//! over first attempts) and the share of fires that succeeded, over the last 24 hours and
//! 7 days, and hour by hour over the last day for a chart. Pure types; the store computes
//! them from `executions`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A schedule's punctuality and health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Punctuality {
    /// The last 24 hours.
    pub day: Window,
    /// The last 7 days.
    pub week: Window,
    /// The last 24 hours hour by hour, oldest first; hours without attempts are left out.
    pub hours: Vec<HourBucket>,
}

/// Figures over one time window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    /// Fires with an attempt in the window (a fire's retries count once; skipped misfires
    /// not at all).
    pub fires: i64,
    /// Of those, the fires one of whose attempts succeeded.
    pub succeeded: i64,
    /// Median lag of first attempts, in milliseconds.
    pub lag_p50_ms: Option<f64>,
    /// 99th-percentile lag of first attempts, in milliseconds.
    pub lag_p99_ms: Option<f64>,
}

impl Window {
    /// The share of fires that succeeded (0–1), when there were any.
    pub fn success_rate(&self) -> Option<f64> {
        (self.fires > 0).then(|| self.succeeded as f64 / self.fires as f64)
    }
}

/// One hour of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourBucket {
    /// The hour's start.
    pub start: DateTime<Utc>,
    /// Attempts that succeeded.
    pub succeeded: i64,
    /// Attempts that failed.
    pub failed: i64,
    /// Median lag of the hour's first attempts, in milliseconds.
    pub lag_p50_ms: Option<f64>,
    /// Largest lag of the hour's first attempts, in milliseconds.
    pub lag_max_ms: Option<f64>,
}

/// A success share as people read it: "98 %", "100 %", "—" when nothing fired.
pub fn percent(rate: Option<f64>) -> String {
    // Whole numbers only: the list's code in the browser then formats no floating point
    // (issue 21).
    match rate {
        None => "—".to_owned(),
        // Never round a failure away: 99.96 % is "99.9 %", not "100 %".
        Some(rate) if (0.995..1.0).contains(&rate) => {
            let tenths = (rate * 1000.0).floor() as i64;
            format!("{}.{} %", tenths / 10, tenths % 10)
        }
        // Halves to even, as `{:.0}` rounds.
        Some(rate) => format!("{} %", (rate * 100.0).round_ties_even() as i64),
    }
}

/// A lag as people read it: "4 ms", "1.2 s", "3 min".
pub fn lag_text(ms: Option<f64>) -> String {
    match ms {
        None => "—".to_owned(),
        Some(ms) if ms.abs() < 1_000.0 => format!("{ms:.0} ms"),
        Some(ms) if ms.abs() < 60_000.0 => format!("{:.1} s", ms / 1_000.0),
        Some(ms) => format!("{:.0} min", ms / 60_000.0),
    }
}

/// One schedule's figures for Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleHealth {
    /// The schedule.
    pub schedule_id: uuid::Uuid,
    /// Its name.
    pub name: String,
    /// Its state.
    pub state: crate::model::ScheduleState,
    /// When it last made an attempt.
    pub last_fired_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How that attempt ended.
    pub last_outcome: Option<crate::model::Outcome>,
    /// Its figures over the window (zero fires when it had none: the series stays).
    pub window: Window,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_lags_read_as_people_expect() {
        let window = Window {
            fires: 2_000,
            succeeded: 1_999,
            ..Window::default()
        };
        assert_eq!(
            percent(window.success_rate()),
            "99.9 %",
            "a failure is never rounded away"
        );
        assert_eq!(percent(Some(1.0)), "100 %");
        assert_eq!(percent(Some(0.5)), "50 %");
        assert_eq!(percent(Window::default().success_rate()), "—");
        assert_eq!(lag_text(Some(3.6)), "4 ms");
        assert_eq!(lag_text(Some(1_234.0)), "1.2 s");
        assert_eq!(lag_text(Some(180_000.0)), "3 min");
        assert_eq!(lag_text(None), "—");
    }

    /// `percent` formats whole numbers; it reads exactly as float formatting did, for every
    /// rate of up to 400 fires.
    #[test]
    fn a_percentage_reads_as_float_formatting_wrote_it() {
        let by_floats = |rate: f64| {
            if (0.995..1.0).contains(&rate) {
                format!("{:.1} %", (rate * 1000.0).floor() / 10.0)
            } else {
                format!("{:.0} %", rate * 100.0)
            }
        };
        for fires in 1..=400_i64 {
            for succeeded in 0..=fires {
                let window = Window {
                    fires,
                    succeeded,
                    ..Window::default()
                };
                let rate = window.success_rate().expect("fires > 0");
                assert_eq!(percent(Some(rate)), by_floats(rate), "{succeeded}/{fires}");
            }
        }
    }
}
