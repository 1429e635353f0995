//! `/schedules/:id`: what the schedule is, its next fires, its state, and every attempt with
//! the reason it failed; with the actions a person needs.

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use scheduleman::model::{ExecutionView, OnDead, ScheduleState, ScheduleView};
use scheduleman::punctuality::lag_text;
use uuid::Uuid;

use crate::components::badges::{OutcomeBadge, StateBadge};
use crate::components::error_note::ErrorNote;
use crate::components::fires::FireList;
use crate::components::punctuality::PunctualityPanel;
use crate::components::secret::SecretOnce;
use crate::components::time::{in_zone, Countdown, LocalTime};
use crate::error::AppError;
use crate::server_fns::executions::{get_punctuality, list_executions, HISTORY_PAGE};
use crate::server_fns::schedules::{delete_schedule, get_schedule, rotate_secret, schedule_action};

/// The detail page.
#[component]
pub fn ScheduleDetail() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    let changes = RwSignal::new(0u32);
    let before = RwSignal::new(None::<i64>);
    let schedule = Resource::new(
        move || (id(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_schedule(id).await,
                None => Err(AppError::NotFound("That is not a schedule id.".into())),
            }
        },
    );
    let history = Resource::new(
        move || (id(), before.get(), changes.get()),
        |(id, before, _)| async move {
            match id {
                Some(id) => list_executions(id, before).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let punctuality = Resource::new(
        move || (id(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_punctuality(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let act = Action::new(|(id, action): &(Uuid, &'static str)| {
        let (id, action) = (*id, *action);
        async move { schedule_action(id, action.to_owned()).await.map(|_| ()) }
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
                    Ok(s) => {
                        view! { <Summary schedule=s act=act remove=remove rotate=rotate /> }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
        {move || {
            rotate
                .value()
                .get()
                .map(|result| match result {
                    Ok(secret) => view! { <SecretOnce secret=secret /> }.into_any(),
                    Err(e) => view! { <ErrorNote message=e.to_string() /> }.into_any(),
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
                    Ok(Some(figures)) => {
                        view! { <PunctualityPanel figures=figures now=Utc::now() /> }.into_any()
                    }
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <ErrorNote message=e.to_string() /> }.into_any(),
                }
            })}
        </Transition>
        <h2 class="mt-8 text-lg font-semibold">"Execution history"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(rows) if rows.is_empty() && before.get_untracked().is_none() => {
                        view! { <p class="mt-2 text-sm text-slate-500">"No attempts yet."</p> }
                            .into_any()
                    }
                    Ok(rows) => {
                        let older = (rows.len() as i64 == HISTORY_PAGE)
                            .then(|| rows.last().map(|r| r.id))
                            .flatten();
                        view! {
                            <History rows=rows />
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
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

type ActAction = Action<(Uuid, &'static str), Result<(), AppError>>;

#[component]
fn Summary(
    schedule: ScheduleView,
    act: ActAction,
    remove: Action<Uuid, Result<(), AppError>>,
    rotate: Action<Uuid, Result<String, AppError>>,
) -> impl IntoView {
    let id = schedule.id;
    let zone: chrono_tz::Tz = schedule
        .schedule
        .zone()
        .parse()
        .unwrap_or(chrono_tz::Tz::UTC);
    let upcoming = schedule
        .schedule
        .compile()
        .map(|s| s.upcoming_fires(Utc::now(), 5))
        .unwrap_or_default();
    let button = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50";
    let state = schedule.state;
    let confirm_delete = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let sure = web_confirm("Delete this schedule and its history?");
            if !sure {
                return;
            }
        }
        remove.dispatch(id);
    };
    view! {
        <div class="flex flex-wrap items-start justify-between gap-3">
            <div>
                <h1 id="schedule-name" class="text-2xl font-semibold">
                    {schedule.name.clone()}
                </h1>
                <p id="schedule-description" class="mt-1 text-slate-600">
                    {schedule.description.clone()}
                </p>
            </div>
            <div class="flex flex-wrap gap-2">
                {(state == ScheduleState::Active)
                    .then(|| {
                        view! {
                            <button
                                id="trigger"
                                class=button
                                on:click=move |_| {
                                    act.dispatch((id, "trigger"));
                                }
                            >
                                "Trigger now"
                            </button>
                            <button
                                id="pause"
                                class=button
                                on:click=move |_| {
                                    act.dispatch((id, "pause"));
                                }
                            >
                                "Pause"
                            </button>
                        }
                    })}
                {(state == ScheduleState::Paused)
                    .then(|| {
                        view! {
                            <button
                                id="resume"
                                class=button
                                on:click=move |_| {
                                    act.dispatch((id, "resume"));
                                }
                            >
                                "Resume"
                            </button>
                        }
                    })}
                {(state == ScheduleState::Dead)
                    .then(|| {
                        view! {
                            <button
                                id="rearm"
                                class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white"
                                on:click=move |_| {
                                    act.dispatch((id, "rearm"));
                                }
                            >
                                "Re-arm"
                            </button>
                        }
                    })} <a href=format!("/schedules/{id}/edit") class=button>
                    "Edit"
                </a>
                <button
                    id="rotate-secret"
                    class=button
                    on:click=move |_| {
                        rotate.dispatch(id);
                    }
                >
                    "New signing secret"
                </button>
                <button
                    id="delete"
                    class="rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700"
                    on:click=confirm_delete
                >
                    "Delete"
                </button>
            </div>
        </div>
        <dl class="mt-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm sm:grid-cols-3">
            <div>
                <dt class="text-slate-500">"State"</dt>
                <dd id="state" class="mt-1">
                    <StateBadge state=state />
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Next execution"</dt>
                <dd id="next-execution" class="mt-1">
                    {match (state, schedule.next_run_at) {
                        (ScheduleState::Active, Some(at)) => {
                            view! {
                                <LocalTime at=at title=in_zone(at, zone.name()) />
                                " "
                                <Countdown at=at />
                            }
                                .into_any()
                        }
                        _ => view! { <span class="text-slate-400">"—"</span> }.into_any(),
                    }}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Last outcome"</dt>
                <dd id="last-outcome" class="mt-1">
                    <OutcomeBadge outcome=schedule.last_outcome error=schedule.last_error.clone() />
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Target"</dt>
                <dd class="mt-1 break-all font-mono">
                    {format!("{} {}", schedule.target.method, schedule.target.url)}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Retries"</dt>
                <dd class="mt-1">
                    {format!(
                        "{} attempts, first retry after {}, at most {} apart",
                        schedule.retry.max_attempts,
                        humantime::format_duration(
                            std::time::Duration::from_millis(schedule.retry.backoff_initial_ms),
                        ),
                        humantime::format_duration(
                            std::time::Duration::from_millis(schedule.retry.backoff_max_ms),
                        ),
                    )}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Attempts at the current fire"</dt>
                <dd class="mt-1">{schedule.attempt}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"When a fire runs out of attempts"</dt>
                <dd id="on-dead" class="mt-1">
                    {match schedule.on_dead {
                        OnDead::Stop => "Stop the schedule (dead letter)".to_owned(),
                        OnDead::NextFire => {
                            format!(
                                "Dead-letter the fire, keep the schedule ({} dead-lettered so far)",
                                schedule.dead_fires,
                            )
                        }
                    }}
                </dd>
            </div>
        </dl>
        <h2 class="mt-8 text-lg font-semibold">"Next fire times"</h2>
        {upcoming
            .is_empty()
            .then(|| {
                view! { <p class="mt-2 text-sm text-slate-500">"None: it does not fire again."</p> }
            })}
        <FireList fires=upcoming zone=zone />
    }
}

#[cfg(feature = "hydrate")]
fn web_confirm(message: &str) -> bool {
    leptos::prelude::window()
        .confirm_with_message(message)
        .unwrap_or(false)
}

#[component]
fn History(rows: Vec<ExecutionView>) -> impl IntoView {
    view! {
        <table
            id="history"
            class="mt-2 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm"
        >
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"Fire time"</th>
                    <th class="px-3 py-2">"Attempt"</th>
                    <th class="px-3 py-2">"Executor"</th>
                    <th class="px-3 py-2">"Status"</th>
                    <th class="px-3 py-2" title="Request start minus the scheduled instant">
                        "Lag"
                    </th>
                    <th class="px-3 py-2">"Latency"</th>
                    <th class="px-3 py-2">"Why it failed"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let lag = lag_text(Some(row.lag_ms()));
                        view! {
                            <tr class="execution border-t border-slate-100">
                                <td class="px-3 py-1.5">
                                    <LocalTime at=row.scheduled_for />
                                </td>
                                <td class="px-3 py-1.5">{row.attempt}</td>
                                <td class="px-3 py-1.5 font-mono text-xs">{row.executor_id}</td>
                                <td class="px-3 py-1.5">
                                    {row
                                        .http_status
                                        .map(|s| s.to_string())
                                        .unwrap_or_else(|| "—".into())}
                                </td>
                                <td class="lag px-3 py-1.5">{lag}</td>
                                <td class="px-3 py-1.5">{format!("{} ms", row.latency_ms)}</td>
                                <td class="error px-3 py-1.5 text-red-700">
                                    {row.error.unwrap_or_default()}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
