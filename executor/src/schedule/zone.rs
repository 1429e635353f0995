//! Time zones: parsing IANA names, and what a wall-clock reading means in a zone (one
//! instant, two in a fall-back overlap, or none in a spring-forward gap).

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a zone name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone {0:?}; use an IANA name such as Europe/Berlin or America/New_York")]
pub struct UnknownZone(pub String);

/// Parses an IANA zone name (`UTC`, `Europe/Berlin`).
pub fn parse(name: &str) -> Result<Tz, UnknownZone> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| UnknownZone(name.to_owned()))
}

/// The zone's offset from UTC at `instant`.
pub fn offset_at(zone: Tz, instant: DateTime<Utc>) -> TimeDelta {
    let seconds = zone
        .offset_from_utc_datetime(&instant.naive_utc())
        .fix()
        .local_minus_utc();
    TimeDelta::seconds(i64::from(seconds))
}

/// The wall-clock reading of `instant` in `zone`.
pub fn reading_at(zone: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&zone).naive_local()
}

/// What a wall-clock reading is in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTime {
    /// The reading occurs once.
    Single(DateTime<Utc>),
    /// The reading occurs twice (the clock fell back over it).
    Ambiguous {
        /// The first occurrence (the offset before the change).
        earlier: DateTime<Utc>,
        /// The second occurrence.
        later: DateTime<Utc>,
    },
    /// The reading never occurs (the clock sprang forward over it).
    Gap {
        /// The first skipped reading.
        gap_start: NaiveDateTime,
        /// The reading the clock jumped to.
        gap_end_reading: NaiveDateTime,
        /// The instant of the jump: the first instant after the gap.
        gap_end: DateTime<Utc>,
    },
}

/// What `reading` is in `zone`.
pub fn resolve(zone: Tz, reading: NaiveDateTime) -> LocalTime {
    match zone.from_local_datetime(&reading) {
        chrono::LocalResult::Single(instant) => LocalTime::Single(instant.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(earlier, later) => LocalTime::Ambiguous {
            earlier: earlier.with_timezone(&Utc),
            later: later.with_timezone(&Utc),
        },
        chrono::LocalResult::None => {
            let gap_end = first_instant_reading_at_least(zone, reading);
            let before = gap_end - TimeDelta::seconds(1);
            LocalTime::Gap {
                gap_start: reading_at(zone, before) + TimeDelta::seconds(1),
                gap_end_reading: reading_at(zone, gap_end),
                gap_end,
            }
        }
    }
}

/// The first instant whose reading in `zone` is at least `reading`, by bisection over the
/// four days around it (no zone changes its offset twice in that span).
fn first_instant_reading_at_least(zone: Tz, reading: NaiveDateTime) -> DateTime<Utc> {
    let mut low = (reading - TimeDelta::days(2)).and_utc(); // reading < `reading`
    let mut high = (reading + TimeDelta::days(2)).and_utc(); // reading >= `reading`
    while high - low > TimeDelta::seconds(1) {
        let middle = low + TimeDelta::seconds((high - low).num_seconds() / 2);
        if reading_at(zone, middle) >= reading {
            high = middle;
        } else {
            low = middle;
        }
    }
    high
}
