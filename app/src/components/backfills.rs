//! A schedule's backfills on its page: pick a past range on your wall clock and a pace,
//! preview how many fires and when, start it; the latest backfills with their progress and
//! a cancel button while one runs.

use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::BackfillRequest;
#[cfg(feature = "ssr")]
use scheduleman::model::BackfillView;
use uuid::Uuid;

use super::error_note::ErrorNote;
use super::session::IfCan;
use super::time::viewer_instant;
#[cfg(feature = "ssr")]
use super::time::LocalTime;
use crate::components::bind::takes;
use crate::page_data::compact_page_data;
use crate::server_fns::backfills::{backfills_part, cancel_backfill, start_backfill};
use crate::server_html::ServerPart;
use crate::sync_hydration::IntoAnySync;

const FIELD: &str = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1 text-sm";
const BUTTON: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50";

/// The backfill form and list of schedule `id`. The list arrives rendered; a click on one of
/// its cancel buttons cancels the backfill the button names.
#[component]
pub fn Backfills(id: Uuid) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let listed = compact_page_data(move || refresh.get(), move |_| backfills_part(id));
    let cancel = Action::new(move |backfill_id: &Uuid| {
        let backfill_id = *backfill_id;
        async move { cancel_backfill(id, backfill_id).await }
    });
    Effect::new(move |_| {
        if cancel.value().get().is_some() {
            refresh.update(|n| *n += 1);
        }
    });
    let on_list_click = move |event: leptos::ev::MouseEvent| {
        if let Some(backfill_id) = cancel_button_target(&event) {
            cancel.dispatch(backfill_id);
        }
    };
    view! {
        <h2 class="mt-8 text-lg font-semibold">"Backfill"</h2>
        <IfCan role=Role::Operate>
            <BackfillForm id refresh />
        </IfCan>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match listed.await {
                    Ok(html) => {
                        view! {
                            <div on:click=on_list_click>
                                <ServerPart html=html />
                            </div>
                        }
                            .into_any_sync()
                    }
                    Err(error) => {
                        view! { <p class="mt-2 text-sm text-red-700">{error.to_string()}</p> }
                            .into_any_sync()
                    }
                }
            })}
        </Transition>
        {move || {
            cancel
                .value()
                .get()
                .and_then(Result::err)
                .map(|error| view! { <ErrorNote message=error.to_string() /> })
        }}
    }
}

/// The backfill a click on a cancel button of the list names (`data-backfill`).
fn cancel_button_target(event: &leptos::ev::MouseEvent) -> Option<Uuid> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let target = event
            .target()?
            .dyn_into::<leptos::web_sys::Element>()
            .ok()?;
        let button = target.closest("button.cancel-backfill").ok()??;
        button.get_attribute("data-backfill")?.parse().ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        None
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
        async move { start_backfill(id, request).await }
    });
    Effect::new(move |_| {
        if let Some(Ok((true, _))) = run.value().get() {
            refresh.update(|n| *n += 1);
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
                    prop:value=from
                    on:input=takes(from)
                />
            </label>
            <label class="block">
                "To"
                <input
                    id="backfill-to"
                    type="datetime-local"
                    step="1"
                    class=FIELD
                    prop:value=to
                    on:input=takes(to)
                />
            </label>
            <label class="block">
                "One fire every"
                <input id="backfill-pace" class=FIELD prop:value=pace on:input=takes(pace) />
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
                {move || {
                    run.value()
                        .get()
                        .map(|result| match result {
                            Ok((_, html)) => view! { <ServerPart html=html /> }.into_any_sync(),
                            Err(error) => {
                                view! {
                                    <p class="backfill-error text-red-700">{error.to_string()}</p>
                                }
                                    .into_any_sync()
                            }
                        })
                }}
            </div>
        </div>
    }
}

/// What a preview or a start makes, in words (rendered on the server).
#[cfg(feature = "ssr")]
#[component]
pub fn BackfillSummary(view: BackfillView) -> impl IntoView {
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
}

/// The latest backfills and their progress (rendered on the server), or a line saying there
/// are none; `operate` adds a cancel button to each running one.
#[cfg(feature = "ssr")]
#[component]
pub fn BackfillTable(items: Vec<BackfillView>, operate: bool) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="mt-2 text-sm text-slate-500">"No backfills yet."</p> }
            .into_any_sync();
    }
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
                                    {(running && operate)
                                        .then(|| {
                                            view! {
                                                <button
                                                    class="cancel-backfill text-sm text-red-700 hover:underline"
                                                    data-backfill=backfill_id.map(|id| id.to_string())
                                                >
                                                    "Cancel"
                                                </button>
                                            }
                                        })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any_sync()
}
