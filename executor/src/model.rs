//! The shared vocabulary of a stored schedule beyond its timing: the webhook target, the
//! retry policy, the misfire rule and the lifecycle state. Pure types, used by the store,
//! the executor, the API and the UI.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::schedule::ScheduleSpec;

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
#[serde(rename_all = "snake_case")]
pub enum Misfire {
    /// Fire once for the whole missed period, then resume.
    #[default]
    FireOnce,
    /// Skip missed fires; resume at the next instant.
    Skip,
}

impl Misfire {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FireOnce => "fire_once",
            Self::Skip => "skip",
        }
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
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::NextFire => "next_fire",
        }
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
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Dead => "dead",
        }
    }

    /// Reads a state's name, as people and URLs write it.
    pub fn from_name(text: &str) -> Option<Self> {
        Some(match text {
            "active" => Self::Active,
            "paused" => Self::Paused,
            "completed" => Self::Completed,
            "dead" => Self::Dead,
            _ => return None,
        })
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
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Skipped => "skipped",
        }
    }
}

/// A schedule as stored, as the API answers it and the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleView {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its name.
    pub name: String,
    /// When it fires.
    pub schedule: ScheduleSpec,
    /// The timing in plain words.
    pub description: String,
    /// What it calls.
    pub target: Target,
    /// How failures are retried.
    pub retry: RetryPolicy,
    /// What happens to missed fires.
    pub misfire: Misfire,
    /// What a fire that runs out of attempts does to the schedule.
    #[serde(default)]
    pub on_dead: OnDead,
    /// How many fires were dead-lettered while the schedule went on (`on_dead: next_fire`).
    #[serde(default)]
    pub dead_fires: i32,
    /// Its state.
    pub state: ScheduleState,
    /// When it is next due (a fire, a retry, or a claim's lease expiry); `None` when
    /// nothing is pending.
    pub next_run_at: Option<DateTime<Utc>>,
    /// The instant of the fire being attempted, while attempts are under way.
    pub fire_at: Option<DateTime<Utc>>,
    /// Attempts made at that fire.
    pub attempt: i32,
    /// The executor holding it, while claimed.
    pub claimed_by: Option<String>,
    /// When it last made an attempt.
    pub last_fired_at: Option<DateTime<Utc>>,
    /// How that attempt ended.
    pub last_outcome: Option<Outcome>,
    /// Why it failed, when it did.
    pub last_error: Option<String>,
    /// When it was dead-lettered.
    pub dead_at: Option<DateTime<Utc>>,
    /// Bumped by every edit; send it back in `If-Match` to refuse stale edits.
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A stored schedule whose timing or headers no longer decode (written by another version,
/// or by hand): listed with what can be read and why the rest cannot, so it can be edited or
/// deleted; the executor dead-letters it with this reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadableSchedule {
    /// Its id.
    pub id: uuid::Uuid,
    /// Its name.
    pub name: String,
    /// Always `false`: what tells this form apart from a [`ScheduleView`].
    pub readable: bool,
    /// Why it cannot be read, in words.
    pub reason: String,
    /// Its state.
    pub state: ScheduleState,
    /// The webhook URL, as stored.
    pub target_url: String,
    /// The HTTP method, as stored.
    pub target_method: String,
    /// Why its latest attempt failed (the dead-letter reason, once the executor met it).
    pub last_error: Option<String>,
    /// When it was dead-lettered.
    pub dead_at: Option<DateTime<Utc>>,
    /// Bumped by every edit.
    pub version: i64,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Display for UnreadableSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the stored schedule cannot be read: {}", self.reason)
    }
}

/// One schedule of a listing: readable, or listed with why it cannot be read (so one bad
/// row is shown, not hidden, and never ends a page early).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
// Nearly every item is readable: boxing that variant would cost an allocation per row.
#[allow(clippy::large_enum_variant)]
pub enum ScheduleItem {
    /// A schedule that reads.
    Readable(ScheduleView),
    /// One whose stored definition does not decode (`"readable": false`).
    Unreadable(UnreadableSchedule),
}

impl ScheduleItem {
    /// The schedule's id.
    pub fn id(&self) -> uuid::Uuid {
        match self {
            Self::Readable(view) => view.id,
            Self::Unreadable(row) => row.id,
        }
    }

    /// The schedule's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Readable(view) => &view.name,
            Self::Unreadable(row) => &row.name,
        }
    }
}

/// A schedule just created, with its signing secret: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedSchedule {
    /// The stored schedule.
    #[serde(flatten)]
    pub schedule: ScheduleView,
    /// The key its requests are signed with (`X-Scheduleman-Signature`); shown only now and
    /// when rotated.
    pub signing_secret: String,
}

/// One schedule of a bulk creation: its id and signing secret (shown only now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedRef {
    /// The new schedule's id.
    pub id: uuid::Uuid,
    /// The key its requests are signed with.
    pub signing_secret: String,
}

/// A schedule's new signing secret, after a rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningSecret {
    /// The key its requests are signed with from now on.
    pub signing_secret: String,
}

/// One trigger attempt, as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecutionView {
    /// The row id (the history's cursor).
    pub id: i64,
    /// The fire's execution id, shared by its retries.
    pub execution_id: uuid::Uuid,
    /// The fire's scheduled instant.
    pub scheduled_for: DateTime<Utc>,
    /// The attempt number.
    pub attempt: i32,
    /// The executor that made it.
    pub executor_id: String,
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: Outcome,
    /// The HTTP status, when an answer came.
    pub http_status: Option<i32>,
    /// How long it took.
    pub latency_ms: i32,
    /// Why it failed, in words.
    pub error: Option<String>,
}

impl ExecutionView {
    /// How late the attempt started: request start minus the scheduled instant, in
    /// milliseconds (a retry's includes its backoff).
    pub fn lag_ms(&self) -> f64 {
        (self.started_at - self.scheduled_for)
            .num_microseconds()
            .unwrap_or(i64::MAX) as f64
            / 1_000.0
    }
}

/// An executor as its heartbeat row describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExecutorView {
    /// The executor's id (`executor run --id`).
    pub id: String,
    /// The host it runs on.
    pub host: String,
    /// Its process id on that host.
    pub pid: i32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Its latest heartbeat.
    pub last_seen_at: DateTime<Utc>,
    /// How many triggers it had in flight at that heartbeat.
    pub in_flight: i32,
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

/// A validated schedule ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    /// A name for people (1–200 characters).
    pub name: String,
    /// When it fires.
    pub spec: ScheduleSpec,
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
        let json = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        for state in [
            ScheduleState::Active,
            ScheduleState::Paused,
            ScheduleState::Completed,
            ScheduleState::Dead,
        ] {
            assert_eq!(ScheduleState::from_name(state.as_str()), Some(state));
            assert_eq!(json(serde_json::json!(state)), state.as_str());
        }
        assert_eq!(ScheduleState::from_name("zombie"), None);
        for misfire in [Misfire::FireOnce, Misfire::Skip] {
            assert_eq!(json(serde_json::json!(misfire)), misfire.as_str());
        }
        for on_dead in [OnDead::Stop, OnDead::NextFire] {
            assert_eq!(json(serde_json::json!(on_dead)), on_dead.as_str());
        }
        for outcome in [Outcome::Success, Outcome::Failure, Outcome::Skipped] {
            assert_eq!(json(serde_json::json!(outcome)), outcome.as_str());
        }
    }
}
