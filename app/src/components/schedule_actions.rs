//! The buttons of a schedule's page: trigger (optionally with a one-off body), pause
//! (optionally until an instant, with a note), resume or re-arm as its state allows, edit,
//! a new signing secret, and delete (after a confirmation); each only for a role that may
//! use it.

use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::ScheduleState;
use uuid::Uuid;

use super::session::can;
use super::time::viewer_instant;
use crate::components::bind::takes;
use crate::error::AppError;
use crate::sync_hydration::IntoAnySync;
use scheduleman::model::{PauseRequest, TriggerRequest};

/// A state action ("trigger", "pause", "resume", "rearm") of schedule `id`, with what a
/// pause or a trigger says beside it.
#[derive(Debug, Clone)]
pub struct ActRequest {
    pub id: Uuid,
    pub action: &'static str,
    pub pause: PauseRequest,
    pub trigger: TriggerRequest,
}

/// Dispatches [`ActRequest`]s.
pub type ActAction = Action<ActRequest, Result<(), AppError>>;

/// Which panel below the buttons is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    None,
    Pause,
    Trigger,
}

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
                    act.dispatch(ActRequest {
                        id,
                        action: name,
                        pause: PauseRequest::default(),
                        trigger: TriggerRequest::default(),
                    });
                }
            >
                {label}
            </button>
        }
    };
    let panel = RwSignal::new(Panel::None);
    let toggle = move |which: Panel| {
        panel.update(|open| *open = if *open == which { Panel::None } else { which })
    };
    let state_actions = move || {
        readable.then(|| match state {
            ScheduleState::Active => view! {
                {state_button("trigger", "Trigger now", BUTTON)}
                <button
                    id="trigger-with-body"
                    class=BUTTON
                    on:click=move |_| toggle(Panel::Trigger)
                >
                    "Trigger with a body…"
                </button>
                {state_button("pause", "Pause", BUTTON)}
                <button id="pause-with-note" class=BUTTON on:click=move |_| toggle(Panel::Pause)>
                    "Pause until…"
                </button>
            }
            .into_any_sync(),
            ScheduleState::Paused => state_button("resume", "Resume", BUTTON).into_any_sync(),
            ScheduleState::Dead => state_button(
                "rearm",
                "Re-arm",
                "rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white",
            )
            .into_any_sync(),
            ScheduleState::Completed => ().into_any_sync(),
        })
    };
    let (operate, write) = (can(Role::Operate), can(Role::Write));
    view! {
        <div class="flex flex-wrap gap-2">
            <Show when=move || operate.get()>{state_actions}</Show>
            <Show when=move || panel.get() == Panel::Pause>
                <PausePanel id act />
            </Show>
            <Show when=move || panel.get() == Panel::Trigger>
                <TriggerPanel id act />
            </Show>
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

const PANEL: &str = "w-full space-y-2 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm";
const FIELD: &str = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1 text-sm";

/// Pause until a time picked on the viewer's wall clock (blank: until resumed), with a note.
#[component]
fn PausePanel(id: Uuid, act: ActAction) -> impl IntoView {
    let until = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let pause = move |_| {
        let until = match viewer_instant(&until.get()) {
            Ok(until) => until,
            Err(reason) => return problem.set(Some(reason)),
        };
        problem.set(None);
        act.dispatch(ActRequest {
            id,
            action: "pause",
            pause: PauseRequest {
                until,
                note: Some(note.get().trim().to_owned()).filter(|n| !n.is_empty()),
            },
            trigger: TriggerRequest::default(),
        });
    };
    view! {
        <div id="pause-panel" class=PANEL>
            <label class="block">
                "Resume by itself at (your time; blank: when someone resumes it)"
                <input
                    id="pause-until"
                    type="datetime-local"
                    class=FIELD
                    prop:value=until
                    on:input=takes(until)
                />
            </label>
            <label class="block">
                "Why (shown in the list)"
                <input
                    id="pause-note"
                    class=FIELD
                    maxlength="500"
                    prop:value=note
                    on:input=takes(note)
                />
            </label>
            {move || {
                problem
                    .get()
                    .map(|p| {
                        view! {
                            <p id="pause-problem" class="text-red-700">
                                {p}
                            </p>
                        }
                    })
            }}
            <button id="pause-confirm" class=BUTTON on:click=pause>
                "Pause"
            </button>
        </div>
    }
}

/// Trigger now with a body sent with this fire only.
#[component]
fn TriggerPanel(id: Uuid, act: ActAction) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let send = move |_| {
        act.dispatch(ActRequest {
            id,
            action: "trigger",
            pause: PauseRequest::default(),
            trigger: TriggerRequest {
                body: Some(body.get()),
            },
        });
    };
    view! {
        <div id="trigger-panel" class=PANEL>
            <label class="block">
                "Body for this fire only"
                <textarea
                    id="trigger-body"
                    rows="4"
                    class=format!("{FIELD} font-mono")
                    prop:value=body
                    on:input=takes(body)
                ></textarea>
            </label>
            <button id="trigger-send" class=BUTTON on:click=send>
                "Trigger now with this body"
            </button>
        </div>
    }
}
