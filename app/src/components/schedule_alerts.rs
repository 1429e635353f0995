//! A schedule's alerts on its page: where they go, whether they are muted (with mute and
//! unmute for a role that may operate), and the schedule's incidents.

use chrono::{TimeDelta, Utc};
use leptos::prelude::*;
use scheduleman::access::Role;
use scheduleman::model::{AlertRule, DEFAULT_FAILING_AFTER};
use uuid::Uuid;

use super::error_note::ErrorNote;
use super::session::IfCan;
use super::time::LocalTime;
use crate::page_data::compact_page_data;
use crate::server_fns::alerts::{get_alert_rule, schedule_incidents_part, SetAlertRule};
use crate::server_html::ServerPart;
use crate::sync_hydration::IntoAnySync;
use crate::wire::AlertRuleCard;

const BUTTON: &str =
    "rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium hover:bg-slate-50";

/// Schedule `id`'s alerts.
#[component]
pub fn ScheduleAlerts(id: Uuid) -> impl IntoView {
    let set = ServerAction::<SetAlertRule>::new();
    let rule = compact_page_data(move || set.version().get(), move |_| get_alert_rule(id));
    let incidents = compact_page_data(|| (), move |_| schedule_incidents_part(id));
    let mute = move |current: AlertRule, hours: Option<i64>| {
        let muted_until = hours.map(|h| Utc::now() + TimeDelta::hours(h));
        set.dispatch(SetAlertRule {
            id,
            rule: AlertRule {
                muted_until,
                ..current
            },
        });
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match rule.await {
                    Ok(AlertRuleCard(current)) => {
                        let routed = match &current.channels {
                            None => "the default channels".to_owned(),
                            Some(ids) => format!("{} channel(s) of its own", ids.len()),
                        };
                        let failing = current.failing_after.unwrap_or(DEFAULT_FAILING_AFTER);
                        let muted = current.muted_until.filter(|until| *until > Utc::now());
                        let (for_hour, for_day, unmute) = (
                            current.clone(),
                            current.clone(),
                            current.clone(),
                        );
                        view! {
                            <p id="alert-routing" class="mt-2 text-sm text-slate-700">
                                {format!(
                                    "Alerts go to {routed}; failing after {failing} failed attempts in a row.",
                                )}
                                {muted
                                    .map(|until| {
                                        view! {
                                            <span id="muted" class="ml-1 text-amber-700">
                                                " Muted until "
                                                <LocalTime at=until />
                                                "."
                                            </span>
                                        }
                                    })}
                            </p>
                            <IfCan role=Role::Operate>
                                <div class="mt-2 flex gap-2">
                                    <button
                                        id="mute-hour"
                                        class=BUTTON
                                        on:click={
                                            let c = for_hour.clone();
                                            move |_| mute(c.clone(), Some(1))
                                        }
                                    >
                                        "Mute for an hour"
                                    </button>
                                    <button
                                        id="mute-day"
                                        class=BUTTON
                                        on:click={
                                            let c = for_day.clone();
                                            move |_| mute(c.clone(), Some(24))
                                        }
                                    >
                                        "Mute for a day"
                                    </button>
                                    <button
                                        id="unmute"
                                        class=BUTTON
                                        on:click={
                                            let c = unmute.clone();
                                            move |_| mute(c.clone(), None)
                                        }
                                    >
                                        "Unmute"
                                    </button>
                                </div>
                            </IfCan>
                        }
                            .into_any_sync()
                    }
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
        {move || {
            set.value()
                .get()
                .and_then(Result::err)
                .map(|error| view! { <ErrorNote message=error.to_string() /> })
        }}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match incidents.await {
                    Ok(html) => view! { <ServerPart html=html /> }.into_any_sync(),
                    Err(error) => view! { <ErrorNote message=error.to_string() /> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}
