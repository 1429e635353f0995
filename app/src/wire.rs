//! Plain forms of the executor's types for postcard, the codec of the administration pages,
//! the alert rule on one schedule's page, the schedule form and the import (issue 21; what
//! one schedule's page only shows arrives rendered instead: [`crate::server_html`]). The
//! types themselves keep the JSON API's shape (flattened timing options, an
//! internally tagged timing, fields left out when absent), which postcard cannot read back:
//! it does not describe itself, so each field must be present and in order. These remote
//! derives (`#[serde(with = "…")]` on a field) write the same values field by field, and
//! instants as microseconds since the epoch (what PostgreSQL stores: they come back whole,
//! and the page's code parses no dates). Round trips: the tests below.

use chrono::{DateTime, Utc};
use scheduleman::access::Role;
use scheduleman::crontab::ImportRequest;
use scheduleman::model::{
    AlertEvent, AlertRule, ApiKeyView, ChannelFormat, ChannelView, CreatedChannel, CreatedKey,
    DeliveryKind, DeliveryStatus, DeliveryView, ExecutorView, IncidentView, Misfire, OnDead,
};
use scheduleman::schedule::{DstGap, DstOverlap, ScheduleInput};
use scheduleman::validate::{EditBase, ScheduleRequest, TargetRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use chrono::serde::{ts_microseconds as micros, ts_microseconds_option as micros_option};

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
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;
    use crate::components::changes::ChangeRow;
    use crate::error::AppError;
    use crate::page_data::PagePostcard;

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

    /// Every field of one schedule's page, each optional one set and unset: a field that
    /// postcard skipped or read by its shape would shift the ones after it and fail here.
    #[test]
    fn one_schedules_page_reads_back_as_it_was_written() {
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

    /// The import's request and what its preview and import answer, read back as the page
    /// reads them (the plan itself arrives rendered).
    #[test]
    fn the_imports_request_and_answers_read_back_as_they_were_written() {
        use crate::server_fns::imports::PlanPart;
        use crate::server_html::ServerHtml;
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
        let plan = PlanPart {
            writes: 2,
            errors: 1,
            digest: "d1g3st".into(),
            html: ServerHtml::default(),
        };
        assert_eq!(through_the_page(&plan), plan);
        let done = ImportDone {
            created: 1,
            changed: 2,
            unchanged: 3,
            skipped: 4,
        };
        assert_eq!(through_the_page(&done), done);
    }
}
