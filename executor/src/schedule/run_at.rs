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

/// Resolves `text` to an instant after `now`. An explicit offset wins; a local time is read
/// in `zone`, where a time in a DST gap is refused and one in an overlap takes the earlier
/// offset.
pub fn parse_run_at(
    text: &str,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ScheduleError> {
    let text = text.trim();
    let at = match DateTime::parse_from_rfc3339(text) {
        Ok(instant) => instant.with_timezone(&Utc),
        Err(_) => {
            let reading = LOCAL_FORMATS
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                .ok_or_else(|| ScheduleError::BadDateTime(text.to_owned()))?;
            match zone::resolve(zone, reading) {
                LocalTime::Single(instant) => instant,
                LocalTime::Ambiguous { earlier, .. } => earlier,
                LocalTime::Gap {
                    gap_start,
                    gap_end_reading,
                    ..
                } => {
                    return Err(ScheduleError::NonexistentLocalTime {
                        reading: reading.format("%Y-%m-%dT%H:%M:%S").to_string(),
                        zone: zone.name().to_owned(),
                        gap_start: gap_start.format("%H:%M").to_string(),
                        gap_end: gap_end_reading.format("%H:%M").to_string(),
                    })
                }
            }
        }
    };
    if at <= now {
        return Err(ScheduleError::InPast {
            at: rfc3339_seconds(at),
            now: rfc3339_seconds(now),
        });
    }
    Ok(at)
}
