//! A list of upcoming fires in the schedule's zone and the viewer's, each with its
//! daylight-saving note when DST shifted or doubled it (the form and the detail page).

use chrono_tz::Tz;
use leptos::prelude::*;
use scheduleman::schedule::Fire;

use crate::components::time::{in_zone, LocalTime};

/// The fires as an ordered list; `zone` is the schedule's zone (cron or Run At).
#[component]
pub fn FireList(fires: Vec<Fire>, zone: Tz) -> impl IntoView {
    view! {
        <ol class="mt-2 space-y-0.5 text-sm text-slate-700">
            {fires
                .into_iter()
                .map(|fire| {
                    let note = fire.dst.map(|note| note.explain(zone, fire.at));
                    view! {
                        <li class="next-fire">
                            {in_zone(fire.at, zone.name())} " · " <LocalTime at=fire.at />
                            {note
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
