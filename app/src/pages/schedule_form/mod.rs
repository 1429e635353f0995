//! New and edit schedule: a kind selector with live validation and previews computed in
//! the browser by the same schedule math the executor uses, the target and retry fields,
//! and the server's reasons shown next to the field they concern.

mod fields;
mod run_at;

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use scheduleman::model::{Misfire, OnDead, RetryPolicy};
use scheduleman::schedule::{self, ScheduleInput};
use scheduleman::validate::{field, ScheduleRequest, TargetRequest};
use uuid::Uuid;

use self::fields::{parse_headers, parse_retry_delay, show_retry_delay, FieldError};
use self::run_at::{resolve_run_at, split_run_at, RunAtNotes};
use crate::components::error_note::ErrorNote;
use crate::components::fires::FireList;
use crate::components::secret::SecretOnce;
use crate::components::zone_select::ZoneSelect;
use crate::error::AppError;
use crate::server_fns::schedules::{get_edit_base, SaveSchedule, Saved};

/// `/schedules/new`.
#[component]
pub fn NewSchedule() -> impl IntoView {
    let mut initial = ScheduleRequest::default();
    initial.schedule.cron = Some("0 9 * * 1-5".into());
    view! {
        <h1 class="text-2xl font-semibold">"New schedule"</h1>
        <ScheduleForm id=None initial=initial />
    }
}

/// `/schedules/:id/edit`.
#[component]
pub fn EditSchedule() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    let current = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_edit_base(id).await.map(|base| (id, base)),
            None => Err(AppError::NotFound("That is not a schedule id.".into())),
        }
    });
    view! {
        <h1 class="text-2xl font-semibold">"Edit schedule"</h1>
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-slate-500">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok((id, base)) => {
                        view! {
                            {base
                                .unreadable
                                .map(|reason| {
                                    view! {
                                        <p
                                            id="unreadable"
                                            class="mt-3 rounded-md bg-amber-50 p-2 text-sm text-amber-800"
                                        >
                                            {format!(
                                                "The stored timing cannot be read ({reason}); give it a timing again and save.",
                                            )}
                                        </p>
                                    }
                                })}
                            <ScheduleForm id=Some(id) initial=base.request />
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Which kind of timing the form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cron,
    At,
    In,
    Every,
}

impl Kind {
    fn of(input: &ScheduleInput) -> Self {
        if input.at.is_some() {
            Self::At
        } else if input.in_.is_some() {
            Self::In
        } else if input.every.is_some() {
            Self::Every
        } else {
            Self::Cron
        }
    }
}

const INPUT: &str = "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm";
const LABEL: &str = "block text-sm font-medium text-slate-700";

/// The form itself.
#[component]
fn ScheduleForm(id: Option<Uuid>, initial: ScheduleRequest) -> impl IntoView {
    let kind = RwSignal::new(Kind::of(&initial.schedule));
    let name = RwSignal::new(initial.name.clone());
    let cron = RwSignal::new(initial.schedule.cron.clone().unwrap_or_default());
    let tz = RwSignal::new(initial.schedule.tz.clone().unwrap_or_else(|| "UTC".into()));
    let (at_local, at_zone) = split_run_at(
        initial.schedule.at.as_deref(),
        initial.schedule.tz.as_deref(),
    );
    let at_local = RwSignal::new(at_local);
    let at_zone = RwSignal::new(at_zone);
    let at_later = RwSignal::new(false);
    let in_ = RwSignal::new(initial.schedule.in_.clone().unwrap_or_else(|| "15m".into()));
    let every = RwSignal::new(
        initial
            .schedule
            .every
            .clone()
            .unwrap_or_else(|| "1h".into()),
    );
    let url = RwSignal::new(initial.target.url.clone());
    let method = RwSignal::new(
        initial
            .target
            .method
            .clone()
            .unwrap_or_else(|| "POST".into()),
    );
    let headers = RwSignal::new(
        initial
            .target
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let body = RwSignal::new(initial.target.body.clone().unwrap_or_default());
    let defaults = RetryPolicy::default();
    let max_attempts = RwSignal::new(
        initial
            .max_attempts
            .unwrap_or(defaults.max_attempts)
            .to_string(),
    );
    let backoff_initial = RwSignal::new(show_retry_delay(
        initial
            .backoff_initial_ms
            .unwrap_or(defaults.backoff_initial_ms),
    ));
    let backoff_max = RwSignal::new(show_retry_delay(
        initial.backoff_max_ms.unwrap_or(defaults.backoff_max_ms),
    ));
    let backoff_initial_ms = Memo::new(move |_| parse_retry_delay(&backoff_initial.get()));
    let backoff_max_ms = Memo::new(move |_| parse_retry_delay(&backoff_max.get()));
    let misfire = RwSignal::new(initial.misfire.unwrap_or_default());
    let on_dead = RwSignal::new(initial.on_dead.unwrap_or_default());
    let paused = RwSignal::new(initial.paused);

    // The browser's zone is the default of both zones (cron and Run At) when the schedule
    // has none yet; a new Run At then opens on that zone's next full hour.
    #[cfg(feature = "hydrate")]
    {
        let (has_zone, has_at) = (initial.schedule.tz.is_some(), initial.schedule.at.is_some());
        Effect::new(move |_| {
            if let Some(zone) = crate::components::time::browser_zone() {
                if !has_zone {
                    tz.set(zone.clone());
                }
                if !has_at {
                    at_local.set(run_at::next_full_hour(&zone, Utc::now()));
                    at_zone.set(zone);
                }
            }
        });
    }

    let run_at =
        Memo::new(move |_| resolve_run_at(&at_local.get(), &at_zone.get(), at_later.get()));
    let timing = move || -> ScheduleInput {
        match kind.get() {
            Kind::Cron => ScheduleInput {
                cron: Some(cron.get()),
                tz: Some(tz.get()),
                ..Default::default()
            },
            Kind::At => ScheduleInput {
                at: Some(
                    run_at
                        .get()
                        .map(|r| r.submit)
                        .unwrap_or_else(|_| at_local.get()),
                ),
                tz: Some(at_zone.get()),
                ..Default::default()
            },
            Kind::In => ScheduleInput {
                in_: Some(in_.get()),
                ..Default::default()
            },
            Kind::Every => ScheduleInput {
                every: Some(every.get()),
                ..Default::default()
            },
        }
    };
    let preview = Memo::new(move |_| {
        schedule::preview(&timing(), Utc::now(), 5)
            .map(|preview| (preview.spec.describe(), preview.fires, preview.zone))
            .map_err(|error| error.to_string())
    });

    let save = ServerAction::<SaveSchedule>::new();
    let error_for = move |field: &'static str| {
        move || {
            save.value()
                .get()
                .and_then(|result| result.err())
                .and_then(|e| e.reason_for(field))
        }
    };
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(Saved {
            id,
            signing_secret: None,
        })) = save.value().get()
        {
            navigate(&format!("/schedules/{id}"), Default::default());
        }
    });
    let new_secret = move || match save.value().get() {
        Some(Ok(Saved {
            id,
            signing_secret: Some(secret),
        })) => Some((id, secret)),
        _ => None,
    };
    // A delay that does not parse is flagged under its field and blocks saving.
    let delay_error = move |delay: Memo<Result<u64, String>>, path: &'static str| {
        move || delay.get().err().or_else(error_for(path))
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Ok(backoff_initial_ms), Ok(backoff_max_ms)) =
            (backoff_initial_ms.get(), backoff_max_ms.get())
        else {
            return;
        };
        let request = ScheduleRequest {
            name: name.get(),
            schedule: timing(),
            target: TargetRequest {
                url: url.get(),
                method: Some(method.get()),
                headers: parse_headers(&headers.get()),
                body: Some(body.get()).filter(|b| !b.trim().is_empty()),
            },
            max_attempts: max_attempts.get().trim().parse().ok(),
            backoff_initial_ms: Some(backoff_initial_ms),
            backoff_max_ms: Some(backoff_max_ms),
            misfire: Some(misfire.get()),
            on_dead: Some(on_dead.get()),
            paused: paused.get(),
        };
        save.dispatch(SaveSchedule { id, request });
    };
    let kinds = [
        (Kind::Cron, "cron", "Cron"),
        (Kind::At, "at", "Run At"),
        (Kind::In, "in", "In…"),
        (Kind::Every, "every", "Every…"),
    ];

    view! {
        {move || {
            new_secret()
                .map(|(id, secret)| {
                    view! { <SecretOnce secret=secret continue_to=format!("/schedules/{id}") /> }
                })
        }}
        <form
            on:submit=submit
            class="mt-6 space-y-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
            class:hidden=move || new_secret().is_some()
            novalidate
        >
            <div>
                <label class=LABEL for="name">
                    "Name"
                </label>
                <input
                    id="name"
                    class=INPUT
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))
                />
                <FieldError message=error_for(field::NAME) />
            </div>
            <fieldset>
                <legend class=LABEL>"When"</legend>
                <div class="mt-1 flex gap-2" role="tablist">
                    {kinds
                        .map(|(k, value, label)| {
                            view! {
                                <button
                                    type="button"
                                    data-kind=value
                                    class=move || {
                                        if kind.get() == k {
                                            "kind rounded-md bg-indigo-600 px-3 py-1.5 text-sm text-white"
                                        } else {
                                            "kind rounded-md border border-slate-300 px-3 py-1.5 text-sm"
                                        }
                                    }
                                    on:click=move |_| kind.set(k)
                                >
                                    {label}
                                </button>
                            }
                        })}
                </div>
                <div class="mt-3">
                    {move || match kind.get() {
                        Kind::Cron => {
                            view! {
                                <div class="grid gap-3 sm:grid-cols-3">
                                    <div class="sm:col-span-2">
                                        <label class=LABEL for="cron">
                                            "Cron expression"
                                        </label>
                                        <input
                                            id="cron"
                                            class=format!("{INPUT} font-mono")
                                            prop:value=move || cron.get()
                                            on:input=move |e| cron.set(event_target_value(&e))
                                        />
                                    </div>
                                    <div>
                                        <label class=LABEL for="tz">
                                            "Time zone"
                                        </label>
                                        <ZoneSelect id="tz" zone=tz />
                                    </div>
                                </div>
                            }
                                .into_any()
                        }
                        Kind::At => {
                            view! {
                                <div class="grid gap-3 sm:grid-cols-3">
                                    <div class="sm:col-span-2">
                                        <label class=LABEL for="at">
                                            "Date and time"
                                        </label>
                                        <input
                                            id="at"
                                            type="datetime-local"
                                            step="1"
                                            class=INPUT
                                            prop:value=move || at_local.get()
                                            on:input=move |e| at_local.set(event_target_value(&e))
                                        />
                                    </div>
                                    <div>
                                        <label class=LABEL for="at-zone">
                                            "Time zone"
                                        </label>
                                        <ZoneSelect id="at-zone" zone=at_zone />
                                    </div>
                                </div>
                                <RunAtNotes run_at=run_at later=at_later />
                            }
                                .into_any()
                        }
                        Kind::In => {
                            view! {
                                <label class=LABEL for="in">
                                    "In (e.g. 90s, 15m, 1h 30m, 2days)"
                                </label>
                                <input
                                    id="in"
                                    class=INPUT
                                    prop:value=move || in_.get()
                                    on:input=move |e| in_.set(event_target_value(&e))
                                />
                            }
                                .into_any()
                        }
                        Kind::Every => {
                            view! {
                                <label class=LABEL for="every">
                                    "Every (at least 1s)"
                                </label>
                                <input
                                    id="every"
                                    class=INPUT
                                    prop:value=move || every.get()
                                    on:input=move |e| every.set(event_target_value(&e))
                                />
                            }
                                .into_any()
                        }
                    }}
                </div>
                <div id="preview" class="mt-3 rounded-md bg-slate-50 p-3 text-sm">
                    {move || match preview.get() {
                        Ok((description, fires, zone)) => {
                            view! {
                                <p id="description" class="font-medium">
                                    {description}
                                </p>
                                <FireList fires=fires zone=zone />
                            }
                                .into_any()
                        }
                        Err(_) if kind.get() == Kind::At && run_at.get().is_err() => ().into_any(),
                        Err(reason) => {
                            // A Run At problem is already flagged under the picker.
                            view! {
                                <p id="schedule-error" class="text-red-700">
                                    {reason}
                                </p>
                            }
                                .into_any()
                        }
                    }}
                </div>
                <FieldError message=error_for(field::SCHEDULE) />
            </fieldset>
            <fieldset class="grid gap-3 sm:grid-cols-4">
                <div class="sm:col-span-3">
                    <label class=LABEL for="url">
                        "Target URL"
                    </label>
                    <input
                        id="url"
                        type="url"
                        class=INPUT
                        placeholder="https://…"
                        prop:value=move || url.get()
                        on:input=move |e| url.set(event_target_value(&e))
                    />
                    <FieldError message=error_for(field::TARGET_URL) />
                </div>
                <div>
                    <label class=LABEL for="method">
                        "Method"
                    </label>
                    <select
                        id="method"
                        class=INPUT
                        on:change=move |e| method.set(event_target_value(&e))
                    >
                        {scheduleman::validate::METHODS
                            .map(|m| {
                                view! {
                                    <option value=m selected=move || method.get() == m>
                                        {m}
                                    </option>
                                }
                            })}
                    </select>
                    <FieldError message=error_for(field::TARGET_METHOD) />
                </div>
                <div class="sm:col-span-2">
                    <label class=LABEL for="headers">
                        "Headers (one \"Name: value\" per line)"
                    </label>
                    <textarea
                        id="headers"
                        rows="3"
                        class=format!("{INPUT} font-mono")
                        prop:value=move || headers.get()
                        on:input=move |e| headers.set(event_target_value(&e))
                    ></textarea>
                    <FieldError message=error_for(field::TARGET_HEADERS) />
                </div>
                <div class="sm:col-span-2">
                    <label class=LABEL for="body">
                        "Body (default: a JSON description of the trigger)"
                    </label>
                    <textarea
                        id="body"
                        rows="3"
                        class=format!("{INPUT} font-mono")
                        prop:value=move || body.get()
                        on:input=move |e| body.set(event_target_value(&e))
                    ></textarea>
                    <FieldError message=error_for(field::TARGET_BODY) />
                </div>
            </fieldset>
            <fieldset class="grid gap-3 sm:grid-cols-4">
                <div>
                    <label class=LABEL for="max-attempts">
                        "Max attempts"
                    </label>
                    <input
                        id="max-attempts"
                        type="number"
                        min="1"
                        max="100"
                        class=INPUT
                        prop:value=move || max_attempts.get()
                        on:input=move |e| max_attempts.set(event_target_value(&e))
                    />
                    <FieldError message=error_for(field::MAX_ATTEMPTS) />
                </div>
                {[
                    (
                        "backoff-initial",
                        "First retry after",
                        "1s",
                        backoff_initial,
                        backoff_initial_ms,
                        field::BACKOFF_INITIAL_MS,
                    ),
                    (
                        "backoff-max",
                        "Longest retry delay",
                        "5m",
                        backoff_max,
                        backoff_max_ms,
                        field::BACKOFF_MAX_MS,
                    ),
                ]
                    .into_iter()
                    .map(|(id, label, placeholder, text, ms, path)| {
                        view! {
                            <div>
                                <label class=LABEL for=id>
                                    {label}
                                </label>
                                <input
                                    id=id
                                    type="text"
                                    placeholder=placeholder
                                    class=INPUT
                                    prop:value=move || text.get()
                                    on:input=move |e| text.set(event_target_value(&e))
                                />
                                <FieldError message=delay_error(ms, path) />
                            </div>
                        }
                    })
                    .collect_view()}
                <div>
                    <label class=LABEL for="misfire">
                        "Missed fires"
                    </label>
                    <select
                        id="misfire"
                        class=INPUT
                        on:change=move |e| {
                            misfire
                                .set(
                                    if event_target_value(&e) == "skip" {
                                        Misfire::Skip
                                    } else {
                                        Misfire::FireOnce
                                    },
                                )
                        }
                    >
                        <option
                            value="fire_once"
                            selected=move || misfire.get() == Misfire::FireOnce
                        >
                            "Fire once, then resume"
                        </option>
                        <option value="skip" selected=move || misfire.get() == Misfire::Skip>
                            "Skip them"
                        </option>
                    </select>
                </div>
                <div>
                    <label class=LABEL for="on-dead">
                        "When a fire runs out of attempts"
                    </label>
                    <select
                        id="on-dead"
                        class=INPUT
                        on:change=move |e| {
                            on_dead
                                .set(
                                    if event_target_value(&e) == "next_fire" {
                                        OnDead::NextFire
                                    } else {
                                        OnDead::Stop
                                    },
                                )
                        }
                    >
                        <option value="stop" selected=move || on_dead.get() == OnDead::Stop>
                            "Stop the schedule (dead letter)"
                        </option>
                        <option
                            value="next_fire"
                            selected=move || on_dead.get() == OnDead::NextFire
                        >
                            "Dead-letter the fire, keep the schedule"
                        </option>
                    </select>
                </div>
            </fieldset>
            <label class="flex items-center gap-2 text-sm">
                <input
                    type="checkbox"
                    prop:checked=move || paused.get()
                    on:change=move |e| paused.set(event_target_checked(&e))
                />
                "Paused"
            </label>
            {move || {
                save.value()
                    .get()
                    .and_then(|r| r.err())
                    .filter(|e| !matches!(e, AppError::Invalid(_)))
                    .map(|error| {
                        view! { <ErrorNote message=error.to_string() /> }
                    })
            }}
            <button
                id="save"
                type="submit"
                class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
                disabled=move || save.pending().get()
            >
                {move || if save.pending().get() { "Saving…" } else { "Save schedule" }}
            </button>
        </form>
    }
}
