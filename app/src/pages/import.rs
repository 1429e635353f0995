//! Import a crontab: paste it, see per line what was understood (its timing in words, next
//! runs with DST notes, or the error with its line number) and what would be created,
//! changed or left alone against what the same source imported before; nothing is written
//! until the person confirms, and then all of it in one transaction.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use scheduleman::crontab::{ImportAction, ImportPlan, LineItem, PlannedLine};
use scheduleman::crontab::{ImportDone, ImportRequest};

use crate::components::bind::{takes, ticks};
#[cfg(feature = "ssr")]
use crate::components::fires::{FireList, FireReading};
use crate::components::zone_select::ZoneSelect;
use crate::error::AppError;
use crate::server_fns::imports::{import_crontab, preview_crontab, PlanPart};
use crate::server_html::ServerPart;
use crate::sync_hydration::IntoAnySync;
use crate::wire::ImportRequestCard;

const INPUT: &str = "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm";
const LABEL: &str = "block text-sm font-medium text-slate-700";
const BUTTON: &str = "rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:opacity-50";

/// The import page.
#[component]
pub fn ImportCrontab() -> impl IntoView {
    let source = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let tz = RwSignal::new("UTC".to_owned());
    let target = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(zone) = crate::components::time::browser_zone() {
            tz.set(zone);
        }
    });
    let request = move || ImportRequest {
        source: source.get(),
        text: text.get(),
        tz: tz.get(),
        target_url: Some(target.get()).filter(|url| !url.trim().is_empty()),
        skip_errors: false,
        digest: None,
    };
    let preview = Action::new(|request: &ImportRequest| {
        let request = request.clone();
        async move {
            preview_crontab(ImportRequestCard(request.clone()))
                .await
                .map(|plan| (request, plan))
        }
    });
    let confirm = Action::new(|(request, digest): &(ImportRequest, String)| {
        let (request, digest) = (request.clone(), digest.clone());
        async move { import_crontab(ImportRequestCard(request), digest).await }
    });
    // A new preview hides the last import's answer.
    Effect::new(move |_| {
        if preview.version().get() > 0 {
            confirm.value().set(None);
        }
    });

    view! {
        <h1 class="text-2xl font-semibold">"Import a crontab"</h1>
        <p class="mt-1 text-sm text-slate-600">
            "Paste a crontab: comments, CRON_TZ= or TZ= lines, macros, 5- and 6-field lines. A command that is a URL, or a curl/wget of one, becomes the webhook; other lines call the target URL below, named after their command (or the comment above them). Nothing is saved until you confirm."
        </p>
        <form
            class="mt-4 space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
            on:submit=move |event| {
                event.prevent_default();
                preview.dispatch(request());
            }
        >
            <div class="grid gap-3 sm:grid-cols-3">
                <div>
                    <label class=LABEL for="source">
                        "Source"
                    </label>
                    <input
                        id="source"
                        class=INPUT
                        placeholder="web-1:root"
                        prop:value=source
                        on:input=takes(source)
                    />
                </div>
                <div>
                    <label class=LABEL for="import-tz">
                        "Zone of lines without CRON_TZ"
                    </label>
                    <ZoneSelect id="import-tz" zone=tz />
                </div>
                <div>
                    <label class=LABEL for="import-target">
                        "Target URL for other commands"
                    </label>
                    <input
                        id="import-target"
                        class=INPUT
                        placeholder="https://jobs.example.com/run"
                        prop:value=target
                        on:input=takes(target)
                    />
                </div>
            </div>
            <textarea
                id="crontab"
                rows="10"
                class=format!("{INPUT} font-mono")
                placeholder="# Nightly report\n0 2 * * * curl -X POST https://hooks.example.com/report"
                prop:value=text
                on:input=takes(text)
            ></textarea>
            <button id="preview-import" type="submit" class=BUTTON>
                "Preview"
            </button>
        </form>
        {move || match preview.value().get() {
            None => ().into_any_sync(),
            Some(Err(error)) => view! { <ImportErrors error=error /> }.into_any_sync(),
            Some(Ok((request, plan))) => {
                view! { <Plan request=request preview=plan confirm=confirm /> }.into_any_sync()
            }
        }}
    }
}

#[component]
fn ImportErrors(error: AppError) -> impl IntoView {
    let reasons = match &error {
        AppError::Invalid(problems) => problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.reason))
            .collect(),
        other => vec![other.to_string()],
    };
    view! {
        <div id="import-error" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">
            {reasons.into_iter().map(|r| view! { <p>{r}</p> }).collect_view()}
        </div>
    }
}

/// The plan (rendered on the server), and the confirm button (or what the import did).
#[component]
fn Plan(
    request: ImportRequest,
    preview: PlanPart,
    confirm: Action<(ImportRequest, String), Result<ImportDone, AppError>>,
) -> impl IntoView {
    let PlanPart {
        writes,
        errors,
        digest,
        html,
    } = preview;
    let skip = RwSignal::new(false);
    let can_import = move || (errors == 0 || skip.get()) && writes > 0;
    view! {
        <ServerPart html=html />
        <div class="mt-4">
            {move || match confirm.value().get() {
                Some(Ok(done)) => {
                    view! {
                        <p
                            id="import-done"
                            class="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900"
                        >
                            {format!(
                                "Imported: {} created, {} changed, {} left alone, {} skipped.",
                                done.created,
                                done.changed,
                                done.unchanged,
                                done.skipped,
                            )}
                            " "
                            <a href="/" class="underline">
                                "See the schedules"
                            </a>
                        </p>
                    }
                        .into_any_sync()
                }
                Some(Err(error)) => view! { <ImportErrors error=error /> }.into_any_sync(),
                None => {
                    let (request, digest) = (request.clone(), digest.clone());
                    view! {
                        {(errors > 0)
                            .then(|| {
                                view! {
                                    <label class="mb-2 flex items-center gap-2 text-sm text-slate-700">
                                        <input
                                            id="skip-errors"
                                            type="checkbox"
                                            prop:checked=skip
                                            on:change=ticks(skip)
                                        />
                                        {format!(
                                            "Import the readable lines and skip the {errors} in error",
                                        )}
                                    </label>
                                }
                            })}
                        <button
                            id="confirm-import"
                            class=BUTTON
                            disabled=move || !can_import() || confirm.pending().get()
                            on:click=move |_| {
                                let request = ImportRequest {
                                    skip_errors: skip.get(),
                                    ..request.clone()
                                };
                                confirm.dispatch((request, digest.clone()));
                            }
                        >
                            "Import"
                        </button>
                    }
                        .into_any_sync()
                }
            }}
        </div>
    }
}

/// A plan as the page shows it: a summary, one row per line with its next fires read in its
/// zone, and the schedules whose line is gone (rendered on the server).
#[cfg(feature = "ssr")]
#[component]
pub fn PlanTable(plan: ImportPlan) -> impl IntoView {
    use scheduleman::schedule::zone;

    let summary = format!(
        "{} to create, {} to change, {} left alone, {} {} in error",
        plan.create,
        plan.change,
        plan.unchanged,
        plan.errors,
        if plan.errors == 1 { "line" } else { "lines" }
    );
    let gone = plan.gone;
    view! {
        <h2 class="mt-6 text-lg font-semibold">"What it would do"</h2>
        <p id="import-summary" class="mt-1 text-sm text-slate-700">
            {summary}
        </p>
        <table
            id="import-plan"
            class="mt-3 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm"
        >
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"Line"</th>
                    <th class="px-3 py-2">"As written"</th>
                    <th class="px-3 py-2">"Understood"</th>
                    <th class="px-3 py-2">"Next runs"</th>
                    <th class="px-3 py-2">"Import"</th>
                </tr>
            </thead>
            <tbody>
                {plan
                    .lines
                    .into_iter()
                    .filter(|line| line.line.item != LineItem::Blank)
                    .map(|line| {
                        let line_zone = match &line.line.item {
                            LineItem::Entry(entry) => {
                                zone::parse(&entry.tz).unwrap_or(chrono_tz::Tz::UTC)
                            }
                            _ => chrono_tz::Tz::UTC,
                        };
                        let fires = line
                            .fires
                            .iter()
                            .map(|fire| FireReading::read(fire, line_zone))
                            .collect();
                        view! { <PlanRow line=line fires=fires /> }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {(!gone.is_empty())
            .then(|| {
                view! {
                    <div id="import-gone" class="mt-3 rounded-md bg-slate-100 p-3 text-sm">
                        <p class="font-medium">
                            "Imported from this source before, no longer in it (kept; delete them by hand if they should go):"
                        </p>
                        <ul class="mt-1 list-disc pl-5">
                            {gone
                                .into_iter()
                                .map(|g| {
                                    view! {
                                        <li>
                                            <a
                                                href=format!("/schedules/{}", g.id)
                                                class="text-indigo-700 underline"
                                            >
                                                {g.name}
                                            </a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })}
    }
}

/// One line of the plan, with its next fires read in its zone.
#[cfg(feature = "ssr")]
#[component]
fn PlanRow(line: PlannedLine, fires: Vec<FireReading>) -> impl IntoView {
    let understood = match &line.line.item {
        LineItem::Entry(entry) => format!(
            "{} · {}",
            line.description.clone().unwrap_or_default(),
            entry.name
        ),
        LineItem::Zone { tz } => format!("zone of the lines below: {tz}"),
        LineItem::Environment { name } => {
            format!("{name}: not used (Scheduleman calls webhooks, it runs no shell)")
        }
        LineItem::Comment => "comment".to_owned(),
        LineItem::Blank | LineItem::Error { .. } => String::new(),
    };
    let action = match (&line.action, &line.error) {
        (_, Some(error)) => view! { <span class="line-error text-red-700">{error.clone()}</span> }.into_any_sync(),
        (Some(ImportAction::Create), None) => view! { <span class="action rounded bg-emerald-50 px-1.5 text-emerald-800">"create"</span> }.into_any_sync(),
        (Some(ImportAction::Change { changes, .. }), None) => {
            view! {
                <span class="action rounded bg-amber-50 px-1.5 text-amber-800">"change"</span>
                <ul class="mt-1 text-xs text-slate-600">
                    {changes.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}
                </ul>
            }
                .into_any_sync()
        }
        (Some(ImportAction::Unchanged { .. }), None) => view! { <span class="action text-slate-500">"unchanged"</span> }.into_any_sync(),
        (None, None) => ().into_any_sync(),
    };
    view! {
        <tr class="plan-line border-t border-slate-100 align-top" data-line=line.line.number>
            <td class="px-3 py-1.5 text-slate-500">{line.line.number}</td>
            <td class="px-3 py-1.5 font-mono text-xs">{line.line.text.clone()}</td>
            <td class="understood px-3 py-1.5">{understood}</td>
            <td class="px-3 py-1.5">
                {(!fires.is_empty()).then(|| view! { <FireList fires=fires /> })}
            </td>
            <td class="px-3 py-1.5">{action}</td>
        </tr>
    }
}
