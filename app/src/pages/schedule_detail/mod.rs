//! `/schedules/:id`: what the schedule is, its next fires, its state, and every attempt with
//! the reason it failed, and who changed it; with the actions a person's role allows.

#[cfg(feature = "ssr")]
pub(crate) mod summary;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::components::backfills::Backfills;
use crate::components::error_note::ErrorNote;
use crate::components::schedule_actions::{ActRequest, ScheduleActions};
use crate::components::schedule_alerts::ScheduleAlerts;
use crate::components::secret::SecretOnce;
use crate::error::AppError;
use crate::page_data::compact_page_data;
use crate::server_fns::access::schedule_changes_part;
use crate::server_fns::executions::{history_part, punctuality_part};
use crate::server_fns::schedules::{delete_schedule, get_schedule, rotate_secret, schedule_action};
use crate::server_html::{ServerHtml, ServerPart};
use crate::sync_hydration::IntoAnySync;

/// The detail page.
#[component]
pub fn ScheduleDetail() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    let changes = RwSignal::new(0u32);
    let before = RwSignal::new(None::<i64>);
    let schedule = compact_page_data(
        move || (id(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_schedule(id).await,
                None => Err(AppError::NotFound("That is not a schedule id.".into())),
            }
        },
    );
    // The parts below the summary only show data: they arrive rendered.
    let history = compact_page_data(
        move || (id(), before.get(), changes.get()),
        |(id, before, _)| async move {
            match id {
                Some(id) => history_part(id, before).await,
                None => Ok((ServerHtml::default(), None)),
            }
        },
    );
    let punctuality = compact_page_data(
        move || (id(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => punctuality_part(id).await,
                None => Ok(ServerHtml::default()),
            }
        },
    );
    let audit = compact_page_data(
        move || (id(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => schedule_changes_part(id, None).await,
                None => Ok((ServerHtml::default(), None)),
            }
        },
    );
    let act = Action::new(|request: &ActRequest| {
        let request = request.clone();
        async move {
            schedule_action(
                request.id,
                request.action.to_owned(),
                request.pause,
                request.trigger,
            )
            .await
            .map(|_| ())
        }
    });
    let remove = Action::new(|id: &Uuid| {
        let id = *id;
        async move { delete_schedule(id).await }
    });
    let rotate = Action::new(|id: &Uuid| {
        let id = *id;
        async move { rotate_secret(id).await }
    });
    Effect::new(move |_| {
        if act.value().get().is_some() {
            changes.update(|n| *n += 1);
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            navigate("/", Default::default());
        }
    });
    // Pending triggers and retries change on their own: look again every few seconds, until
    // the page is left.
    #[cfg(feature = "hydrate")]
    if let Ok(refresh) = set_interval_with_handle(
        move || changes.update(|n| *n += 1),
        std::time::Duration::from_secs(3),
    ) {
        on_cleanup(move || refresh.clear());
    }

    view! {
        <Transition fallback=|| {
            view! { <p class="text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match schedule.await {
                    Ok(card) => {
                        view! {
                            <div class="flex flex-wrap items-start justify-between gap-3">
                                <ServerPart html=card.heading />
                                <ScheduleActions
                                    id=card.id
                                    state=card.state
                                    readable=card.readable
                                    act=act
                                    remove=remove
                                    rotate=rotate
                                />
                            </div>
                            <ServerPart html=card.details />
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
        {move || {
            rotate
                .value()
                .get()
                .map(|result| match result {
                    Ok(secret) => view! { <SecretOnce secret=secret /> }.into_any_sync(),
                    Err(e) => view! { <ErrorNote message=e.to_string() /> }.into_any_sync(),
                })
        }}
        {move || {
            act.value()
                .get()
                .and_then(|r| r.err())
                .map(|e| {
                    view! { <ErrorNote id="action-error" message=e.to_string() /> }
                })
        }}
        {move || {
            remove
                .value()
                .get()
                .and_then(|r| r.err())
                .map(|e| {
                    view! { <ErrorNote message=e.to_string() /> }
                })
        }}
        <h2 class="mt-8 text-lg font-semibold">"Punctuality and health"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match punctuality.await {
                    Ok(html) => view! { <ServerPart html=html /> }.into_any_sync(),
                    Err(e) => view! { <ErrorNote message=e.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
        <h2 class="mt-8 text-lg font-semibold">"Execution history"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match history.await {
                    Ok((html, older)) => {
                        view! {
                            <ServerPart html=html />
                            <div class="mt-2 flex gap-3 text-sm">
                                {move || {
                                    before
                                        .get()
                                        .map(|_| {
                                            view! {
                                                <button
                                                    class="text-indigo-700 underline"
                                                    on:click=move |_| before.set(None)
                                                >
                                                    "Newest"
                                                </button>
                                            }
                                        })
                                }}
                                {older
                                    .map(|id| {
                                        view! {
                                            <button
                                                id="older"
                                                class="text-indigo-700 underline"
                                                on:click=move |_| before.set(Some(id))
                                            >
                                                "Older →"
                                            </button>
                                        }
                                    })}
                            </div>
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
        {move || id().map(|id| view! { <Backfills id=id /> })}
        <h2 class="mt-8 text-lg font-semibold">"Alerts"</h2>
        {move || id().map(|id| view! { <ScheduleAlerts id=id /> })}
        <h2 class="mt-8 text-lg font-semibold">"Changes"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match audit.await {
                    Ok((html, _)) => view! { <ServerPart html=html /> }.into_any_sync(),
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}
