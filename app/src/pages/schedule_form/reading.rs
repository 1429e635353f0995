//! What the form shows of its timing's reading, rendered on the server with the reading
//! (issue 21): the preview (the timing in words and its next fires, or why it does not
//! read), the notes under the Run At picker and the DST changes a cron timing meets.

use leptos::prelude::*;

use crate::components::fires::FireList;
use crate::components::time::{utc_text, LocalTime};
use crate::server_html::ServerHtml;
use crate::sync_hydration::IntoAnySync;
use crate::timing_draft::{DstChange, RunAt, TimingKind, TimingPart, TimingReading};

/// `reading` as the form receives it: resolved, and rendered where the form shows it.
pub fn timing_part(reading: TimingReading) -> TimingPart {
    let TimingReading {
        resolved,
        preview,
        dst_changes,
    } = reading;
    // A Run At that does not resolve is flagged under the picker, not in the preview too.
    let flagged_under_picker = resolved.of.kind == TimingKind::At && resolved.run_at.is_err();
    let (run_at, later) = (resolved.run_at.clone(), resolved.of.at_later);
    TimingPart {
        preview: ServerHtml::render(move || match preview {
            Ok(preview) => view! {
                <p id="description" class="font-medium">
                    {preview.description}
                </p>
                <FireList fires=preview.fires />
            }
            .into_any_sync(),
            Err(_) if flagged_under_picker => ().into_any_sync(),
            Err(reason) => view! {
                <p id="schedule-error" class="text-red-700">
                    {reason}
                </p>
            }
            .into_any_sync(),
        }),
        run_at_notes: ServerHtml::render(move || view! { <RunAtNotes run_at later /> }),
        dst_changes: ServerHtml::render(move || view! { <DstChanges changes=dst_changes /> }),
        resolved,
    }
}

/// The resolved instant in UTC and the viewer's zone; a DST gap flagged; a choice between
/// the two occurrences of an ambiguous time (`later`: the second is chosen). The form
/// listens for the choice on the part's element.
#[component]
fn RunAtNotes(run_at: Result<RunAt, String>, later: bool) -> impl IntoView {
    match run_at {
        Ok(run) => view! {
            <p id="run-at-instant" class="mt-2 text-sm text-slate-600">
                "That is "
                {utc_text(run.instant.0)}
                " · "
                <LocalTime at=run.instant.0 />
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
                                    value="first"
                                    checked=!later
                                />
                                " the first ("
                                {utc_text(first.0)}
                                ")"
                            </label>
                            <label class="ml-3">
                                <input
                                    type="radio"
                                    name="occurrence"
                                    value="second"
                                    checked=later
                                />
                                " the second ("
                                {utc_text(second.0)}
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

/// The DST changes of the next 12 months the schedule meets, or that none does.
#[component]
fn DstChanges(changes: Vec<DstChange>) -> impl IntoView {
    if changes.is_empty() {
        return view! {
            <p class="text-slate-500">
                "No daylight-saving change touches this schedule in the next 12 months."
            </p>
        }
        .into_any_sync();
    }
    view! {
        <p class="text-slate-600">"In the next 12 months:"</p>
        <ul class="mt-1 space-y-0.5">
            {changes
                .into_iter()
                .map(|change| {
                    view! {
                        <li class="dst-effect rounded bg-amber-50 px-2 text-amber-900">
                            {change.date} ": " {change.text}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any_sync()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::timing_draft::TimingDraft;

    fn part_of(draft: TimingDraft) -> TimingPart {
        let now: DateTime<Utc> = "2027-03-01T12:00:00Z".parse().unwrap();
        timing_part(draft.read(now))
    }

    #[test]
    fn the_preview_and_the_dst_changes_arrive_rendered() {
        let part = part_of(TimingDraft {
            cron: "30 2 * * *".into(),
            tz: "America/New_York".into(),
            ..TimingDraft::new_schedule("", Utc::now())
        });
        let preview = part.preview.as_str();
        assert!(preview.contains(r#"id="description""#), "{preview}");
        assert!(preview.contains("America/New_York"), "{preview}");
        assert_eq!(preview.matches(r#"class="next-fire""#).count(), 5);
        assert!(
            preview.contains("<time datetime="),
            "read on the viewer's clock"
        );
        let dst = part.dst_changes.as_str();
        assert!(
            dst.contains("dst-effect") && dst.contains("14 Mar 2027"),
            "{dst}"
        );
        assert_eq!(part.run_at_notes.as_str().matches("run-at").count(), 1);

        let broken = part_of(TimingDraft {
            cron: "0 25 * * *".into(),
            ..TimingDraft::new_schedule("", Utc::now())
        });
        assert!(broken.preview.as_str().contains(r#"id="schedule-error""#));
        assert!(broken
            .dst_changes
            .as_str()
            .contains("No daylight-saving change"));
    }

    #[test]
    fn a_repeated_run_at_offers_both_occurrences_with_the_chosen_one_checked() {
        let draft = TimingDraft {
            kind: TimingKind::At,
            at_local: "2027-11-07T01:30".into(),
            at_zone: "America/New_York".into(),
            at_later: true,
            ..TimingDraft::default()
        };
        let notes = part_of(draft.clone()).run_at_notes;
        let notes = notes.as_str();
        assert!(notes.contains(r#"id="ambiguous""#), "{notes}");
        let second = &notes[notes.find(r#"value="second""#).unwrap()..];
        let first = &notes[notes.find(r#"value="first""#).unwrap()..];
        assert!(second[..second.find('>').unwrap()].contains("checked"));
        assert!(!first[..first.find('>').unwrap()].contains("checked"));

        // A Run At in a gap is flagged under the picker only.
        let gap = part_of(TimingDraft {
            at_local: "2027-03-14T02:30".into(),
            ..draft
        });
        assert!(gap.run_at_notes.as_str().contains("does not exist"));
        assert!(!gap.preview.as_str().contains("schedule-error"));
    }

    #[test]
    fn a_timing_part_travels_whole_and_is_embedded_empty() {
        use crate::page_data::PagePostcard;
        use leptos::server::codee::{Decoder, Encoder};
        let part = part_of(TimingDraft::new_schedule("*/5 * * * *", Utc::now()));
        let answered: TimingPart =
            postcard::from_bytes(&postcard::to_allocvec(&part).unwrap()).unwrap();
        assert_eq!(answered, part);
        let embedded: TimingPart =
            PagePostcard::decode(&PagePostcard::encode(&part).unwrap()).unwrap();
        assert_eq!(embedded.resolved, part.resolved);
        assert_eq!(embedded.preview.as_str(), "");
    }
}
