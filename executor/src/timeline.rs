//! The next hours at a glance: for each schedule, its fires in a window (each with its DST
//! note), or, when it fires too often to draw one by one, a band with their count. Pure; the
//! timeline page draws it.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schedule::timing::Window;
use crate::schedule::{Recurrence, Schedule};

/// More fires than this in the window are drawn as a band.
pub const MAX_MARKS: usize = 48;
/// Fires of a cron schedule counted for a band before its count reads "at least".
pub const MAX_COUNTED: usize = 10_000;

/// Everything due in a window. Instants travel in milliseconds (the timeline's code in the
/// browser then needs no date parser: issue 21).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The window's start (now).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub from: DateTime<Utc>,
    /// The window's end.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub to: DateTime<Utc>,
    /// One row per schedule with a fire in the window, soonest first.
    pub rows: Vec<TimelineRow>,
    /// Whether more schedules are due than the rows show.
    pub truncated: bool,
    /// Which page of the drawn rows this is, from 1 (the whole drawing is page 1 of 1).
    #[serde(default = "first_page")]
    pub page: usize,
    /// The next page's number, when more drawn rows follow.
    #[serde(default)]
    pub next_page: Option<usize>,
}

fn first_page() -> usize {
    1
}

impl Timeline {
    /// Page `page` (from 1; 0 reads as 1) of `size` rows: the rows a person reads at once,
    /// so one page's rendering does not grow with everything drawn. A page past the end is
    /// empty and says which page it is.
    pub fn page(&self, page: usize, size: usize) -> Timeline {
        let page = page.max(1);
        let size = size.max(1);
        let start = (page - 1).saturating_mul(size);
        let rows: Vec<TimelineRow> = self.rows.iter().skip(start).take(size).cloned().collect();
        let next_page = (start.saturating_add(size) < self.rows.len()).then_some(page + 1);
        Timeline {
            from: self.from,
            to: self.to,
            rows,
            truncated: self.truncated,
            page,
            next_page,
        }
    }
}

/// One fire on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineFire {
    /// When it fires.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// Why daylight-saving time moved or doubled it, in words and read in the schedule's own
    /// zone; `None` for an ordinary fire. Written here, so the page needs no zone tables.
    pub dst: Option<String>,
}

/// One schedule's fires in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    /// The schedule.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its fires, when there are at most [`MAX_MARKS`].
    pub fires: Vec<TimelineFire>,
    /// Its fires as a band, when there are more.
    pub band: Option<Band>,
}

/// Many fires drawn as one band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// The first fire in the window.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub first: DateTime<Utc>,
    /// The last fire counted.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub last: DateTime<Utc>,
    /// How many fires (at least this many when `capped`).
    pub count: usize,
    /// Whether counting stopped at [`MAX_COUNTED`].
    pub capped: bool,
}

/// How many `next_after` steps one timeline may take in all: beyond it, dense cron rows are
/// drawn as bands whose count is a lower bound (`capped`). `every` schedules are counted by
/// arithmetic and cost nothing.
pub const STEP_BUDGET: usize = 60_000;

/// `schedule`'s row for the window [`from`, `to`): its fires with DST notes, or a band; `None`
/// when it does not fire in the window. Steps taken come out of `budget`; a row always gets
/// the steps it needs to draw its marks.
pub fn row(
    id: Uuid,
    name: String,
    schedule: &Schedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    budget: &mut usize,
) -> Option<TimelineRow> {
    let just_before = from - TimeDelta::milliseconds(1);
    let mut fires = std::iter::successors(schedule.next_after(just_before), |last| {
        schedule.next_after(*last)
    })
    .take_while(|at| *at < to);
    let marks: Vec<DateTime<Utc>> = fires.by_ref().take(MAX_MARKS + 1).collect();
    *budget = budget.saturating_sub(marks.len());
    let first = *marks.first()?;
    if marks.len() <= MAX_MARKS {
        return Some(TimelineRow {
            id,
            name,
            fires: marks
                .into_iter()
                .map(|at| TimelineFire {
                    at,
                    dst: schedule.dst_note(at).map(|note| {
                        note.explain(schedule.zone().unwrap_or(chrono_tz::Tz::UTC), at)
                    }),
                })
                .collect(),
            band: None,
        });
    }
    let plain = schedule.window == Window::default() && schedule.jitter.is_none();
    let band = match &schedule.recurrence {
        // Counted by arithmetic when nothing bounds or moves its fires.
        Recurrence::Every { interval, .. } if plain => every_band(first, *interval, to),
        _ => {
            let mut count = marks.len();
            let mut last = marks[marks.len() - 1];
            let allowed = (MAX_COUNTED - count).min(*budget);
            for at in fires.by_ref().take(allowed) {
                count += 1;
                last = at;
            }
            *budget -= count - marks.len();
            let capped = fires.next().is_some();
            Band {
                first,
                last,
                count,
                capped,
            }
        }
    };
    Some(TimelineRow {
        id,
        name,
        fires: Vec::new(),
        band: Some(band),
    })
}

/// The fires of an `every` schedule from `first` until `to`, counted by arithmetic.
fn every_band(first: DateTime<Utc>, interval: TimeDelta, to: DateTime<Utc>) -> Band {
    let step = interval.num_milliseconds().max(1);
    let span = (to - first).num_milliseconds() - 1;
    let count = (span / step + 1).max(1);
    Band {
        first,
        last: first + TimeDelta::milliseconds((count - 1) * step),
        count: count as usize,
        capped: false,
    }
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
    fn instants_travel_as_milliseconds_and_come_back_whole() {
        let from = at("2026-03-07T12:00:00.123Z");
        let timeline = Timeline {
            from,
            to: from + TimeDelta::hours(1),
            rows: vec![row(
                Uuid::nil(),
                "every minute".into(),
                &cron("* * * * *", "UTC"),
                from,
                from + TimeDelta::minutes(3),
                &mut STEP_BUDGET.clone(),
            )
            .unwrap()],
            truncated: false,
            page: 1,
            next_page: None,
        };
        let wire = serde_json::to_value(&timeline).unwrap();
        assert_eq!(wire["from"], serde_json::json!(from.timestamp_millis()));
        assert_eq!(
            wire["rows"][0]["fires"][0]["at"],
            serde_json::json!(at("2026-03-07T12:01:00Z").timestamp_millis())
        );
        let back: Timeline = serde_json::from_value(wire).unwrap();
        assert_eq!(back, timeline);
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
            &mut STEP_BUDGET.clone(),
        )
        .unwrap();
        assert_eq!(row.band, None);
        assert_eq!(row.fires.len(), 1);
        assert_eq!(
            row.fires[0].at,
            at("2026-03-08T07:00:00Z"),
            "moved by the gap"
        );
        let note = row.fires[0].dst.as_deref().expect("and marked");
        assert!(note.starts_with("02:30 does not exist that day"), "{note}");
    }

    #[test]
    fn a_doubled_fire_is_explained_in_the_schedules_own_zone() {
        // Berlin's clocks go back at 03:00 CEST on 2026-10-25: 02:30 happens twice, first in
        // CEST, then in CET. Whoever looks, the note names Berlin's abbreviations.
        let from = at("2026-10-24T12:00:00Z");
        let row = row(
            Uuid::nil(),
            "backup".into(),
            &cron("30 2 * * *", "Europe/Berlin"),
            from,
            from + TimeDelta::hours(24),
            &mut STEP_BUDGET.clone(),
        )
        .unwrap();
        let notes: Vec<&str> = row.fires.iter().filter_map(|f| f.dst.as_deref()).collect();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("02:30 happens twice"), "{}", notes[0]);
        assert!(notes[0].ends_with("(CEST)"), "{}", notes[0]);
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
            &mut STEP_BUDGET.clone(),
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
            &mut STEP_BUDGET.clone(),
        )
        .unwrap();
        let band = every_second.band.unwrap();
        assert_eq!((band.count, band.capped), (MAX_COUNTED, true));
    }

    #[test]
    fn every_schedules_are_counted_by_arithmetic_and_cost_no_steps() {
        let from = at("2026-11-23T00:00:00Z");
        let to = from + TimeDelta::hours(24);
        let every = ScheduleSpec::Every {
            every: "1s".into(),
            interval_ms: 1_000,
            anchor: from - TimeDelta::milliseconds(500),
        }
        .compile()
        .unwrap();
        let mut budget = 100;
        let band = row(Uuid::nil(), "tick".into(), &every, from, to, &mut budget)
            .unwrap()
            .band
            .unwrap();
        assert_eq!(
            (band.count, band.capped),
            (86_400, false),
            "exact, not capped"
        );
        assert_eq!(band.first, from + TimeDelta::milliseconds(500));
        assert_eq!(band.last, to - TimeDelta::milliseconds(500));
        assert_eq!(budget, 100 - (MAX_MARKS + 1), "only the marks were stepped");
    }

    #[test]
    fn the_step_budget_bounds_a_timeline_of_dense_cron_schedules() {
        let from = at("2026-11-23T00:00:00Z");
        let to = from + TimeDelta::hours(24);
        let tick = cron("* * * * * *", "UTC");
        let mut budget = STEP_BUDGET;
        let rows: Vec<_> = (0..300)
            .filter_map(|_| row(Uuid::nil(), "tick".into(), &tick, from, to, &mut budget))
            .collect();
        assert_eq!(rows.len(), 300, "every schedule still gets its row");
        assert_eq!(budget, 0);
        assert!(rows.iter().all(|r| r.band.is_some_and(|b| b.capped)));
        let counted: usize = rows.iter().map(|r| r.band.unwrap().count).sum();
        assert!(counted <= STEP_BUDGET + 300 * (MAX_MARKS + 1), "{counted}");
    }

    #[test]
    fn a_timeline_is_read_a_page_of_rows_at_a_time() {
        let from = at("2026-03-01T00:00:00Z");
        let to = from + TimeDelta::hours(24);
        let once = cron("0 12 * * *", "UTC");
        let mut budget = STEP_BUDGET;
        let rows: Vec<TimelineRow> = (0..5)
            .map(|n| {
                row(
                    Uuid::from_u128(n),
                    format!("s{n}"),
                    &once,
                    from,
                    to,
                    &mut budget,
                )
            })
            .collect::<Option<_>>()
            .unwrap();
        let drawn = Timeline {
            from,
            to,
            rows,
            truncated: false,
            page: 1,
            next_page: None,
        };
        let names = |t: &Timeline| t.rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        let first = drawn.page(1, 2);
        assert_eq!(
            (names(&first), first.next_page),
            (vec!["s0".into(), "s1".into()], Some(2))
        );
        let last = drawn.page(3, 2);
        assert_eq!(
            (names(&last), last.next_page, last.page),
            (vec!["s4".into()], None, 3)
        );
        assert!(drawn.page(9, 2).rows.is_empty(), "past the end: empty");
        assert_eq!(drawn.page(0, 2), first, "page 0 reads as the first");
    }

    #[test]
    fn a_schedule_outside_the_window_has_no_row() {
        let from = at("2026-11-23T00:00:00Z");
        let once = Schedule::once_at(at("2026-11-25T00:00:00Z"));
        assert_eq!(
            row(
                Uuid::nil(),
                "later".into(),
                &once,
                from,
                from + TimeDelta::hours(24),
                &mut STEP_BUDGET.clone()
            ),
            None
        );
    }
}
