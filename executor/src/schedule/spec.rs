//! What is stored ([`ScheduleSpec`]: instants already resolved) and what computes fire times
//! from it ([`Schedule`]).

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{dst, zone, CronExpr, DstNote, Fire, ScheduleError};

/// A validated schedule as stored: instants already resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ScheduleSpec {
    /// A cron expression in a zone.
    Cron {
        /// The expression as written.
        cron: String,
        /// The IANA zone.
        tz: String,
    },
    /// Once, at an instant picked in a zone.
    At {
        /// The instant.
        at: DateTime<Utc>,
        /// The zone it was picked in (for display).
        tz: String,
    },
    /// Once, a duration after it was created or last edited.
    In {
        /// The duration as written.
        duration: String,
        /// The instant it resolved to.
        at: DateTime<Utc>,
    },
    /// Every fixed interval, counted from the anchor.
    Every {
        /// The interval as written.
        every: String,
        /// The interval in milliseconds.
        interval_ms: u64,
        /// When counting started (creation or last edit).
        anchor: DateTime<Utc>,
    },
}

impl ScheduleSpec {
    /// The kind's name: `cron`, `at`, `in` or `every`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Cron { .. } => "cron",
            Self::At { .. } => "at",
            Self::In { .. } => "in",
            Self::Every { .. } => "every",
        }
    }

    /// The IANA zone the schedule is read in: its own for cron and Run At, UTC otherwise.
    pub fn zone(&self) -> &str {
        match self {
            Self::Cron { tz, .. } | Self::At { tz, .. } => tz,
            Self::In { .. } | Self::Every { .. } => "UTC",
        }
    }

    /// The schedule in plain words: "At 09:00, Monday through Friday, Europe/Berlin",
    /// "Once at 2026-12-01 09:00 CET", "Every 90s".
    pub fn describe(&self) -> String {
        let once_at = |at: &DateTime<Utc>, tz: &str| {
            let zone = zone::parse(tz).unwrap_or(Tz::UTC);
            at.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        match self {
            Self::Cron { cron, tz } => match cron.parse::<CronExpr>() {
                Ok(expr) => format!("{}, {tz}", expr.describe()),
                Err(_) => format!("{cron} ({tz})"),
            },
            Self::At { at, tz } => format!("Once at {}", once_at(at, tz)),
            Self::In { duration, at } => {
                format!(
                    "Once at {} ({duration} after it was set)",
                    once_at(at, "UTC")
                )
            }
            Self::Every { every, .. } => format!("Every {every}"),
        }
    }

    /// Makes the spec ready for repeated [`Schedule::next_after`] calls.
    pub fn compile(&self) -> Result<Schedule, ScheduleError> {
        Ok(match self {
            Self::Cron { cron, tz } => Schedule::Cron {
                expr: cron.parse()?,
                zone: zone::parse(tz)?,
            },
            Self::At { at, .. } | Self::In { at, .. } => Schedule::Once(*at),
            Self::Every {
                interval_ms,
                anchor,
                ..
            } => Schedule::Every {
                interval: TimeDelta::milliseconds(*interval_ms as i64),
                anchor: *anchor,
            },
        })
    }
}

/// A schedule ready to compute fire times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// A cron expression in a zone.
    Cron {
        /// The expression.
        expr: CronExpr,
        /// The zone.
        zone: Tz,
    },
    /// Once, at this instant.
    Once(DateTime<Utc>),
    /// At `anchor + k × interval` for k ≥ 1.
    Every {
        /// The interval.
        interval: TimeDelta,
        /// When counting started.
        anchor: DateTime<Utc>,
    },
}

impl Schedule {
    /// The first fire instant strictly after `after`, or `None` when it never fires again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Cron { expr, zone } => expr.next_after(*zone, after),
            Self::Once(at) => (*at > after).then_some(*at),
            Self::Every { interval, anchor } => {
                let interval_ms = interval.num_milliseconds().max(1);
                let elapsed_ms = (after - *anchor).num_milliseconds();
                let periods = if elapsed_ms < 0 {
                    1
                } else {
                    elapsed_ms / interval_ms + 1
                };
                anchor
                    .checked_add_signed(TimeDelta::milliseconds(periods.checked_mul(interval_ms)?))
            }
        }
    }

    /// The next `count` fire instants strictly after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(after), |last| self.next_after(*last))
            .take(count)
            .collect()
    }

    /// The zone whose wall clock the schedule follows (cron only).
    pub fn zone(&self) -> Option<Tz> {
        match self {
            Self::Cron { zone, .. } => Some(*zone),
            Self::Once(_) | Self::Every { .. } => None,
        }
    }

    /// The DST note of a fire at `at` (an instant this schedule fires at), if daylight-saving
    /// time shifted or doubled it.
    pub fn dst_note(&self, at: DateTime<Utc>) -> Option<DstNote> {
        match self {
            Self::Cron { expr, zone } => dst::note_for_cron(expr, *zone, at),
            Self::Once(_) | Self::Every { .. } => None,
        }
    }

    /// The next `count` fires strictly after `after`, each with its DST note.
    pub fn upcoming_fires(&self, after: DateTime<Utc>, count: usize) -> Vec<Fire> {
        self.upcoming(after, count)
            .into_iter()
            .map(|at| Fire {
                at,
                dst: self.dst_note(at),
            })
            .collect()
    }
}
