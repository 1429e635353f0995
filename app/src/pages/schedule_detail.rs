//! `/schedules/:id`: what the schedule is, its next fires, its state, and every attempt with
//! the reason it failed, and who changed it; with the actions a person's role allows.

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use scheduleman::decision::fires_if_revived;
use scheduleman::model::{OnDead, ScheduleItem, ScheduleState, ScheduleView, UnreadableSchedule};
use scheduleman::schedule::{DstGap, DstOverlap};
use uuid::Uuid;

use crate::components::backfills::Backfills;
use crate::components::badges::{FiresLeft, OutcomeBadge, PauseNote, StateBadge};
use crate::components::changes::ChangeTable;
use crate::components::error_note::ErrorNote;
use crate::components::fires::FireList;
use crate::components::history::History;
use crate::components::punctuality::PunctualityPanel;
use crate::components::schedule_actions::{ActAction, ActRequest, ScheduleActions};
use crate::components::schedule_alerts::ScheduleAlerts;
use crate::components::secret::SecretOnce;
use crate::components::time::{in_zone, Countdown, LocalTime};
use crate::error::AppError;
use crate::server_fns::access::schedule_changes;
use crate::server_fns::executions::{get_punctuality, list_executions};
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
                None => Ok((Vec::new(), None)),
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
    let audit = Resource::new(
        move || (id(), changes.get()),
        |(id, _)| async move {
            match id {
                Some(id) => schedule_changes(id, None).await,
                None => Ok((Vec::new(), None)),
            }
        },
    );
    let act = Action::new(|request: &ActRequest| {
        let request = request.clone();
        async move {
            schedule_action(request.id, request.action.to_owned(), request.extras)
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
                    Ok(ScheduleItem::Readable(s)) => {
                        view! { <Summary schedule=s act=act remove=remove rotate=rotate /> }
                            .into_any()
                    }
                    Ok(ScheduleItem::Unreadable(row)) => {
                        view! { <UnreadableSummary row=row act=act remove=remove rotate=rotate /> }
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
                    Ok((rows, _)) if rows.is_empty() && before.get_untracked().is_none() => {
                        view! { <p class="mt-2 text-sm text-slate-500">"No attempts yet."</p> }
                            .into_any()
                    }
                    Ok((rows, older)) => {
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
        {move || id().map(|id| view! { <Backfills id=id /> })}
        <h2 class="mt-8 text-lg font-semibold">"Alerts"</h2>
        {move || id().map(|id| view! { <ScheduleAlerts id=id /> })}
        <h2 class="mt-8 text-lg font-semibold">"Changes"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match audit.await {
                    Ok((entries, _)) if entries.is_empty() => {
                        view! { <p class="mt-2 text-sm text-slate-500">"No change recorded."</p> }
                            .into_any()
                    }
                    Ok((entries, _)) => {
                        view! {
                            <div id="changes">
                                <ChangeTable entries=entries />
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
    let state = schedule.state;
    let compiled = schedule.compile().ok();
    let now = Utc::now();
    // Only an active schedule fires; a dead or paused one says so, and when it would fire if
    // brought back now.
    let (note, upcoming) = match (state, &compiled) {
        (ScheduleState::Active, Some(s)) => (None, s.upcoming_fires(now, 5)),
        (ScheduleState::Dead, Some(s)) => (
            Some("Dead-lettered: it does not fire until it is re-armed or edited. Re-armed now, it would fire at:"),
            fires_if_revived(s, now, 5),
        ),
        (ScheduleState::Paused, Some(s)) => (
            Some("Paused: it does not fire until it is resumed. Resumed now, it would fire at:"),
            fires_if_revived(s, now, 5),
        ),
        _ => (None, Vec::new()),
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
            <ScheduleActions id=id state=state readable=true act=act remove=remove rotate=rotate />
        </div>
        <dl class="mt-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm sm:grid-cols-3">
            <div>
                <dt class="text-slate-500">"State"</dt>
                <dd id="state" class="mt-1">
                    <StateBadge state=state />
                    {(state == ScheduleState::Paused)
                        .then(|| {
                            view! {
                                <PauseNote
                                    until=schedule.paused_until
                                    by=schedule.paused_by.clone()
                                    note=schedule.pause_note.clone()
                                />
                            }
                        })}
                    <FiresLeft left=schedule.fires_left limit=schedule.max_fires />
                </dd>
            </div>
            {limits_of(&schedule)
                .map(|lines| {
                    view! {
                        <div>
                            <dt class="text-slate-500">"Limits"</dt>
                            <dd id="limits" class="mt-1 space-y-0.5">
                                {lines
                                    .into_iter()
                                    .map(|line| view! { <span class="block">{line}</span> })
                                    .collect_view()}
                            </dd>
                        </div>
                    }
                })}
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
        {note
            .map(|note| {
                view! {
                    <p id="not-firing" class="mt-2 text-sm text-amber-700">
                        {note}
                    </p>
                }
            })}
        {upcoming
            .is_empty()
            .then(|| {
                view! { <p class="mt-2 text-sm text-slate-500">"None: it does not fire again."</p> }
            })}
        <FireList fires=upcoming zone=zone />
    }
}

/// The time controls of `schedule` in words, one line each; `None` when it has none.
fn limits_of(schedule: &ScheduleView) -> Option<Vec<AnyView>> {
    let options = &schedule.options;
    let mut lines: Vec<AnyView> = Vec::new();
    if let Some(at) = options.starts_at {
        lines.push(
            view! {
                "Not before "
                <LocalTime at=at />
            }
            .into_any(),
        );
    }
    if let Some(at) = options.ends_at {
        lines.push(
            view! {
                "Not after "
                <LocalTime at=at />
                ", then it completes"
            }
            .into_any(),
        );
    }
    if let Some(limit) = schedule.max_fires {
        lines.push(format!("At most {limit} fires").into_any());
    }
    if let Some(jitter) = &options.jitter {
        lines.push(format!("Each fire within {jitter} after its time (jitter)").into_any());
    }
    if let Some(gap) = options.dst_gap {
        let rule = match gap {
            DstGap::Shift => "shifted to the end of the gap",
            DstGap::Skip => "skipped",
        };
        lines.push(format!("A time the clocks skip: {rule}").into_any());
    }
    if let Some(overlap) = options.dst_overlap {
        let rule = match overlap {
            DstOverlap::Once => "fires once, at the first",
            DstOverlap::Twice => "fires at both",
        };
        lines.push(format!("A time that happens twice: {rule}").into_any());
    }
    (!lines.is_empty()).then_some(lines)
}

/// A schedule whose stored definition cannot be read: why, what can be read, and the two
/// things that work (edit, which gives it a timing again, and delete).
#[component]
fn UnreadableSummary(
    row: UnreadableSchedule,
    act: ActAction,
    remove: Action<Uuid, Result<(), AppError>>,
    rotate: Action<Uuid, Result<String, AppError>>,
) -> impl IntoView {
    view! {
        <div class="flex flex-wrap items-start justify-between gap-3">
            <div>
                <h1 id="schedule-name" class="text-2xl font-semibold">
                    {row.name.clone()}
                </h1>
                <p id="unreadable" class="mt-1 text-red-700">
                    {format!(
                        "Unreadable: {}. Edit it to give it a timing again, or delete it.",
                        row.reason,
                    )}
                </p>
            </div>
            <ScheduleActions
                id=row.id
                state=row.state
                readable=false
                act=act
                remove=remove
                rotate=rotate
            />
        </div>
        <dl class="mt-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm sm:grid-cols-3">
            <div>
                <dt class="text-slate-500">"State"</dt>
                <dd id="state" class="mt-1">
                    <StateBadge state=row.state />
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Target"</dt>
                <dd class="mt-1 break-all font-mono">
                    {format!("{} {}", row.target_method, row.target_url)}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Last error"</dt>
                <dd class="mt-1 text-red-700">{row.last_error.clone().unwrap_or_default()}</dd>
            </div>
        </dl>
    }
}
