//! A list of upcoming fires in the schedule's zone and the viewer's, each with its
//! daylight-saving note when DST shifted or doubled it (the form and the detail page); and
//! the next fires of a schedule as its page shows them, read in its zone on the server.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use leptos::prelude::*;
use scheduleman::decision::fires_if_revived;
use scheduleman::model::{ScheduleState, ScheduleView};
use scheduleman::schedule::Fire;
use serde::{Deserialize, Serialize};

use crate::components::time::{in_zone, LocalTime};

/// A fire as a list shows it: its instant, its reading in the schedule's zone and its DST
/// note in words. Written on the server, which has the zone's tables, so the browser code of
/// the pages that show fires (one schedule's page, the form, the import) carries none (issue
/// 21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FireReading {
    /// When it fires (milliseconds since the epoch on the wire).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// That instant in the schedule's zone: "2026-12-01 09:00:00 CET".
    pub in_zone: String,
    /// Why DST moved or doubled it, in words.
    pub dst_note: Option<String>,
}

impl FireReading {
    /// `fire` read in `zone`, the schedule's zone.
    pub fn read(fire: &Fire, zone: Tz) -> Self {
        Self {
            at: fire.at,
            in_zone: in_zone(fire.at, zone.name()),
            dst_note: fire.dst.map(|note| note.explain(zone, fire.at)),
        }
    }
}

/// A schedule's next fires as its page shows them: why it does not fire when it does not
/// (paused, dead), and when it would (rendered on the server with the rest of its summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    /// Why these fires are not due (a paused or dead schedule), when they are not.
    pub not_firing: Option<String>,
    /// The fires, first first.
    pub fires: Vec<FireReading>,
    /// An active schedule's next run read in its zone (the title of its time).
    pub next_in_zone: Option<String>,
}

impl Upcoming {
    /// The next `count` fires of `schedule` after `now`: an active schedule's, or those a
    /// paused or dead one would make if it were brought back now; none for the others.
    pub fn of(schedule: &ScheduleView, now: DateTime<Utc>, count: usize) -> Self {
        let zone: Tz = schedule.schedule.zone().parse().unwrap_or(Tz::UTC);
        let compiled = schedule.compile().ok();
        let (not_firing, fires) = match (schedule.state, &compiled) {
            (ScheduleState::Active, Some(s)) => (None, s.upcoming_fires(now, count)),
            (ScheduleState::Dead, Some(s)) => (
                Some("Dead-lettered: it does not fire until it is re-armed or edited. Re-armed now, it would fire at:"),
                fires_if_revived(s, now, count),
            ),
            (ScheduleState::Paused, Some(s)) => (
                Some("Paused: it does not fire until it is resumed. Resumed now, it would fire at:"),
                fires_if_revived(s, now, count),
            ),
            _ => (None, Vec::new()),
        };
        Self {
            not_firing: not_firing.map(str::to_owned),
            fires: fires
                .iter()
                .map(|fire| FireReading::read(fire, zone))
                .collect(),
            next_in_zone: schedule
                .next_run_at
                .filter(|_| schedule.state == ScheduleState::Active)
                .map(|at| in_zone(at, schedule.schedule.zone())),
        }
    }
}

/// The fires as an ordered list.
#[component]
pub fn FireList(fires: Vec<FireReading>) -> impl IntoView {
    view! {
        <ol class="mt-2 space-y-0.5 text-sm text-slate-700">
            {fires
                .into_iter()
                .map(|fire| {
                    view! {
                        <li class="next-fire">
                            {fire.in_zone} " · " <LocalTime at=fire.at />
                            {fire
                                .dst_note
                                .map(|note| {
                                    view! {
                                        <span class="dst-note ml-2 rounded bg-amber-50 px-1.5 text-amber-800">
                                            "DST: " {note}
                                        </span>
                                    }
                                })}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
