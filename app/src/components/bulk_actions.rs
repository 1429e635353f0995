//! Actions on every schedule a label selector matches (the list filtered by labels): each
//! first counts what it would touch and asks "Pause 12 schedules?", then acts only if the
//! count is still the one confirmed.

use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::{BulkAction, BulkDone, BulkRequest};

use super::session::can;
use crate::error::AppError;
use crate::server_fns::schedules::bulk_schedules;
use crate::sync_hydration::IntoAnySync;

const BUTTON: &str =
    "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm hover:bg-slate-50";

/// Asks the person to confirm `question` (always yes where there is no browser).
fn confirmed(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::window()
            .confirm_with_message(question)
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

/// Counts, confirms, acts: what was done, or `None` when the person said no.
async fn run(
    selector: String,
    action: BulkAction,
) -> Result<Option<(BulkAction, BulkDone)>, AppError> {
    let request = BulkRequest {
        selector,
        action,
        dry_run: true,
        expect: None,
    };
    let counted = bulk_schedules(request.clone()).await?;
    let verb: &'static str = action.into();
    let question = format!("{} {} schedules?", capitalised(verb), counted.matched);
    if counted.matched == 0 || !confirmed(&question) {
        return Ok(None);
    }
    let done = bulk_schedules(BulkRequest {
        dry_run: false,
        expect: Some(counted.matched),
        ..request
    })
    .await?;
    Ok(Some((action, done)))
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The bar above a list filtered by `selector`; `acted` is bumped after an action.
#[component]
pub fn BulkActions(selector: String, acted: RwSignal<u32>) -> impl IntoView {
    let (operate, write) = (can(Role::Operate), can(Role::Write));
    let act = Action::new(move |(selector, action): &(String, BulkAction)| {
        run(selector.clone(), *action)
    });
    Effect::new(move |_| {
        if let Some(Ok(Some(_))) = act.value().get() {
            acted.update(|n| *n += 1);
        }
    });
    let stored = StoredValue::new(selector.clone());
    let button = move |action: BulkAction, label: &'static str, id: &'static str| {
        view! {
            <button
                id=id
                class=BUTTON
                on:click=move |_| {
                    act.dispatch((stored.get_value(), action));
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <div id="bulk-actions" class="mt-3 flex flex-wrap items-center gap-2 text-sm">
            <span class="text-slate-600">
                "Every schedule with " <code class="font-mono">{selector.clone()}</code> ":"
            </span>
            <Show when=move || {
                operate.get()
            }>
                {button(BulkAction::Pause, "Pause all", "bulk-pause")}
                {button(BulkAction::Resume, "Resume all", "bulk-resume")}
                {button(BulkAction::Trigger, "Trigger all", "bulk-trigger")}
            </Show>
            <Show when=move || {
                write.get()
            }>{button(BulkAction::Delete, "Delete all", "bulk-delete")}</Show>
            {move || {
                act.value()
                    .get()
                    .map(|result| match result {
                        Ok(Some((action, done))) => {
                            let verb: &'static str = action.into();
                            view! {
                                <span id="bulk-result" class="text-emerald-700">
                                    {format!("{verb}: {} of {} schedules", done.done, done.matched)}
                                </span>
                            }
                                .into_any_sync()
                        }
                        Ok(None) => {
                            view! { <span id="bulk-result">"Nothing done."</span> }.into_any_sync()
                        }
                        Err(error) => {
                            view! {
                                <span id="bulk-result" class="text-red-700">
                                    {error.to_string()}
                                </span>
                            }
                                .into_any_sync()
                        }
                    })
            }}
        </div>
    }
}
