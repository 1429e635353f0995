//! Cron expressions with Vixie cron's semantics, evaluated in an IANA zone the way Debian's
//! cron handles daylight-saving time.
//!
//! Matching happens on the zone's wall clock (naive local times); [`CronExpr::next_after`]
//! then maps each matching reading to instants:
//! - a reading that occurs once fires at that instant;
//! - a reading skipped by a spring-forward gap fires once, at the first instant after the
//!   gap, when the job is *fixed-time* (neither minute nor hour field starts with `*`), and
//!   not at all otherwise;
//! - a reading repeated by a fall-back overlap fires at its first occurrence when the job is
//!   fixed-time, and at both occurrences otherwise (elapsed time).
//!
//! A schedule may choose otherwise ([`DstPolicy`]: shift or skip, once or twice).

mod describe;
mod error;
mod fields;
mod parse;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

pub use error::{CronError, MAX_EXPRESSION_CHARS, MAX_LIST_ITEMS};

use super::timing::DstPolicy;
use super::zone::{self, LocalTime};

/// How far ahead a search looks before deciding an expression never fires again.
const SEARCH_HORIZON_YEARS: i32 = 30;

/// The set of values a field matches, as bits 0–63.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CronField(u64);

impl CronField {
    const EMPTY: Self = Self(0);

    fn with(self, value: u32) -> Self {
        Self(self.0 | 1 << value)
    }

    fn without(self, value: u32) -> Self {
        Self(self.0 & !(1 << value))
    }

    fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether `value` is in the set.
    pub fn contains(self, value: u32) -> bool {
        value < 64 && self.0 & (1 << value) != 0
    }

    /// The smallest value in the set that is at least `from`.
    fn next_from(self, from: u32) -> Option<u32> {
        if from >= 64 {
            return None;
        }
        let rest = self.0 >> from;
        (rest != 0).then(|| from + rest.trailing_zeros())
    }

    /// The values in the set, ascending.
    pub fn values(self) -> impl Iterator<Item = u32> {
        (0..64).filter(move |value| self.contains(*value))
    }
}

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    source: String,
    has_seconds_field: bool,
    seconds: CronField,
    minutes: CronField,
    hours: CronField,
    days_of_month: CronField,
    last_day_of_month: bool,
    months: CronField,
    /// Weekdays, 0 = Sunday.
    days_of_week: CronField,
    /// Weekdays whose last occurrence in the month matches (`5L`).
    last_weekdays: CronField,
    /// Nth weekdays of the month (`5#2`, the second Friday), as bit `weekday * 5 + (n - 1)`.
    nth_weekdays: CronField,
    day_of_month_star: bool,
    day_of_week_star: bool,
    fixed_time: bool,
}

impl std::str::FromStr for CronExpr {
    type Err = CronError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        parse::parse(source)
    }
}

impl CronExpr {
    /// The expression as written (trimmed).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether neither the minute nor the hour field starts with `*` (Debian's fixed-time
    /// jobs, which fire once across a DST change).
    pub fn is_fixed_time(&self) -> bool {
        self.fixed_time
    }

    /// Whether the wall-clock reading `local` matches every field.
    pub fn matches(&self, local: NaiveDateTime) -> bool {
        self.seconds.contains(local.second())
            && self.minutes.contains(local.minute())
            && self.hours.contains(local.hour())
            && self.months.contains(local.month())
            && self.day_matches(local.date())
    }

    /// Vixie's day rule: when both day fields are restricted (neither starts with `*`), a day
    /// matches if either matches; otherwise both must.
    fn day_matches(&self, date: NaiveDate) -> bool {
        let month_length = days_in_month(date.year(), date.month());
        let day = date.day();
        let weekday = date.weekday().num_days_from_sunday();
        let by_month_day =
            self.days_of_month.contains(day) || (self.last_day_of_month && day == month_length);
        let by_weekday = self.days_of_week.contains(weekday)
            || (self.last_weekdays.contains(weekday) && day + 7 > month_length)
            || self
                .nth_weekdays
                .contains(nth_weekday_bit(weekday, (day - 1) / 7 + 1));
        if self.day_of_month_star || self.day_of_week_star {
            by_month_day && by_weekday
        } else {
            by_month_day || by_weekday
        }
    }

    /// Whether some date can ever match (`0 0 30 2 *` cannot).
    fn some_day_can_match(&self) -> bool {
        // Day-of-week matches some day of every month; only a day-of-month-only expression
        // (day-of-week `*`) can ask for days its months never have.
        if !self.day_of_week_star || self.day_of_month_star {
            return true;
        }
        self.months.values().any(|month| {
            let longest = days_in_month(2024, month); // a leap year: February has 29 days
            self.last_day_of_month || self.days_of_month.values().any(|day| day <= longest)
        })
    }

    /// The first wall-clock reading strictly after `after` that matches, within the search
    /// horizon.
    pub fn next_local_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let horizon = after.year() + SEARCH_HORIZON_YEARS;
        let mut t = after.with_nanosecond(0)? + TimeDelta::seconds(1);
        loop {
            if t.year() > horizon {
                return None;
            }
            if !self.months.contains(t.month()) {
                t = first_of_next_month(t.date())?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if !self.day_matches(t.date()) {
                t = t.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            let Some(hour) = self.hours.next_from(t.hour()) else {
                t = t.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
                continue;
            };
            if hour != t.hour() {
                t = t.date().and_hms_opt(hour, 0, 0)?;
            }
            let Some(minute) = self.minutes.next_from(t.minute()) else {
                t = t.with_minute(0)?.with_second(0)? + TimeDelta::hours(1);
                continue;
            };
            if minute != t.minute() {
                t = t.date().and_hms_opt(hour, minute, 0)?;
            }
            let Some(second) = self.seconds.next_from(t.second()) else {
                t = t.with_second(0)? + TimeDelta::minutes(1);
                continue;
            };
            return t.date().and_hms_opt(hour, minute, second);
        }
    }

    /// The first instant strictly after `after` at which the expression fires in `zone`,
    /// with Debian cron's daylight-saving rules (see the module documentation).
    pub fn next_after(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_after_with(zone, after, DstPolicy::default())
    }

    /// The same, with `policy` deciding what readings in gaps and overlaps do.
    pub fn next_after_with(
        &self,
        zone: Tz,
        after: DateTime<Utc>,
        policy: DstPolicy,
    ) -> Option<DateTime<Utc>> {
        // Readings of later instants can lie before `after`'s own reading when the clock is
        // about to fall back; start early enough to see them.
        let offset_now = zone::offset_at(zone, after);
        let offset_later = zone::offset_at(zone, after + TimeDelta::hours(26));
        let largest_offset = offset_now.max(offset_later);
        let fall_back = (offset_now - offset_later).max(TimeDelta::zero());
        let mut reading = after.naive_utc() + offset_now - fall_back - TimeDelta::seconds(1);
        let mut best: Option<DateTime<Utc>> = None;
        while let Some(candidate) = self.next_local_after(reading) {
            // Every instant a reading maps to is later than `reading - largest_offset`, so
            // once that passes the best instant so far, nothing later can beat it.
            let lower_bound = (candidate - largest_offset).and_utc();
            if best.is_some_and(|best| lower_bound > best) {
                break;
            }
            for instant in self.instants_of(zone, candidate, policy) {
                if instant > after && best.is_none_or(|best| instant < best) {
                    best = Some(instant);
                }
            }
            reading = candidate;
        }
        best
    }

    /// The instants at which a matching wall-clock reading fires.
    fn instants_of(
        &self,
        zone: Tz,
        reading: NaiveDateTime,
        policy: DstPolicy,
    ) -> Vec<DateTime<Utc>> {
        match zone::resolve(zone, reading) {
            LocalTime::Single(instant) => vec![instant],
            LocalTime::Ambiguous { earlier, later } if policy.overlap_twice(self.fixed_time) => {
                vec![earlier, later]
            }
            LocalTime::Ambiguous { earlier, .. } => vec![earlier],
            LocalTime::Gap { gap_end, .. } if policy.gap_shifts(self.fixed_time) => vec![gap_end],
            LocalTime::Gap { .. } => vec![],
        }
    }

    /// The expression in plain words, e.g. "At 09:00, Monday through Friday".
    pub fn describe(&self) -> String {
        describe::describe(self)
    }
}

/// The bit of [`CronExpr::nth_weekdays`] for the `n`th (1–5) `weekday` (0 = Sunday).
fn nth_weekday_bit(weekday: u32, n: u32) -> u32 {
    weekday * 5 + (n - 1)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return 31;
    };
    first_of_next_month(first)
        .map(|next| (next - first).num_days() as u32)
        .unwrap_or(31)
}

fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    }
}

#[cfg(test)]
mod tests;
