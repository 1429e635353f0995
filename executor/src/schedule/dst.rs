//! Where daylight-saving time moved or doubled a fire: a structured note per fire instant,
//! and the same note in words ("02:30 does not exist that day (clocks jump 02:00→03:00);
//! runs at the first instant after the gap").

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::cron::CronExpr;
use super::zone::{self, LocalTime};

/// A fire instant, with a note when daylight-saving time shifted or doubled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fire {
    /// When it fires.
    pub at: DateTime<Utc>,
    /// Why DST moved or doubled it; `None` for an ordinary fire.
    pub dst: Option<DstNote>,
}

/// How daylight-saving time changed one fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DstNote {
    /// The wall-clock time asked for does not exist that day: the clocks jumped from
    /// `gap_start` to `gap_end`; the fire is at the first instant after the gap.
    Shifted {
        /// The asked-for reading that does not exist.
        reading: NaiveDateTime,
        /// The first skipped reading.
        gap_start: NaiveDateTime,
        /// The reading the clocks jumped to.
        gap_end: NaiveDateTime,
    },
    /// The wall-clock time happens twice that day (the clocks go back over it).
    Repeated {
        /// The reading that happens twice.
        reading: NaiveDateTime,
        /// Which of the two occurrences this fire is: 1 or 2.
        occurrence: u8,
        /// Whether the schedule fires at both (a cron job whose minute or hour field starts
        /// with `*`, like Debian cron) or only at the first.
        fires_twice: bool,
    },
}

impl DstNote {
    /// The note in words, for a fire at `at` in `zone`, e.g. "02:30 does not exist that day
    /// (clocks jump 02:00→03:00); runs at the first instant after the gap".
    pub fn explain(&self, zone: Tz, at: DateTime<Utc>) -> String {
        let clock = |reading: NaiveDateTime| reading.format("%H:%M").to_string();
        match *self {
            Self::Shifted {
                reading,
                gap_start,
                gap_end,
            } => format!(
                "{} does not exist that day (clocks jump {}→{}); runs at the first instant after \
                 the gap",
                clock(reading),
                clock(gap_start),
                clock(gap_end)
            ),
            Self::Repeated {
                reading,
                occurrence,
                fires_twice,
            } => {
                let abbreviation = at.with_timezone(&zone).format("%Z").to_string();
                let which = if occurrence == 1 { "first" } else { "second" };
                if fires_twice {
                    format!(
                        "{} happens twice (clocks go back); runs at both, this is the {which} \
                         ({abbreviation})",
                        clock(reading)
                    )
                } else {
                    format!(
                        "{} happens twice (clocks go back); runs at the first ({abbreviation})",
                        clock(reading)
                    )
                }
            }
        }
    }
}

/// The note for a fire of `expr` in `zone` at `at` (an instant `expr` fires at), if DST
/// shifted or doubled it.
pub fn note_for_cron(expr: &CronExpr, zone: Tz, at: DateTime<Utc>) -> Option<DstNote> {
    // A fire at the end of a spring-forward gap may stand for a skipped reading.
    let just_before = at - TimeDelta::seconds(1);
    if zone::offset_at(zone, just_before) < zone::offset_at(zone, at) {
        let gap_end = zone::reading_at(zone, at);
        let gap_start = zone::reading_at(zone, just_before) + TimeDelta::seconds(1);
        if let Some(reading) = expr
            .next_local_after(gap_start - TimeDelta::seconds(1))
            .filter(|reading| *reading < gap_end)
        {
            return Some(DstNote::Shifted {
                reading,
                gap_start,
                gap_end,
            });
        }
    }
    let reading = zone::reading_at(zone, at);
    match zone::resolve(zone, reading) {
        LocalTime::Ambiguous { earlier, .. } => Some(DstNote::Repeated {
            reading,
            occurrence: if at == earlier { 1 } else { 2 },
            fires_twice: !expr.is_fixed_time(),
        }),
        LocalTime::Single(_) | LocalTime::Gap { .. } => None,
    }
}

/// The note for a "Run At" reading typed in `zone`: the clocks go back over it (it runs at
/// the first occurrence). Readings in a gap are refused when read, so they need none.
pub fn note_for_reading(zone: Tz, reading: NaiveDateTime) -> Option<DstNote> {
    match zone::resolve(zone, reading) {
        LocalTime::Ambiguous { .. } => Some(DstNote::Repeated {
            reading,
            occurrence: 1,
            fires_twice: false,
        }),
        LocalTime::Single(_) | LocalTime::Gap { .. } => None,
    }
}
