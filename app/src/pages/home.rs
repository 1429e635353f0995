//! The home page: headline figures for the schedules and executors.

use leptos::prelude::*;

use crate::server_fns::overview::get_overview;

/// Shows the headline figures, with a button that reads them again.
#[component]
pub fn Home() -> impl IntoView {
    let refreshes = RwSignal::new(0u32);
    let overview = Resource::new(move || refreshes.get(), |_| get_overview());
    view! {
        <div class="flex items-center justify-between">
            <h1 class="text-2xl font-semibold">"Schedules"</h1>
            <button
                id="refresh"
                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
                on:click=move |_| refreshes.update(|n| *n += 1)
            >
                "Refresh"
            </button>
        </div>
        <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(figures) => {
                        view! {
                            <dl class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-5">
                                <Figure label="Active" value=figures.active />
                                <Figure label="Paused" value=figures.paused />
                                <Figure label="Completed" value=figures.completed />
                                <Figure label="Dead" value=figures.dead />
                                <Figure label="Executors alive" value=figures.executors_alive />
                            </dl>
                            <p id="as-of" class="mt-3 text-xs text-slate-500">
                                "As of " {figures.as_of.format("%H:%M:%S%.3f UTC").to_string()}
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <p class="mt-6 rounded-md bg-red-50 p-3 text-red-800">
                                {error.to_string()}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// One labelled figure.
#[component]
fn Figure(label: &'static str, value: i64) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <dt class="text-sm text-slate-500">{label}</dt>
            <dd class="mt-1 text-2xl font-semibold">{value}</dd>
        </div>
    }
}
