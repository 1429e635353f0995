//! The home page: headline figures, then every schedule with its next execution and last
//! outcome, filtered by state, searched by name, paged by name.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use scheduleman::access::Role;
use scheduleman::model::ScheduleState;
use scheduleman::overview::DUE_COUNT_CAP;
use scheduleman::page::NameCursor;
use scheduleman::punctuality::percent;

use crate::components::badges::{FiresLeft, LabelChips, OutcomeBadge, PauseNote, StateBadge};
use crate::components::bulk_actions::BulkActions;
use crate::components::error_note::ErrorNote;
use crate::components::session::IfCan;
use crate::components::time::{seconds_text, Countdown, LocalTime};
use crate::page_data::compact_page_data;
use crate::server_fns::overview::get_overview;
use crate::server_fns::schedules::{list_schedules, ListedSchedule, ScheduleRow};
use crate::sync_hydration::IntoAnySync;

const FILTERS: [(&str, &str); 6] = [
    ("all", "All"),
    ("active", "Active"),
    ("paused", "Paused"),
    ("completed", "Completed"),
    ("dead", "Dead"),
    ("failing", "Failing"),
];

/// The schedules page.
#[component]
pub fn Home() -> impl IntoView {
    let refreshes = RwSignal::new(0u32);
    // The first read may come from the server's few-seconds cache; Refresh reads afresh.
    let overview = compact_page_data(move || refreshes.get(), |n| get_overview(n > 0));
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let page = compact_page_data(
        move || {
            (
                param("state"),
                param("search"),
                param("selector"),
                param("after"),
                refreshes.get(),
            )
        },
        |(state, search, selector, after, _)| {
            list_schedules(
                if state.is_empty() {
                    "all".into()
                } else {
                    state
                },
                search,
                selector,
                NameCursor::decode(&after).ok(),
            )
        },
    );
    view! {
        <div class="flex items-center justify-between">
            <h1 class="text-2xl font-semibold">"Schedules"</h1>
            <div class="flex gap-2">
                <button
                    id="refresh"
                    class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50"
                    on:click=move |_| refreshes.update(|n| *n += 1)
                >
                    "Refresh"
                </button>
                <IfCan role=Role::Write>
                    <a
                        href="/schedules/new"
                        class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
                    >
                        "New schedule"
                    </a>
                </IfCan>
            </div>
        </div>
        <Transition fallback=|| {
            view! { <p class="mt-6 text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(figures) => {
                        view! {
                            <dl class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-5">
                                <Figure label="Active" value=figures.active />
                                <Figure
                                    label="Due in the next hour"
                                    value=figures.due_next_hour
                                    cap=DUE_COUNT_CAP
                                />
                                <Figure label="Failing" value=figures.failing />
                                <Figure label="Dead" value=figures.dead />
                                <Figure label="Executors alive" value=figures.executors_alive />
                            </dl>
                            <p id="as-of" class="mt-3 text-xs text-slate-500">
                                "As of "
                                {format!(
                                    "{}.{:03} UTC",
                                    seconds_text(figures.as_of),
                                    figures.as_of.timestamp_subsec_millis(),
                                )}
                            </p>
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
        <div class="mt-6 flex flex-wrap items-center justify-between gap-3">
            <nav class="flex gap-1" aria-label="Filter by state">
                {FILTERS
                    .map(|(value, label)| {
                        let selected = move || {
                            param("state").as_str() == value
                                || (value == "all" && param("state").is_empty())
                        };
                        view! {
                            <a
                                href=format!("/?state={value}")
                                class=move || {
                                    if selected() {
                                        "rounded-md bg-indigo-600 px-2.5 py-1 text-sm text-white"
                                    } else {
                                        "rounded-md px-2.5 py-1 text-sm text-slate-600 hover:bg-slate-100"
                                    }
                                }
                            >
                                {label}
                            </a>
                        }
                    })}
            </nav>
            <form method="get" action="/" class="flex gap-2">
                <input type="hidden" name="state" value=move || param("state") />
                <input
                    type="search"
                    name="search"
                    placeholder="Search by name"
                    value=move || param("search")
                    class="rounded-md border border-slate-300 px-3 py-1.5 text-sm"
                />
                <input
                    id="selector"
                    type="search"
                    name="selector"
                    placeholder="Labels: team=billing,env!=dev"
                    value=move || param("selector")
                    class="rounded-md border border-slate-300 px-3 py-1.5 font-mono text-sm"
                />
                <button
                    type="submit"
                    class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm"
                >
                    "Search"
                </button>
            </form>
        </div>
        {move || {
            let selector = param("selector");
            (!selector.trim().is_empty())
                .then(|| view! { <BulkActions selector=selector acted=refreshes /> })
        }}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.rows.is_empty() => {
                        view! {
                            <p class="mt-6 text-slate-500">
                                "No schedules here yet. "
                                <a href="/schedules/new" class="text-indigo-700 underline">
                                    "Create one"
                                </a>"."
                            </p>
                        }
                            .into_any_sync()
                    }
                    Ok(page) => {
                        let next = page
                            .next
                            .clone()
                            .map(|cursor| {
                                format!(
                                    "/?state={}&search={}&selector={}&after={}",
                                    param("state"),
                                    urlencode(&param("search")),
                                    urlencode(&param("selector")),
                                    cursor.encode(),
                                )
                            });
                        view! {
                            <table class="mt-4 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm">
                                <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                                    <tr>
                                        <th class="px-4 py-2">"Name"</th>
                                        <th class="px-4 py-2">"When"</th>
                                        <th class="px-4 py-2">"Next execution"</th>
                                        <th class="px-4 py-2">"Last outcome"</th>
                                        <th
                                            class="px-4 py-2"
                                            title="Fires that succeeded in the last 24 hours"
                                        >
                                            "Success 24 h"
                                        </th>
                                        <th class="px-4 py-2">"State"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .rows
                                        .into_iter()
                                        .map(|row| match row {
                                            ScheduleRow::Readable(schedule) => {
                                                view! { <Row schedule=schedule /> }.into_any_sync()
                                            }
                                            ScheduleRow::Unreadable { id, name, reason, state } => {
                                                view! {
                                                    <UnreadableRow id=id name=name reason=reason state=state />
                                                }
                                                    .into_any_sync()
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {next
                                .map(|href| {
                                    view! {
                                        <p class="mt-3 text-right">
                                            <a href=href class="text-sm text-indigo-700 underline">
                                                "Next page →"
                                            </a>
                                        </p>
                                    }
                                })}
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// One schedule's row.
#[component]
fn Row(schedule: ListedSchedule) -> impl IntoView {
    let day = schedule.day;
    let next = match (schedule.state, schedule.next_run_at) {
        (ScheduleState::Active, Some(at)) => {
            let title = schedule
                .next_in_zone
                .clone()
                .unwrap_or_else(|| crate::components::time::utc_text(at));
            view! {
                <div>
                    <LocalTime at=at title=title />
                </div>
                <Countdown at=at />
            }
            .into_any_sync()
        }
        _ => view! { <span class="text-slate-400">"—"</span> }.into_any_sync(),
    };
    view! {
        <tr
            class="schedule-row border-t border-slate-100 align-top"
            data-name=schedule.name.clone()
        >
            <td class="px-4 py-2 font-medium">
                <a
                    href=format!("/schedules/{}", schedule.id)
                    class="text-indigo-700 hover:underline"
                >
                    {schedule.name.clone()}
                </a>
                <LabelChips labels=schedule.labels.clone() />
            </td>
            <td class="px-4 py-2 text-slate-600">{schedule.description.clone()}</td>
            <td class="next-execution px-4 py-2">{next}</td>
            <td class="px-4 py-2">
                <OutcomeBadge outcome=schedule.last_outcome error=schedule.last_error.clone() />
            </td>
            <td class="success-day px-4 py-2 text-slate-600" title=format!("{} fires", day.fires)>
                {percent(day.success_rate())}
            </td>
            <td class="px-4 py-2">
                <StateBadge state=schedule.state />
                {(schedule.state == ScheduleState::Paused)
                    .then(|| {
                        view! {
                            <PauseNote
                                until=schedule.paused_until
                                by=schedule.paused_by.clone()
                                note=schedule.pause_note.clone()
                            />
                        }
                    })}
                <FiresLeft left=schedule.fires_left limit=schedule.max_fires />
            </td>
        </tr>
    }
}

/// A schedule whose stored definition cannot be read: shown with why, and opened like any
/// other (its page offers edit and delete).
#[component]
fn UnreadableRow(
    id: uuid::Uuid,
    name: String,
    reason: String,
    state: ScheduleState,
) -> impl IntoView {
    view! {
        <tr
            class="schedule-row unreadable border-t border-slate-100 align-top"
            data-name=name.clone()
        >
            <td class="px-4 py-2 font-medium">
                <a href=format!("/schedules/{id}") class="text-indigo-700 hover:underline">
                    {name.clone()}
                </a>
            </td>
            <td class="px-4 py-2 text-red-700" colspan="4">
                {format!("unreadable: {reason}")}
            </td>
            <td class="px-4 py-2">
                <StateBadge state=state />
            </td>
        </tr>
    }
}

/// One labelled figure.
#[component]
fn Figure(
    label: &'static str,
    value: i64,
    /// A count stopped at this many reads "N+".
    #[prop(optional)]
    cap: Option<i64>,
) -> impl IntoView {
    let figure = move |value: i64| match cap {
        Some(cap) if value >= cap => format!("{cap}+"),
        _ => value.to_string(),
    };
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <dt class="text-sm text-slate-500">{label}</dt>
            <dd class="mt-1 text-2xl font-semibold">{figure(value)}</dd>
        </div>
    }
}
