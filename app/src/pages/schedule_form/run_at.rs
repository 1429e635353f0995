//! The notes under the Run At picker: the instant the server resolved the reading to, in
//! UTC and the viewer's zone; a time the clocks skip flagged; a choice between the two
//! occurrences of a time the clocks repeat.

use leptos::prelude::*;

use crate::components::bind::{chooses, is_chosen};
use crate::components::time::{utc_text, LocalTime};
use crate::sync_hydration::IntoAnySync;
use crate::timing_draft::RunAt;

/// The resolved instant in UTC and the viewer's zone; a DST gap flagged; a choice between
/// the two occurrences of an ambiguous time.
#[component]
pub(super) fn RunAtNotes(run_at: Result<RunAt, String>, later: RwSignal<bool>) -> impl IntoView {
    match run_at {
        Ok(run) => view! {
            <p id="run-at-instant" class="mt-2 text-sm text-slate-600">
                "That is "
                {utc_text(run.instant.0)}
                " · "
                <LocalTime at=run.instant.0 />
            </p>
            {run
                .ambiguous
                .map(|(first, second)| {
                    view! {
                        <div
                            id="ambiguous"
                            class="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900"
                        >
                            "This time occurs twice that day (the clocks go back). Which one?"
                            <label class="ml-3">
                                <input
                                    type="radio"
                                    name="occurrence"
                                    prop:checked=is_chosen(later, false)
                                    on:change=chooses(later, |_| false)
                                />
                                " the first ("
                                {utc_text(first.0)}
                                ")"
                            </label>
                            <label class="ml-3">
                                <input
                                    type="radio"
                                    name="occurrence"
                                    prop:checked=is_chosen(later, true)
                                    on:change=chooses(later, |_| true)
                                />
                                " the second ("
                                {utc_text(second.0)}
                                ")"
                            </label>
                        </div>
                    }
                })}
        }
        .into_any_sync(),
        Err(reason) => view! {
            <p id="run-at-warning" class="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900">
                {reason}
            </p>
        }
        .into_any_sync(),
    }
}
