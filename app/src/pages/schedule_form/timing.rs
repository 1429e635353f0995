//! The form's "When" fieldset: the kind of timing (cron, Run At, in…, every…), its fields,
//! and a preview of the next fires, read and rendered by the server with the executor's own
//! code.

use leptos::prelude::*;
use scheduleman::validate::field;

use super::fields::{server_reason, FieldError};
use super::state::FormState;
use super::{INPUT, LABEL};
use crate::components::bind::{chooses, takes};
use crate::components::zone_select::ZoneSelect;
use crate::error::AppError;
use crate::page_data::CompactPageData;
use crate::server_fns::schedules::SaveSchedule;
use crate::server_html::{ServerHtml, ServerPart};
use crate::sync_hydration::IntoAnySync;
use crate::timing_draft::{TimingKind, TimingPart};

/// The server's reading of the form's timing fields, read again whenever they change.
pub(super) type Timing = CompactPageData<Result<TimingPart, AppError>>;

/// What `show` makes of the latest reading of the timing; the last one stays on screen while
/// a newer one is on its way. `show` is a function, not a closure: every place that shows the
/// reading then shares one compiled transition.
pub(super) fn on_reading(
    timing: Timing,
    show: fn(Result<TimingPart, AppError>) -> AnyView,
) -> impl IntoView {
    view! { <Transition>{move || Suspend::new(async move { show(timing.await) })}</Transition> }
}

/// The timing fields and their preview.
#[component]
pub(super) fn TimingFieldset(
    form: FormState,
    timing: Timing,
    save: ServerAction<SaveSchedule>,
) -> impl IntoView {
    let kinds = [
        (TimingKind::Cron, "cron", "Cron"),
        (TimingKind::At, "at", "Run At"),
        (TimingKind::In, "in", "In…"),
        (TimingKind::Every, "every", "Every…"),
    ];
    view! {
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
                                    if form.kind.get() == k {
                                        "kind rounded-md bg-indigo-600 px-3 py-1.5 text-sm text-white"
                                    } else {
                                        "kind rounded-md border border-slate-300 px-3 py-1.5 text-sm"
                                    }
                                }
                                on:click=move |_| form.kind.set(k)
                            >
                                {label}
                            </button>
                        }
                    })}
            </div>
            <div class="mt-3">
                {move || match form.kind.get() {
                    TimingKind::Cron => {
                        view! {
                            <div class="grid gap-3 sm:grid-cols-3">
                                <div class="sm:col-span-2">
                                    <label class=LABEL for="cron">
                                        "Cron expression"
                                    </label>
                                    <input
                                        id="cron"
                                        class=format!("{INPUT} font-mono")
                                        prop:value=form.cron
                                        on:input=takes(form.cron)
                                    />
                                </div>
                                <div>
                                    <label class=LABEL for="tz">
                                        "Time zone"
                                    </label>
                                    <ZoneSelect id="tz" zone=form.tz />
                                </div>
                            </div>
                        }
                            .into_any_sync()
                    }
                    TimingKind::At => {
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
                                        prop:value=form.at_local
                                        on:input=takes(form.at_local)
                                    />
                                </div>
                                <div>
                                    <label class=LABEL for="at-zone">
                                        "Time zone"
                                    </label>
                                    <ZoneSelect id="at-zone" zone=form.at_zone />
                                </div>
                            </div>
                            // The choice between two occurrences of a time is in the notes.
                            <div on:change=chooses(
                                form.at_later,
                                |value| value == "second",
                            )>
                                {on_reading(
                                    timing,
                                    |reading| shown(reading, |part| part.run_at_notes),
                                )}
                            </div>
                        }
                            .into_any_sync()
                    }
                    TimingKind::In => {
                        view! {
                            <label class=LABEL for="in">
                                "In (e.g. 90s, 15m, 1h 30m, 2days)"
                            </label>
                            <input
                                id="in"
                                class=INPUT
                                prop:value=form.in_
                                on:input=takes(form.in_)
                            />
                        }
                            .into_any_sync()
                    }
                    TimingKind::Every => {
                        view! {
                            <label class=LABEL for="every">
                                "Every (at least 1s)"
                            </label>
                            <input
                                id="every"
                                class=INPUT
                                prop:value=form.every
                                on:input=takes(form.every)
                            />
                        }
                            .into_any_sync()
                    }
                }}
            </div>
            <div id="preview" class="mt-3 rounded-md bg-slate-50 p-3 text-sm">
                {on_reading(
                    timing,
                    |reading| match reading {
                        Ok(part) => view! { <ServerPart html=part.preview /> }.into_any_sync(),
                        Err(error) => {
                            view! {
                                <p id="schedule-error" class="text-red-700">
                                    {error.to_string()}
                                </p>
                            }
                                .into_any_sync()
                        }
                    },
                )}
            </div>
            <FieldError message=server_reason(save, field::SCHEDULE) />
        </fieldset>
    }
}

/// The part of the reading `pick` names, as the server rendered it; nothing while there is no
/// reading (the preview says why).
pub(super) fn shown(
    reading: Result<TimingPart, AppError>,
    pick: fn(TimingPart) -> ServerHtml,
) -> AnyView {
    reading
        .ok()
        .map(|part| view! { <ServerPart html=pick(part) /> })
        .into_any_sync()
}
