//! `/dead-letters`: every dead schedule, why it died, and re-arming one or many.

use leptos::prelude::*;
use scheduleman::model::ScheduleView;
use uuid::Uuid;

use crate::components::error_note::ErrorNote;
use crate::components::time::LocalTime;
use crate::server_fns::schedules::{list_dead_letters, RearmSchedules};

/// The dead-letter page.
#[component]
pub fn DeadLetters() -> impl IntoView {
    let rearm = ServerAction::<RearmSchedules>::new();
    let dead = Resource::new(move || rearm.version().get(), |_| list_dead_letters());
    let selected = RwSignal::new(Vec::<Uuid>::new());
    view! {
        <div class="flex items-center justify-between">
            <h1 class="text-2xl font-semibold">"Dead letters"</h1>
            <button
                id="rearm-selected"
                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50"
                disabled=move || selected.with(Vec::is_empty)
                on:click=move |_| {
                    rearm
                        .dispatch(RearmSchedules {
                            ids: selected.get(),
                        });
                    selected.set(Vec::new());
                }
            >
                "Re-arm selected"
            </button>
        </div>
        <p class="mt-1 text-sm text-slate-600">
            "Schedules whose fire failed every allowed attempt. Re-arming makes them active again with a fresh next run."
        </p>
        {move || {
            rearm
                .value()
                .get()
                .map(|result| match result {
                    Ok(count) => {
                        view! {
                            <p
                                id="rearmed"
                                class="mt-3 rounded-md bg-emerald-50 p-2 text-sm text-emerald-800"
                            >
                                {format!("Re-armed {count} schedule(s).")}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <p class="mt-3 rounded-md bg-red-50 p-2 text-sm text-red-800">
                                {error.to_string()}
                            </p>
                        }
                            .into_any()
                    }
                })
        }}
        <Transition fallback=|| {
            view! { <p class="mt-6 text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match dead.await {
                    Ok(items) if items.is_empty() => {
                        view! {
                            <p id="no-dead" class="mt-6 text-slate-500">
                                "Nothing is dead. Good."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(items) => {
                        view! {
                            <table class="mt-4 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm">
                                <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                                    <tr>
                                        <th class="px-3 py-2"></th>
                                        <th class="px-3 py-2">"Name"</th>
                                        <th class="px-3 py-2">"Why"</th>
                                        <th class="px-3 py-2">"Attempts"</th>
                                        <th class="px-3 py-2">"Died"</th>
                                        <th class="px-3 py-2"></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {items
                                        .into_iter()
                                        .map(|s| {
                                            view! {
                                                <DeadRow schedule=s selected=selected rearm=rearm />
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeadRow(
    schedule: ScheduleView,
    selected: RwSignal<Vec<Uuid>>,
    rearm: ServerAction<RearmSchedules>,
) -> impl IntoView {
    let id = schedule.id;
    view! {
        <tr class="dead-row border-t border-slate-100 align-top" data-name=schedule.name.clone()>
            <td class="px-3 py-2">
                <input
                    type="checkbox"
                    aria-label="select"
                    on:change=move |e| {
                        let on = event_target_checked(&e);
                        selected
                            .update(|ids| if on { ids.push(id) } else { ids.retain(|x| *x != id) });
                    }
                />
            </td>
            <td class="px-3 py-2 font-medium">
                <a href=format!("/schedules/{id}") class="text-indigo-700 hover:underline">
                    {schedule.name.clone()}
                </a>
            </td>
            <td class="reason px-3 py-2 text-red-700">
                {schedule.last_error.clone().unwrap_or_default()}
            </td>
            <td class="px-3 py-2">{schedule.attempt}</td>
            <td class="px-3 py-2">{schedule.dead_at.map(|at| view! { <LocalTime at=at /> })}</td>
            <td class="px-3 py-2">
                <button
                    class="rearm rounded-md border border-slate-300 px-2 py-1 text-xs"
                    on:click=move |_| {
                        rearm.dispatch(RearmSchedules { ids: vec![id] });
                    }
                >
                    "Re-arm"
                </button>
            </td>
        </tr>
    }
}
