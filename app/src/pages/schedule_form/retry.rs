//! The form's retry fieldset: attempts, retry delays (durations, checked as typed), what
//! missed fires and a fire out of attempts do.

use leptos::prelude::*;
use scheduleman::model::{Misfire, OnDead};
use scheduleman::validate::field;

use super::fields::{parse_retry_delay, server_reason, FieldError};
use super::state::FormState;
use super::{INPUT, LABEL};
use crate::components::bind::{chooses, is_chosen, takes};
use crate::server_fns::schedules::SaveSchedule;

/// How failures are retried and what becomes of missed and dead fires.
#[component]
pub(super) fn RetryFieldset(form: FormState, save: ServerAction<SaveSchedule>) -> impl IntoView {
    // A delay that does not read is flagged under its field (and blocks saving).
    let delay_error = move |text: RwSignal<String>, path: &'static str| {
        let from_server = server_reason(save, path);
        Signal::derive(move || {
            parse_retry_delay(&text.get())
                .err()
                .or_else(|| from_server.get())
        })
    };
    view! {
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
                    prop:value=form.max_attempts
                    on:input=takes(form.max_attempts)
                />
                <FieldError message=server_reason(save, field::MAX_ATTEMPTS) />
            </div>
            {[
                (
                    "backoff-initial",
                    "First retry after",
                    "1s",
                    form.backoff_initial,
                    field::BACKOFF_INITIAL_MS,
                ),
                (
                    "backoff-max",
                    "Longest retry delay",
                    "5m",
                    form.backoff_max,
                    field::BACKOFF_MAX_MS,
                ),
            ]
                .into_iter()
                .map(|(id, label, placeholder, text, path)| {
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
                                prop:value=text
                                on:input=takes(text)
                            />
                            <FieldError message=delay_error(text, path) />
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
                    on:change=chooses(
                        form.misfire,
                        |value| if value == "skip" { Misfire::Skip } else { Misfire::FireOnce },
                    )
                >
                    <option value="fire_once" selected=is_chosen(form.misfire, Misfire::FireOnce)>
                        "Fire once, then resume"
                    </option>
                    <option value="skip" selected=is_chosen(form.misfire, Misfire::Skip)>
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
                    on:change=chooses(
                        form.on_dead,
                        |value| if value == "next_fire" { OnDead::NextFire } else { OnDead::Stop },
                    )
                >
                    <option value="stop" selected=is_chosen(form.on_dead, OnDead::Stop)>
                        "Stop the schedule (dead letter)"
                    </option>
                    <option value="next_fire" selected=is_chosen(form.on_dead, OnDead::NextFire)>
                        "Dead-letter the fire, keep the schedule"
                    </option>
                </select>
            </div>
        </fieldset>
    }
}
