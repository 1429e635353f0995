//! Alerts as the API answers them and the UI shows them: channels, per-schedule routing,
//! incidents, deliveries, and the payload every alert carries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a channel's alerts are written and carried.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ChannelFormat {
    /// Our own JSON payload ([`AlertPayload`]), signed like triggers.
    Json,
    /// A `{"text": …}` message, as Slack, Mattermost and Discord's Slack-compatible
    /// endpoints accept.
    Slack,
    /// An email through `SCHEDULEMAN_SMTP_URL`; the channel's URL is `mailto:` addresses.
    Email,
}

impl ChannelFormat {
    /// The format's name, as the API spells it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What alerts are about; each opens one incident per subject at a time.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", derive(sqlx::Type), sqlx(type_name = "text"))]
pub enum AlertEvent {
    /// A schedule was dead-lettered.
    #[serde(rename = "schedule.dead")]
    #[strum(serialize = "schedule.dead")]
    #[cfg_attr(feature = "server", sqlx(rename = "schedule.dead"))]
    ScheduleDead,
    /// An `on_dead: next_fire` schedule dead-lettered one fire.
    #[serde(rename = "fire.dead")]
    #[strum(serialize = "fire.dead")]
    #[cfg_attr(feature = "server", sqlx(rename = "fire.dead"))]
    FireDead,
    /// Attempts of a schedule failed several times in a row.
    #[serde(rename = "schedule.failing")]
    #[strum(serialize = "schedule.failing")]
    #[cfg_attr(feature = "server", sqlx(rename = "schedule.failing"))]
    ScheduleFailing,
    /// Fires are due and not fired for longer than the threshold.
    #[serde(rename = "schedule.overdue")]
    #[strum(serialize = "schedule.overdue")]
    #[cfg_attr(feature = "server", sqlx(rename = "schedule.overdue"))]
    ScheduleOverdue,
    /// No executor has a live heartbeat while schedules are active.
    #[serde(rename = "executors.none")]
    #[strum(serialize = "executors.none")]
    #[cfg_attr(feature = "server", sqlx(rename = "executors.none"))]
    ExecutorsNone,
}

impl AlertEvent {
    /// The event's name (`schedule.dead`…).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A channel to create or replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    /// A name for people (1–200 characters).
    pub name: String,
    /// A webhook URL (`json`, `slack`; checked by the same rules as schedule targets), or
    /// `mailto:` and comma-separated addresses (`email`).
    pub url: String,
    /// How alerts are written: `json`, `slack` or `email`.
    pub format: ChannelFormat,
    /// Whether it is in the default set (alerts of schedules without their own channels, and
    /// alerts about the whole system); true when left out.
    #[serde(default = "yes")]
    pub default: bool,
}

fn yes() -> bool {
    true
}

/// A channel as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelView {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Where alerts go.
    pub url: String,
    /// How they are written.
    pub format: ChannelFormat,
    /// Whether it is in the default set.
    pub default: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A channel just created, with the secret its `json` deliveries are signed with (shown
/// once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedChannel {
    /// The channel.
    #[serde(flatten)]
    pub channel: ChannelView,
    /// Checks `X-Scheduleman-Signature` on its deliveries, as a schedule's secret does on
    /// triggers.
    pub signing_secret: String,
}

/// A schedule's alert routing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// The channels its alerts go to; absent or null: the default set.
    #[serde(default)]
    pub channels: Option<Vec<Uuid>>,
    /// No alert is sent for it until then (its incidents still open and show).
    #[serde(default)]
    pub muted_until: Option<DateTime<Utc>>,
    /// Consecutive failed attempts that open `schedule.failing` (1–1000); absent: 3.
    #[serde(default)]
    pub failing_after: Option<i32>,
}

/// Consecutive failed attempts that open `schedule.failing` when a schedule does not say.
pub const DEFAULT_FAILING_AFTER: i32 = 3;

/// An incident: opened once when its event happens, resolved once when it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentView {
    /// Its id (the payload's `incident_id`).
    pub id: Uuid,
    /// What happened.
    pub event: AlertEvent,
    /// The schedule, for a schedule's event (absent for the whole system's, or once the
    /// schedule is deleted).
    pub schedule_id: Option<Uuid>,
    /// The schedule's name when the incident opened.
    pub schedule_name: Option<String>,
    /// Why, in words.
    pub reason: String,
    /// Figures behind the reason (attempts, counts, instants).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// When it was resolved; absent while open.
    pub resolved_at: Option<DateTime<Utc>>,
    /// How it was resolved ("the next attempt succeeded"…).
    pub resolution: Option<String>,
}

/// Whether an alert opens or resolves its incident (or tests a channel).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DeliveryKind {
    /// The incident opened.
    Open,
    /// The incident was resolved.
    Resolved,
    /// A test alert, sent from the channel's "send a test alert".
    Test,
}

/// Where a delivery stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not sent yet (or being retried).
    Pending,
    /// The channel took it.
    Sent,
    /// Every attempt failed.
    Failed,
}

/// One alert to one channel, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    /// Its id (the `X-Scheduleman-Execution-Id` of a webhook delivery: the same on every
    /// retry, so a receiver can drop a duplicate).
    pub id: Uuid,
    /// The incident (absent for a test alert).
    pub incident_id: Option<Uuid>,
    /// The event, for an incident's alert.
    pub event: Option<String>,
    /// The channel.
    pub channel_id: Uuid,
    /// The channel's name.
    pub channel: String,
    /// Open, resolved or test.
    pub kind: DeliveryKind,
    /// Pending, sent or failed.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the channel took it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// What an alert says: the JSON body of a `json` channel's delivery, and what the `slack`
/// and `email` formats are written from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertPayload {
    /// `schedule.dead`, `fire.dead`, `schedule.failing`, `schedule.overdue`,
    /// `executors.none` (or `test`).
    pub event: String,
    /// `open` or `resolved` (or `test`).
    pub state: String,
    /// The incident; the same in its open and resolved alerts.
    pub incident_id: Option<Uuid>,
    /// When it opened or was resolved.
    pub at: DateTime<Utc>,
    /// The schedule, for a schedule's event.
    pub schedule: Option<PayloadSchedule>,
    /// Why, in words.
    pub reason: String,
    /// Figures behind the reason.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// The schedule an alert is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayloadSchedule {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its page in the UI.
    pub url: String,
}

/// Open incidents by kind, for the header badge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenIncidents {
    /// How many incidents are open.
    pub open: i64,
}
