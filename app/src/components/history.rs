//! A schedule's attempt history as a table: when each fire was due (marked when someone
//! triggered it by hand), which attempt, which executor, the status, lag, latency and why
//! it failed.

use leptos::prelude::*;
use scheduleman::model::ExecutionView;
use scheduleman::punctuality::lag_text;

use crate::components::time::LocalTime;

/// The attempts, newest first.
#[component]
pub fn History(rows: Vec<ExecutionView>) -> impl IntoView {
    view! {
        <table
            id="history"
            class="mt-2 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm"
        >
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"Fire time"</th>
                    <th class="px-3 py-2">"Attempt"</th>
                    <th class="px-3 py-2">"Executor"</th>
                    <th class="px-3 py-2">"Status"</th>
                    <th class="px-3 py-2" title="Request start minus the scheduled instant">
                        "Lag"
                    </th>
                    <th class="px-3 py-2">"Latency"</th>
                    <th class="px-3 py-2">"Why it failed"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let lag = lag_text(Some(row.lag_ms()));
                        view! {
                            <tr class="execution border-t border-slate-100">
                                <td class="px-3 py-1.5">
                                    <LocalTime at=row.scheduled_for />
                                    {row
                                        .manual
                                        .then(|| {
                                            view! {
                                                <span class="manual ml-2 rounded bg-indigo-50 px-1.5 text-xs text-indigo-700">
                                                    "manual"
                                                </span>
                                            }
                                        })}
                                    {row
                                        .backfill_id
                                        .map(|_| {
                                            view! {
                                                <span class="backfill ml-2 rounded bg-sky-50 px-1.5 text-xs text-sky-700">
                                                    "backfill"
                                                </span>
                                            }
                                        })}
                                </td>
                                <td class="px-3 py-1.5">{row.attempt}</td>
                                <td class="px-3 py-1.5 font-mono text-xs">{row.executor_id}</td>
                                <td class="px-3 py-1.5">
                                    {row
                                        .http_status
                                        .map(|s| s.to_string())
                                        .unwrap_or_else(|| "—".into())}
                                </td>
                                <td class="lag px-3 py-1.5">{lag}</td>
                                <td class="px-3 py-1.5">{format!("{} ms", row.latency_ms)}</td>
                                <td class="error px-3 py-1.5 text-red-700">
                                    {row.error.unwrap_or_default()}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
