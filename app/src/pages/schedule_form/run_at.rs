//! The Run At picker's logic: a local reading in a zone resolved as the library resolves it
//! (a DST gap refused, an overlap offering both occurrences), and the notes shown under it.

use chrono::{DateTime, Timelike, Utc};
use leptos::prelude::*;
use scheduleman::schedule::zone;
use scheduleman::schedule::{read_local, LocalReading};

use crate::components::time::LocalTime;
use crate::sync_hydration::IntoAnySync;

/// The Run At reading resolved: what to submit and what to show.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RunAt {
    /// The text sent to the server (with an explicit offset when the later of two
    /// occurrences was picked).
    pub(super) submit: String,
    /// The instant.
    pub(super) instant: DateTime<Utc>,
    /// Both occurrences, when the reading is ambiguous.
    pub(super) ambiguous: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The picker's local reading in `zone_name`, as the library reads it ([`read_local`]);
/// `later` picks the second occurrence of an ambiguous reading.
pub(super) fn resolve_run_at(local: &str, zone_name: &str, later: bool) -> Result<RunAt, String> {
    let zone = zone::parse(zone_name).map_err(|e| e.to_string())?;
    match read_local(local, zone).map_err(|e| e.to_string())? {
        LocalReading::Single(instant) => Ok(RunAt {
            submit: local.to_owned(),
            instant,
            ambiguous: None,
        }),
        LocalReading::Ambiguous {
            earlier,
            later: second,
        } => {
            let instant = if later { second } else { earlier };
            Ok(RunAt {
                submit: instant.with_timezone(&zone).to_rfc3339(),
                instant,
                ambiguous: Some((earlier, second)),
            })
        }
    }
}

/// The resolved instant in UTC and the viewer's zone; a DST gap flagged; a choice between
/// the two occurrences of an ambiguous time.
#[component]
pub(super) fn RunAtNotes(
    run_at: Memo<Result<RunAt, String>>,
    later: RwSignal<bool>,
) -> impl IntoView {
    move || match run_at.get() {
        Ok(run) => view! {
            <p id="run-at-instant" class="mt-2 text-sm text-slate-600">
                "That is "
                {crate::components::time::utc_text(run.instant)}
                " · "
                <LocalTime at=run.instant />
            </p>
            {run
                .ambiguous
                .map(|(first, second)| {
                    view! {
                        <div
                            id="ambiguous"
                            class="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900"
                        >
                            "This time occurs twice that day (the clocks go back). Which one?"
                            <label class="ml-3">
                                <input
                                    type="radio"
                                    name="occurrence"
                                    prop:checked=move || !later.get()
                                    on:change=move |_| later.set(false)
                                />
                                " the first ("
                                {crate::components::time::utc_text(first)}
                                ")"
                            </label>
                            <label class="ml-3">
                                <input
                                    type="radio"
                                    name="occurrence"
                                    prop:checked=move || later.get()
                                    on:change=move |_| later.set(true)
                                />
                                " the second ("
                                {crate::components::time::utc_text(second)}
                                ")"
                            </label>
                        </div>
                    }
                })}
        }
        .into_any_sync(),
        Err(reason) => view! {
            <p id="run-at-warning" class="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900">
                {reason}
            </p>
        }
        .into_any_sync(),
    }
}

/// An instant as the picker shows it in `zone_name` (`2027-01-04T09:00:00`); blank for none.
pub(super) fn show_in_zone(instant: Option<DateTime<Utc>>, zone_name: &str) -> String {
    let zone = zone::parse(zone_name).unwrap_or(chrono_tz::Tz::UTC);
    instant
        .map(|instant| {
            instant
                .with_timezone(&zone)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// A stored Run At split into the picker's local reading and zone.
pub(super) fn split_run_at(at: Option<&str>, tz: Option<&str>) -> (String, String) {
    let zone = tz.unwrap_or("UTC").to_owned();
    let local = at
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|instant| {
            let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Tz::UTC);
            instant
                .with_timezone(&tz)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| next_full_hour(&zone, Utc::now()));
    (local, zone)
}

/// The next full hour after `now` on `zone_name`'s wall clock, as the picker shows it
/// (`2026-11-23T20:00`): where a new Run At opens. An hour the clocks skip is passed over.
pub(super) fn next_full_hour(zone_name: &str, now: DateTime<Utc>) -> String {
    let zone = zone::parse(zone_name).unwrap_or(chrono_tz::Tz::UTC);
    let reading = zone::reading_at(zone, now);
    let mut hour = reading
        .date()
        .and_hms_opt(reading.hour(), 0, 0)
        .unwrap_or(reading);
    for _ in 0..3 {
        hour += chrono::TimeDelta::hours(1);
        if !matches!(zone::resolve(zone, hour), zone::LocalTime::Gap { .. }) {
            break;
        }
    }
    hour.format("%Y-%m-%dT%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11: a new Run At opens on the next full hour of the picker's zone, not on a
    /// UTC hour read in another zone (hours in the past east of UTC).
    #[test]
    fn a_new_run_at_opens_on_the_next_full_hour_of_its_zone() {
        let now: DateTime<Utc> = "2026-11-23T10:20:00Z".parse().unwrap();
        assert_eq!(next_full_hour("Asia/Tokyo", now), "2026-11-23T20:00");
        assert_eq!(next_full_hour("America/New_York", now), "2026-11-23T06:00");
        assert_eq!(next_full_hour("UTC", now), "2026-11-23T11:00");
        // 01:30 EST on the spring-forward day: 02:00 does not exist, so 03:00.
        let spring: DateTime<Utc> = "2027-03-14T06:30:00Z".parse().unwrap();
        assert_eq!(
            next_full_hour("America/New_York", spring),
            "2027-03-14T03:00"
        );
        let opened = resolve_run_at(
            &next_full_hour("Asia/Tokyo", Utc::now()),
            "Asia/Tokyo",
            false,
        )
        .unwrap();
        assert!(opened.instant > Utc::now(), "never in the past");
    }

    #[test]
    fn run_at_in_a_gap_is_flagged_and_an_overlap_offers_both() {
        let gap = resolve_run_at("2027-03-14T02:30", "America/New_York", false).unwrap_err();
        assert!(gap.contains("does not exist in America/New_York"), "{gap}");
        let first = resolve_run_at("2027-11-07T01:30", "America/New_York", false).unwrap();
        let second = resolve_run_at("2027-11-07T01:30", "America/New_York", true).unwrap();
        assert!(first.ambiguous.is_some());
        assert_eq!(second.instant - first.instant, chrono::TimeDelta::hours(1));
        assert!(second.submit.ends_with("-05:00"), "{}", second.submit);
    }
}
