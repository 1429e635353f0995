//! `/dead-letters`: the dead schedules, a page at a time (most recently dead first; the
//! cursor is `?after=`), why each died, and re-arming one or many; one that cannot be read
//! is listed with why, to edit or delete.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use scheduleman::access::Role;
use scheduleman::model::DeadLetter;
use uuid::Uuid;

use crate::components::error_note::ErrorNote;
use crate::components::page_link::PageLink;
use crate::components::session::{allowed, IfCan};
use crate::components::time::LocalTime;
use crate::page_data::compact_page_data;
use crate::server_fns::schedules::{list_dead_letters, RearmSchedules};
use crate::sync_hydration::IntoAnySync;

/// The dead-letter page.
#[component]
pub fn DeadLetters() -> impl IntoView {
    let rearm = ServerAction::<RearmSchedules>::new();
    let query = use_query_map();
    let after = move || query.with(|q| q.get("after"));
    let dead = compact_page_data(
        move || (rearm.version().get(), after()),
        |(_, after)| list_dead_letters(after),
    );
    let selected = RwSignal::new(Vec::<Uuid>::new());
    view! {
        <div class="flex items-center justify-between">
            <h1 class="text-2xl font-semibold">"Dead letters"</h1>
            <IfCan role=Role::Operate>
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
            </IfCan>
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
                            .into_any_sync()
                    }
                    Err(error) => {
                        view! {
                            <p class="mt-3 rounded-md bg-red-50 p-2 text-sm text-red-800">
                                {error.to_string()}
                            </p>
                        }
                            .into_any_sync()
                    }
                })
        }}
        <Transition fallback=|| {
            view! { <p class="mt-6 text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                let may = Permissions {
                    rearm: allowed(Role::Operate).await,
                    edit: allowed(Role::Write).await,
                };
                match dead.await {
                    Ok((items, _)) if items.is_empty() && after().is_none() => {
                        view! {
                            <p id="no-dead" class="mt-6 text-slate-500">
                                "Nothing is dead. Good."
                            </p>
                        }
                            .into_any_sync()
                    }
                    Ok((items, next)) => {
                        view! {
                            <PageLinks first=after().is_some() next=next />
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
                                        .map(|entry| {
                                            view! {
                                                <DeadRow
                                                    entry=entry
                                                    may=may
                                                    selected=selected
                                                    rearm=rearm
                                                />
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

/// Links to the newest dead letters (when this page is not the first) and to the next,
/// older page (when there is one): plain links, so paging works without JavaScript.
#[component]
fn PageLinks(first: bool, next: Option<String>) -> impl IntoView {
    view! {
        <p class="mt-3 flex gap-4 text-sm">
            {first
                .then(|| {
                    view! {
                        <PageLink id="dead-newest" href="/dead-letters" label="← Most recent" />
                    }
                })}
            {next
                .map(|cursor| {
                    view! {
                        <PageLink
                            id="dead-older"
                            href=format!("/dead-letters?after={cursor}")
                            label="Older dead letters →"
                        />
                    }
                })}
        </p>
    }
}

/// What the person using the page may do to a row, decided once for the page.
#[derive(Debug, Clone, Copy)]
struct Permissions {
    rearm: bool,
    edit: bool,
}

/// One dead schedule: re-armed from here, or (when its stored definition cannot be read,
/// so re-arming cannot give it a next run) mended by the edit this row offers.
#[component]
fn DeadRow(
    entry: DeadLetter,
    may: Permissions,
    selected: RwSignal<Vec<Uuid>>,
    rearm: ServerAction<RearmSchedules>,
) -> impl IntoView {
    let DeadLetter {
        id,
        name,
        readable,
        reason,
        attempts,
        dead_at,
    } = entry;
    let link_text = name.clone();
    let select = readable.then(|| {
        view! {
            <input
                type="checkbox"
                aria-label="select"
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    selected.update(|ids| if on { ids.push(id) } else { ids.retain(|x| *x != id) });
                }
            />
        }
    });
    let action = if readable {
        may.rearm
            .then(|| {
                view! {
                    <button
                        class="rearm rounded-md border border-slate-300 px-2 py-1 text-xs"
                        on:click=move |_| {
                            rearm.dispatch(RearmSchedules { ids: vec![id] });
                        }
                    >
                        "Re-arm"
                    </button>
                }
            })
            .into_any_sync()
    } else {
        may.edit
            .then(|| {
                view! {
                    <a
                        href=format!("/schedules/{id}/edit")
                        class="rounded-md border border-slate-300 px-2 py-1 text-xs"
                    >
                        "Edit"
                    </a>
                }
            })
            .into_any_sync()
    };
    view! {
        <tr
            class="dead-row border-t border-slate-100 align-top"
            class:unreadable=!readable
            data-name=name
        >
            <td class="px-3 py-2">{select}</td>
            <td class="px-3 py-2 font-medium">
                <a href=format!("/schedules/{id}") class="text-indigo-700 hover:underline">
                    {link_text}
                </a>
            </td>
            <td class="reason px-3 py-2 text-red-700">{reason.unwrap_or_default()}</td>
            <td class="px-3 py-2">{attempts}</td>
            <td class="px-3 py-2">{dead_at.map(|at| view! { <LocalTime at=at /> })}</td>
            <td class="px-3 py-2">{action}</td>
        </tr>
    }
}
