//! The top of a schedule's page, rendered on the server ([`crate::server_html`]): its
//! name and description, its state (paused until, by, why; fires left), limits, target,
//! retries, and its next fire times; or, for a schedule that cannot be read, why and what
//! can be read. The buttons beside the name are the browser's (`ScheduleActions`).

use chrono::Utc;
use leptos::prelude::*;
use scheduleman::model::{OnDead, ScheduleItem, ScheduleState, ScheduleView, UnreadableSchedule};
use scheduleman::schedule::{DstGap, DstOverlap};

use crate::components::badges::{FiresLeft, OutcomeBadge, PauseNote, StateBadge};
use crate::components::fires::{FireList, Upcoming};
use crate::components::time::{relative, utc_text, LocalTime};
use crate::server_fns::schedules::ScheduleCard;
use crate::server_html::ServerHtml;
use crate::sync_hydration::IntoAnySync;

/// How many next fires the page lists.
const NEXT_FIRES: usize = 5;

/// `item` as its page's summary shows it, rendered now.
pub(crate) fn card(item: ScheduleItem) -> ScheduleCard {
    match item {
        ScheduleItem::Readable(schedule) => {
            let upcoming = Upcoming::of(&schedule, Utc::now(), NEXT_FIRES);
            ScheduleCard {
                id: schedule.id,
                state: schedule.state,
                readable: true,
                heading: heading(
                    schedule.name.clone(),
                    "schedule-description",
                    "text-slate-600",
                    schedule.description.clone(),
                ),
                details: ServerHtml::render(move || {
                    view! { <Details schedule=schedule upcoming=upcoming /> }
                }),
            }
        }
        ScheduleItem::Unreadable(row) => ScheduleCard {
            id: row.id,
            state: row.state,
            readable: false,
            heading: heading(
                row.name.clone(),
                "unreadable",
                "text-red-700",
                format!(
                    "Unreadable: {}. Edit it to give it a timing again, or delete it.",
                    row.reason
                ),
            ),
            details: ServerHtml::render(move || view! { <UnreadableDetails row=row /> }),
        },
    }
}

/// The schedule's name, and a line under it (`line_id`, in `line_class`).
fn heading(
    name: String,
    line_id: &'static str,
    line_class: &'static str,
    line: String,
) -> ServerHtml {
    ServerHtml::render(move || {
        view! {
            <div>
                <h1 id="schedule-name" class="text-2xl font-semibold">
                    {name}
                </h1>
                <p id=line_id class=format!("mt-1 {line_class}")>
                    {line}
                </p>
            </div>
        }
    })
}

/// What a readable schedule is and does, and its next fires.
#[component]
fn Details(schedule: ScheduleView, upcoming: Upcoming) -> impl IntoView {
    let state = schedule.state;
    let Upcoming {
        not_firing,
        fires,
        next_in_zone,
    } = upcoming;
    view! {
        <dl class="mt-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm sm:grid-cols-3">
            <div>
                <dt class="text-slate-500">"State"</dt>
                <dd id="state" class="mt-1">
                    <StateBadge state=state />
                    {(state == ScheduleState::Paused)
                        .then(|| {
                            view! {
                                <PauseNote
                                    until=schedule.paused_until
                                    by=schedule.paused_by.clone()
                                    note=schedule.pause_note.clone()
                                />
                            }
                        })}
                    <FiresLeft left=schedule.fires_left limit=schedule.max_fires />
                </dd>
            </div>
            {limits_of(&schedule)
                .map(|lines| {
                    view! {
                        <div>
                            <dt class="text-slate-500">"Limits"</dt>
                            <dd id="limits" class="mt-1 space-y-0.5">
                                {lines
                                    .into_iter()
                                    .map(|line| view! { <span class="block">{line}</span> })
                                    .collect_view()}
                            </dd>
                        </div>
                    }
                })}
            <div>
                <dt class="text-slate-500">"Next execution"</dt>
                <dd id="next-execution" class="mt-1">
                    {match (state, schedule.next_run_at) {
                        (ScheduleState::Active, Some(at)) => {
                            view! {
                                <LocalTime
                                    at=at
                                    title=next_in_zone.clone().unwrap_or_else(|| utc_text(at))
                                />
                                " "
                                // Ticks in the browser (crate::server_html::show_in_browser).
                                <span
                                    class="countdown text-xs text-slate-500"
                                    data-at=at.timestamp_millis()
                                >
                                    {relative(at - Utc::now())}
                                </span>
                            }
                                .into_any_sync()
                        }
                        _ => view! { <span class="text-slate-400">"—"</span> }.into_any_sync(),
                    }}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Last outcome"</dt>
                <dd id="last-outcome" class="mt-1">
                    <OutcomeBadge outcome=schedule.last_outcome error=schedule.last_error.clone() />
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Target"</dt>
                <dd class="mt-1 break-all font-mono">
                    {format!("{} {}", schedule.target.method, schedule.target.url)}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Retries"</dt>
                <dd class="mt-1">
                    {format!(
                        "{} attempts, first retry after {}, at most {} apart",
                        schedule.retry.max_attempts,
                        humantime::format_duration(
                            std::time::Duration::from_millis(schedule.retry.backoff_initial_ms),
                        ),
                        humantime::format_duration(
                            std::time::Duration::from_millis(schedule.retry.backoff_max_ms),
                        ),
                    )}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Attempts at the current fire"</dt>
                <dd class="mt-1">{schedule.attempt}</dd>
            </div>
            <div>
                <dt class="text-slate-500">"When a fire runs out of attempts"</dt>
                <dd id="on-dead" class="mt-1">
                    {match schedule.on_dead {
                        OnDead::Stop => "Stop the schedule (dead letter)".to_owned(),
                        OnDead::NextFire => {
                            format!(
                                "Dead-letter the fire, keep the schedule ({} dead-lettered so far)",
                                schedule.dead_fires,
                            )
                        }
                    }}
                </dd>
            </div>
        </dl>
        <h2 class="mt-8 text-lg font-semibold">"Next fire times"</h2>
        {not_firing
            .map(|note| {
                view! {
                    <p id="not-firing" class="mt-2 text-sm text-amber-700">
                        {note}
                    </p>
                }
            })}
        {fires
            .is_empty()
            .then(|| {
                view! { <p class="mt-2 text-sm text-slate-500">"None: it does not fire again."</p> }
            })}
        <FireList fires=fires />
    }
}

/// The time controls of `schedule` in words, one line each; `None` when it has none.
fn limits_of(schedule: &ScheduleView) -> Option<Vec<AnyView>> {
    let options = &schedule.options;
    let mut lines: Vec<AnyView> = Vec::new();
    if let Some(at) = options.starts_at {
        lines.push(
            view! {
                "Not before "
                <LocalTime at=at />
            }
            .into_any_sync(),
        );
    }
    if let Some(at) = options.ends_at {
        lines.push(
            view! {
                "Not after "
                <LocalTime at=at />
                ", then it completes"
            }
            .into_any_sync(),
        );
    }
    if let Some(limit) = schedule.max_fires {
        lines.push(format!("At most {limit} fires").into_any_sync());
    }
    if let Some(jitter) = &options.jitter {
        lines.push(format!("Each fire within {jitter} after its time (jitter)").into_any_sync());
    }
    if let Some(gap) = options.dst_gap {
        let rule = match gap {
            DstGap::Shift => "shifted to the end of the gap",
            DstGap::Skip => "skipped",
        };
        lines.push(format!("A time the clocks skip: {rule}").into_any_sync());
    }
    if let Some(overlap) = options.dst_overlap {
        let rule = match overlap {
            DstOverlap::Once => "fires once, at the first",
            DstOverlap::Twice => "fires at both",
        };
        lines.push(format!("A time that happens twice: {rule}").into_any_sync());
    }
    (!lines.is_empty()).then_some(lines)
}

/// What can be read of a schedule whose stored definition cannot be.
#[component]
fn UnreadableDetails(row: UnreadableSchedule) -> impl IntoView {
    view! {
        <dl class="mt-6 grid gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm sm:grid-cols-3">
            <div>
                <dt class="text-slate-500">"State"</dt>
                <dd id="state" class="mt-1">
                    <StateBadge state=row.state />
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Target"</dt>
                <dd class="mt-1 break-all font-mono">
                    {format!("{} {}", row.target_method, row.target_url)}
                </dd>
            </div>
            <div>
                <dt class="text-slate-500">"Last error"</dt>
                <dd class="mt-1 text-red-700">{row.last_error.clone().unwrap_or_default()}</dd>
            </div>
        </dl>
    }
}
