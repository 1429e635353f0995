//! A schedule's backfills on its page: pick a past range on your wall clock and a pace,
//! preview how many fires and when, start it; the latest backfills with their progress and
//! a cancel button while one runs.

use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::{BackfillRequest, BackfillView};
use uuid::Uuid;

use super::session::{can, IfCan};
use super::time::{viewer_instant, LocalTime};
use crate::error::AppError;
use crate::page_data::compact_page_data;
use crate::server_fns::backfills::{cancel_backfill, list_backfills, start_backfill};
use crate::sync_hydration::IntoAnySync;
use crate::wire::BackfillCard;

const FIELD: &str = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1 text-sm";
const BUTTON: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50";

/// The backfill form and list of schedule `id`.
#[component]
pub fn Backfills(id: Uuid) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let listed = compact_page_data(move || refresh.get(), move |_| list_backfills(id));
    let cancel = Action::new(move |backfill_id: &Uuid| {
        let backfill_id = *backfill_id;
        async move {
            cancel_backfill(id, backfill_id)
                .await
                .map(|BackfillCard(view)| view)
        }
    });
    Effect::new(move |_| {
        if cancel.value().get().is_some() {
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <h2 class="mt-8 text-lg font-semibold">"Backfill"</h2>
        <IfCan role=Role::Operate>
            <BackfillForm id refresh />
        </IfCan>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match listed.await {
                    Ok(items) if items.is_empty() => {
                        view! { <p class="mt-2 text-sm text-slate-500">"No backfills yet."</p> }
                            .into_any_sync()
                    }
                    Ok(items) => {
                        let items = items.into_iter().map(|BackfillCard(view)| view).collect();
                        view! { <BackfillTable items cancel /> }.into_any_sync()
                    }
                    Err(error) => {
                        view! { <p class="mt-2 text-sm text-red-700">{error.to_string()}</p> }
                            .into_any_sync()
                    }
                }
            })}
        </Transition>
    }
}

/// The range, the pace, a preview and the start button.
#[component]
fn BackfillForm(id: Uuid, refresh: RwSignal<u32>) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let pace = RwSignal::new("1s".to_owned());
    let problem = RwSignal::new(None::<String>);
    let run = Action::new(move |request: &BackfillRequest| {
        let request = request.clone();
        async move {
            start_backfill(id, request)
                .await
                .map(|BackfillCard(view)| view)
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(view)) = run.value().get() {
            if view.id.is_some() {
                refresh.update(|n| *n += 1);
            }
        }
    });
    let send = move |dry_run: bool| {
        let range =
            viewer_instant(&from.get()).and_then(|from| Ok((from, viewer_instant(&to.get())?)));
        match range {
            Ok((Some(from), Some(to))) => {
                problem.set(None);
                run.dispatch(BackfillRequest {
                    from,
                    to,
                    pace: Some(pace.get()),
                    dry_run,
                });
            }
            Ok(_) => problem.set(Some("Pick both ends of the range.".into())),
            Err(reason) => problem.set(Some(reason)),
        }
    };
    view! {
        <div
            id="backfill-form"
            class="mt-2 grid gap-3 rounded-md border border-slate-200 bg-white p-3 text-sm sm:grid-cols-4"
        >
            <label class="block">
                "From (your time)"
                <input
                    id="backfill-from"
                    type="datetime-local"
                    step="1"
                    class=FIELD
                    prop:value=move || from.get()
                    on:input=move |e| from.set(event_target_value(&e))
                />
            </label>
            <label class="block">
                "To"
                <input
                    id="backfill-to"
                    type="datetime-local"
                    step="1"
                    class=FIELD
                    prop:value=move || to.get()
                    on:input=move |e| to.set(event_target_value(&e))
                />
            </label>
            <label class="block">
                "One fire every"
                <input
                    id="backfill-pace"
                    class=FIELD
                    prop:value=move || pace.get()
                    on:input=move |e| pace.set(event_target_value(&e))
                />
            </label>
            <div class="flex items-end gap-2">
                <button id="backfill-preview" class=BUTTON on:click=move |_| send(true)>
                    "Preview"
                </button>
                <button id="backfill-start" class=BUTTON on:click=move |_| send(false)>
                    "Start"
                </button>
            </div>
            <div id="backfill-result" class="sm:col-span-4">
                {move || problem.get().map(|p| view! { <p class="text-red-700">{p}</p> })}
                {move || run.value().get().map(|result| view! { <BackfillResult result /> })}
            </div>
        </div>
    }
}

/// What a preview or a start answered.
#[component]
fn BackfillResult(result: Result<BackfillView, AppError>) -> impl IntoView {
    match result {
        Ok(view) => {
            let (first, last) = (view.fires.first().copied(), view.fires.last().copied());
            let verb = if view.id.is_some() {
                "Started: "
            } else {
                "Would make "
            };
            view! {
                <p class="backfill-summary text-slate-700">
                    {format!("{verb}{} fires, one every {} ms", view.total, view.pace_ms)}
                    {first
                        .map(|at| {
                            view! {
                                ", from "
                                <LocalTime at=at />
                            }
                        })}
                    {last
                        .map(|at| {
                            view! {
                                " to "
                                <LocalTime at=at />
                            }
                        })}
                </p>
            }
            .into_any_sync()
        }
        Err(error) => {
            view! { <p class="backfill-error text-red-700">{error.to_string()}</p> }.into_any_sync()
        }
    }
}

/// The latest backfills and their progress.
#[component]
fn BackfillTable(
    items: Vec<BackfillView>,
    cancel: Action<Uuid, Result<BackfillView, AppError>>,
) -> impl IntoView {
    let operate = can(Role::Operate);
    view! {
        <table
            id="backfills"
            class="mt-2 w-full rounded-lg border border-slate-200 bg-white text-left text-sm"
        >
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"From"</th>
                    <th class="px-3 py-2">"To"</th>
                    <th class="px-3 py-2">"State"</th>
                    <th class="px-3 py-2">"Progress"</th>
                    <th class="px-3 py-2">"By"</th>
                    <th class="px-3 py-2">""</th>
                </tr>
            </thead>
            <tbody>
                {items
                    .into_iter()
                    .map(|backfill| {
                        let running = backfill.state == "running";
                        let backfill_id = backfill.id;
                        view! {
                            <tr
                                class="backfill-row border-t border-slate-100"
                                data-state=backfill.state.clone()
                            >
                                <td class="px-3 py-1.5">
                                    <LocalTime at=backfill.from />
                                </td>
                                <td class="px-3 py-1.5">
                                    <LocalTime at=backfill.to />
                                </td>
                                <td class="px-3 py-1.5">{backfill.state.clone()}</td>
                                <td class="progress px-3 py-1.5">
                                    {format!(
                                        "{} of {} delivered, {} failed, {} cancelled",
                                        backfill.delivered,
                                        backfill.total,
                                        backfill.failed,
                                        backfill.cancelled,
                                    )}
                                </td>
                                <td class="px-3 py-1.5">{backfill.created_by.clone()}</td>
                                <td class="px-3 py-1.5">
                                    <Show when=move || running && operate.get()>
                                        <button
                                            class="cancel-backfill text-sm text-red-700 hover:underline"
                                            on:click=move |_| {
                                                if let Some(backfill_id) = backfill_id {
                                                    cancel.dispatch(backfill_id);
                                                }
                                            }
                                        >
                                            "Cancel"
                                        </button>
                                    </Show>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
