//! What a user submits for a schedule (the API's body and the form's), the paths its fields
//! are named by in errors, and what an edit starts from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Misfire, NewSchedule, OnDead, ScheduleState, ScheduleView};
use crate::schedule::{zone, DstGap, DstOverlap, ScheduleInput, ScheduleSpec};

/// The paths of a schedule request's fields, as field errors name them: one spelling for
/// validation and for the form that shows each reason beside its field.
pub mod field {
    /// The name.
    pub const NAME: &str = "name";
    /// The timing (its parts are `schedule.cron`, `schedule.tz`, `schedule.at`, …).
    pub const SCHEDULE: &str = "schedule";
    /// The webhook URL.
    pub const TARGET_URL: &str = "target.url";
    /// The HTTP method.
    pub const TARGET_METHOD: &str = "target.method";
    /// The extra headers.
    pub const TARGET_HEADERS: &str = "target.headers";
    /// The request body.
    pub const TARGET_BODY: &str = "target.body";
    /// Attempts per fire.
    pub const MAX_ATTEMPTS: &str = "max_attempts";
    /// The first retry delay.
    pub const BACKOFF_INITIAL_MS: &str = "backoff_initial_ms";
    /// The longest retry delay.
    pub const BACKOFF_MAX_MS: &str = "backoff_max_ms";
    /// The start of the active window.
    pub const STARTS_AT: &str = "starts_at";
    /// The end of the active window.
    pub const ENDS_AT: &str = "ends_at";
    /// The run limit.
    pub const MAX_FIRES: &str = "max_fires";
    /// The jitter.
    pub const JITTER: &str = "jitter";
    /// The DST gap rule.
    pub const DST_GAP: &str = "dst_gap";
    /// The DST overlap rule.
    pub const DST_OVERLAP: &str = "dst_overlap";
    /// The labels (a label's own problem is at `labels.<key>`).
    pub const LABELS: &str = "labels";
}

/// What an edit form starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditBase {
    /// The request that would save the schedule as it is (for an unreadable one: its name
    /// and target, and no timing).
    pub request: ScheduleRequest,
    /// Why the stored schedule cannot be read, when it cannot: the form asks for a timing.
    pub unreadable: Option<String>,
}

/// A schedule as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// A name for people.
    pub name: String,
    /// When it fires: exactly one of `cron`, `at`, `in`, `every` (with `tz`).
    pub schedule: ScheduleInput,
    /// What it calls.
    pub target: TargetRequest,
    /// Attempts per fire before dead-lettering (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// First retry delay in ms (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_initial_ms: Option<u64>,
    /// Longest retry delay in ms (default 300000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_max_ms: Option<u64>,
    /// `fire_once` (default) or `skip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub misfire: Option<Misfire>,
    /// When a fire runs out of attempts: `stop` (default) dead-letters the schedule until
    /// it is updated; `next_fire` dead-letters that fire and goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_dead: Option<OnDead>,
    /// Start (or stay) paused.
    #[serde(default)]
    pub paused: bool,
    /// A recurring schedule fires nothing before this instant (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// A recurring schedule fires nothing after this instant, and then completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// A recurring schedule completes after this many fires (1–1,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fires: Option<u32>,
    /// Spread each fire of a recurring schedule within this long after its instant
    /// (humantime: `30s`, `5m`; at most 1 h and shorter than the gap between fires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<String>,
    /// A cron schedule's rule for a time a spring-forward gap skips: `shift` (to the end of
    /// the gap) or `skip`. Unset: Debian cron's (shift a fixed-time job, skip others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_gap: Option<DstGap>,
    /// A cron schedule's rule for a time a fall-back overlap repeats: `once` or `twice`.
    /// Unset: Debian cron's (once for a fixed-time job, twice for others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_overlap: Option<DstOverlap>,
    /// Labels, as Kubernetes writes them: `{"team": "billing", "env": "prod"}` (at most 64;
    /// keys an optional DNS prefix and `/` and a name of at most 63 letters, digits, `-`,
    /// `_`, `.`; values the same or empty).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: crate::labels::Labels,
}

/// Many schedules to create at once, all or none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The schedules, each as `POST /schedules` takes one.
    pub schedules: Vec<ScheduleRequest>,
}

/// The webhook as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetRequest {
    /// http or https URL.
    pub url: String,
    /// HTTP method (default POST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Extra headers.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Request body; default a JSON description of the trigger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl ScheduleRequest {
    /// The request that would recreate `view` (the base of a PATCH or an edit form).
    pub fn from_view(view: &ScheduleView) -> Self {
        Self::definition(Definition {
            name: &view.name,
            spec: &view.schedule,
            options: &view.options,
            target: &view.target,
            retry: &view.retry,
            misfire: view.misfire,
            on_dead: view.on_dead,
            max_fires: view.max_fires.map(|n| n.max(1) as u32),
            labels: &view.labels,
            paused: view.state == ScheduleState::Paused,
        })
    }

    /// The request that would recreate `schedule` as validated: what an apply compares with
    /// [`Self::from_view`] of the stored one (both normalised the same way).
    pub fn from_schedule(schedule: &NewSchedule) -> Self {
        Self::definition(Definition {
            name: &schedule.name,
            spec: &schedule.spec,
            options: &schedule.options,
            target: &schedule.target,
            retry: &schedule.retry,
            misfire: schedule.misfire,
            on_dead: schedule.on_dead,
            max_fires: schedule.max_fires,
            labels: &schedule.labels,
            paused: schedule.paused,
        })
    }

    fn definition(parts: Definition<'_>) -> Self {
        let schedule = match parts.spec {
            ScheduleSpec::Cron { cron, tz } => ScheduleInput {
                cron: Some(cron.clone()),
                tz: Some(tz.clone()),
                ..Default::default()
            },
            ScheduleSpec::At { at, tz } => {
                let zone = zone::parse(tz).unwrap_or(chrono_tz::Tz::UTC);
                ScheduleInput {
                    at: Some(at.with_timezone(&zone).to_rfc3339()),
                    tz: Some(tz.clone()),
                    ..Default::default()
                }
            }
            ScheduleSpec::In { duration, .. } => ScheduleInput {
                in_: Some(duration.clone()),
                ..Default::default()
            },
            ScheduleSpec::Every { every, .. } => ScheduleInput {
                every: Some(every.clone()),
                ..Default::default()
            },
        };
        Self {
            name: parts.name.to_owned(),
            schedule,
            target: TargetRequest {
                url: parts.target.url.clone(),
                method: Some(parts.target.method.clone()),
                headers: parts.target.headers.clone(),
                body: parts.target.body.clone(),
            },
            max_attempts: Some(parts.retry.max_attempts),
            backoff_initial_ms: Some(parts.retry.backoff_initial_ms),
            backoff_max_ms: Some(parts.retry.backoff_max_ms),
            misfire: Some(parts.misfire),
            on_dead: Some(parts.on_dead),
            paused: parts.paused,
            starts_at: parts.options.starts_at,
            ends_at: parts.options.ends_at,
            max_fires: parts.max_fires,
            jitter: parts.options.jitter.clone(),
            dst_gap: parts.options.dst_gap,
            dst_overlap: parts.options.dst_overlap,
            labels: parts.labels.clone(),
        }
    }
}

/// What defines a schedule, wherever it comes from.
struct Definition<'a> {
    name: &'a str,
    spec: &'a ScheduleSpec,
    options: &'a crate::schedule::TimingOptions,
    target: &'a crate::model::Target,
    retry: &'a crate::model::RetryPolicy,
    misfire: Misfire,
    on_dead: OnDead,
    max_fires: Option<u32>,
    labels: &'a crate::labels::Labels,
    paused: bool,
}
