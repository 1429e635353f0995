//! `/keys`: API keys (admin): create one with a name, a role and an optional expiry (shown
//! once), see each key's role and last use, revoke one.

use chrono::{TimeDelta, Utc};
use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::{ApiKeyView, KeyRequest};

use crate::components::bind::{is_chosen, takes};
use crate::components::error_note::ErrorNote;
use crate::components::time::LocalTime;
use crate::page_data::compact_page_data;
use crate::server_fns::access::{list_keys, CreateKey, RevokeKey};
use crate::sync_hydration::IntoAnySync;
use crate::wire::{CreatedKeyCard, KeyCard};

const INPUT: &str = "mt-1 rounded-md border border-slate-300 px-3 py-1.5 text-sm";

/// The keys page.
#[component]
pub fn Keys() -> impl IntoView {
    let create = ServerAction::<CreateKey>::new();
    let revoke = ServerAction::<RevokeKey>::new();
    let keys = compact_page_data(
        move || (create.version().get(), revoke.version().get()),
        |_| list_keys(),
    );
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Read);
    let expires_days = RwSignal::new(0_i64);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let days = expires_days.get();
        create.dispatch(CreateKey {
            request: KeyRequest {
                name: name.get(),
                role: role.get(),
                expires_at: (days > 0).then(|| Utc::now() + TimeDelta::days(days)),
            },
        });
    };
    view! {
        <h1 class="text-2xl font-semibold">"API keys"</h1>
        <p class="mt-1 text-sm text-slate-600">
            "Each key has a role: read sees everything but secrets; operate also pauses, resumes, triggers and re-arms; "
            "write also creates, edits, deletes, imports and rotates secrets; admin also manages keys, alerts and reads the audit log. "
            "Send a key as Authorization: Bearer <key>, or sign in to this UI with it."
        </p>
        <form
            id="new-key"
            class="mt-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
            on:submit=submit
        >
            <label class="text-sm font-medium">
                "Name"
                <input
                    id="key-name"
                    class=format!("{INPUT} block w-64")
                    placeholder="deploy pipeline"
                    prop:value=name
                    on:input=takes(name)
                />
            </label>
            <label class="text-sm font-medium">
                "Role"
                <select
                    id="key-role"
                    class=format!("{INPUT} block")
                    on:change=move |e| {
                        if let Ok(parsed) = event_target_value(&e).parse() {
                            role.set(parsed);
                        }
                    }
                >
                    {Role::ALL
                        .into_iter()
                        .map(|r| {
                            view! {
                                <option value=r.as_str() selected=is_chosen(role, r)>
                                    {r.as_str()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="text-sm font-medium">
                "Expires"
                <select
                    id="key-expiry"
                    class=format!("{INPUT} block")
                    on:change=move |e| {
                        expires_days.set(event_target_value(&e).parse().unwrap_or(0));
                    }
                >
                    <option value="0">"never"</option>
                    <option value="7">"in 7 days"</option>
                    <option value="30">"in 30 days"</option>
                    <option value="90">"in 90 days"</option>
                    <option value="365">"in a year"</option>
                </select>
            </label>
            <button
                id="create-key"
                type="submit"
                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
            >
                "Create key"
            </button>
        </form>
        {move || {
            create
                .value()
                .get()
                .map(|result| match result {
                    Ok(CreatedKeyCard(created)) => {
                        view! {
                            <div
                                id="new-key-shown"
                                class="mt-4 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm"
                            >
                                <p class="font-medium text-amber-900">
                                    {format!(
                                        "Key for {} ({}): copy it now, it is not shown again",
                                        created.view.name,
                                        created.view.role.as_str(),
                                    )}
                                </p>
                                <code class="secret mt-2 block break-all rounded bg-white p-2 font-mono">
                                    {created.key}
                                </code>
                            </div>
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                })
        }}
        {move || {
            revoke
                .value()
                .get()
                .and_then(Result::err)
                .map(|error| view! { <ErrorNote message=error.to_string() /> })
        }}
        <Transition fallback=|| {
            view! { <p class="mt-6 text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="mt-6 text-slate-500">
                                "No keys yet: the server's token is the only way in."
                            </p>
                        }
                            .into_any_sync()
                    }
                    Ok(list) => {
                        let keys = list.into_iter().map(|KeyCard(key)| key).collect();
                        view! { <KeyTable keys revoke=revoke /> }.into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyView>, revoke: ServerAction<RevokeKey>) -> impl IntoView {
    view! {
        <table class="mt-4 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"Name"</th>
                    <th class="px-3 py-2">"Role"</th>
                    <th class="px-3 py-2">"Key"</th>
                    <th class="px-3 py-2">"Created"</th>
                    <th class="px-3 py-2">"Last used"</th>
                    <th class="px-3 py-2">"Expires"</th>
                    <th class="px-3 py-2"></th>
                </tr>
            </thead>
            <tbody>
                {keys
                    .into_iter()
                    .map(|key| {
                        let id = key.id;
                        let status = match key.revoked_at {
                            Some(at) => {
                                view! {
                                    <span class="text-slate-500">
                                        "revoked " <LocalTime at=at />
                                    </span>
                                }
                                    .into_any_sync()
                            }
                            None => {
                                view! {
                                    <button
                                        class="revoke rounded-md border border-red-300 px-2 py-1 text-xs text-red-700"
                                        on:click=move |_| {
                                            revoke.dispatch(RevokeKey { id });
                                        }
                                    >
                                        "Revoke"
                                    </button>
                                }
                                    .into_any_sync()
                            }
                        };
                        view! {
                            <tr
                                class="key-row border-t border-slate-100"
                                data-name=key.name.clone()
                            >
                                <td class="px-3 py-2 font-medium">{key.name.clone()}</td>
                                <td class="role px-3 py-2">{key.role.as_str()}</td>
                                <td class="px-3 py-2 font-mono">{format!("{}…", key.prefix)}</td>
                                <td class="px-3 py-2">
                                    <LocalTime at=key.created_at />
                                </td>
                                <td class="px-3 py-2">
                                    {key
                                        .last_used_at
                                        .map(|at| view! { <LocalTime at=at /> }.into_any_sync())
                                        .unwrap_or_else(|| "never".into_any_sync())}
                                </td>
                                <td class="px-3 py-2">
                                    {key
                                        .expires_at
                                        .map(|at| view! { <LocalTime at=at /> }.into_any_sync())
                                        .unwrap_or_else(|| "never".into_any_sync())}
                                </td>
                                <td class="px-3 py-2">{status}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
