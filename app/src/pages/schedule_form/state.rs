//! The form's state: one signal per field, made from a [`ScheduleRequest`] and the
//! [`TimingDraft`] of its timing, and made back into a request ([`FormState::to_request`])
//! with the server's reading of that draft when the person saves.

use leptos::prelude::*;
use scheduleman::model::{Misfire, OnDead, RetryPolicy};
use scheduleman::schedule::{DstGap, DstOverlap};
use scheduleman::validate::{ScheduleRequest, TargetRequest};

use super::fields::{parse_headers, parse_retry_delay, show_retry_delay};
use crate::timing_draft::{ResolvedTiming, TimingDraft, TimingKind};

/// Every field of the form, as text where the person types text.
#[derive(Debug, Clone, Copy)]
pub(super) struct FormState {
    pub kind: RwSignal<TimingKind>,
    pub name: RwSignal<String>,
    pub cron: RwSignal<String>,
    pub tz: RwSignal<String>,
    pub at_local: RwSignal<String>,
    pub at_zone: RwSignal<String>,
    /// In a DST overlap, the later of the two readings.
    pub at_later: RwSignal<bool>,
    pub in_: RwSignal<String>,
    pub every: RwSignal<String>,
    pub url: RwSignal<String>,
    pub method: RwSignal<String>,
    pub headers: RwSignal<String>,
    pub body: RwSignal<String>,
    pub max_attempts: RwSignal<String>,
    pub backoff_initial: RwSignal<String>,
    pub backoff_max: RwSignal<String>,
    pub misfire: RwSignal<Misfire>,
    pub on_dead: RwSignal<OnDead>,
    pub paused: RwSignal<bool>,
    /// The active window's ends as local readings in `window_zone` (blank: open).
    pub starts_local: RwSignal<String>,
    pub ends_local: RwSignal<String>,
    pub window_zone: RwSignal<String>,
    pub max_fires: RwSignal<String>,
    pub jitter: RwSignal<String>,
    pub dst_gap: RwSignal<Option<DstGap>>,
    pub dst_overlap: RwSignal<Option<DstOverlap>>,
    /// One `key=value` per line.
    pub labels: RwSignal<String>,
}

impl FormState {
    /// The form showing `initial`, its timing as `draft` (defaults where it says nothing).
    pub fn new(initial: &ScheduleRequest, draft: TimingDraft) -> Self {
        let defaults = RetryPolicy::default();
        let text = |value: &Option<String>, default: &str| {
            RwSignal::new(value.clone().unwrap_or_else(|| default.to_owned()))
        };
        Self {
            kind: RwSignal::new(draft.kind),
            name: RwSignal::new(initial.name.clone()),
            cron: RwSignal::new(draft.cron),
            tz: RwSignal::new(draft.tz),
            at_local: RwSignal::new(draft.at_local),
            at_zone: RwSignal::new(draft.at_zone),
            at_later: RwSignal::new(draft.at_later),
            in_: RwSignal::new(draft.in_),
            every: RwSignal::new(draft.every),
            url: RwSignal::new(initial.target.url.clone()),
            method: text(&initial.target.method, "POST"),
            headers: RwSignal::new(
                initial
                    .target
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            body: text(&initial.target.body, ""),
            max_attempts: RwSignal::new(
                initial
                    .max_attempts
                    .unwrap_or(defaults.max_attempts)
                    .to_string(),
            ),
            backoff_initial: RwSignal::new(show_retry_delay(
                initial
                    .backoff_initial_ms
                    .unwrap_or(defaults.backoff_initial_ms),
            )),
            backoff_max: RwSignal::new(show_retry_delay(
                initial.backoff_max_ms.unwrap_or(defaults.backoff_max_ms),
            )),
            misfire: RwSignal::new(initial.misfire.unwrap_or_default()),
            on_dead: RwSignal::new(initial.on_dead.unwrap_or_default()),
            paused: RwSignal::new(initial.paused),
            starts_local: RwSignal::new(draft.starts_local),
            ends_local: RwSignal::new(draft.ends_local),
            window_zone: RwSignal::new(draft.window_zone),
            max_fires: RwSignal::new(
                initial
                    .max_fires
                    .map(|limit| limit.to_string())
                    .unwrap_or_default(),
            ),
            jitter: text(&initial.jitter, ""),
            dst_gap: RwSignal::new(draft.dst_gap),
            dst_overlap: RwSignal::new(draft.dst_overlap),
            labels: RwSignal::new(
                initial
                    .labels
                    .iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }

    /// The labels as typed, one `key=value` per line; `Err` names a line that has no `=`
    /// (the server checks keys and values).
    pub fn label_map(self) -> Result<scheduleman::labels::Labels, String> {
        let mut labels = scheduleman::labels::Labels::new();
        for line in self
            .labels
            .get()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| format!("{line:?} is not key=value"))?;
            labels.insert(key.trim().to_owned(), value.trim().to_owned());
        }
        Ok(labels)
    }

    /// The run limit as typed: `Ok(None)` when blank.
    pub fn max_fires_limit(self) -> Result<Option<u32>, String> {
        let text = self.max_fires.get();
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| format!("{text:?} is not a whole number of fires"))
    }

    /// The timing fields as typed (what the server reads: [`TimingDraft::read`]).
    pub fn draft(self) -> TimingDraft {
        TimingDraft {
            kind: self.kind.get(),
            cron: self.cron.get(),
            tz: self.tz.get(),
            at_local: self.at_local.get(),
            at_zone: self.at_zone.get(),
            at_later: self.at_later.get(),
            in_: self.in_.get(),
            every: self.every.get(),
            starts_local: self.starts_local.get(),
            ends_local: self.ends_local.get(),
            window_zone: self.window_zone.get(),
            dst_gap: self.dst_gap.get(),
            dst_overlap: self.dst_overlap.get(),
        }
    }

    /// The request to save, its timing as `timing` (the reading of [`Self::draft`]) says;
    /// `Err` with the reason when a field does not read (it is shown under the field, and
    /// nothing is sent).
    pub fn to_request(self, timing: &ResolvedTiming) -> Result<ScheduleRequest, String> {
        let backoff_initial_ms = parse_retry_delay(&self.backoff_initial.get())?;
        let backoff_max_ms = parse_retry_delay(&self.backoff_max.get())?;
        let instant = |end: &Option<crate::timing_draft::Instant>| end.map(|at| at.0);
        let (starts_at, ends_at, max_fires) = (
            instant(timing.starts_at.as_ref()?),
            instant(timing.ends_at.as_ref()?),
            self.max_fires_limit()?,
        );
        let labels = self.label_map()?;
        Ok(ScheduleRequest {
            name: self.name.get(),
            schedule: timing.of.timing(&timing.run_at),
            target: TargetRequest {
                url: self.url.get(),
                method: Some(self.method.get()),
                headers: parse_headers(&self.headers.get()),
                body: Some(self.body.get()).filter(|b| !b.trim().is_empty()),
            },
            max_attempts: self.max_attempts.get().trim().parse().ok(),
            backoff_initial_ms: Some(backoff_initial_ms),
            backoff_max_ms: Some(backoff_max_ms),
            misfire: Some(self.misfire.get()),
            on_dead: Some(self.on_dead.get()),
            paused: self.paused.get(),
            starts_at,
            ends_at,
            max_fires,
            jitter: Some(self.jitter.get().trim().to_owned()).filter(|j| !j.is_empty()),
            dst_gap: self.dst_gap.get(),
            dst_overlap: self.dst_overlap.get(),
            labels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::full_request as request;
    use chrono::Utc;

    #[test]
    fn a_request_shown_in_the_form_saves_as_the_same_request() {
        let owner = Owner::new();
        owner.with(|| {
            let original = request();
            let form = FormState::new(&original, TimingDraft::of(&original, Utc::now()));
            let reading = form.draft().read(Utc::now());
            assert_eq!(form.to_request(&reading.resolved), Ok(original));
        });
    }

    #[test]
    fn edits_reach_the_request_and_a_bad_delay_blocks_it() {
        let owner = Owner::new();
        owner.with(|| {
            let original = request();
            let form = FormState::new(&original, TimingDraft::of(&original, Utc::now()));
            let save = |form: FormState| form.to_request(&form.draft().read(Utc::now()).resolved);
            form.kind.set(TimingKind::Every);
            form.every.set("90s".into());
            form.headers.set("X-A: 1\nX-B: two words".into());
            form.body.set("   ".into());
            let saved = save(form).unwrap();
            assert_eq!(saved.schedule.every.as_deref(), Some("90s"));
            assert_eq!(saved.schedule.cron, None, "only the chosen kind is sent");
            assert_eq!(saved.target.headers["X-B"], "two words");
            assert_eq!(saved.target.body, None, "a blank body means the default");
            form.starts_local.set("2027-03-28T02:30".into());
            form.window_zone.set("Europe/Berlin".into());
            assert!(
                save(form).unwrap_err().contains("does not exist"),
                "a window start in a DST gap blocks the save"
            );
            form.starts_local.set("".into());
            form.max_fires.set("ten".into());
            assert!(save(form).unwrap_err().contains("\"ten\""));
            form.max_fires.set("".into());
            assert_eq!(save(form).unwrap().max_fires, None);
            form.backoff_max.set("soon".into());
            assert!(save(form)
                .unwrap_err()
                .contains("\"soon\" is not a duration"));
        });
    }
}
