//! `/audit`: the audit log (admin): every change, who made it and what it changed, newest
//! first, filtered by who and by action, a page at a time.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::changes::ChangeTable;
use crate::components::error_note::ErrorNote;
use crate::page_data::compact_page_data;
use crate::server_fns::access::list_audit;
use crate::sync_hydration::IntoAnySync;

const INPUT: &str = "mt-1 block rounded-md border border-slate-300 px-3 py-1.5 text-sm";

/// The audit page; the filters and the page are in the query string (`actor`, `action`,
/// `before`), so a view can be linked to.
#[component]
pub fn Audit() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let entries = compact_page_data(
        move || {
            (
                param("actor"),
                param("action"),
                param("before").parse::<i64>().ok(),
            )
        },
        |(actor, action, before)| list_audit(actor, action, before),
    );
    view! {
        <h1 class="text-2xl font-semibold">"Audit log"</h1>
        <p class="mt-1 text-sm text-slate-600">
            "Every change, sign-in and failed sign-in: who, when, and each field before and after. Header values and bodies are never shown."
        </p>
        <form method="get" action="/audit" class="mt-4 flex flex-wrap items-end gap-3">
            <label class="text-sm font-medium">
                "Who" <input name="actor" class=INPUT placeholder="key name" value=param("actor") />
            </label>
            <label class="text-sm font-medium">
                "Action"
                <input
                    name="action"
                    class=INPUT
                    placeholder="schedule. or key.revoke"
                    value=param("action")
                />
            </label>
            <button
                type="submit"
                class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50"
            >
                "Filter"
            </button>
        </form>
        <Transition fallback=|| {
            view! { <p class="mt-6 text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok((items, _)) if items.is_empty() => {
                        view! { <p class="mt-6 text-slate-500">"Nothing recorded matches."</p> }
                            .into_any_sync()
                    }
                    Ok((items, next)) => {
                        let older = next
                            .map(|before| {
                                let href = format!(
                                    "/audit?actor={}&action={}&before={before}",
                                    encode(&param("actor")),
                                    encode(&param("action")),
                                );
                                view! {
                                    <a
                                        id="older"
                                        href=href
                                        class="mt-3 inline-block text-sm text-indigo-700 underline"
                                    >
                                        "Older entries"
                                    </a>
                                }
                            });
                        view! {
                            <ChangeTable entries=items subject=true />
                            {older}
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
