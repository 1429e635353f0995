//! The form's target fieldset: the webhook's URL, method, headers and body.

use leptos::prelude::*;
use scheduleman::validate::field;

use super::fields::{server_reason, FieldError};
use super::state::FormState;
use super::{INPUT, LABEL};
use crate::components::bind::{is_chosen, takes};
use crate::server_fns::schedules::SaveSchedule;

/// Where and how the trigger is sent.
#[component]
pub(super) fn TargetFieldset(form: FormState, save: ServerAction<SaveSchedule>) -> impl IntoView {
    view! {
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
                    // Shown before the page's code has loaded, too.
                    value=form.url.get_untracked()
                    prop:value=form.url
                    on:input=takes(form.url)
                />
                <FieldError message=server_reason(save, field::TARGET_URL) />
            </div>
            <div>
                <label class=LABEL for="method">
                    "Method"
                </label>
                <select id="method" class=INPUT on:change=takes(form.method)>
                    {scheduleman::validate::METHODS
                        .map(|m| {
                            view! {
                                <option value=m selected=is_chosen(form.method, m.to_owned())>
                                    {m}
                                </option>
                            }
                        })}
                </select>
                <FieldError message=server_reason(save, field::TARGET_METHOD) />
            </div>
            <div class="sm:col-span-2">
                <label class=LABEL for="headers">
                    "Headers (one \"Name: value\" per line)"
                </label>
                <textarea
                    id="headers"
                    rows="3"
                    class=format!("{INPUT} font-mono")
                    prop:value=form.headers
                    on:input=takes(form.headers)
                ></textarea>
                <FieldError message=server_reason(save, field::TARGET_HEADERS) />
            </div>
            <div class="sm:col-span-2">
                <label class=LABEL for="body">
                    "Body (default: a JSON description of the trigger)"
                </label>
                <textarea
                    id="body"
                    rows="3"
                    class=format!("{INPUT} font-mono")
                    prop:value=form.body
                    on:input=takes(form.body)
                ></textarea>
                <FieldError message=server_reason(save, field::TARGET_BODY) />
            </div>
        </fieldset>
    }
}
