//! Schedules, attempts and executors as the API answers them and the UI shows them: a readable
//! schedule, one that cannot be read, what a creation returns, an attempt, an executor.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Misfire, OnDead, Outcome, RetryPolicy, ScheduleState, Target};
use crate::schedule::{Schedule, ScheduleError, ScheduleSpec, TimingOptions};

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
    /// Its active window, jitter and DST policy (each present only when set).
    #[serde(flatten)]
    pub options: TimingOptions,
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
    /// Fires its run limit allows in all, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fires: Option<i32>,
    /// Fires the run limit still allows (at 0 it completes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fires_left: Option<i32>,
    /// A pause that ends by itself then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<DateTime<Utc>>,
    /// When it was paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<DateTime<Utc>>,
    /// Who paused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_by: Option<String>,
    /// Why, as they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_note: Option<String>,
    /// Its labels (`{"team": "billing"}`).
    #[serde(default)]
    pub labels: crate::labels::Labels,
    /// Bumped by every edit; send it back in `If-Match` to refuse stale edits.
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl ScheduleView {
    /// Its timing ready to compute fires, with its window, jitter and DST policy.
    pub fn compile(&self) -> Result<Schedule, ScheduleError> {
        self.schedule.compile_with(&self.options)
    }
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

    /// When it was dead-lettered, if it is dead.
    pub fn dead_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Readable(view) => view.dead_at,
            Self::Unreadable(row) => row.dead_at,
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
    /// Whether a person asked for this fire ("Trigger now").
    #[serde(default)]
    pub manual: bool,
    /// The backfill this fire belongs to, if it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill_id: Option<uuid::Uuid>,
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

/// `POST /schedules/{id}/pause`'s optional body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// Resume by itself at this instant (the misfire rule decides what was missed).
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Why, shown in the list and on the schedule's page (at most 500 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /schedules/{id}/trigger`'s optional body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TriggerRequest {
    /// Send this body with this fire only (at most 64 KiB).
    #[serde(default)]
    pub body: Option<String>,
}

/// `POST /schedules/{id}/backfill`'s body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BackfillRequest {
    /// The range's start (RFC 3339, inclusive).
    pub from: DateTime<Utc>,
    /// The range's end (RFC 3339, inclusive; not in the future).
    pub to: DateTime<Utc>,
    /// Time between two fires (humantime, `0s`–`1h`; default `1s`).
    #[serde(default)]
    pub pace: Option<String>,
    /// Answer the fires without making them.
    #[serde(default)]
    pub dry_run: bool,
}

/// A backfill: what it fires and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackfillView {
    /// Its id (`null` for a dry run).
    pub id: Option<uuid::Uuid>,
    /// The schedule.
    pub schedule_id: uuid::Uuid,
    /// The range's start.
    pub from: DateTime<Utc>,
    /// The range's end.
    pub to: DateTime<Utc>,
    /// Milliseconds between two fires.
    pub pace_ms: i64,
    /// `running`, `done` or `cancelled` (`preview` for a dry run).
    pub state: String,
    /// Who started it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// How many fires it makes.
    pub total: i32,
    /// Fires delivered so far.
    pub delivered: i32,
    /// Fires that ran out of attempts.
    pub failed: i32,
    /// Fires not made because it was cancelled.
    pub cancelled: i32,
    /// The instants it fires (only in the answer to the request that makes it, or a dry
    /// run), ascending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fires: Vec<DateTime<Utc>>,
}
