//! The schedule form's timing as typed ([`TimingDraft`]: text, zone names, the DST policy)
//! and what it reads as: a Run At and the window's ends resolved in their zones
//! ([`ResolvedTiming`], what the form saves with), the next fires in words and the DST changes
//! the policy meets. The reading is made on the server, which holds the zone tables, so the
//! form's code carries none; what the form only shows of it arrives rendered ([`TimingPart`]),
//! so its code carries no view of it either (issue 21). Both travel in postcard (instants as
//! microseconds).

use chrono::serde::ts_microseconds as micros;
use chrono::{DateTime, Utc};
use scheduleman::schedule::{DstGap, DstOverlap, ScheduleInput};
use serde::{Deserialize, Serialize};

use crate::components::time::picker_minutes_text;
use crate::server_html::ServerHtml;

/// Which kind of timing the form edits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimingKind {
    /// A cron expression in a zone.
    #[default]
    Cron,
    /// Once, at a date and time picked in a zone.
    At,
    /// Once, a duration from now.
    In,
    /// A fixed interval.
    Every,
}

/// The form's timing fields as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimingDraft {
    /// The kind chosen; only its fields make the timing.
    pub kind: TimingKind,
    /// The cron expression.
    pub cron: String,
    /// The cron expression's zone.
    pub tz: String,
    /// The Run At picker's reading (`2027-01-04T09:00`).
    pub at_local: String,
    /// The zone the Run At is picked in.
    pub at_zone: String,
    /// In a DST overlap, the later of the two readings.
    pub at_later: bool,
    /// "In …" (humantime).
    pub in_: String,
    /// "Every …" (humantime).
    pub every: String,
    /// The active window's ends as local readings in `window_zone` (blank: open).
    pub starts_local: String,
    /// See `starts_local`.
    pub ends_local: String,
    /// The zone the window is picked in.
    pub window_zone: String,
    /// What a time the clocks skip does (`None`: like cron).
    pub dst_gap: Option<DstGap>,
    /// What a time that happens twice does (`None`: like cron).
    pub dst_overlap: Option<DstOverlap>,
}

/// An instant, as microseconds since the epoch on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instant(#[serde(with = "micros")] pub DateTime<Utc>);

/// A Run At reading resolved in its zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunAt {
    /// The text sent to the server (with an explicit offset when the later of two
    /// occurrences was picked).
    pub submit: String,
    /// The instant.
    pub instant: Instant,
    /// Both occurrences, first first, when the clocks go back over the reading.
    pub ambiguous: Option<(Instant, Instant)>,
}

/// A [`TimingDraft`] resolved in its zones: what the form saves with. Each failure is its
/// reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedTiming {
    /// The draft this resolves (the form saves with the reading of what it shows).
    pub of: TimingDraft,
    /// The Run At picker's reading, resolved in its zone.
    pub run_at: Result<RunAt, String>,
    /// The window's start (`None`: open).
    pub starts_at: Result<Option<Instant>, String>,
    /// The window's end (`None`: open).
    pub ends_at: Result<Option<Instant>, String>,
}

/// What the form receives for its timing fields (`read_timing`): the draft resolved, and
/// what it shows of the reading, rendered on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimingPart {
    /// What the form saves with.
    pub resolved: ResolvedTiming,
    /// The timing in words and its next fires, or why it does not read.
    pub preview: ServerHtml,
    /// Under the Run At picker: the instant, a time the clocks skip, the choice between the
    /// two occurrences of a time they repeat.
    pub run_at_notes: ServerHtml,
    /// The DST changes of the next 12 months a cron timing meets, or that none does.
    pub dst_changes: ServerHtml,
}

impl TimingDraft {
    /// The timing as the chosen kind's fields say; a Run At as `run_at` resolved it (as
    /// typed when it does not resolve: the server then says why).
    pub fn timing(&self, run_at: &Result<RunAt, String>) -> ScheduleInput {
        match self.kind {
            TimingKind::Cron => ScheduleInput {
                cron: Some(self.cron.clone()),
                tz: Some(self.tz.clone()),
                ..Default::default()
            },
            TimingKind::At => ScheduleInput {
                at: Some(match run_at {
                    Ok(run) => run.submit.clone(),
                    Err(_) => self.at_local.clone(),
                }),
                tz: Some(self.at_zone.clone()),
                ..Default::default()
            },
            TimingKind::In => ScheduleInput {
                in_: Some(self.in_.clone()),
                ..Default::default()
            },
            TimingKind::Every => ScheduleInput {
                every: Some(self.every.clone()),
                ..Default::default()
            },
        }
    }

    /// A new schedule's draft: `cron` in UTC, a Run At on the next full hour of UTC. (The
    /// browser moves both to its own zone once it runs.)
    pub fn new_schedule(cron: &str, now: DateTime<Utc>) -> Self {
        use chrono::{TimeDelta, Timelike};
        let hour = now.naive_utc().date().and_hms_opt(now.hour(), 0, 0);
        let at_local = hour
            .map(|hour| picker_minutes_text(hour + TimeDelta::hours(1)))
            .unwrap_or_default();
        Self {
            kind: TimingKind::Cron,
            cron: cron.to_owned(),
            tz: "UTC".to_owned(),
            at_local,
            at_zone: "UTC".to_owned(),
            in_: DEFAULT_IN.to_owned(),
            every: DEFAULT_EVERY.to_owned(),
            window_zone: "UTC".to_owned(),
            ..Self::default()
        }
    }
}

/// What "In …" and "Every …" show before anything is typed.
const DEFAULT_IN: &str = "15m";
/// See [`DEFAULT_IN`].
const DEFAULT_EVERY: &str = "1h";

#[cfg(feature = "ssr")]
pub use reading::*;

/// The readings, made where the zone tables are.
#[cfg(feature = "ssr")]
mod reading {
    use crate::components::fires::FireReading;
    use chrono::{DateTime, Timelike, Utc};
    use chrono_tz::Tz;
    use scheduleman::schedule::{self, read_local, zone, LocalReading, TimingOptions};
    use scheduleman::validate::ScheduleRequest;

    use super::*;

    /// Fires a preview shows.
    const PREVIEW_FIRES: usize = 5;

    /// The timing in words and its next fires, each read in the schedule's zone.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TimingPreview {
        /// "Every 5 minutes, 09:00–17:59, Monday through Friday, Europe/Berlin".
        pub description: String,
        /// The next five fires.
        pub fires: Vec<FireReading>,
    }

    /// A DST change in the next 12 months and what it does to the schedule's fires.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DstChange {
        /// Its local date, as the form shows it ("8 Mar 2027").
        pub date: String,
        /// What happens to the fires that day.
        pub text: String,
    }

    /// What a [`TimingDraft`] reads as; each failure is its reason in words.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TimingReading {
        /// The draft resolved in its zones.
        pub resolved: ResolvedTiming,
        /// The timing in words and its next fires, or why it does not read.
        pub preview: Result<TimingPreview, String>,
        /// For a cron timing, the DST changes of the next 12 months it meets.
        pub dst_changes: Vec<DstChange>,
    }

    impl TimingDraft {
        /// The form's fields for `request`'s timing: a stored Run At and window read on
        /// their zones' wall clocks (the window in the schedule's zone, UTC without one).
        pub fn of(request: &ScheduleRequest, now: DateTime<Utc>) -> Self {
            let input = &request.schedule;
            let kind = if input.at.is_some() {
                TimingKind::At
            } else if input.in_.is_some() {
                TimingKind::In
            } else if input.every.is_some() {
                TimingKind::Every
            } else {
                TimingKind::Cron
            };
            let zone_name = input.tz.clone().unwrap_or_else(|| "UTC".to_owned());
            let zone = zone::parse(&zone_name).unwrap_or(Tz::UTC);
            let at_local = input
                .at
                .as_deref()
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|instant| picker_text(instant.with_timezone(&Utc), zone))
                .unwrap_or_else(|| next_full_hour(&zone_name, now));
            let window = |end: Option<DateTime<Utc>>| {
                end.map(|at| picker_text(at, zone)).unwrap_or_default()
            };
            Self {
                kind,
                cron: input.cron.clone().unwrap_or_default(),
                tz: zone_name.clone(),
                at_local,
                at_zone: zone_name.clone(),
                at_later: false,
                in_: input.in_.clone().unwrap_or_else(|| DEFAULT_IN.to_owned()),
                every: input
                    .every
                    .clone()
                    .unwrap_or_else(|| DEFAULT_EVERY.to_owned()),
                starts_local: window(request.starts_at),
                ends_local: window(request.ends_at),
                window_zone: zone_name,
                dst_gap: request.dst_gap,
                dst_overlap: request.dst_overlap,
            }
        }

        /// What the draft reads as at `now`.
        pub fn read(&self, now: DateTime<Utc>) -> TimingReading {
            let run_at = resolve_run_at(&self.at_local, &self.at_zone, self.at_later);
            let starts_at = window_end(&self.starts_local, &self.window_zone);
            let ends_at = window_end(&self.ends_local, &self.window_zone);
            let input = self.timing(&run_at);
            // The jitter is shown as a window after each fire instead of moving it.
            let options = TimingOptions {
                starts_at: starts_at.clone().ok().flatten().map(|at| at.0),
                ends_at: ends_at.clone().ok().flatten().map(|at| at.0),
                dst_gap: self.dst_gap,
                dst_overlap: self.dst_overlap,
                ..TimingOptions::default()
            };
            let preview = schedule::preview_with(&input, &options, now, PREVIEW_FIRES)
                .map(|preview| TimingPreview {
                    description: preview.spec.describe(),
                    fires: preview
                        .fires
                        .iter()
                        .map(|fire| FireReading::read(fire, preview.zone))
                        .collect(),
                })
                .map_err(|error| error.to_string());
            let dst_changes = input
                .resolve(now)
                .map(|spec| schedule::dst_effects(&spec, &options, now))
                .unwrap_or_default()
                .into_iter()
                .map(|effect| DstChange {
                    date: effect.date.format("%-d %b %Y").to_string(),
                    text: effect.text,
                })
                .collect();
            TimingReading {
                resolved: ResolvedTiming {
                    of: self.clone(),
                    run_at,
                    starts_at,
                    ends_at,
                },
                preview,
                dst_changes,
            }
        }
    }

    /// The picker's local reading in `zone_name`, as the library reads it ([`read_local`]);
    /// `later` picks the second occurrence of an ambiguous reading.
    pub fn resolve_run_at(local: &str, zone_name: &str, later: bool) -> Result<RunAt, String> {
        let zone = zone::parse(zone_name).map_err(|e| e.to_string())?;
        match read_local(local, zone).map_err(|e| e.to_string())? {
            LocalReading::Single(instant) => Ok(RunAt {
                submit: local.to_owned(),
                instant: Instant(instant),
                ambiguous: None,
            }),
            LocalReading::Ambiguous {
                earlier,
                later: second,
            } => {
                let instant = if later { second } else { earlier };
                Ok(RunAt {
                    submit: instant.with_timezone(&zone).to_rfc3339(),
                    instant: Instant(instant),
                    ambiguous: Some((Instant(earlier), Instant(second))),
                })
            }
        }
    }

    /// A window end typed as a local reading in `zone` (blank: none).
    fn window_end(local: &str, zone: &str) -> Result<Option<Instant>, String> {
        if local.trim().is_empty() {
            return Ok(None);
        }
        resolve_run_at(local.trim(), zone, false).map(|resolved| Some(resolved.instant))
    }

    /// An instant as the picker shows it in `zone` (`2027-01-04T09:00:00`).
    fn picker_text(instant: DateTime<Utc>, zone: Tz) -> String {
        instant
            .with_timezone(&zone)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    }

    /// The next full hour after `now` on `zone_name`'s wall clock, as the picker shows it
    /// (`2026-11-23T20:00`): where a Run At opens. An hour the clocks skip is passed over.
    pub fn next_full_hour(zone_name: &str, now: DateTime<Utc>) -> String {
        let zone = zone::parse(zone_name).unwrap_or(Tz::UTC);
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
        picker_minutes_text(hour)
    }
}

#[cfg(all(test, feature = "ssr"))]
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
        assert_eq!(
            TimingDraft::new_schedule("* * * * *", now).at_local,
            next_full_hour("UTC", now),
            "a new schedule's draft opens on the same hour without the zone tables"
        );
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
        assert!(opened.instant.0 > Utc::now(), "never in the past");
    }

    #[test]
    fn run_at_in_a_gap_is_flagged_and_an_overlap_offers_both() {
        let gap = resolve_run_at("2027-03-14T02:30", "America/New_York", false).unwrap_err();
        assert!(gap.contains("does not exist in America/New_York"), "{gap}");
        let first = resolve_run_at("2027-11-07T01:30", "America/New_York", false).unwrap();
        let second = resolve_run_at("2027-11-07T01:30", "America/New_York", true).unwrap();
        assert!(first.ambiguous.is_some());
        assert_eq!(
            second.instant.0 - first.instant.0,
            chrono::TimeDelta::hours(1)
        );
        assert!(second.submit.ends_with("-05:00"), "{}", second.submit);
    }

    /// What the form's preview showed when the browser computed it (before issue 21): the
    /// description, five fires in the zone with their DST notes, the window's ends, the DST
    /// changes.
    #[test]
    fn a_draft_reads_as_the_executor_reads_its_timing() {
        let now: DateTime<Utc> = "2027-03-01T12:00:00Z".parse().unwrap();
        let draft = TimingDraft {
            cron: "30 2 * * *".into(),
            tz: "America/New_York".into(),
            window_zone: "Asia/Tokyo".into(),
            ends_local: "2028-06-30T09:00".into(),
            starts_local: "".into(),
            ..TimingDraft::new_schedule("", now)
        };
        let reading = draft.read(now);
        assert_eq!(reading.resolved.of, draft);
        assert_eq!(reading.resolved.starts_at, Ok(None));
        assert_eq!(
            reading.resolved.ends_at,
            Ok(Some(Instant("2028-06-30T00:00:00Z".parse().unwrap())))
        );
        let preview = reading.preview.unwrap();
        assert!(
            preview.description.contains("America/New_York"),
            "{}",
            preview.description
        );
        assert_eq!(preview.fires.len(), 5);
        assert!(
            preview.fires[0].in_zone.ends_with("EST"),
            "{:?}",
            preview.fires[0]
        );
        assert!(
            reading
                .dst_changes
                .iter()
                .any(|change| change.date == "14 Mar 2027"),
            "{:?}",
            reading.dst_changes
        );

        let broken = TimingDraft {
            cron: "0 25 * * *".into(),
            starts_local: "2027-03-28T02:30".into(),
            window_zone: "Europe/Berlin".into(),
            ..draft
        }
        .read(now);
        assert!(broken.preview.unwrap_err().contains("25"));
        assert!(broken
            .resolved
            .starts_at
            .unwrap_err()
            .contains("does not exist"));
        assert!(broken.dst_changes.is_empty());
    }

    #[test]
    fn a_resolved_draft_travels_in_postcard() {
        let now = Utc::now();
        for draft in [
            TimingDraft::new_schedule("0 9 * * 1-5", now),
            TimingDraft {
                kind: TimingKind::At,
                at_local: "2027-11-07T01:30".into(),
                at_zone: "America/New_York".into(),
                at_later: true,
                dst_gap: Some(DstGap::Skip),
                dst_overlap: Some(DstOverlap::Twice),
                ..TimingDraft::default()
            },
            TimingDraft {
                kind: TimingKind::Every,
                every: "soon".into(),
                ..TimingDraft::default()
            },
        ] {
            let resolved = draft.read(now).resolved;
            let bytes = postcard::to_allocvec(&resolved).unwrap();
            assert_eq!(
                postcard::from_bytes::<ResolvedTiming>(&bytes).unwrap(),
                resolved
            );
        }
    }
}
