//! The form's "Limits" fieldset for recurring schedules: the active window (picked in a
//! zone, like Run At), the run limit, the jitter, and for cron schedules the DST policy with
//! every change it affects in the next 12 months, read by the server.

use leptos::prelude::*;
use scheduleman::schedule::{DstGap, DstOverlap};
use scheduleman::validate::field;

use super::fields::{server_reason, FieldError};
use super::state::FormState;
use super::timing::{on_reading, shown, Timing};
use super::{INPUT, LABEL};
use crate::components::bind::{chooses, is_chosen, takes};
use crate::components::zone_select::ZoneSelect;
use crate::server_fns::schedules::SaveSchedule;
use crate::sync_hydration::IntoAnySync;
use crate::timing_draft::TimingKind;

/// The window, the run limit, the jitter and (cron) the DST policy.
#[component]
pub(super) fn ControlsFieldset(
    form: FormState,
    timing: Timing,
    save: ServerAction<SaveSchedule>,
) -> AnyView {
    let recurring = move || matches!(form.kind.get(), TimingKind::Cron | TimingKind::Every);
    view! {
        <fieldset id="controls" class:hidden=move || !recurring()>
            <legend class=LABEL>"Limits"</legend>
            <div class="mt-1 grid gap-3 sm:grid-cols-3">
                <div>
                    <label class=LABEL for="starts-at">
                        "Not before"
                    </label>
                    <input
                        id="starts-at"
                        type="datetime-local"
                        step="1"
                        class=INPUT
                        prop:value=form.starts_local
                        on:input=takes(form.starts_local)
                    />
                    {on_reading(
                        timing,
                        |reading| {
                            let problem = reading.ok().and_then(|r| r.resolved.starts_at.err());
                            view! { <FieldError message=problem /> }.into_any_sync()
                        },
                    )}
                    <FieldError message=server_reason(save, field::STARTS_AT) />
                </div>
                <div>
                    <label class=LABEL for="ends-at">
                        "Not after (then it completes)"
                    </label>
                    <input
                        id="ends-at"
                        type="datetime-local"
                        step="1"
                        class=INPUT
                        prop:value=form.ends_local
                        on:input=takes(form.ends_local)
                    />
                    {on_reading(
                        timing,
                        |reading| {
                            let problem = reading.ok().and_then(|r| r.resolved.ends_at.err());
                            view! { <FieldError message=problem /> }.into_any_sync()
                        },
                    )}
                    <FieldError message=server_reason(save, field::ENDS_AT) />
                </div>
                <div>
                    <label class=LABEL for="window-zone">
                        "Window's time zone"
                    </label>
                    <ZoneSelect id="window-zone" zone=form.window_zone />
                </div>
                <div>
                    <label class=LABEL for="max-fires">
                        "Stop after this many fires"
                    </label>
                    <input
                        id="max-fires"
                        inputmode="numeric"
                        placeholder="no limit"
                        class=INPUT
                        prop:value=form.max_fires
                        on:input=takes(form.max_fires)
                    />
                    <FieldError message=Signal::derive(move || form.max_fires_limit().err()) />
                    <FieldError message=server_reason(save, field::MAX_FIRES) />
                </div>
                <div>
                    <label class=LABEL for="jitter">
                        "Jitter (e.g. 30s)"
                    </label>
                    <input
                        id="jitter"
                        placeholder="none"
                        class=INPUT
                        prop:value=form.jitter
                        on:input=takes(form.jitter)
                    />
                    <FieldError message=server_reason(save, field::JITTER) />
                </div>
            </div>
            <p id="jitter-note" class="mt-2 text-sm text-slate-600">
                {move || jitter_note(&form.jitter.get())}
            </p>
            {move || {
                (form.kind.get() == TimingKind::Cron)
                    .then(|| view! { <DstPolicyFields form timing save /> })
            }}
        </fieldset>
    }
    .into_any_sync()
}

/// What a jitter does, in words; nothing when there is none.
fn jitter_note(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match humantime::parse_duration(text) {
        Ok(_) => format!(
            "Each fire happens at a point within {text} after its time: the same point for every \
             executor and every retry, different from fire to fire."
        ),
        Err(error) => format!("{text:?} is not a duration such as 30s or 5m ({error})"),
    })
}

/// The DST policy selects and the changes they affect.
#[component]
fn DstPolicyFields(
    form: FormState,
    timing: Timing,
    save: ServerAction<SaveSchedule>,
) -> impl IntoView {
    view! {
        <div class="mt-3 grid gap-3 sm:grid-cols-2">
            <div>
                <label class=LABEL for="dst-gap">
                    "A time the clocks skip (spring forward)"
                </label>
                <select
                    id="dst-gap"
                    class=INPUT
                    on:change=chooses(form.dst_gap, |value| value.parse().ok())
                >
                    <option value="" selected=is_chosen(form.dst_gap, None)>
                        "Like cron: shift fixed times, skip others"
                    </option>
                    <option value="shift" selected=is_chosen(form.dst_gap, Some(DstGap::Shift))>
                        "Shift to the end of the gap"
                    </option>
                    <option value="skip" selected=is_chosen(form.dst_gap, Some(DstGap::Skip))>
                        "Skip it"
                    </option>
                </select>
                <FieldError message=server_reason(save, field::DST_GAP) />
            </div>
            <div>
                <label class=LABEL for="dst-overlap">
                    "A time that happens twice (fall back)"
                </label>
                <select
                    id="dst-overlap"
                    class=INPUT
                    on:change=chooses(form.dst_overlap, |value| value.parse().ok())
                >
                    <option value="" selected=is_chosen(form.dst_overlap, None)>
                        "Like cron: once for fixed times, twice for others"
                    </option>
                    <option
                        value="once"
                        selected=is_chosen(form.dst_overlap, Some(DstOverlap::Once))
                    >
                        "Fire once, at the first"
                    </option>
                    <option
                        value="twice"
                        selected=is_chosen(form.dst_overlap, Some(DstOverlap::Twice))
                    >
                        "Fire at both"
                    </option>
                </select>
                <FieldError message=server_reason(save, field::DST_OVERLAP) />
            </div>
        </div>
        <div id="dst-effects" class="mt-2 text-sm">
            {on_reading(timing, |reading| shown(reading, |part| part.dst_changes))}
        </div>
    }
}
