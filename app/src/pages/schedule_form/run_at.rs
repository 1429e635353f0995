//! The Run At picker's logic: a local reading in a zone resolved as the library resolves it
//! (a DST gap refused, an overlap offering both occurrences), and the notes shown under it.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use scheduleman::schedule::zone;
use scheduleman::schedule::{read_local, LocalReading};

use crate::components::time::LocalTime;

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
        .into_any(),
        Err(reason) => view! {
            <p id="run-at-warning" class="mt-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900">
                {reason}
            </p>
        }
        .into_any(),
    }
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
        .unwrap_or_else(|| {
            (Utc::now() + chrono::TimeDelta::hours(1))
                .format("%Y-%m-%dT%H:00")
                .to_string()
        });
    (local, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

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
