//! The form's state: one signal per field, made from a [`ScheduleRequest`] and made back
//! into one ([`FormState::to_request`]) when the person saves.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use scheduleman::model::{Misfire, OnDead, RetryPolicy};
use scheduleman::schedule::{DstGap, DstOverlap, ScheduleInput, TimingOptions};
use scheduleman::validate::{ScheduleRequest, TargetRequest};

use super::fields::{parse_headers, parse_retry_delay, show_retry_delay};
use super::run_at::{resolve_run_at, show_in_zone, split_run_at};

/// Which kind of timing the form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Cron,
    At,
    In,
    Every,
}

impl Kind {
    fn of(input: &ScheduleInput) -> Self {
        if input.at.is_some() {
            Self::At
        } else if input.in_.is_some() {
            Self::In
        } else if input.every.is_some() {
            Self::Every
        } else {
            Self::Cron
        }
    }
}

/// Every field of the form, as text where the person types text.
#[derive(Debug, Clone, Copy)]
pub(super) struct FormState {
    pub kind: RwSignal<Kind>,
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
    /// The form showing `initial` (defaults where it says nothing).
    pub fn new(initial: &ScheduleRequest) -> Self {
        let defaults = RetryPolicy::default();
        let (at_local, at_zone) = split_run_at(
            initial.schedule.at.as_deref(),
            initial.schedule.tz.as_deref(),
        );
        let window_zone = initial
            .schedule
            .tz
            .clone()
            .unwrap_or_else(|| "UTC".to_owned());
        let text = |value: &Option<String>, default: &str| {
            RwSignal::new(value.clone().unwrap_or_else(|| default.to_owned()))
        };
        Self {
            kind: RwSignal::new(Kind::of(&initial.schedule)),
            name: RwSignal::new(initial.name.clone()),
            cron: text(&initial.schedule.cron, ""),
            tz: text(&initial.schedule.tz, "UTC"),
            at_local: RwSignal::new(at_local),
            at_zone: RwSignal::new(at_zone),
            at_later: RwSignal::new(false),
            in_: text(&initial.schedule.in_, "15m"),
            every: text(&initial.schedule.every, "1h"),
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
            starts_local: RwSignal::new(show_in_zone(initial.starts_at, &window_zone)),
            ends_local: RwSignal::new(show_in_zone(initial.ends_at, &window_zone)),
            window_zone: RwSignal::new(window_zone),
            max_fires: RwSignal::new(
                initial
                    .max_fires
                    .map(|limit| limit.to_string())
                    .unwrap_or_default(),
            ),
            jitter: text(&initial.jitter, ""),
            dst_gap: RwSignal::new(initial.dst_gap),
            dst_overlap: RwSignal::new(initial.dst_overlap),
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

    /// The window's start as typed: `Ok(None)` when blank, `Err` with the reason when the
    /// reading does not resolve in the window's zone (a DST gap, say).
    pub fn starts_at(self) -> Result<Option<DateTime<Utc>>, String> {
        window_end(&self.starts_local.get(), &self.window_zone.get())
    }

    /// The window's end as typed.
    pub fn ends_at(self) -> Result<Option<DateTime<Utc>>, String> {
        window_end(&self.ends_local.get(), &self.window_zone.get())
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

    /// The options the preview applies: the window and the DST policy (the jitter is shown
    /// as a window after each fire instead of moving it).
    pub fn preview_options(self) -> TimingOptions {
        TimingOptions {
            starts_at: self.starts_at().ok().flatten(),
            ends_at: self.ends_at().ok().flatten(),
            dst_gap: self.dst_gap.get(),
            dst_overlap: self.dst_overlap.get(),
            ..TimingOptions::default()
        }
    }

    /// The timing as the chosen kind's fields say (a Run At as the picker resolved it).
    pub fn timing(self) -> ScheduleInput {
        match self.kind.get() {
            Kind::Cron => ScheduleInput {
                cron: Some(self.cron.get()),
                tz: Some(self.tz.get()),
                ..Default::default()
            },
            Kind::At => ScheduleInput {
                at: Some(
                    resolve_run_at(
                        &self.at_local.get(),
                        &self.at_zone.get(),
                        self.at_later.get(),
                    )
                    .map(|r| r.submit)
                    .unwrap_or_else(|_| self.at_local.get()),
                ),
                tz: Some(self.at_zone.get()),
                ..Default::default()
            },
            Kind::In => ScheduleInput {
                in_: Some(self.in_.get()),
                ..Default::default()
            },
            Kind::Every => ScheduleInput {
                every: Some(self.every.get()),
                ..Default::default()
            },
        }
    }

    /// The request to save; `Err` with the reason when a retry delay does not read (it is
    /// shown under its field, and nothing is sent).
    pub fn to_request(self) -> Result<ScheduleRequest, String> {
        let backoff_initial_ms = parse_retry_delay(&self.backoff_initial.get())?;
        let backoff_max_ms = parse_retry_delay(&self.backoff_max.get())?;
        let (starts_at, ends_at, max_fires) =
            (self.starts_at()?, self.ends_at()?, self.max_fires_limit()?);
        let labels = self.label_map()?;
        Ok(ScheduleRequest {
            name: self.name.get(),
            schedule: self.timing(),
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

/// A window end typed as a local reading in `zone` (blank: none).
fn window_end(local: &str, zone: &str) -> Result<Option<DateTime<Utc>>, String> {
    if local.trim().is_empty() {
        return Ok(None);
    }
    resolve_run_at(local.trim(), zone, false).map(|resolved| Some(resolved.instant))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ScheduleRequest {
        ScheduleRequest {
            name: "nightly".into(),
            schedule: ScheduleInput {
                cron: Some("0 3 * * *".into()),
                tz: Some("Europe/Berlin".into()),
                ..Default::default()
            },
            target: TargetRequest {
                url: "https://hooks.example/run".into(),
                method: Some("PUT".into()),
                headers: [("X-Team".to_owned(), "ops".to_owned())].into(),
                body: Some("{}".into()),
            },
            max_attempts: Some(7),
            backoff_initial_ms: Some(2_000),
            backoff_max_ms: Some(600_000),
            misfire: Some(Misfire::Skip),
            on_dead: Some(OnDead::NextFire),
            paused: true,
            starts_at: Some("2027-01-04T08:00:00Z".parse().unwrap()),
            ends_at: Some("2027-06-30T22:00:00Z".parse().unwrap()),
            max_fires: Some(40),
            jitter: Some("30s".into()),
            dst_gap: Some(DstGap::Skip),
            dst_overlap: Some(DstOverlap::Twice),
            labels: [
                ("team".to_owned(), "billing".to_owned()),
                ("env".to_owned(), "prod".to_owned()),
            ]
            .into(),
        }
    }

    #[test]
    fn a_request_shown_in_the_form_saves_as_the_same_request() {
        let owner = Owner::new();
        owner.with(|| {
            let original = request();
            assert_eq!(FormState::new(&original).to_request(), Ok(original));
        });
    }

    #[test]
    fn edits_reach_the_request_and_a_bad_delay_blocks_it() {
        let owner = Owner::new();
        owner.with(|| {
            let form = FormState::new(&request());
            form.kind.set(Kind::Every);
            form.every.set("90s".into());
            form.headers.set("X-A: 1\nX-B: two words".into());
            form.body.set("   ".into());
            let saved = form.to_request().unwrap();
            assert_eq!(saved.schedule.every.as_deref(), Some("90s"));
            assert_eq!(saved.schedule.cron, None, "only the chosen kind is sent");
            assert_eq!(saved.target.headers["X-B"], "two words");
            assert_eq!(saved.target.body, None, "a blank body means the default");
            form.starts_local.set("2027-03-28T02:30".into());
            form.window_zone.set("Europe/Berlin".into());
            assert!(
                form.to_request().unwrap_err().contains("does not exist"),
                "a window start in a DST gap blocks the save"
            );
            form.starts_local.set("".into());
            form.max_fires.set("ten".into());
            assert!(form.to_request().unwrap_err().contains("\"ten\""));
            form.max_fires.set("".into());
            assert_eq!(form.to_request().unwrap().max_fires, None);
            form.backoff_max.set("soon".into());
            assert!(form
                .to_request()
                .unwrap_err()
                .contains("\"soon\" is not a duration"));
        });
    }
}
