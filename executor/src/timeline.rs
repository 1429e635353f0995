//! The next hours at a glance: for each schedule, its fires in a window (each with its DST
//! note), or, when it fires too often to draw one by one, a band with their count. Pure; the
//! timeline page draws it.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schedule::{Fire, Schedule};

/// More fires than this in the window are drawn as a band.
pub const MAX_MARKS: usize = 48;
/// Fires counted for a band before its count reads "at least".
pub const MAX_COUNTED: usize = 10_000;

/// Everything due in a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The window's start (now).
    pub from: DateTime<Utc>,
    /// The window's end.
    pub to: DateTime<Utc>,
    /// One row per schedule with a fire in the window, soonest first.
    pub rows: Vec<TimelineRow>,
    /// Whether more schedules are due than the rows show.
    pub truncated: bool,
}

/// One schedule's fires in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    /// The schedule.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its fires, when there are at most [`MAX_MARKS`].
    pub fires: Vec<Fire>,
    /// Its fires as a band, when there are more.
    pub band: Option<Band>,
}

/// Many fires drawn as one band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// The first fire in the window.
    pub first: DateTime<Utc>,
    /// The last fire counted.
    pub last: DateTime<Utc>,
    /// How many fires (at least this many when `capped`).
    pub count: usize,
    /// Whether counting stopped at [`MAX_COUNTED`].
    pub capped: bool,
}

/// `schedule`'s row for the window [`from`, `to`): its fires with DST notes, or a band; `None`
/// when it does not fire in the window.
pub fn row(
    id: Uuid,
    name: String,
    schedule: &Schedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<TimelineRow> {
    let just_before = from - TimeDelta::milliseconds(1);
    let mut fires = std::iter::successors(schedule.next_after(just_before), |last| {
        schedule.next_after(*last)
    })
    .take_while(|at| *at < to);
    let marks: Vec<DateTime<Utc>> = fires.by_ref().take(MAX_MARKS + 1).collect();
    let first = *marks.first()?;
    if marks.len() <= MAX_MARKS {
        return Some(TimelineRow {
            id,
            name,
            fires: marks
                .into_iter()
                .map(|at| Fire {
                    at,
                    dst: schedule.dst_note(at),
                })
                .collect(),
            band: None,
        });
    }
    let mut count = marks.len();
    let mut last = marks[marks.len() - 1];
    for at in fires.by_ref().take(MAX_COUNTED - count) {
        count += 1;
        last = at;
    }
    let capped = count >= MAX_COUNTED && fires.next().is_some();
    Some(TimelineRow {
        id,
        name,
        fires: Vec::new(),
        band: Some(Band {
            first,
            last,
            count,
            capped,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ScheduleSpec;

    fn cron(expr: &str, tz: &str) -> Schedule {
        ScheduleSpec::Cron {
            cron: expr.into(),
            tz: tz.into(),
        }
        .compile()
        .unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn sparse_schedules_show_each_fire_with_its_dst_note() {
        let from = at("2026-03-07T12:00:00Z");
        let row = row(
            Uuid::nil(),
            "backup".into(),
            &cron("30 2 * * *", "America/New_York"),
            from,
            from + TimeDelta::hours(24),
        )
        .unwrap();
        assert_eq!(row.band, None);
        assert_eq!(row.fires.len(), 1);
        assert_eq!(
            row.fires[0].at,
            at("2026-03-08T07:00:00Z"),
            "moved by the gap"
        );
        assert!(row.fires[0].dst.is_some(), "and marked");
    }

    #[test]
    fn dense_schedules_become_a_band_with_their_count() {
        let from = at("2026-11-23T00:00:00Z");
        let to = from + TimeDelta::hours(24);
        let every_five = row(
            Uuid::nil(),
            "poll".into(),
            &cron("*/5 * * * *", "UTC"),
            from,
            to,
        )
        .unwrap();
        let band = every_five.band.unwrap();
        assert_eq!((band.count, band.capped), (288, false));
        assert_eq!((band.first, band.last), (from, at("2026-11-23T23:55:00Z")));
        assert!(every_five.fires.is_empty());

        let every_second = row(
            Uuid::nil(),
            "tick".into(),
            &cron("* * * * * *", "UTC"),
            from,
            to,
        )
        .unwrap();
        let band = every_second.band.unwrap();
        assert_eq!((band.count, band.capped), (MAX_COUNTED, true));
    }

    #[test]
    fn a_schedule_outside_the_window_has_no_row() {
        let from = at("2026-11-23T00:00:00Z");
        let once = Schedule::Once(at("2026-11-25T00:00:00Z"));
        assert_eq!(
            row(
                Uuid::nil(),
                "later".into(),
                &once,
                from,
                from + TimeDelta::hours(24)
            ),
            None
        );
    }
}
