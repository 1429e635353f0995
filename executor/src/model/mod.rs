//! The shared vocabulary of a stored schedule beyond its timing: the webhook target, the
//! retry policy, the misfire rule and the lifecycle state. Pure types, used by the store,
//! the executor, the API and the UI.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::schedule::ScheduleSpec;

mod alerts;
mod dead_letter;
mod manifest;
mod team;
mod views;

pub use alerts::{
    AlertEvent, AlertPayload, AlertRule, ChannelFormat, ChannelRequest, ChannelView,
    CreatedChannel, DeliveryKind, DeliveryStatus, DeliveryView, IncidentView, OpenIncidents,
    PayloadSchedule, DEFAULT_FAILING_AFTER,
};
pub use dead_letter::DeadLetter;
pub use manifest::{
    ApplyPlan, ApplyRequest, BulkAction, BulkDone, BulkRequest, PlannedChange, PlannedCreate,
    PlannedDelete,
};
pub use team::{ApiKeyView, AuditEntryView, CreatedKey, KeyRequest};

pub use views::{
    BackfillRequest, BackfillView, CreatedRef, CreatedSchedule, ExecutionView, ExecutorView,
    PauseRequest, ScheduleItem, ScheduleView, SigningSecret, TriggerRequest, UnreadableSchedule,
};

/// Where and how a trigger is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    /// The webhook URL (http or https).
    pub url: String,
    /// The HTTP method; POST by default.
    #[serde(default = "default_method")]
    pub method: String,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The request body; when absent, a JSON description of the trigger is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl Target {
    /// What stands in for a value that is not shown.
    pub const REDACTED: &'static str = "…";

    /// The target with its header values and body replaced by [`Target::REDACTED`] (header
    /// names stay): what a role that may not see secrets is shown.
    pub fn redacted(mut self) -> Self {
        for value in self.headers.values_mut() {
            *value = Self::REDACTED.to_owned();
        }
        if self.body.is_some() {
            self.body = Some(Self::REDACTED.to_owned());
        }
        self
    }
}

fn default_method() -> String {
    "POST".to_owned()
}

/// How failed triggers are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetryPolicy {
    /// Attempts per fire before the schedule is dead-lettered (1–100).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub backoff_initial_ms: u64,
    /// Longest delay between retries.
    pub backoff_max_ms: u64,
}

impl Default for RetryPolicy {
    /// 5 attempts, first retry after 1 s, doubling, capped at 5 min.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 300_000,
        }
    }
}

impl RetryPolicy {
    /// The delay after failed attempt number `attempt` (1-based), before jitter: the
    /// initial delay doubled per earlier attempt, capped at the maximum.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(40);
        let delay = self.backoff_initial_ms.saturating_mul(1u64 << doublings);
        Duration::from_millis(delay.min(self.backoff_max_ms))
    }
}

/// What happens to fires missed while no executor ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Misfire {
    /// Fire once for the whole missed period, then resume.
    #[default]
    FireOnce,
    /// Skip missed fires; resume at the next instant.
    Skip,
}

impl Misfire {
    /// The spelling in JSON, the database and URLs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a fire that runs out of attempts does to its schedule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OnDead {
    /// The schedule is dead-lettered and waits for an update or a re-arm.
    #[default]
    Stop,
    /// Only that fire is dead-lettered; the schedule goes on at its next instant (a
    /// one-shot schedule, having none, is dead-lettered as with `stop`).
    NextFire,
}

impl OnDead {
    /// The spelling in JSON, the database and URLs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where a schedule is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ScheduleState {
    /// Fires when due.
    Active,
    /// Kept, but does not fire.
    Paused,
    /// A one-shot schedule that has fired.
    Completed,
    /// A fire failed `max_attempts` times; editing or re-arming revives it.
    Dead,
}

impl ScheduleState {
    /// The spelling in JSON, the database and URLs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How an attempt, or a fire, ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The target answered 2xx.
    Success,
    /// The attempt failed (the reason is kept beside it).
    Failure,
    /// A missed fire was skipped without a request (`misfire: skip`).
    Skipped,
}

impl Outcome {
    /// The spelling in JSON, the database and URLs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One webhook request to make: which fire of which schedule, where, and how it is signed.
/// What the trigger needs, and nothing of where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookCall<'a> {
    /// The schedule.
    pub schedule_id: uuid::Uuid,
    /// The fire's execution id, the same for all its attempts.
    pub execution_id: uuid::Uuid,
    /// The schedule's name.
    pub name: &'a str,
    /// The fire's scheduled instant.
    pub scheduled_for: DateTime<Utc>,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// Where and how to call.
    pub target: &'a Target,
    /// The key requests are signed with, if the schedule has its own.
    pub signing_secret: Option<&'a str>,
}

impl NewSchedule {
    /// What its `spec` column holds: the timing with its options.
    pub fn stored_timing(&self) -> crate::schedule::StoredTiming {
        crate::schedule::StoredTiming {
            spec: self.spec.clone(),
            options: self.options.clone(),
        }
    }
}

/// A validated schedule ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    /// A name for people (1–200 characters).
    pub name: String,
    /// When it fires.
    pub spec: ScheduleSpec,
    /// Its active window, jitter and DST policy.
    pub options: crate::schedule::TimingOptions,
    /// Fires it may make in all (`None`: no limit).
    pub max_fires: Option<u32>,
    /// What it calls.
    pub target: Target,
    /// How failures are retried.
    pub retry: RetryPolicy,
    /// What happens to missed fires.
    pub misfire: Misfire,
    /// What a fire that runs out of attempts does to the schedule.
    pub on_dead: OnDead,
    /// Whether it starts paused.
    pub paused: bool,
    /// Its labels.
    pub labels: crate::labels::Labels,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_initial_delay_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let delays: Vec<u64> = (1..=11)
            .map(|a| policy.backoff(a).as_millis() as u64)
            .collect();
        assert_eq!(
            delays,
            [
                1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
                300_000
            ]
        );
        assert_eq!(policy.backoff(1_000), Duration::from_millis(300_000));
    }

    #[test]
    fn database_spellings_are_the_json_spellings() {
        use strum::IntoEnumIterator;
        fn same<T>(value: T)
        where
            T: Serialize + Copy + std::str::FromStr + PartialEq + std::fmt::Debug,
            &'static str: From<T>,
            <T as std::str::FromStr>::Err: std::fmt::Debug,
        {
            let spelled: &'static str = value.into();
            let json = serde_json::json!(value);
            assert_eq!(json.as_str(), Some(spelled), "serde and strum agree");
            assert_eq!(spelled.parse::<T>().ok(), Some(value), "and read back");
        }
        ScheduleState::iter().for_each(same);
        Misfire::iter().for_each(same);
        OnDead::iter().for_each(same);
        Outcome::iter().for_each(same);
        assert!("zombie".parse::<ScheduleState>().is_err());
    }
}
