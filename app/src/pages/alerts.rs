//! `/alerts`: the channels alerts go to (admins add, test and remove them), the open
//! incidents, the recently resolved ones, and the recent deliveries with their outcome.

use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::{
    ChannelFormat, ChannelRequest, ChannelView, DeliveryStatus, DeliveryView,
};

use crate::components::bind::{takes, ticks};
use crate::components::error_note::ErrorNote;
use crate::components::incidents::IncidentTable;
use crate::components::session::IfCan;
use crate::components::time::LocalTime;
use crate::page_data::compact_page_data;
use crate::server_fns::alerts::{
    list_channels, list_deliveries, list_incidents, CreateChannel, DeleteChannel, TestChannel,
};
use crate::sync_hydration::IntoAnySync;
use crate::wire::{ChannelCard, CreatedChannelCard, DeliveryCard, IncidentCard};

const INPUT: &str = "mt-1 block rounded-md border border-slate-300 px-3 py-1.5 text-sm";
const BUTTON: &str =
    "rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium hover:bg-slate-50";

/// The alerts page.
#[component]
pub fn Alerts() -> impl IntoView {
    let create = ServerAction::<CreateChannel>::new();
    let remove = ServerAction::<DeleteChannel>::new();
    let test = ServerAction::<TestChannel>::new();
    let channels = compact_page_data(
        move || (create.version().get(), remove.version().get()),
        |_| list_channels(),
    );
    let open = compact_page_data(|| (), |_| list_incidents(Some(true), None));
    let resolved = compact_page_data(|| (), |_| list_incidents(Some(false), None));
    let deliveries = compact_page_data(move || test.version().get(), |_| list_deliveries());
    view! {
        <h1 class="text-2xl font-semibold">"Alerts"</h1>
        <p class="mt-1 text-sm text-slate-600">
            "The server watches for dead schedules, dead fires, failing schedules, overdue fires and missing executors, "
            "opens an incident once, and tells every channel; it tells them again when the incident is resolved."
        </p>

        <h2 class="mt-8 text-lg font-semibold">"Open incidents"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match open.await {
                    Ok(items) if items.is_empty() => {
                        view! {
                            <p id="no-incidents" class="mt-2 text-sm text-slate-500">
                                "Nothing is wrong."
                            </p>
                        }
                            .into_any_sync()
                    }
                    Ok(items) => {
                        let incidents = items.into_iter().map(|IncidentCard(item)| item).collect();
                        view! { <IncidentTable incidents id="open-incidents" /> }.into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>

        <h2 class="mt-8 text-lg font-semibold">"Channels"</h2>
        <IfCan role=Role::Admin>
            <NewChannel create=create />
        </IfCan>
        {move || {
            test.value()
                .get()
                .map(|result| match result {
                    Ok(DeliveryCard(delivery)) if delivery.status == DeliveryStatus::Sent => {
                        view! {
                            <p
                                id="test-result"
                                class="mt-3 rounded-md bg-emerald-50 p-2 text-sm text-emerald-800"
                            >
                                {format!("The test alert reached {}.", delivery.channel)}
                            </p>
                        }
                            .into_any_sync()
                    }
                    Ok(DeliveryCard(delivery)) => {
                        let why = delivery.last_error.unwrap_or_default();
                        view! {
                            <ErrorNote
                                id="test-result"
                                message=format!(
                                    "The test alert did not reach {}: {why}",
                                    delivery.channel,
                                )
                            />
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                })
        }}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match channels.await {
                    Ok(items) if items.is_empty() => {
                        view! {
                            <p class="mt-2 text-sm text-slate-500">
                                "No channel yet: incidents open and show here, but nobody is told."
                            </p>
                        }
                            .into_any_sync()
                    }
                    Ok(items) => {
                        let channels = items
                            .into_iter()
                            .map(|ChannelCard(channel)| channel)
                            .collect();
                        view! { <ChannelTable channels remove=remove test=test /> }.into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>

        <h2 class="mt-8 text-lg font-semibold">"Recent deliveries"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match deliveries.await {
                    Ok(items) if items.is_empty() => {
                        view! { <p class="mt-2 text-sm text-slate-500">"No alert sent yet."</p> }
                            .into_any_sync()
                    }
                    Ok(items) => {
                        let deliveries = items.into_iter().map(|DeliveryCard(item)| item).collect();
                        view! { <DeliveryTable deliveries /> }.into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>

        <h2 class="mt-8 text-lg font-semibold">"Resolved incidents"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match resolved.await {
                    Ok(items) if items.is_empty() => {
                        view! { <p class="mt-2 text-sm text-slate-500">"None yet."</p> }
                            .into_any_sync()
                    }
                    Ok(items) => {
                        let incidents = items.into_iter().map(|IncidentCard(item)| item).collect();
                        view! { <IncidentTable incidents id="resolved-incidents" /> }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

/// The form that adds a channel.
#[component]
fn NewChannel(create: ServerAction<CreateChannel>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let format = RwSignal::new(ChannelFormat::Slack);
    let default = RwSignal::new(true);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        create.dispatch(CreateChannel {
            request: ChannelRequest {
                name: name.get(),
                url: url.get(),
                format: format.get(),
                default: default.get(),
            },
        });
    };
    view! {
        <form
            id="new-channel"
            class="mt-3 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
            on:submit=submit
        >
            <label class="text-sm font-medium">
                "Name"
                <input
                    id="channel-name"
                    class=INPUT
                    placeholder="on-call"
                    prop:value=name
                    on:input=takes(name)
                />
            </label>
            <label class="text-sm font-medium">
                "Format"
                <select
                    id="channel-format"
                    class=INPUT
                    on:change=move |e| {
                        if let Ok(parsed) = event_target_value(&e).parse() {
                            format.set(parsed);
                        }
                    }
                >
                    <option value="slack">"slack (Slack, Mattermost, Discord)"</option>
                    <option value="json">"json (signed, our payload)"</option>
                    <option value="email">"email"</option>
                </select>
            </label>
            <label class="text-sm font-medium">
                "URL"
                <input
                    id="channel-url"
                    class=format!("{INPUT} w-96")
                    placeholder="https://hooks.slack.com/services/… or mailto:ops@example.com"
                    prop:value=url
                    on:input=takes(url)
                />
            </label>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" prop:checked=default on:change=ticks(default) />
                "in the default set"
            </label>
            <button
                id="add-channel"
                type="submit"
                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
            >
                "Add channel"
            </button>
        </form>
        {move || {
            create
                .value()
                .get()
                .map(|result| match result {
                    Ok(CreatedChannelCard(created)) => {
                        view! {
                            <div
                                id="channel-secret"
                                class="mt-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm"
                            >
                                <p class="font-medium text-amber-900">
                                    {format!(
                                        "{} added. Its signing secret (json deliveries carry X-Scheduleman-Signature), shown once:",
                                        created.channel.name,
                                    )}
                                </p>
                                <code class="secret mt-1 block break-all font-mono">
                                    {created.signing_secret}
                                </code>
                            </div>
                        }
                            .into_any_sync()
                    }
                    Err(error) => {
                        view! { <ErrorNote id="channel-error" message=error.to_string() /> }
                            .into_any_sync()
                    }
                })
        }}
    }
}

#[component]
fn ChannelTable(
    channels: Vec<ChannelView>,
    remove: ServerAction<DeleteChannel>,
    test: ServerAction<TestChannel>,
) -> impl IntoView {
    view! {
        <table class="mt-3 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"Name"</th>
                    <th class="px-3 py-2">"Format"</th>
                    <th class="px-3 py-2">"Where"</th>
                    <th class="px-3 py-2">"Default set"</th>
                    <th class="px-3 py-2"></th>
                </tr>
            </thead>
            <tbody>
                {channels
                    .into_iter()
                    .map(|channel| {
                        let id = channel.id;
                        view! {
                            <tr
                                class="channel-row border-t border-slate-100"
                                data-name=channel.name.clone()
                            >
                                <td class="px-3 py-2 font-medium">{channel.name.clone()}</td>
                                <td class="px-3 py-2">{channel.format.as_str()}</td>
                                <td class="px-3 py-2 break-all font-mono text-xs">
                                    {channel.url.clone()}
                                </td>
                                <td class="px-3 py-2">
                                    {if channel.default { "yes" } else { "no" }}
                                </td>
                                <td class="px-3 py-2">
                                    <IfCan role=Role::Admin>
                                        <div class="flex gap-2">
                                            <button
                                                class=format!("send-test {BUTTON}")
                                                on:click=move |_| {
                                                    test.dispatch(TestChannel { id });
                                                }
                                            >
                                                "Send a test alert"
                                            </button>
                                            <button
                                                class=format!("remove {BUTTON} text-red-700")
                                                on:click=move |_| {
                                                    remove.dispatch(DeleteChannel { id });
                                                }
                                            >
                                                "Remove"
                                            </button>
                                        </div>
                                    </IfCan>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn DeliveryTable(deliveries: Vec<DeliveryView>) -> impl IntoView {
    view! {
        <table class="mt-3 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"Queued"</th>
                    <th class="px-3 py-2">"Channel"</th>
                    <th class="px-3 py-2">"Alert"</th>
                    <th class="px-3 py-2">"Outcome"</th>
                </tr>
            </thead>
            <tbody>
                {deliveries
                    .into_iter()
                    .map(|delivery| {
                        let kind: &'static str = delivery.kind.into();
                        let what = match &delivery.event {
                            Some(event) => format!("{event} · {kind}"),
                            None => kind.to_owned(),
                        };
                        let outcome = match (delivery.status, &delivery.last_error) {
                            (DeliveryStatus::Sent, _) => {
                                format!("sent after {} attempt(s)", delivery.attempts)
                            }
                            (DeliveryStatus::Failed, error) => {
                                format!(
                                    "failed after {} attempts: {}",
                                    delivery.attempts,
                                    error.clone().unwrap_or_default(),
                                )
                            }
                            (DeliveryStatus::Pending, Some(error)) => {
                                format!(
                                    "retrying ({} attempt(s) failed): {error}",
                                    delivery.attempts,
                                )
                            }
                            (DeliveryStatus::Pending, None) => "queued".to_owned(),
                        };
                        let status: &'static str = delivery.status.into();
                        view! {
                            <tr class="delivery-row border-t border-slate-100" data-status=status>
                                <td class="px-3 py-2 whitespace-nowrap">
                                    <LocalTime at=delivery.created_at />
                                </td>
                                <td class="px-3 py-2">{delivery.channel.clone()}</td>
                                <td class="px-3 py-2 font-mono text-xs">{what}</td>
                                <td class="outcome px-3 py-2">{outcome}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
