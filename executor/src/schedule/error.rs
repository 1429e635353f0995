//! Why a schedule was refused: one error type whose every message says which part is wrong
//! and why, and which input field it concerns.

use super::{CronError, UnknownZone};

/// Why a schedule was refused. Each message says which part is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// None of `cron`, `at`, `in`, `every` was given, or more than one.
    #[error("give exactly one of cron, at, in or every (got {0})")]
    Kind(String),
    /// The cron expression is wrong.
    #[error(transparent)]
    Cron(#[from] CronError),
    /// The zone is not an IANA zone.
    #[error(transparent)]
    Zone(#[from] UnknownZone),
    /// A zone was given for a kind that has none.
    #[error("tz applies to cron and at schedules only")]
    ZoneNotApplicable,
    /// The run-at text is not a date and time.
    #[error(
        "{0:?} is not a date and time; write an RFC 3339 instant (2026-12-01T08:00:00Z) or a \
         local date and time (2026-12-01T09:00) with a zone"
    )]
    BadDateTime(String),
    /// The local run-at time falls in a daylight-saving gap.
    #[error(
        "{reading} does not exist in {zone}: the clocks jump from {gap_start} to {gap_end} \
         that day; pick a time outside the gap"
    )]
    NonexistentLocalTime {
        /// The local time as given.
        reading: String,
        /// The zone.
        zone: String,
        /// The first skipped reading.
        gap_start: String,
        /// The reading the clocks jump to.
        gap_end: String,
    },
    /// The run-at instant is not in the future.
    #[error("the run-at time {at} is in the past (it is now {now})")]
    InPast {
        /// The requested instant, RFC 3339.
        at: String,
        /// The current instant, RFC 3339.
        now: String,
    },
    /// The duration text is not a humantime duration.
    #[error("{text:?} is not a valid {what} ({reason}); write e.g. 90s, 15m, 1h 30m or 2days")]
    BadDuration {
        /// "interval" or "duration".
        what: &'static str,
        /// The text as given.
        text: String,
        /// What the parser said.
        reason: String,
    },
    /// The duration is zero or too short.
    #[error("the {what} {text:?} is too short; the minimum is {minimum}")]
    TooShort {
        /// "interval" or "duration".
        what: &'static str,
        /// The text as given.
        text: String,
        /// The minimum, in words.
        minimum: &'static str,
    },
    /// The duration is longer than [`MAX_DURATION`](super::MAX_DURATION).
    #[error("the {what} {text:?} is too long; the maximum is 100 years")]
    TooLong {
        /// "interval" or "duration".
        what: &'static str,
        /// The text as given.
        text: String,
    },
    /// The schedule never fires after now.
    #[error("this schedule never fires after {0}")]
    NeverFires(String),
}

impl ScheduleError {
    /// The input field the error is about (`cron`, `tz`, `at`, `in`, `every`), for showing
    /// it next to that field.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Kind(_) => "schedule",
            Self::Cron(_) | Self::NeverFires(_) => "cron",
            Self::Zone(_) | Self::ZoneNotApplicable => "tz",
            Self::BadDateTime(_) | Self::NonexistentLocalTime { .. } | Self::InPast { .. } => "at",
            Self::BadDuration { what, .. }
            | Self::TooShort { what, .. }
            | Self::TooLong { what, .. } => {
                if *what == "interval" {
                    "every"
                } else {
                    "in"
                }
            }
        }
    }
}
