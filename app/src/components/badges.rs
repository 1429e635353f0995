//! Small labels: a schedule's state, why and until when it is paused, the fires it has
//! left, and its last outcome with the reason on hover.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use scheduleman::model::{Outcome, ScheduleState};

use super::time::LocalTime;
use crate::sync_hydration::IntoAnySync;

/// The state as a coloured label.
#[component]
pub fn StateBadge(state: ScheduleState) -> impl IntoView {
    let colour = match state {
        ScheduleState::Active => "bg-emerald-100 text-emerald-800",
        ScheduleState::Paused => "bg-amber-100 text-amber-800",
        ScheduleState::Completed => "bg-slate-100 text-slate-700",
        ScheduleState::Dead => "bg-red-100 text-red-800",
    };
    view! {
        <span class=format!(
            "rounded-full px-2 py-0.5 text-xs font-medium {colour}",
        )>{state.as_str()}</span>
    }
}

/// A paused schedule's "until …, by …: why" (each part only when known).
#[component]
pub fn PauseNote(
    until: Option<DateTime<Utc>>,
    by: Option<String>,
    note: Option<String>,
) -> impl IntoView {
    view! {
        <span class="pause-note block text-xs text-amber-800">
            {match until {
                Some(at) => {
                    view! {
                        "until "
                        <LocalTime at=at />
                    }
                        .into_any_sync()
                }
                None => "until resumed".into_any_sync(),
            }} {by.map(|by| format!(", by {by}"))} {note.map(|note| format!(": {note}"))}
        </span>
    }
}

/// A schedule's labels as small chips, each a link to the list of schedules with it.
#[component]
pub fn LabelChips(labels: scheduleman::labels::Labels) -> impl IntoView {
    (!labels.is_empty()).then(|| {
        view! {
            <span class="labels mt-1 flex flex-wrap gap-1">
                {labels
                    .into_iter()
                    .map(|(key, value)| {
                        let pair = format!("{key}={value}");
                        let href = format!(
                            "/?selector={}",
                            url::form_urlencoded::byte_serialize(pair.as_bytes())
                                .collect::<String>(),
                        );
                        view! {
                            <a
                                href=href
                                class="label rounded bg-slate-100 px-1.5 font-mono text-xs font-normal text-slate-700"
                            >
                                {pair}
                            </a>
                        }
                    })
                    .collect_view()}
            </span>
        }
    })
}

/// A run-limited schedule's fires left ("3 of 10 fires left").
#[component]
pub fn FiresLeft(left: Option<i32>, limit: Option<i32>) -> impl IntoView {
    limit.map(|limit| {
        view! {
            <span class="fires-left block text-xs text-slate-600">
                {format!("{} of {limit} fires left", left.unwrap_or(limit))}
            </span>
        }
    })
}

/// The last outcome; a failure shows its reason on hover (and in full on the detail page).
#[component]
pub fn OutcomeBadge(outcome: Option<Outcome>, error: Option<String>) -> impl IntoView {
    let (label, colour) = match outcome {
        Some(Outcome::Success) => ("delivered", "bg-emerald-50 text-emerald-700"),
        Some(Outcome::Failure) => ("failed", "bg-red-50 text-red-700"),
        Some(Outcome::Skipped) => ("skipped", "bg-slate-100 text-slate-600"),
        None => ("not yet", "bg-slate-50 text-slate-400"),
    };
    view! {
        <span
            class=format!("outcome rounded px-2 py-0.5 text-xs font-medium {colour}")
            title=error.clone().unwrap_or_default()
        >
            {label}
        </span>
        {error
            .map(|reason| view! { <span class="ml-2 text-xs text-red-700 reason">{reason}</span> })}
    }
}
