//! The form's "When" fieldset: the kind of timing (cron, Run At, in…, every…), its fields,
//! and a preview of the next fires computed in the browser by the executor's own code.

use chrono::Utc;
use leptos::prelude::*;
use scheduleman::schedule;
use scheduleman::validate::field;

use super::fields::{server_reason, FieldError};
use super::run_at::{resolve_run_at, RunAtNotes};
use super::state::{FormState, Kind};
use super::{INPUT, LABEL};
use crate::components::fires::{FireList, FireReading};
use crate::components::zone_select::ZoneSelect;
use crate::server_fns::schedules::SaveSchedule;
use crate::sync_hydration::IntoAnySync;

/// The timing fields and their preview.
#[component]
pub(super) fn TimingFieldset(form: FormState, save: ServerAction<SaveSchedule>) -> impl IntoView {
    let run_at = Memo::new(move |_| {
        resolve_run_at(
            &form.at_local.get(),
            &form.at_zone.get(),
            form.at_later.get(),
        )
    });
    let preview = Memo::new(move |_| {
        schedule::preview_with(&form.timing(), &form.preview_options(), Utc::now(), 5)
            .map(|preview| {
                let fires = preview
                    .fires
                    .iter()
                    .map(|fire| FireReading::read(fire, preview.zone))
                    .collect::<Vec<_>>();
                (preview.spec.describe(), fires)
            })
            .map_err(|error| error.to_string())
    });
    let kinds = [
        (Kind::Cron, "cron", "Cron"),
        (Kind::At, "at", "Run At"),
        (Kind::In, "in", "In…"),
        (Kind::Every, "every", "Every…"),
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
                                        prop:value=move || form.cron.get()
                                        on:input=move |e| form.cron.set(event_target_value(&e))
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
                                        prop:value=move || form.at_local.get()
                                        on:input=move |e| form.at_local.set(event_target_value(&e))
                                    />
                                </div>
                                <div>
                                    <label class=LABEL for="at-zone">
                                        "Time zone"
                                    </label>
                                    <ZoneSelect id="at-zone" zone=form.at_zone />
                                </div>
                            </div>
                            <RunAtNotes run_at=run_at later=form.at_later />
                        }
                            .into_any_sync()
                    }
                    Kind::In => {
                        view! {
                            <label class=LABEL for="in">
                                "In (e.g. 90s, 15m, 1h 30m, 2days)"
                            </label>
                            <input
                                id="in"
                                class=INPUT
                                prop:value=move || form.in_.get()
                                on:input=move |e| form.in_.set(event_target_value(&e))
                            />
                        }
                            .into_any_sync()
                    }
                    Kind::Every => {
                        view! {
                            <label class=LABEL for="every">
                                "Every (at least 1s)"
                            </label>
                            <input
                                id="every"
                                class=INPUT
                                prop:value=move || form.every.get()
                                on:input=move |e| form.every.set(event_target_value(&e))
                            />
                        }
                            .into_any_sync()
                    }
                }}
            </div>
            <div id="preview" class="mt-3 rounded-md bg-slate-50 p-3 text-sm">
                {move || match preview.get() {
                    Ok((description, fires)) => {
                        view! {
                            <p id="description" class="font-medium">
                                {description}
                            </p>
                            <FireList fires=fires />
                        }
                            .into_any_sync()
                    }
                    Err(_) if form.kind.get() == Kind::At && run_at.get().is_err() => {
                        ().into_any_sync()
                    }
                    Err(reason) => {
                        // A Run At problem is already flagged under the picker.
                        view! {
                            <p id="schedule-error" class="text-red-700">
                                {reason}
                            </p>
                        }
                            .into_any_sync()
                    }
                }}
            </div>
            <FieldError message=server_reason(save, field::SCHEDULE) />
        </fieldset>
    }
}
