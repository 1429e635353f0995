//! New and edit schedule: a kind selector with live validation and previews the server reads
//! as the person types (the same schedule math the executor uses, and the zone tables the
//! browser is spared), the target and retry fields, and the server's reasons shown next to
//! the field they concern.

mod controls;
mod fields;
#[cfg(feature = "ssr")] // rendered on the server only (crate::server_html)
pub(crate) mod reading;
mod retry;
mod state;
mod target;
mod timing;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use scheduleman::validate::{field, ScheduleRequest};
use uuid::Uuid;

use self::controls::ControlsFieldset;
use self::fields::{server_reason, FieldError};
use self::retry::RetryFieldset;
use self::state::FormState;
use self::target::TargetFieldset;
use self::timing::TimingFieldset;
use crate::components::bind::{takes, ticks};
use crate::components::error_note::ErrorNote;
use crate::components::secret::SecretOnce;
use crate::error::AppError;
use crate::page_data::compact_page_data;
use crate::server_fns::schedules::{get_edit_base, SaveSchedule, Saved};
use crate::server_fns::timing::read_timing;
use crate::sync_hydration::IntoAnySync;
use crate::timing_draft::TimingDraft;
use crate::wire::RequestCard;

/// `/schedules/new`.
#[component]
pub fn NewSchedule() -> impl IntoView {
    let draft = TimingDraft::new_schedule("0 9 * * 1-5", chrono::Utc::now());
    view! {
        <h1 class="text-2xl font-semibold">"New schedule"</h1>
        <ScheduleForm id=None initial=ScheduleRequest::default() draft=draft />
    }
}

/// `/schedules/:id/edit`.
#[component]
pub fn EditSchedule() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    let current = compact_page_data(id, |id| async move {
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
                    Ok((id, edit)) => {
                        view! {
                            {edit
                                .base
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
                            <ScheduleForm id=Some(id) initial=edit.base.request draft=edit.draft />
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Suspense>
    }
}

const INPUT: &str = "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm";
const LABEL: &str = "block text-sm font-medium text-slate-700";

/// The form itself, showing `initial` with its timing as `draft`.
#[component]
fn ScheduleForm(id: Option<Uuid>, initial: ScheduleRequest, draft: TimingDraft) -> impl IntoView {
    let form = FormState::new(&initial, draft);
    let timing = compact_page_data(move || form.draft(), read_timing);

    // The browser's zone is the default of both zones (cron and Run At) when the schedule
    // has none yet; a new Run At then opens on that zone's next full hour.
    #[cfg(feature = "hydrate")]
    {
        let (has_zone, has_at) = (initial.schedule.tz.is_some(), initial.schedule.at.is_some());
        Effect::new(move |_| {
            if let Some(zone) = crate::components::time::browser_zone() {
                if !has_zone {
                    form.tz.set(zone.clone());
                    form.window_zone.set(zone.clone());
                }
                if !has_at {
                    form.at_local
                        .set(crate::components::time::next_full_hour_on_viewer_clock());
                    form.at_zone.set(zone);
                }
            }
        });
    }

    let save = ServerAction::<SaveSchedule>::new();
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
    // Saving needs the reading of what the form shows: the one on screen when it is that,
    // a fresh one when the person was quicker than the server.
    let unread = RwSignal::new(None::<AppError>);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let draft = form.draft();
        let shown = timing
            .get_untracked()
            .and_then(Result::ok)
            .map(|part| part.resolved)
            .filter(|resolved| resolved.of == draft);
        leptos::task::spawn_local(async move {
            let reading = match shown {
                Some(reading) => reading,
                None => match read_timing(draft).await {
                    Ok(part) => part.resolved,
                    Err(error) => return unread.set(Some(error)),
                },
            };
            unread.set(None);
            // A field that does not read is already flagged under it.
            if let Ok(request) = form.to_request(&reading) {
                save.dispatch(SaveSchedule {
                    id,
                    request: RequestCard(request),
                });
            }
        });
    };

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
                    // Shown before the page's code has loaded, too.
                    value=form.name.get_untracked()
                    prop:value=form.name
                    on:input=takes(form.name)
                />
                <FieldError message=server_reason(save, field::NAME) />
            </div>
            <div>
                <label class=LABEL for="labels">
                    "Labels (one key=value per line, e.g. team=billing)"
                </label>
                <textarea
                    id="labels"
                    rows="2"
                    class=format!("{INPUT} font-mono")
                    prop:value=form.labels
                    on:input=takes(form.labels)
                ></textarea>
                <FieldError message=Signal::derive(move || form.label_map().err()) />
                <FieldError message=server_reason(save, field::LABELS) />
            </div>
            <TimingFieldset form=form timing=timing save=save />
            <ControlsFieldset form=form timing=timing save=save />
            <TargetFieldset form=form save=save />
            <RetryFieldset form=form save=save />
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" prop:checked=form.paused on:change=ticks(form.paused) />
                "Paused"
            </label>
            {move || {
                unread
                    .get()
                    .or_else(|| save.value().get().and_then(|r| r.err()))
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
