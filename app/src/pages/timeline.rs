//! The next 24 hours at a glance: one row per schedule with a mark per fire (a band for
//! schedules that fire too often to draw one by one), hours in the viewer's zone, fires that
//! daylight-saving time moved or doubled in amber, and the viewer's own clock changes marked.
//! Clicking a fire opens its schedule.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use scheduleman::timeline::{Timeline, TimelineRow};

use crate::components::error_note::ErrorNote;
use crate::components::page_link::PageLink;
use crate::components::time::{minutes_text, ViewerClock};
use crate::page_data::compact_page_data;
use crate::server_fns::timeline::get_timeline;
use crate::sync_hydration::IntoAnySync;

/// The strip's width in SVG units: one per minute of the window.
const WIDTH: i64 = 1440;
/// A row's height in SVG units.
const HEIGHT: i64 = 18;

/// The page.
#[component]
pub fn TimelinePage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.with(|q| q.get("page").and_then(|p| p.parse::<usize>().ok()));
    let timeline = compact_page_data(page, get_timeline);
    // The server draws in UTC; the browser redraws in its own zone.
    let viewer = RwSignal::new(ViewerClock::Utc);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| viewer.set(ViewerClock::browser()));
    view! {
        <h1 class="text-2xl font-semibold">"The next 24 hours"</h1>
        <p class="mt-1 text-sm text-slate-600">
            "Every fire due from now on, one row per schedule, in "
            <span id="viewer-zone">{move || viewer.with(|clock| clock.name().to_owned())}</span>
            " time. Amber marks: daylight-saving time moved or doubled the fire. Click a fire to open its schedule."
        </p>
        <Suspense fallback=|| {
            view! { <p class="mt-4 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match timeline.await {
                    Ok(timeline) => {
                        view! { <Chart timeline=timeline viewer=viewer /> }.into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Suspense>
    }
}

/// A position or a length on the strip in hundredths of its unit (a minute), written as SVG
/// reads it: "12.5", "1440". Whole numbers, so the page's code formats no floating point
/// (Rust's float formatting would be a tenth of the timeline's wasm; issue 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StripUnits(i64);

impl StripUnits {
    /// The position as a percentage of the strip's width, to a thousandth, for CSS `left`.
    fn percent_of_width(self) -> String {
        // hundredths of a minute × 100 % / 1,440 minutes, in thousandths of a percent.
        let thousandths = (self.0 * 1000 + WIDTH / 2) / WIDTH;
        format!("{}.{:03}%", thousandths / 1000, thousandths % 1000)
    }
}

impl std::fmt::Display for StripUnits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, hundredths) = (self.0 / 100, self.0 % 100);
        match hundredths {
            0 => write!(f, "{whole}"),
            h if h % 10 == 0 => write!(f, "{whole}.{}", h / 10),
            h => write!(f, "{whole}.{h:02}"),
        }
    }
}

/// Where `at` falls on the strip that starts at `from`, to a hundredth of a minute (the
/// strip is 1,440 units wide: finer digits only lengthen the page).
fn x_of(from: DateTime<Utc>, at: DateTime<Utc>) -> StripUnits {
    let seconds = (at - from).num_seconds().clamp(0, WIDTH * 60);
    // seconds × 100 / 60, rounded (never a tie: the remainder is a third or two).
    StripUnits((seconds * 100 + 30) / 60)
}

/// The hours of the viewer's clock to label (every 3 hours), and the instants in the
/// window where the viewer's clock changes.
fn hour_ticks(
    timeline: &Timeline,
    viewer: &ViewerClock,
) -> (Vec<DateTime<Utc>>, Vec<DateTime<Utc>>) {
    let mut ticks = Vec::new();
    let mut changes = Vec::new();
    let mut at = timeline.from.with_second(0).unwrap_or(timeline.from);
    at = at.with_minute(0).unwrap_or(at) + TimeDelta::hours(1);
    let mut offset = viewer.offset_at(at);
    while at < timeline.to {
        let reading = viewer.reading_at(at);
        if reading.minute() == 0 && reading.hour().is_multiple_of(3) {
            ticks.push(at);
        }
        let next = at + TimeDelta::minutes(15);
        let next_offset = viewer.offset_at(next);
        if next_offset != offset {
            changes.push(next);
            offset = next_offset;
        }
        at = next;
    }
    (ticks, changes)
}

#[component]
fn Chart(timeline: Timeline, viewer: RwSignal<ViewerClock>) -> impl IntoView {
    if timeline.rows.is_empty() {
        return view! {
            <p id="timeline-empty" class="mt-4 text-sm text-slate-500">
                {if timeline.page > 1 {
                    "Nothing more is due in the next 24 hours."
                } else {
                    "Nothing is due in the next 24 hours."
                }}
            </p>
        }
        .into_any_sync();
    }
    let truncated = timeline.truncated && timeline.next_page.is_none();
    let (page, next_page) = (timeline.page, timeline.next_page);
    let rows = timeline.rows.clone();
    let axis = timeline.clone();
    view! {
        <div class="mt-4 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
            <div class="grid grid-cols-[14rem_1fr] border-b border-slate-100 text-xs text-slate-500">
                <div class="px-3 py-2">"Schedule"</div>
                <div id="timeline-axis" class="relative h-8">
                    {move || {
                        let clock = viewer.get();
                        let (ticks, changes) = hour_ticks(&axis, &clock);
                        let percent = |at| {
                            format!("left: {}", x_of(axis.from, at).percent_of_width())
                        };
                        view! {
                            {ticks
                                .into_iter()
                                .map(|tick| {
                                    let label = minutes_text(clock.reading_at(tick));
                                    view! {
                                        <span
                                            class="tick absolute top-2 -translate-x-1/2"
                                            style=percent(tick)
                                        >
                                            {label}
                                        </span>
                                    }
                                })
                                .collect_view()}
                            {changes
                                .into_iter()
                                .map(|change| {
                                    view! {
                                        <span
                                            class="clock-change absolute top-0 h-8 border-l-2 border-amber-500"
                                            style=percent(change)
                                            title="Your clocks change here"
                                        ></span>
                                    }
                                })
                                .collect_view()}
                        }
                    }}
                </div>
            </div>
            {rows
                .into_iter()
                .map(|row| view! { <Row row=row from=timeline.from viewer=viewer /> })
                .collect_view()}
        </div>
        <p class="mt-2 flex gap-4 text-sm">
            {(page > 1)
                .then(|| {
                    view! {
                        <PageLink
                            id="timeline-previous"
                            href=format!("/timeline?page={}", page - 1)
                            label="← Sooner"
                        />
                    }
                })}
            {next_page
                .map(|next| {
                    view! {
                        <PageLink
                            id="timeline-next"
                            href=format!("/timeline?page={next}")
                            label="Later schedules →"
                        />
                    }
                })}
            {truncated
                .then(|| {
                    view! {
                        <span class="text-slate-500">
                            "More schedules are due than shown: the soonest 300 are drawn."
                        </span>
                    }
                })}
        </p>
    }
        .into_any_sync()
}

#[component]
fn Row(row: TimelineRow, from: DateTime<Utc>, viewer: RwSignal<ViewerClock>) -> impl IntoView {
    let href = format!("/schedules/{}", row.id);
    let marks = row
        .fires
        .into_iter()
        .map(|fire| {
            let x = x_of(from, fire.at).to_string();
            let class = if fire.dst.is_some() {
                "fire dst stroke-amber-500"
            } else {
                "fire stroke-indigo-600"
            };
            let title = move || {
                let when = viewer.with(|clock| clock.fire_text(fire.at));
                match &fire.dst {
                    Some(note) => format!("{when} — DST: {note}"),
                    None => when,
                }
            };
            view! {
                <line x1=x.clone() x2=x y1="2" y2=HEIGHT - 2 stroke-width="3" class=class>
                    <title>{title}</title>
                </line>
            }
        })
        .collect_view();
    let band = row.band.map(|band| {
        let (x1, x2) = (x_of(from, band.first), x_of(from, band.last));
        let label = format!(
            "{}{} fires",
            if band.capped { "at least " } else { "" },
            band.count
        );
        view! {
            <rect
                class="band fill-indigo-200"
                x=x1.to_string()
                y="4"
                width=StripUnits((x2.0 - x1.0).max(200)).to_string()
                height=HEIGHT - 8
            >
                <title>{label}</title>
            </rect>
        }
    });
    view! {
        <div
            class="timeline-row grid grid-cols-[14rem_1fr] border-b border-slate-100 last:border-0"
            data-name=row.name.clone()
        >
            <a href=href.clone() class="truncate px-3 py-1 text-sm text-indigo-700 hover:underline">
                {row.name.clone()}
            </a>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                preserveAspectRatio="none"
                class="h-5 w-full bg-slate-50"
            >
                // One link around the row's marks (every mark leads to the same page).
                <a href=href>{band}{marks}</a>
            </svg>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the strip's numbers read as, and where fires fall on it.
    #[test]
    fn strip_units_read_as_svg_and_css_read_them() {
        let from = DateTime::from_timestamp(1_764_547_200, 0).expect("an instant");
        let at = |seconds| from + TimeDelta::seconds(seconds);
        assert_eq!(x_of(from, at(0)).to_string(), "0");
        assert_eq!(x_of(from, at(90)).to_string(), "1.5");
        assert_eq!(x_of(from, at(61)).to_string(), "1.02");
        assert_eq!(x_of(from, at(20)).to_string(), "0.33");
        assert_eq!(x_of(from, at(40)).to_string(), "0.67");
        assert_eq!(x_of(from, at(86_400)).to_string(), "1440");
        assert_eq!(
            x_of(from, at(100_000)),
            x_of(from, at(86_400)),
            "clamped to the strip"
        );
        assert_eq!(x_of(from, at(-5)).to_string(), "0", "clamped to the strip");
        assert_eq!(x_of(from, at(0)).percent_of_width(), "0.000%");
        assert_eq!(x_of(from, at(43_200)).percent_of_width(), "50.000%");
        assert_eq!(x_of(from, at(3_600)).percent_of_width(), "4.167%");
        assert_eq!(x_of(from, at(86_400)).percent_of_width(), "100.000%");
    }
}
