//! Incidents as a table: what happened, to which schedule, why, and when it opened and was
//! resolved.

use leptos::prelude::*;
use scheduleman::model::IncidentView;

use super::time::LocalTime;
use crate::sync_hydration::IntoAnySync;

/// The incidents, newest first; `id` names the table for tests and links.
#[component]
pub fn IncidentTable(incidents: Vec<IncidentView>, id: &'static str) -> impl IntoView {
    view! {
        <table
            id=id
            class="mt-3 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm"
        >
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"Event"</th>
                    <th class="px-3 py-2">"Schedule"</th>
                    <th class="px-3 py-2">"Why"</th>
                    <th class="px-3 py-2">"Opened"</th>
                    <th class="px-3 py-2">"Resolved"</th>
                </tr>
            </thead>
            <tbody>
                {incidents
                    .into_iter()
                    .map(|incident| {
                        let schedule = match (
                            incident.schedule_id,
                            incident.schedule_name.clone(),
                        ) {
                            (Some(id), name) => {
                                view! {
                                    <a
                                        href=format!("/schedules/{id}")
                                        class="text-indigo-700 hover:underline"
                                    >
                                        {name.unwrap_or_else(|| id.to_string())}
                                    </a>
                                }
                                    .into_any_sync()
                            }
                            (None, Some(name)) => format!("{name} (deleted)").into_any_sync(),
                            (None, None) => "all".into_any_sync(),
                        };
                        let resolved = incident
                            .resolved_at
                            .map(|at| {
                                view! {
                                    <LocalTime at=at />
                                    <div class="text-xs text-slate-500">
                                        {incident.resolution.clone().unwrap_or_default()}
                                    </div>
                                }
                            });
                        view! {
                            <tr
                                class="incident-row border-t border-slate-100 align-top"
                                data-event=incident.event.as_str()
                            >
                                <td class="px-3 py-2 font-mono text-xs">
                                    {incident.event.as_str()}
                                </td>
                                <td class="px-3 py-2">{schedule}</td>
                                <td class="reason px-3 py-2 text-red-700">
                                    {incident.reason.clone()}
                                </td>
                                <td class="px-3 py-2 whitespace-nowrap">
                                    <LocalTime at=incident.opened_at />
                                </td>
                                <td class="px-3 py-2 whitespace-nowrap">{resolved}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
