//! A schedule's punctuality and health on its detail page: lag p50/p99 and the share of
//! fires that succeeded over 24 hours and 7 days, and a chart of the last 24 hours (attempts
//! per hour by outcome, and the hour's median lag).

use chrono::{DateTime, TimeDelta, Utc};
use leptos::prelude::*;
use scheduleman::punctuality::{lag_text, percent, HourBucket, Punctuality, Window};

/// The figures and the chart.
#[component]
pub fn PunctualityPanel(figures: Punctuality, now: DateTime<Utc>) -> impl IntoView {
    view! {
        <div id="punctuality" class="mt-3 grid gap-3 sm:grid-cols-3">
            <WindowCard id="day" title="Last 24 hours" window=figures.day />
            <WindowCard id="week" title="Last 7 days" window=figures.week />
            <HourChart hours=figures.hours now=now />
        </div>
    }
}

#[component]
fn WindowCard(id: &'static str, title: &'static str, window: Window) -> impl IntoView {
    let failed = window.fires - window.succeeded;
    view! {
        <div id=id class="rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-sm">
            <p class="text-xs uppercase text-slate-500">{title}</p>
            <p class="mt-1">
                <span class="success-rate text-xl font-semibold">
                    {percent(window.success_rate())}
                </span>
                " succeeded"
            </p>
            <p class="fires text-slate-600">
                {format!(
                    "{} {}, {failed} failed",
                    window.fires,
                    if window.fires == 1 { "fire" } else { "fires" },
                )}
            </p>
            <p class="lag text-slate-600">
                {format!(
                    "lag p50 {} · p99 {}",
                    lag_text(window.lag_p50_ms),
                    lag_text(window.lag_p99_ms),
                )}
            </p>
        </div>
    }
}

/// Chart geometry: 24 columns of `COLUMN` px, bars in the top `BARS` px, the lag lane
/// below them.
const COLUMN: f64 = 10.0;
const BARS: f64 = 48.0;
const LANE: f64 = 20.0;

/// One column per hour of the last 24: a bar of attempts (green succeeded, red failed on
/// top), scaled to the busiest hour, and a dot for the hour's median lag, scaled to the
/// largest median of the day.
#[component]
fn HourChart(hours: Vec<HourBucket>, now: DateTime<Utc>) -> impl IntoView {
    let busiest = hours
        .iter()
        .map(|h| h.succeeded + h.failed)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slowest = hours
        .iter()
        .filter_map(|h| h.lag_p50_ms)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let start = now - TimeDelta::hours(24);
    let columns = hours
        .iter()
        .map(|hour| {
            let index = ((hour.start - start).num_minutes() as f64 / 60.0).clamp(0.0, 23.0);
            let x = index.round() * COLUMN;
            let ok = hour.succeeded as f64 / busiest * BARS;
            let bad = hour.failed as f64 / busiest * BARS;
            let lag = hour
                .lag_p50_ms
                .map(|ms| BARS + 4.0 + LANE - ms / slowest * LANE);
            let title = format!(
                "{}: {} succeeded, {} failed, median lag {}",
                hour.start.format("%H:%M UTC"),
                hour.succeeded,
                hour.failed,
                lag_text(hour.lag_p50_ms)
            );
            view! {
                <g class="hour">
                    <title>{title}</title>
                    <rect
                        x=x + 1.0
                        y=BARS - ok
                        width=COLUMN - 2.0
                        height=ok
                        class="fill-emerald-500"
                    />
                    <rect
                        x=x + 1.0
                        y=BARS - ok - bad
                        width=COLUMN - 2.0
                        height=bad
                        class="fill-red-500"
                    />
                    {lag
                        .map(|y| {
                            view! {
                                <circle cx=x + COLUMN / 2.0 cy=y r="2" class="fill-indigo-600" />
                            }
                        })}
                </g>
            }
        })
        .collect_view();
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-sm">
            <p class="text-xs uppercase text-slate-500">"Last 24 hours, per hour"</p>
            <svg
                id="punctuality-chart"
                class="mt-2 w-full"
                viewBox=format!("0 0 {} {}", 24.0 * COLUMN, BARS + LANE + 8.0)
                role="img"
                aria-label="Attempts per hour by outcome, and each hour's median lag"
            >
                <line
                    x1="0"
                    y1=BARS
                    x2=24.0 * COLUMN
                    y2=BARS
                    class="stroke-slate-200"
                    stroke-width="1"
                />
                {columns}
            </svg>
            <p class="mt-1 text-xs text-slate-500">
                "bars: attempts (green ok, red failed) · dots: median lag, highest "
                {lag_text(Some(slowest).filter(|_| hours.iter().any(|h| h.lag_p50_ms.is_some())))}
            </p>
        </div>
    }
}
