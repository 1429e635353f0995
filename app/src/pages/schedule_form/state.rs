//! The form's state: one signal per field, made from a [`ScheduleRequest`] and made back
//! into one ([`FormState::to_request`]) when the person saves.

use leptos::prelude::*;
use scheduleman::model::{Misfire, OnDead, RetryPolicy};
use scheduleman::schedule::ScheduleInput;
use scheduleman::validate::{ScheduleRequest, TargetRequest};

use super::fields::{parse_headers, parse_retry_delay, show_retry_delay};
use super::run_at::{resolve_run_at, split_run_at};

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
}

impl FormState {
    /// The form showing `initial` (defaults where it says nothing).
    pub fn new(initial: &ScheduleRequest) -> Self {
        let defaults = RetryPolicy::default();
        let (at_local, at_zone) = split_run_at(
            initial.schedule.at.as_deref(),
            initial.schedule.tz.as_deref(),
        );
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
        })
    }
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
            form.backoff_max.set("soon".into());
            assert!(form
                .to_request()
                .unwrap_err()
                .contains("\"soon\" is not a duration"));
        });
    }
}
