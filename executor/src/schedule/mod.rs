//! Schedules and their time math: what a user asks for ([`ScheduleInput`]), what is stored
//! ([`ScheduleSpec`]), and when it fires ([`Schedule::next_after`]). Pure: no I/O, builds
//! for the browser.

pub mod cron;
pub mod dst;
mod run_at;
pub mod zone;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use self::cron::{CronError, CronExpr};
pub use dst::{DstNote, Fire};
pub use run_at::{parse_run_at, read_local, LocalReading};
pub use zone::UnknownZone;

/// The shortest interval an `every` schedule may have.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest duration (`in`) or interval (`every`): 100 years of 365.25 days.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 31_557_600);

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
    /// The duration is longer than [`MAX_DURATION`].
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

/// A schedule as a user writes it: exactly one of `cron`, `at`, `in`, `every`, and `tz`
/// for `cron` and `at` (default UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// A cron expression (5 or 6 fields, or a macro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// A "Run At" instant: RFC 3339, or a local date-time read in `tz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// A duration from now (humantime: `90m`, `1h 30m`).
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<String>,
    /// A fixed interval (humantime, at least 1 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    /// The IANA zone of `cron` or `at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
}

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

impl ScheduleInput {
    /// Validates the input and resolves it against `now` into what is stored.
    pub fn resolve(&self, now: DateTime<Utc>) -> Result<ScheduleSpec, ScheduleError> {
        let given: Vec<&str> = [
            ("cron", self.cron.is_some()),
            ("at", self.at.is_some()),
            ("in", self.in_.is_some()),
            ("every", self.every.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        let zone = |tz: &Option<String>| -> Result<Tz, ScheduleError> {
            Ok(tz
                .as_deref()
                .map(zone::parse)
                .transpose()?
                .unwrap_or(Tz::UTC))
        };
        let spec = match (given.as_slice(), self) {
            (
                ["cron"],
                Self {
                    cron: Some(cron),
                    tz,
                    ..
                },
            ) => {
                let expr: CronExpr = cron.parse()?;
                let zone = zone(tz)?;
                if expr.next_after(zone, now).is_none() {
                    return Err(ScheduleError::NeverFires(rfc3339_seconds(now)));
                }
                ScheduleSpec::Cron {
                    cron: expr.source().to_owned(),
                    tz: zone.name().to_owned(),
                }
            }
            (
                ["at"],
                Self {
                    at: Some(at), tz, ..
                },
            ) => {
                let zone = zone(tz)?;
                ScheduleSpec::At {
                    at: parse_run_at(at, zone, now)?,
                    tz: zone.name().to_owned(),
                }
            }
            (
                ["in"],
                Self {
                    in_: Some(text),
                    tz,
                    ..
                },
            ) => {
                if tz.is_some() {
                    return Err(ScheduleError::ZoneNotApplicable);
                }
                let duration = parse_duration(text, "duration", Duration::from_millis(1), "1 ms")?;
                ScheduleSpec::In {
                    duration: text.trim().to_owned(),
                    at: now
                        .checked_add_signed(duration)
                        .ok_or_else(|| ScheduleError::TooLong {
                            what: "duration",
                            text: text.to_owned(),
                        })?,
                }
            }
            (
                ["every"],
                Self {
                    every: Some(text),
                    tz,
                    ..
                },
            ) => {
                if tz.is_some() {
                    return Err(ScheduleError::ZoneNotApplicable);
                }
                let interval = parse_duration(text, "interval", MIN_INTERVAL, "1 s")?;
                ScheduleSpec::Every {
                    every: text.trim().to_owned(),
                    interval_ms: interval.num_milliseconds() as u64,
                    anchor: now,
                }
            }
            ([], _) => return Err(ScheduleError::Kind("none".into())),
            (many, _) => return Err(ScheduleError::Kind(many.join(", "))),
        };
        Ok(spec)
    }
}

/// Parses a humantime duration of at least `minimum`.
fn parse_duration(
    text: &str,
    what: &'static str,
    minimum: Duration,
    minimum_words: &'static str,
) -> Result<TimeDelta, ScheduleError> {
    let duration =
        humantime::parse_duration(text.trim()).map_err(|error| ScheduleError::BadDuration {
            what,
            text: text.to_owned(),
            reason: error.to_string(),
        })?;
    if duration < minimum {
        return Err(ScheduleError::TooShort {
            what,
            text: text.to_owned(),
            minimum: minimum_words,
        });
    }
    if duration > MAX_DURATION {
        return Err(ScheduleError::TooLong {
            what,
            text: text.to_owned(),
        });
    }
    TimeDelta::from_std(duration).map_err(|_| ScheduleError::BadDuration {
        what,
        text: text.to_owned(),
        reason: "too long".into(),
    })
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

/// A preview: the schedule resolved and compiled, and its next fires with DST notes.
#[derive(Debug, Clone)]
pub struct Preview {
    /// What would be stored.
    pub spec: ScheduleSpec,
    /// The zone the notes and local times refer to (the cron or Run At zone; UTC otherwise).
    pub zone: Tz,
    /// The next fires, ascending.
    pub fires: Vec<Fire>,
}

/// The next `count` fires of `input`, strictly after `after` (which also stands for "now"
/// when resolving `in` and `at`), each with its DST note: what `executor next`, the preview
/// endpoint and the form show.
pub fn preview(
    input: &ScheduleInput,
    after: DateTime<Utc>,
    count: usize,
) -> Result<Preview, ScheduleError> {
    let spec = input.resolve(after)?;
    let schedule = spec.compile()?;
    let zone = zone::parse(spec.zone()).unwrap_or(Tz::UTC);
    let mut fires = schedule.upcoming_fires(after, count);
    // A Run At typed as a local time that happens twice runs at its first occurrence.
    if let (Schedule::Once(at), Some(text)) = (&schedule, input.at.as_deref()) {
        if DateTime::parse_from_rfc3339(text.trim()).is_err() {
            let note = dst::note_for_reading(zone, zone::reading_at(zone, *at));
            for fire in &mut fires {
                fire.dst = note;
            }
        }
    }
    Ok(Preview { spec, zone, fires })
}

/// An instant as RFC 3339 UTC with whole seconds and a `Z`: `2026-03-08T07:00:00Z`.
pub fn rfc3339_seconds(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `instant + duration`, or the latest representable instant when that overflows (a delay
/// read from a hand-edited row, say): time arithmetic never panics.
pub fn saturating_add(instant: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(duration)
        .ok()
        .and_then(|delta| instant.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests;
