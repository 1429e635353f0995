//! Where daylight-saving time moved or doubled a fire: a structured note per fire instant,
//! and the same note in words ("02:30 does not exist that day (clocks jump 02:00→03:00);
//! runs at the first instant after the gap").

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::cron::CronExpr;
use super::timing::DstPolicy;
use super::zone::{self, LocalTime};

/// A fire instant, with a note when daylight-saving time shifted or doubled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fire {
    /// When it fires.
    pub at: DateTime<Utc>,
    /// Why DST moved or doubled it; `None` for an ordinary fire.
    pub dst: Option<DstNote>,
    /// The instant it is due at before jitter spreads it (only with jitter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominal: Option<DateTime<Utc>>,
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

/// The note for a fire of `expr` in `zone` at `at` (an instant `expr` fires at under
/// `policy`), if DST shifted or doubled it.
pub fn note_for_cron(
    expr: &CronExpr,
    zone: Tz,
    at: DateTime<Utc>,
    policy: DstPolicy,
) -> Option<DstNote> {
    // A fire at the end of a spring-forward gap may stand for a skipped reading.
    let just_before = at - TimeDelta::seconds(1);
    let shifts = policy.gap_shifts(expr.is_fixed_time());
    if shifts && zone::offset_at(zone, just_before) < zone::offset_at(zone, at) {
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
            fires_twice: policy.overlap_twice(expr.is_fixed_time()),
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

/// One daylight-saving change that moves, drops or doubles fires of a cron schedule, in
/// words: "8 Mar 2026: 02:30 does not exist (clocks jump 02:00→03:00) — shifted to 03:00".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DstEffect {
    /// The local date of the change.
    pub date: chrono::NaiveDate,
    /// What happens to the schedule's fires that day.
    pub text: String,
}

/// Readings named per change before "and N more".
const NAMED_READINGS: usize = 3;

/// Every daylight-saving change in `zone` between `from` and `until` that touches a reading
/// `expr` matches, with what `policy` does to it.
pub fn affected(
    expr: &CronExpr,
    zone: Tz,
    policy: DstPolicy,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<DstEffect> {
    let fixed = expr.is_fixed_time();
    let clock = |reading: NaiveDateTime| reading.format("%H:%M").to_string();
    let mut effects = Vec::new();
    for change in transitions(zone, from, until) {
        let before = zone::offset_at(zone, change - TimeDelta::seconds(1));
        let after = zone::offset_at(zone, change);
        let first_reading =
            zone::reading_at(zone, change - TimeDelta::seconds(1)) + TimeDelta::seconds(1);
        let last_reading = zone::reading_at(zone, change);
        // A gap skips [first_reading, last_reading); an overlap repeats [last_reading,
        // first_reading).
        let (start, end, gap) = if after > before {
            (first_reading, last_reading, true)
        } else {
            (last_reading, first_reading, false)
        };
        let readings: Vec<NaiveDateTime> = std::iter::successors(
            expr.next_local_after(start - TimeDelta::seconds(1)),
            |reading| expr.next_local_after(*reading),
        )
        .take_while(|reading| *reading < end)
        .take(1441)
        .collect();
        let Some(first) = readings.first() else {
            continue;
        };
        let named: Vec<String> = readings
            .iter()
            .take(NAMED_READINGS)
            .map(|r| clock(*r))
            .collect();
        let more = readings.len().saturating_sub(NAMED_READINGS);
        let mut list = named.join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        let text = if gap {
            let verb = if readings.len() == 1 { "does" } else { "do" };
            let outcome = if policy.gap_shifts(fixed) {
                format!("shifted to {}", clock(end))
            } else {
                "skipped".to_owned()
            };
            format!(
                "{list} {verb} not exist (clocks jump {}→{}) — {outcome}",
                clock(start),
                clock(end)
            )
        } else {
            let verb = if readings.len() == 1 {
                "happens"
            } else {
                "happen"
            };
            let outcome = if policy.overlap_twice(fixed) {
                "runs twice"
            } else {
                "runs once, at the first"
            };
            format!(
                "{list} {verb} twice (clocks go back {}→{}) — {outcome}",
                clock(end),
                clock(start)
            )
        };
        effects.push(DstEffect {
            date: first.date(),
            text,
        });
    }
    effects
}

/// The instants in [`from`, `until`) at which `zone` changes its offset.
fn transitions(zone: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut found = Vec::new();
    let mut at = from;
    let step = TimeDelta::hours(1);
    while at < until {
        let next = at + step;
        if zone::offset_at(zone, at) != zone::offset_at(zone, next) {
            // The first instant with the new offset, to the second.
            let (mut low, mut high) = (at, next);
            while high - low > TimeDelta::seconds(1) {
                let middle = low + (high - low) / 2;
                if zone::offset_at(zone, middle) == zone::offset_at(zone, at) {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            found.push(high);
        }
        at = next;
    }
    found
}

#[cfg(test)]
mod effect_tests {
    use super::*;
    use crate::schedule::timing::{DstGap, DstOverlap};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_preview_names_each_change_and_what_the_policy_does() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let expr: CronExpr = "30 2 * * *".parse().unwrap();
        let (from, until) = (utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"));
        let default = affected(&expr, zone, DstPolicy::default(), from, until);
        let texts: Vec<String> = default
            .iter()
            .map(|e| format!("{}: {}", e.date, e.text))
            .collect();
        assert_eq!(
            texts,
            [
                "2026-03-29: 02:30 does not exist (clocks jump 02:00→03:00) — shifted to 03:00",
                "2026-10-25: 02:30 happens twice (clocks go back 03:00→02:00) — runs once, at the first",
            ]
        );
        let strict = DstPolicy {
            gap: Some(DstGap::Skip),
            overlap: Some(DstOverlap::Twice),
        };
        let texts: Vec<String> = affected(&expr, zone, strict, from, until)
            .into_iter()
            .map(|e| e.text)
            .collect();
        assert!(
            texts[0].ends_with("— skipped") && texts[1].ends_with("— runs twice"),
            "{texts:?}"
        );
        let quarter: CronExpr = "*/15 * * * *".parse().unwrap();
        let busy = affected(&quarter, zone, DstPolicy::default(), from, until);
        assert_eq!(
            busy[0].text,
            "02:00, 02:15, 02:30 and 1 more do not exist (clocks jump 02:00→03:00) — skipped"
        );
        let noon: CronExpr = "0 12 * * *".parse().unwrap();
        assert!(affected(&noon, zone, DstPolicy::default(), from, until).is_empty());
    }

    #[test]
    fn a_policy_moves_fires_across_a_real_change() {
        let zone: Tz = "America/New_York".parse().unwrap();
        let expr: CronExpr = "30 2 * * *".parse().unwrap();
        let march = utc("2026-03-08T06:00:00Z"); // 01:00 EST, before the jump
        let shifted = expr
            .next_after_with(zone, march, DstPolicy::default())
            .unwrap();
        assert_eq!(shifted, utc("2026-03-08T07:00:00Z"), "03:00 EDT");
        let skip = DstPolicy {
            gap: Some(DstGap::Skip),
            overlap: None,
        };
        let skipped = expr.next_after_with(zone, march, skip).unwrap();
        assert_eq!(
            skipped,
            utc("2026-03-09T06:30:00Z"),
            "the next day's 02:30 EDT"
        );
        let one: CronExpr = "30 1 * * *".parse().unwrap();
        let november = utc("2026-11-01T04:00:00Z"); // 00:00 EDT
        let once = one
            .next_after_with(zone, november, DstPolicy::default())
            .unwrap();
        let after_first = one
            .next_after_with(zone, once, DstPolicy::default())
            .unwrap();
        assert_eq!(
            after_first,
            utc("2026-11-02T06:30:00Z"),
            "once: the next day"
        );
        let twice = DstPolicy {
            gap: None,
            overlap: Some(DstOverlap::Twice),
        };
        let second = one.next_after_with(zone, once, twice).unwrap();
        assert_eq!(second, utc("2026-11-01T06:30:00Z"), "twice: 01:30 EST too");
    }
}
