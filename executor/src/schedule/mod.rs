//! Schedules and their time math: what a user asks for ([`ScheduleInput`]), what is stored
//! ([`ScheduleSpec`]), and when it fires ([`Schedule::next_after`]). Pure: no I/O, builds
//! for the browser.

pub mod cron;
pub mod dst;
mod error;
mod input;
mod run_at;
mod spec;
pub mod timing;
pub mod zone;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

pub use self::cron::{CronError, CronExpr};
pub use dst::{DstEffect, DstNote, Fire};
pub use error::ScheduleError;
pub use input::ScheduleInput;
pub use run_at::{parse_run_at, read_local, LocalReading};
pub use spec::{Recurrence, Schedule, ScheduleSpec};
pub use timing::{DstGap, DstOverlap, DstPolicy, StoredTiming, TimingOptions};
pub use zone::UnknownZone;

/// The shortest interval an `every` schedule may have.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest duration (`in`) or interval (`every`): 100 years of 365.25 days.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 31_557_600);

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
    preview_with(input, &TimingOptions::default(), after, count)
}

/// The same, bounded and spread by `options` (a window, jitter, a DST policy).
pub fn preview_with(
    input: &ScheduleInput,
    options: &TimingOptions,
    after: DateTime<Utc>,
    count: usize,
) -> Result<Preview, ScheduleError> {
    let spec = input.resolve(after)?;
    let schedule = spec.compile_with(options)?;
    let zone = zone::parse(spec.zone()).unwrap_or(Tz::UTC);
    let mut fires = schedule.upcoming_fires(after, count);
    // A Run At typed as a local time that happens twice runs at its first occurrence.
    if let (Some(at), Some(text)) = (schedule.once(), input.at.as_deref()) {
        if DateTime::parse_from_rfc3339(text.trim()).is_err() {
            let note = dst::note_for_reading(zone, zone::reading_at(zone, at));
            for fire in &mut fires {
                fire.dst = note;
            }
        }
    }
    Ok(Preview { spec, zone, fires })
}

/// How far ahead [`dst_effects`] looks: 12 months.
pub const DST_EFFECTS_AHEAD: TimeDelta = TimeDelta::days(366);

/// Every daylight-saving change in the 12 months after `from` that moves, drops or doubles
/// a fire of the cron schedule `spec` under the policy `options` choose, in words (none for
/// other timings, whose instants no wall clock moves).
pub fn dst_effects(
    spec: &ScheduleSpec,
    options: &TimingOptions,
    from: DateTime<Utc>,
) -> Vec<DstEffect> {
    let ScheduleSpec::Cron { cron, tz } = spec else {
        return Vec::new();
    };
    let (Ok(expr), Ok(zone)) = (cron.parse::<CronExpr>(), zone::parse(tz)) else {
        return Vec::new();
    };
    dst::affected(&expr, zone, options.dst(), from, from + DST_EFFECTS_AHEAD)
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
