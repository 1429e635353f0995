//! "Run At": an RFC 3339 instant, or a local date and time read in a zone.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::zone::{self, LocalTime};
use super::{rfc3339_seconds, ScheduleError};

/// The local forms accepted besides RFC 3339 (seconds optional, `T` or a space).
const LOCAL_FORMATS: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
];

/// A local date and time read in a zone: one instant, or two when the clocks go back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalReading {
    /// The reading happens once.
    Single(DateTime<Utc>),
    /// The reading happens twice (the clocks go back): first at `earlier`, again at `later`.
    Ambiguous {
        /// The first occurrence.
        earlier: DateTime<Utc>,
        /// The second occurrence.
        later: DateTime<Utc>,
    },
}

impl LocalReading {
    /// The instant Scheduleman takes for it: the only one, or the earlier of two.
    pub fn instant(self) -> DateTime<Utc> {
        match self {
            Self::Single(instant)
            | Self::Ambiguous {
                earlier: instant, ..
            } => instant,
        }
    }
}

/// Reads a local date and time (`2026-12-01T09:00`, seconds optional, `T` or a space) in
/// `zone`; a reading in a DST gap is refused, naming the gap.
pub fn read_local(text: &str, zone: Tz) -> Result<LocalReading, ScheduleError> {
    let text = text.trim();
    let reading = LOCAL_FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| ScheduleError::BadDateTime(text.to_owned()))?;
    match zone::resolve(zone, reading) {
        LocalTime::Single(instant) => Ok(LocalReading::Single(instant)),
        LocalTime::Ambiguous { earlier, later } => Ok(LocalReading::Ambiguous { earlier, later }),
        LocalTime::Gap {
            gap_start,
            gap_end_reading,
            ..
        } => Err(ScheduleError::NonexistentLocalTime {
            reading: reading.format("%Y-%m-%dT%H:%M:%S").to_string(),
            zone: zone.name().to_owned(),
            gap_start: gap_start.format("%H:%M").to_string(),
            gap_end: gap_end_reading.format("%H:%M").to_string(),
        }),
    }
}

/// Resolves `text` to an instant after `now`. An explicit offset wins; a local time is read
/// in `zone` ([`read_local`]): a time in a DST gap is refused and one in an overlap takes
/// the earlier offset.
pub fn parse_run_at(
    text: &str,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ScheduleError> {
    let text = text.trim();
    let at = match DateTime::parse_from_rfc3339(text) {
        Ok(instant) => instant.with_timezone(&Utc),
        Err(_) => read_local(text, zone)?.instant(),
    };
    if at <= now {
        return Err(ScheduleError::InPast {
            at: rfc3339_seconds(at),
            now: rfc3339_seconds(now),
        });
    }
    Ok(at)
}
