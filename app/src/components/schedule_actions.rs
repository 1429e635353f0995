//! The buttons of a schedule's page: trigger, pause, resume or re-arm as its state allows,
//! edit, a new signing secret, and delete (after a confirmation); each only for a role that
//! may use it.

use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::ScheduleState;
use uuid::Uuid;

use super::session::can;
use crate::error::AppError;

/// A state action ("trigger", "pause", "resume", "rearm") of a schedule.
pub type ActAction = Action<(Uuid, &'static str), Result<(), AppError>>;

const BUTTON: &str = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium shadow-sm hover:bg-slate-50";

/// The actions for schedule `id` in `state`; `readable: false` offers only edit and delete
/// (nothing else can work on a definition that does not decode).
#[component]
pub fn ScheduleActions(
    id: Uuid,
    state: ScheduleState,
    readable: bool,
    act: ActAction,
    remove: Action<Uuid, Result<(), AppError>>,
    rotate: Action<Uuid, Result<String, AppError>>,
) -> impl IntoView {
    let confirm_delete = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let sure = leptos::prelude::window()
                .confirm_with_message("Delete this schedule and its history?")
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        remove.dispatch(id);
    };
    let state_button = move |name: &'static str, label: &'static str, class: &'static str| {
        view! {
            <button
                id=name
                class=class
                on:click=move |_| {
                    act.dispatch((id, name));
                }
            >
                {label}
            </button>
        }
    };
    let state_actions = move || {
        readable.then(|| match state {
            ScheduleState::Active => view! {
                {state_button("trigger", "Trigger now", BUTTON)}
                {state_button("pause", "Pause", BUTTON)}
            }
            .into_any(),
            ScheduleState::Paused => state_button("resume", "Resume", BUTTON).into_any(),
            ScheduleState::Dead => state_button(
                "rearm",
                "Re-arm",
                "rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white",
            )
            .into_any(),
            ScheduleState::Completed => ().into_any(),
        })
    };
    let (operate, write) = (can(Role::Operate), can(Role::Write));
    view! {
        <div class="flex flex-wrap gap-2">
            <Show when=move || operate.get()>{state_actions}</Show>
            <Show when=move || write.get()>
                <a id="edit" href=format!("/schedules/{id}/edit") class=BUTTON>
                    "Edit"
                </a>
                {readable
                    .then(|| {
                        view! {
                            <button
                                id="rotate-secret"
                                class=BUTTON
                                on:click=move |_| {
                                    rotate.dispatch(id);
                                }
                            >
                                "New signing secret"
                            </button>
                        }
                    })}
                <button
                    id="delete"
                    class="rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700"
                    on:click=confirm_delete
                >
                    "Delete"
                </button>
            </Show>
        </div>
    }
}
