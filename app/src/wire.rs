//! Plain forms of the executor's types for postcard, the codec of one schedule's page, the
//! administration pages, the schedule form and the import (issue 21). The types themselves keep the JSON API's shape (flattened timing options, an
//! internally tagged timing, fields left out when absent), which postcard cannot read back:
//! it does not describe itself, so each field must be present and in order. These remote
//! derives (`#[serde(with = "…")]` on a field) write the same values field by field, and
//! instants as microseconds since the epoch (what PostgreSQL stores: they come back whole,
//! and the page's code parses no dates). Round trips: the tests below.

use chrono::{DateTime, Utc};
use scheduleman::access::Role;
use scheduleman::crontab::{
    CrontabLine, Entry, GoneSchedule, ImportAction, ImportPlan, ImportRequest, LineItem,
    PlannedLine,
};
use scheduleman::model::{
    AlertEvent, AlertRule, ApiKeyView, BackfillView, ChannelFormat, ChannelView, CreatedChannel,
    CreatedKey, DeliveryKind, DeliveryStatus, DeliveryView, ExecutionView, ExecutorView,
    IncidentView, Misfire, OnDead, Outcome, RetryPolicy, ScheduleState, ScheduleView, Target,
    UnreadableSchedule,
};
use scheduleman::punctuality::{HourBucket, Punctuality, Window};
use scheduleman::schedule::Fire;
use scheduleman::schedule::{DstGap, DstOverlap, ScheduleInput, ScheduleSpec, TimingOptions};
use scheduleman::validate::{EditBase, ScheduleRequest, TargetRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use chrono::serde::{ts_microseconds as micros, ts_microseconds_option as micros_option};

/// [`ScheduleView`], field by field.
#[derive(Serialize, Deserialize)]
#[serde(remote = "ScheduleView")]
pub struct ScheduleViewDef {
    id: uuid::Uuid,
    name: String,
    #[serde(with = "ScheduleSpecDef")]
    schedule: ScheduleSpec,
    #[serde(with = "TimingOptionsDef")]
    options: TimingOptions,
    description: String,
    #[serde(with = "TargetDef")]
    target: Target,
    retry: RetryPolicy,
    misfire: Misfire,
    on_dead: OnDead,
    dead_fires: i32,
    state: ScheduleState,
    #[serde(with = "micros_option")]
    next_run_at: Option<DateTime<Utc>>,
    #[serde(with = "micros_option")]
    fire_at: Option<DateTime<Utc>>,
    attempt: i32,
    claimed_by: Option<String>,
    #[serde(with = "micros_option")]
    last_fired_at: Option<DateTime<Utc>>,
    last_outcome: Option<Outcome>,
    last_error: Option<String>,
    #[serde(with = "micros_option")]
    dead_at: Option<DateTime<Utc>>,
    max_fires: Option<i32>,
    fires_left: Option<i32>,
    #[serde(with = "micros_option")]
    paused_until: Option<DateTime<Utc>>,
    #[serde(with = "micros_option")]
    paused_at: Option<DateTime<Utc>>,
    paused_by: Option<String>,
    pause_note: Option<String>,
    labels: BTreeMap<String, String>,
    version: i64,
    #[serde(with = "micros")]
    created_at: DateTime<Utc>,
    #[serde(with = "micros")]
    updated_at: DateTime<Utc>,
}

/// [`ScheduleSpec`], externally tagged (a variant index in postcard).
#[derive(Serialize, Deserialize)]
#[serde(remote = "ScheduleSpec")]
enum ScheduleSpecDef {
    Cron {
        cron: String,
        tz: String,
    },
    At {
        #[serde(with = "micros")]
        at: DateTime<Utc>,
        tz: String,
    },
    In {
        duration: String,
        #[serde(with = "micros")]
        at: DateTime<Utc>,
    },
    Every {
        every: String,
        interval_ms: u64,
        #[serde(with = "micros")]
        anchor: DateTime<Utc>,
    },
}

/// [`TimingOptions`], every field present.
#[derive(Serialize, Deserialize)]
#[serde(remote = "TimingOptions")]
struct TimingOptionsDef {
    #[serde(with = "micros_option")]
    starts_at: Option<DateTime<Utc>>,
    #[serde(with = "micros_option")]
    ends_at: Option<DateTime<Utc>>,
    jitter: Option<String>,
    jitter_ms: u64,
    jitter_seed: u64,
    dst_gap: Option<DstGap>,
    dst_overlap: Option<DstOverlap>,
}

/// [`Target`], its body present when absent.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Target")]
struct TargetDef {
    url: String,
    method: String,
    headers: BTreeMap<String, String>,
    body: Option<String>,
}

/// A schedule as the form edits and saves it ([`ScheduleRequest`]), every field present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestCard(#[serde(with = "ScheduleRequestDef")] pub ScheduleRequest);

/// [`ScheduleRequest`], every field present (the JSON API leaves absent ones out).
#[derive(Serialize, Deserialize)]
#[serde(remote = "ScheduleRequest")]
struct ScheduleRequestDef {
    name: String,
    #[serde(with = "ScheduleInputDef")]
    schedule: ScheduleInput,
    #[serde(with = "TargetRequestDef")]
    target: TargetRequest,
    max_attempts: Option<u32>,
    backoff_initial_ms: Option<u64>,
    backoff_max_ms: Option<u64>,
    misfire: Option<Misfire>,
    on_dead: Option<OnDead>,
    paused: bool,
    #[serde(with = "micros_option")]
    starts_at: Option<DateTime<Utc>>,
    #[serde(with = "micros_option")]
    ends_at: Option<DateTime<Utc>>,
    max_fires: Option<u32>,
    jitter: Option<String>,
    dst_gap: Option<DstGap>,
    dst_overlap: Option<DstOverlap>,
    labels: BTreeMap<String, String>,
}

/// [`ScheduleInput`], every field present.
#[derive(Serialize, Deserialize)]
#[serde(remote = "ScheduleInput")]
struct ScheduleInputDef {
    cron: Option<String>,
    at: Option<String>,
    in_: Option<String>,
    every: Option<String>,
    tz: Option<String>,
}

/// [`TargetRequest`], every field present.
#[derive(Serialize, Deserialize)]
#[serde(remote = "TargetRequest")]
struct TargetRequestDef {
    url: String,
    method: Option<String>,
    headers: BTreeMap<String, String>,
    body: Option<String>,
}

/// [`EditBase`], its request every field present.
#[derive(Serialize, Deserialize)]
#[serde(remote = "EditBase")]
pub struct EditBaseDef {
    #[serde(with = "ScheduleRequestDef")]
    request: ScheduleRequest,
    unreadable: Option<String>,
}

/// A crontab to import as the import page sends it ([`ImportRequest`]), every field present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRequestCard(#[serde(with = "ImportRequestDef")] pub ImportRequest);

/// [`ImportRequest`], every field present.
#[derive(Serialize, Deserialize)]
#[serde(remote = "ImportRequest")]
struct ImportRequestDef {
    source: String,
    text: String,
    tz: String,
    target_url: Option<String>,
    skip_errors: bool,
    digest: Option<String>,
}

/// [`ImportPlan`], its lines' fields in order (the JSON API flattens each line and tags
/// what it is). The lines' fires stay behind: the page gets them read in their zones.
#[derive(Serialize, Deserialize)]
#[serde(remote = "ImportPlan")]
pub struct ImportPlanDef {
    #[serde(with = "planned_lines")]
    lines: Vec<PlannedLine>,
    gone: Vec<GoneSchedule>,
    create: usize,
    change: usize,
    unchanged: usize,
    errors: usize,
    digest: String,
}

/// A plan's lines, each through [`PlannedLineDef`].
mod planned_lines {
    use super::*;

    #[derive(Deserialize)]
    struct Line(#[serde(with = "PlannedLineDef")] PlannedLine);

    /// A line written in place (no copy of the plan).
    struct LineRef<'a>(&'a PlannedLine);

    impl Serialize for LineRef<'_> {
        fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
            PlannedLineDef::serialize(self.0, to)
        }
    }

    pub fn serialize<S: serde::Serializer>(
        lines: &[PlannedLine],
        to: S,
    ) -> Result<S::Ok, S::Error> {
        to.collect_seq(lines.iter().map(LineRef))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        from: D,
    ) -> Result<Vec<PlannedLine>, D::Error> {
        Ok(Vec::<Line>::deserialize(from)?
            .into_iter()
            .map(|line| line.0)
            .collect())
    }
}

/// [`PlannedLine`], without its fires.
#[derive(Serialize, Deserialize)]
#[serde(remote = "PlannedLine")]
struct PlannedLineDef {
    #[serde(with = "CrontabLineDef")]
    line: CrontabLine,
    description: Option<String>,
    #[serde(skip)]
    fires: Vec<Fire>,
    #[serde(with = "import_action_option")]
    action: Option<ImportAction>,
    error: Option<String>,
}

/// [`CrontabLine`], what the line is externally tagged.
#[derive(Serialize, Deserialize)]
#[serde(remote = "CrontabLine")]
struct CrontabLineDef {
    number: usize,
    text: String,
    #[serde(with = "LineItemDef")]
    item: LineItem,
}

/// [`LineItem`], externally tagged (a variant index in postcard).
#[derive(Serialize, Deserialize)]
#[serde(remote = "LineItem")]
// A mirror of `LineItem`, which keeps its entries unboxed.
#[allow(clippy::large_enum_variant)]
enum LineItemDef {
    Blank,
    Comment,
    Zone { tz: String },
    Environment { name: String },
    Entry(#[serde(with = "EntryDef")] Entry),
    Error { reason: String },
}

/// [`Entry`], what the JSON API shows of it (its headers' values and body stay behind).
#[derive(Serialize, Deserialize)]
#[serde(remote = "Entry")]
struct EntryDef {
    cron: String,
    tz: String,
    command: String,
    name: String,
    url: Option<String>,
    method: Option<String>,
    header_names: Vec<String>,
    sends_body: bool,
    key: String,
    #[serde(skip)]
    headers: BTreeMap<String, String>,
    #[serde(skip)]
    body: Option<String>,
}

/// An optional [`ImportAction`], through [`ImportActionDef`].
mod import_action_option {
    use super::*;

    #[derive(Deserialize)]
    struct Action(#[serde(with = "ImportActionDef")] ImportAction);

    /// An action written in place.
    struct ActionRef<'a>(&'a ImportAction);

    impl Serialize for ActionRef<'_> {
        fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
            ImportActionDef::serialize(self.0, to)
        }
    }

    pub fn serialize<S: serde::Serializer>(
        action: &Option<ImportAction>,
        to: S,
    ) -> Result<S::Ok, S::Error> {
        action.as_ref().map(ActionRef).serialize(to)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        from: D,
    ) -> Result<Option<ImportAction>, D::Error> {
        Ok(Option::<Action>::deserialize(from)?.map(|action| action.0))
    }
}

/// [`ImportAction`], externally tagged.
#[derive(Serialize, Deserialize)]
#[serde(remote = "ImportAction")]
enum ImportActionDef {
    Create,
    Change {
        id: uuid::Uuid,
        changes: Vec<String>,
    },
    Unchanged {
        id: uuid::Uuid,
    },
}

/// [`UnreadableSchedule`], instants in microseconds.
#[derive(Serialize, Deserialize)]
#[serde(remote = "UnreadableSchedule")]
pub struct UnreadableScheduleDef {
    id: uuid::Uuid,
    name: String,
    readable: bool,
    reason: String,
    state: ScheduleState,
    target_url: String,
    target_method: String,
    last_error: Option<String>,
    #[serde(with = "micros_option")]
    dead_at: Option<DateTime<Utc>>,
    version: i64,
    #[serde(with = "micros")]
    updated_at: DateTime<Utc>,
}

/// One attempt of the history ([`ExecutionView`]), every field present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt(#[serde(with = "ExecutionViewDef")] pub ExecutionView);

#[derive(Serialize, Deserialize)]
#[serde(remote = "ExecutionView")]
struct ExecutionViewDef {
    id: i64,
    execution_id: uuid::Uuid,
    #[serde(with = "micros")]
    scheduled_for: DateTime<Utc>,
    attempt: i32,
    executor_id: String,
    #[serde(with = "micros")]
    started_at: DateTime<Utc>,
    outcome: Outcome,
    http_status: Option<i32>,
    latency_ms: i32,
    error: Option<String>,
    manual: bool,
    backfill_id: Option<uuid::Uuid>,
}

/// A schedule's [`Punctuality`], its hours' instants in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PunctualityCard(#[serde(with = "PunctualityDef")] pub Punctuality);

#[derive(Serialize, Deserialize)]
#[serde(remote = "Punctuality")]
struct PunctualityDef {
    day: Window,
    week: Window,
    #[serde(with = "hour_buckets")]
    hours: Vec<HourBucket>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "HourBucket")]
struct HourBucketDef {
    #[serde(with = "micros")]
    start: DateTime<Utc>,
    succeeded: i64,
    failed: i64,
    lag_p50_ms: Option<f64>,
    lag_max_ms: Option<f64>,
}

/// A list of [`HourBucket`]s through [`HourBucketDef`].
mod hour_buckets {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Bucket(#[serde(with = "HourBucketDef")] HourBucket);

    pub fn serialize<S: Serializer>(
        hours: &[HourBucket],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(hours.iter().map(|hour| Bucket(*hour)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<HourBucket>, D::Error> {
        let hours = Vec::<Bucket>::deserialize(deserializer)?;
        Ok(hours.into_iter().map(|Bucket(hour)| hour).collect())
    }
}

/// A [`BackfillView`], every field present and instants in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackfillCard(#[serde(with = "BackfillViewDef")] pub BackfillView);

#[derive(Serialize, Deserialize)]
#[serde(remote = "BackfillView")]
struct BackfillViewDef {
    id: Option<uuid::Uuid>,
    schedule_id: uuid::Uuid,
    #[serde(with = "micros")]
    from: DateTime<Utc>,
    #[serde(with = "micros")]
    to: DateTime<Utc>,
    pace_ms: i64,
    state: String,
    created_by: String,
    #[serde(with = "micros")]
    created_at: DateTime<Utc>,
    #[serde(with = "micros_option")]
    finished_at: Option<DateTime<Utc>>,
    total: i32,
    delivered: i32,
    failed: i32,
    cancelled: i32,
    #[serde(with = "instants")]
    fires: Vec<DateTime<Utc>>,
}

/// A list of instants as microseconds.
mod instants {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        instants: &[DateTime<Utc>],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(instants.iter().map(DateTime::timestamp_micros))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<DateTime<Utc>>, D::Error> {
        Vec::<i64>::deserialize(deserializer)?
            .into_iter()
            .map(|micros| {
                DateTime::from_timestamp_micros(micros)
                    .ok_or_else(|| serde::de::Error::custom(format!("{micros} µs is out of range")))
            })
            .collect()
    }
}

/// A schedule's [`AlertRule`], its mute in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRuleCard(#[serde(with = "AlertRuleDef")] pub AlertRule);

#[derive(Serialize, Deserialize)]
#[serde(remote = "AlertRule")]
struct AlertRuleDef {
    channels: Option<Vec<uuid::Uuid>>,
    #[serde(with = "micros_option")]
    muted_until: Option<DateTime<Utc>>,
    failing_after: Option<i32>,
}

/// An [`IncidentView`] as the incident tables show it: its `details` (free-form JSON, which
/// no table shows) stay on the server and arrive as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentCard(#[serde(with = "IncidentViewDef")] pub IncidentView);

#[derive(Serialize, Deserialize)]
#[serde(remote = "IncidentView")]
struct IncidentViewDef {
    id: uuid::Uuid,
    event: AlertEvent,
    schedule_id: Option<uuid::Uuid>,
    schedule_name: Option<String>,
    reason: String,
    #[serde(skip)]
    details: serde_json::Value,
    #[serde(with = "micros")]
    opened_at: DateTime<Utc>,
    #[serde(with = "micros_option")]
    resolved_at: Option<DateTime<Utc>>,
    resolution: Option<String>,
}

/// An [`ApiKeyView`], instants in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyCard(#[serde(with = "ApiKeyViewDef")] pub ApiKeyView);

#[derive(Serialize, Deserialize)]
#[serde(remote = "ApiKeyView")]
struct ApiKeyViewDef {
    id: uuid::Uuid,
    name: String,
    role: Role,
    prefix: String,
    #[serde(with = "micros")]
    created_at: DateTime<Utc>,
    #[serde(with = "micros_option")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(with = "micros_option")]
    last_used_at: Option<DateTime<Utc>>,
    #[serde(with = "micros_option")]
    revoked_at: Option<DateTime<Utc>>,
}

/// A [`CreatedKey`]: the key's view, then the key (the JSON API flattens the view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedKeyCard(#[serde(with = "CreatedKeyDef")] pub CreatedKey);

#[derive(Serialize, Deserialize)]
#[serde(remote = "CreatedKey")]
struct CreatedKeyDef {
    #[serde(with = "ApiKeyViewDef")]
    view: ApiKeyView,
    key: String,
}

/// A [`ChannelView`], its creation in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelCard(#[serde(with = "ChannelViewDef")] pub ChannelView);

#[derive(Serialize, Deserialize)]
#[serde(remote = "ChannelView")]
struct ChannelViewDef {
    id: uuid::Uuid,
    name: String,
    url: String,
    format: ChannelFormat,
    default: bool,
    #[serde(with = "micros")]
    created_at: DateTime<Utc>,
}

/// A [`CreatedChannel`]: the channel's view, then its signing secret (the JSON API flattens
/// the view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedChannelCard(#[serde(with = "CreatedChannelDef")] pub CreatedChannel);

#[derive(Serialize, Deserialize)]
#[serde(remote = "CreatedChannel")]
struct CreatedChannelDef {
    #[serde(with = "ChannelViewDef")]
    channel: ChannelView,
    signing_secret: String,
}

/// A [`DeliveryView`], instants in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryCard(#[serde(with = "DeliveryViewDef")] pub DeliveryView);

#[derive(Serialize, Deserialize)]
#[serde(remote = "DeliveryView")]
struct DeliveryViewDef {
    id: uuid::Uuid,
    incident_id: Option<uuid::Uuid>,
    event: Option<String>,
    channel_id: uuid::Uuid,
    channel: String,
    kind: DeliveryKind,
    status: DeliveryStatus,
    attempts: i32,
    last_error: Option<String>,
    #[serde(with = "micros")]
    created_at: DateTime<Utc>,
    #[serde(with = "micros_option")]
    sent_at: Option<DateTime<Utc>>,
}

/// An [`ExecutorView`], instants in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutorCard(#[serde(with = "ExecutorViewDef")] pub ExecutorView);

#[derive(Serialize, Deserialize)]
#[serde(remote = "ExecutorView")]
struct ExecutorViewDef {
    id: String,
    host: String,
    pid: i32,
    #[serde(with = "micros")]
    started_at: DateTime<Utc>,
    #[serde(with = "micros")]
    last_seen_at: DateTime<Utc>,
    in_flight: i32,
}

#[cfg(test)]
mod tests {
    use leptos::server::codee::{Decoder, Encoder};
    use scheduleman::punctuality::Window;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;
    use crate::components::changes::ChangeRow;
    use crate::components::fires::{FireReading, Upcoming};
    use crate::error::AppError;
    use crate::page_data::PagePostcard;
    use crate::server_fns::schedules::ScheduleCard;

    /// What the page carries, read back as the browser reads it.
    fn through_the_page<T: Serialize + DeserializeOwned>(value: &T) -> T {
        let bytes = <PagePostcard as Encoder<T>>::encode(value).expect("encodes");
        <PagePostcard as Decoder<T>>::decode(&bytes).expect("decodes")
    }

    /// An instant with microseconds, which must come back whole.
    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(1_764_547_200_123_456 + second * 1_000_000)
            .expect("a valid instant")
    }

    /// A schedule as the JSON API writes it: every optional field set, or none.
    fn schedule(full: bool, spec: serde_json::Value) -> ScheduleView {
        let mut view = json!({
            "id": uuid::Uuid::new_v4(),
            "name": "nightly \"report\" — ünïcode",
            "schedule": spec,
            "description": "",
            "target": {"url": "https://hooks.test/x", "method": "POST"},
            "retry": {"max_attempts": 3, "backoff_initial_ms": 1000, "backoff_max_ms": 60000},
            "misfire": "fire_once",
            "state": "active",
            "next_run_at": null,
            "fire_at": null,
            "attempt": 0,
            "claimed_by": null,
            "last_fired_at": null,
            "last_outcome": null,
            "last_error": null,
            "dead_at": null,
            "version": 1,
            "created_at": at(0),
            "updated_at": at(1),
        });
        if full {
            let more = json!({
                "starts_at": at(2), "ends_at": at(3), "jitter": "30s", "jitter_ms": 30000,
                "jitter_seed": 7, "dst_gap": "skip", "dst_overlap": "twice",
                "description": "At 09:00 every day",
                "target": {"url": "https://hooks.test/y", "method": "PUT",
                           "headers": {"x-team": "billing"}, "body": "{\"a\": 1}"},
                "on_dead": "next_fire", "dead_fires": 2, "state": "paused",
                "next_run_at": at(4), "fire_at": at(5), "attempt": 2, "claimed_by": "executor-1",
                "last_fired_at": at(6), "last_outcome": "failure", "last_error": "HTTP 502",
                "dead_at": at(7), "max_fires": 10, "fires_left": 3, "paused_until": at(8),
                "paused_at": at(9), "paused_by": "ops key", "pause_note": "migration",
                "labels": {"team": "billing"},
            });
            for (key, value) in more.as_object().expect("an object") {
                view[key] = value.clone();
            }
        }
        serde_json::from_value(view).expect("a schedule as the API writes it")
    }

    /// Every field of one schedule's page, each optional one set and unset, every timing: a
    /// field that postcard skipped or read by its shape would shift the ones after it and
    /// fail here.
    #[test]
    fn one_schedules_page_reads_back_as_it_was_written() {
        let specs = [
            json!({"kind": "cron", "cron": "0 9 * * *", "tz": "Europe/Paris"}),
            json!({"kind": "at", "at": at(10), "tz": "Asia/Kolkata"}),
            json!({"kind": "in", "duration": "90m", "at": at(11)}),
            json!({"kind": "every", "every": "15m", "interval_ms": 900000, "anchor": at(12)}),
        ];
        for (index, spec) in specs.into_iter().enumerate() {
            let card: Result<ScheduleCard, AppError> = Ok(ScheduleCard::Readable {
                schedule: schedule(index % 2 == 0, spec),
                upcoming: Upcoming {
                    not_firing: (index == 1).then(|| "paused".to_owned()),
                    fires: vec![FireReading {
                        at: DateTime::from_timestamp_millis(1_764_547_200_123).expect("valid"),
                        in_zone: "2026-12-01 09:00:00 CET".into(),
                        dst_note: (index == 0).then(|| "02:30 does not exist".to_owned()),
                    }],
                    next_in_zone: (index == 2).then(|| "2026-12-01 09:00:00 CET".to_owned()),
                },
            });
            assert_eq!(through_the_page(&card), card);
        }
        let unreadable: Result<ScheduleCard, AppError> =
            Ok(ScheduleCard::Unreadable(UnreadableSchedule {
                id: uuid::Uuid::new_v4(),
                name: "broken".into(),
                readable: false,
                reason: "unknown field `cronn`".into(),
                state: ScheduleState::Dead,
                target_url: "https://hooks.test/x".into(),
                target_method: "POST".into(),
                last_error: Some("unknown field `cronn`".into()),
                dead_at: Some(at(13)),
                version: 4,
                updated_at: at(14),
            }));
        assert_eq!(through_the_page(&unreadable), unreadable);

        let attempt = ExecutionView {
            id: 9,
            execution_id: uuid::Uuid::new_v4(),
            scheduled_for: at(15),
            attempt: 2,
            executor_id: "executor-1".into(),
            started_at: at(16),
            outcome: Outcome::Failure,
            http_status: Some(502),
            latency_ms: 120,
            error: Some("HTTP 502".into()),
            manual: true,
            backfill_id: Some(uuid::Uuid::new_v4()),
        };
        let bare_attempt = ExecutionView {
            http_status: None,
            error: None,
            manual: false,
            backfill_id: None,
            ..attempt.clone()
        };
        let history: Result<(Vec<Attempt>, Option<i64>), AppError> =
            Ok((vec![Attempt(attempt), Attempt(bare_attempt)], Some(8)));
        assert_eq!(through_the_page(&history), history);

        let window = Window {
            fires: 24,
            succeeded: 23,
            lag_p50_ms: Some(4.5),
            lag_p99_ms: None,
        };
        let punctuality: Result<PunctualityCard, AppError> = Ok(PunctualityCard(Punctuality {
            day: window,
            week: Window::default(),
            hours: vec![HourBucket {
                start: at(17),
                succeeded: 3,
                failed: 1,
                lag_p50_ms: None,
                lag_max_ms: Some(1.25),
            }],
        }));
        assert_eq!(through_the_page(&punctuality), punctuality);

        let backfill = BackfillView {
            id: Some(uuid::Uuid::new_v4()),
            schedule_id: uuid::Uuid::new_v4(),
            from: at(18),
            to: at(19),
            pace_ms: 1000,
            state: "running".into(),
            created_by: "ops key".into(),
            created_at: at(20),
            finished_at: Some(at(21)),
            total: 3,
            delivered: 1,
            failed: 1,
            cancelled: 0,
            fires: vec![at(22), at(23)],
        };
        let bare_backfill = BackfillView {
            id: None,
            finished_at: None,
            fires: Vec::new(),
            ..backfill.clone()
        };
        let backfills: Result<Vec<BackfillCard>, AppError> =
            Ok(vec![BackfillCard(backfill), BackfillCard(bare_backfill)]);
        assert_eq!(through_the_page(&backfills), backfills);

        let changes: Result<(Vec<ChangeRow>, Option<i64>), AppError> = Ok((
            vec![ChangeRow {
                at: at(24),
                actor: "ops key".into(),
                action: "schedule.update".into(),
                schedule_id: Some(uuid::Uuid::new_v4()),
                subject_kind: None,
                changes: vec!["name: a → b".into(), "cron: 0 9 * * *".into()],
            }],
            None,
        ));
        assert_eq!(through_the_page(&changes), changes);

        for rule in [
            AlertRule::default(),
            AlertRule {
                channels: Some(vec![uuid::Uuid::new_v4()]),
                muted_until: Some(at(25)),
                failing_after: Some(5),
            },
        ] {
            let rule: Result<AlertRuleCard, AppError> = Ok(AlertRuleCard(rule));
            assert_eq!(through_the_page(&rule), rule);
        }

        let incident = IncidentView {
            id: uuid::Uuid::new_v4(),
            event: AlertEvent::ScheduleDead,
            schedule_id: Some(uuid::Uuid::new_v4()),
            schedule_name: Some("nightly".into()),
            reason: "ran out of attempts".into(),
            details: json!({"attempts": 5}),
            opened_at: at(26),
            resolved_at: Some(at(27)),
            resolution: Some("the schedule was updated".into()),
        };
        let incidents: Result<Vec<IncidentCard>, AppError> =
            Ok(vec![IncidentCard(incident.clone())]);
        // Everything but the details, which stay on the server.
        let shown = IncidentView {
            details: serde_json::Value::Null,
            ..incident
        };
        assert_eq!(through_the_page(&incidents), Ok(vec![IncidentCard(shown)]));
    }

    /// The administration pages' data: keys, channels, deliveries, executors, each optional
    /// field set and unset.
    #[test]
    fn the_administration_pages_read_back_as_they_were_written() {
        let key = ApiKeyView {
            id: uuid::Uuid::new_v4(),
            name: "deploy bot".into(),
            role: Role::Write,
            prefix: "sk_ab12".into(),
            created_at: at(0),
            expires_at: Some(at(1)),
            last_used_at: Some(at(2)),
            revoked_at: Some(at(3)),
        };
        let bare_key = ApiKeyView {
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
            ..key.clone()
        };
        let keys: Result<Vec<KeyCard>, AppError> =
            Ok(vec![KeyCard(key.clone()), KeyCard(bare_key)]);
        assert_eq!(through_the_page(&keys), keys);
        let created: Result<CreatedKeyCard, AppError> = Ok(CreatedKeyCard(CreatedKey {
            view: key,
            key: "sk_ab12_secret".into(),
        }));
        assert_eq!(through_the_page(&created), created);

        let channel = ChannelView {
            id: uuid::Uuid::new_v4(),
            name: "ops".into(),
            url: "https://hooks.test/alerts".into(),
            format: ChannelFormat::Slack,
            default: true,
            created_at: at(4),
        };
        let channels: Result<Vec<ChannelCard>, AppError> = Ok(vec![ChannelCard(channel.clone())]);
        assert_eq!(through_the_page(&channels), channels);
        let created: Result<CreatedChannelCard, AppError> =
            Ok(CreatedChannelCard(CreatedChannel {
                channel,
                signing_secret: "whsec_1".into(),
            }));
        assert_eq!(through_the_page(&created), created);

        let delivery = DeliveryView {
            id: uuid::Uuid::new_v4(),
            incident_id: Some(uuid::Uuid::new_v4()),
            event: Some("schedule.dead".into()),
            channel_id: uuid::Uuid::new_v4(),
            channel: "ops".into(),
            kind: DeliveryKind::Open,
            status: DeliveryStatus::Sent,
            attempts: 2,
            last_error: Some("HTTP 500".into()),
            created_at: at(5),
            sent_at: Some(at(6)),
        };
        let bare_delivery = DeliveryView {
            incident_id: None,
            event: None,
            kind: DeliveryKind::Test,
            last_error: None,
            sent_at: None,
            ..delivery.clone()
        };
        let deliveries: Result<Vec<DeliveryCard>, AppError> =
            Ok(vec![DeliveryCard(delivery), DeliveryCard(bare_delivery)]);
        assert_eq!(through_the_page(&deliveries), deliveries);

        let executors: Result<Vec<ExecutorCard>, AppError> = Ok(vec![ExecutorCard(ExecutorView {
            id: "executor-1".into(),
            host: "box".into(),
            pid: 4242,
            started_at: at(7),
            last_seen_at: at(8),
            in_flight: 3,
        })]);
        assert_eq!(through_the_page(&executors), executors);
    }

    /// The form's request, read from the edit page and sent to save, every optional field
    /// set and unset, every kind of timing.
    #[test]
    fn the_forms_request_reads_back_as_it_was_written() {
        use crate::server_fns::schedules::EditForm;
        use crate::timing_draft::TimingDraft;
        use scheduleman::schedule::ScheduleInput;
        let full = crate::test_fixtures::full_request();
        let timings = [
            ("at", "2027-01-04T09:00:00+01:00"),
            ("in", "90m"),
            ("every", "1h"),
        ]
        .map(|(kind, value)| {
            let mut input = ScheduleInput::default();
            match kind {
                "at" => input.at = Some(value.into()),
                "in" => input.in_ = Some(value.into()),
                _ => input.every = Some(value.into()),
            }
            ScheduleRequest {
                schedule: input,
                ..ScheduleRequest::default()
            }
        });
        for request in [full, ScheduleRequest::default()]
            .into_iter()
            .chain(timings)
        {
            let card = RequestCard(request.clone());
            assert_eq!(through_the_page(&card), card);
            let edit = EditForm {
                draft: TimingDraft::of(&request, Utc::now()),
                base: EditBase {
                    request,
                    unreadable: Some("its timing does not decode".into()),
                },
            };
            assert_eq!(through_the_page(&edit), edit);
        }
    }

    /// The import's request and plan, every kind of line and action, read back as the page
    /// reads them (the lines' fires travel beside the plan, read in their zones).
    #[test]
    fn the_imports_plan_reads_back_as_it_was_written() {
        use crate::server_fns::imports::PlanPreview;
        use scheduleman::crontab::{ImportDone, ImportRequest};
        let request = ImportRequestCard(ImportRequest {
            source: "web-1:root".into(),
            text: "CRON_TZ=Europe/Berlin\n0 2 * * * curl https://hooks.test/x\n".into(),
            tz: "UTC".into(),
            target_url: Some("https://hooks.test/other".into()),
            skip_errors: true,
            digest: Some("abc".into()),
        });
        assert_eq!(through_the_page(&request), request);
        let items = [
            LineItem::Blank,
            LineItem::Comment,
            LineItem::Zone {
                tz: "Europe/Berlin".into(),
            },
            LineItem::Environment {
                name: "MAILTO".into(),
            },
            LineItem::Error {
                reason: "6 fields".into(),
            },
        ];
        let entries = scheduleman::crontab::parse(
            "0 2 * * * curl -X PUT -H 'X-A: 1' https://hooks.test/x\n@daily https://hooks.test/y\n",
            "UTC",
        );
        let actions = [
            None,
            Some(ImportAction::Create),
            Some(ImportAction::Change {
                id: uuid::Uuid::new_v4(),
                changes: vec!["cron 0 2 * * * → 0 3 * * *".into()],
            }),
            Some(ImportAction::Unchanged {
                id: uuid::Uuid::new_v4(),
            }),
        ];
        let lines = items
            .into_iter()
            .enumerate()
            .map(|(number, item)| CrontabLine {
                number,
                text: format!("line {number}"),
                item,
            })
            .chain(entries)
            .zip(actions.into_iter().cycle())
            .map(|(line, action)| PlannedLine {
                description: Some("At 02:00".into()),
                fires: Vec::new(),
                error: action.is_none().then(|| "refused".to_owned()),
                line,
                action,
            })
            .collect::<Vec<_>>();
        assert!(lines
            .iter()
            .any(|line| matches!(line.line.item, LineItem::Entry(_))));
        let preview = PlanPreview {
            plan: ImportPlan {
                lines,
                gone: vec![GoneSchedule {
                    id: uuid::Uuid::new_v4(),
                    name: "gone".into(),
                    key: "curl https://hooks.test/z".into(),
                }],
                create: 1,
                change: 1,
                unchanged: 1,
                errors: 2,
                digest: "d1g3st".into(),
            },
            fires: vec![vec![FireReading {
                at: DateTime::from_timestamp_millis(1_764_547_200_123).expect("a valid instant"),
                in_zone: "2025-12-01 01:00:00 CET".into(),
                dst_note: None,
            }]],
        };
        let mut expected = preview.clone();
        for line in &mut expected.plan.lines {
            if let LineItem::Entry(entry) = &mut line.line.item {
                // What the JSON API does not show stays behind here too.
                entry.headers.clear();
                entry.body = None;
            }
        }
        assert_eq!(through_the_page(&preview), expected);
        let done = ImportDone {
            created: 1,
            changed: 2,
            unchanged: 3,
            skipped: 4,
        };
        assert_eq!(through_the_page(&done), done);
    }
}
