//! `/executors`: which executors are alive, their last heartbeat and in-flight count.

use leptos::prelude::*;

use crate::components::error_note::ErrorNote;
use crate::components::time::{now, relative, LocalTime};
use crate::page_data::compact_page_data;
use crate::server_fns::executors::list_executors;
use crate::sync_hydration::IntoAnySync;
use crate::wire::ExecutorCard;

/// The executors page.
#[component]
pub fn Executors() -> impl IntoView {
    let executors = compact_page_data(|| (), |_| list_executors());
    view! {
        <h1 class="text-2xl font-semibold">"Executors"</h1>
        <p class="mt-1 text-sm text-slate-600">
            "Executors with a heartbeat in the last 30 seconds."
        </p>
        <Transition fallback=|| {
            view! { <p class="mt-6 text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match executors.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="mt-6 text-slate-500">
                                "No executor is running. Start one with `executor run`."
                            </p>
                        }
                            .into_any_sync()
                    }
                    Ok(list) => {
                        view! {
                            <table class="mt-4 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm">
                                <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                                    <tr>
                                        <th class="px-3 py-2">"Id"</th>
                                        <th class="px-3 py-2">"Host"</th>
                                        <th class="px-3 py-2">"Started"</th>
                                        <th class="px-3 py-2">"Last heartbeat"</th>
                                        <th class="px-3 py-2">"In flight"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|ExecutorCard(e)| {
                                            let seen = e.last_seen_at;
                                            view! {
                                                <tr class="executor border-t border-slate-100">
                                                    <td class="px-3 py-2 font-mono">{e.id}</td>
                                                    <td class="px-3 py-2">
                                                        {format!("{} (pid {})", e.host, e.pid)}
                                                    </td>
                                                    <td class="px-3 py-2">
                                                        <LocalTime at=e.started_at />
                                                    </td>
                                                    <td class="px-3 py-2">{move || relative(seen - now())}</td>
                                                    <td class="px-3 py-2">{e.in_flight}</td>
                                                </tr>
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
