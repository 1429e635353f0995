//! `GET /api/v1/preview`: a schedule's next fire instants, before saving it, bounded by its
//! window, with its jitter's spread and what its DST policy does in the next 12 months.

use axum::Json;
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use scheduleman::schedule::{self, DstEffect, DstGap, DstNote, DstOverlap, ScheduleInput};
use scheduleman::validate::{self, ScheduleRequest};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ProblemDocument};
use super::extract::ApiQuery;

/// The most instants one preview returns.
pub const MAX_COUNT: usize = 100;

/// The query string: one of `cron`, `at`, `in`, `every`, with `tz`, `after` and `count`.
/// (Flat rather than flattening `ScheduleInput`: serde's flatten cannot read numbers from
/// a query string.)
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// A cron expression.
    cron: Option<String>,
    /// A "Run At" time (RFC 3339, or local with `tz`).
    at: Option<String>,
    /// A duration from `after`.
    #[serde(rename = "in")]
    #[param(rename = "in")]
    in_: Option<String>,
    /// A fixed interval.
    every: Option<String>,
    /// IANA zone for `cron` and `at`.
    tz: Option<String>,
    /// RFC 3339; default now.
    after: Option<String>,
    /// How many instants (1–100); default 5.
    #[param(minimum = 1, maximum = 100)]
    count: Option<usize>,
    /// Nothing fires before this instant (RFC 3339).
    starts_at: Option<DateTime<Utc>>,
    /// Nothing fires after this instant (RFC 3339).
    ends_at: Option<DateTime<Utc>>,
    /// Each fire spread within this long after its instant (humantime: `30s`).
    jitter: Option<String>,
    /// A cron schedule's rule for times a spring-forward gap skips.
    dst_gap: Option<DstGap>,
    /// A cron schedule's rule for times a fall-back overlap repeats.
    dst_overlap: Option<DstOverlap>,
}

/// The answer: the instants (RFC 3339 UTC, whole seconds), the same with their local time
/// and DST notes, and the schedule in words.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preview {
    /// Fire instants strictly after `after`, ascending.
    pub instants: Vec<String>,
    /// The same fires with their wall-clock time and, where daylight-saving time shifted
    /// or doubled one, a note.
    pub fires: Vec<PreviewFire>,
    /// The zone of `fires[].local` and the notes.
    pub tz: String,
    /// The schedule in plain words.
    pub description: String,
    /// Every daylight-saving change in the next 12 months that moves, drops or doubles a
    /// fire of a cron schedule, and what the DST policy does: "02:30 does not exist (clocks
    /// jump 02:00→03:00) — skipped".
    pub dst_effects: Vec<DstEffect>,
}

/// One fire of a preview.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviewFire {
    /// RFC 3339 UTC, whole seconds.
    pub at: String,
    /// The wall-clock time in `tz` with its abbreviation: `2026-03-08 03:00 EDT`.
    pub local: String,
    /// Set when daylight-saving time shifted or doubled this fire.
    pub dst: Option<PreviewDstNote>,
    /// With jitter: the latest instant the fire may be spread to (it happens in
    /// [`at`, `latest`), at a point fixed per fire once the schedule is saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
}

/// How daylight-saving time changed a fire.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviewDstNote {
    /// `shifted`: the asked-for time does not exist that day and the fire moved to the first
    /// instant after the gap; `repeated`: the time happens twice that day.
    pub kind: String,
    /// The asked-for wall-clock time, `2026-03-08T02:30:00`.
    pub reading: String,
    /// For `shifted`: the first skipped reading and the reading the clocks jumped to.
    pub gap_start: Option<String>,
    /// See `gap_start`.
    pub gap_end: Option<String>,
    /// For `repeated`: which occurrence this fire is (1 or 2).
    pub occurrence: Option<u8>,
    /// For `repeated`: whether the schedule fires at both occurrences.
    pub fires_twice: Option<bool>,
    /// The note in words.
    pub text: String,
}

impl PreviewDstNote {
    fn new(note: DstNote, zone: Tz, at: DateTime<Utc>) -> Self {
        let reading = |r: NaiveDateTime| r.format("%Y-%m-%dT%H:%M:%S").to_string();
        let text = note.explain(zone, at);
        match note {
            DstNote::Shifted {
                reading: asked,
                gap_start,
                gap_end,
            } => Self {
                kind: "shifted".into(),
                reading: reading(asked),
                gap_start: Some(reading(gap_start)),
                gap_end: Some(reading(gap_end)),
                occurrence: None,
                fires_twice: None,
                text,
            },
            DstNote::Repeated {
                reading: asked,
                occurrence,
                fires_twice,
            } => Self {
                kind: "repeated".into(),
                reading: reading(asked),
                gap_start: None,
                gap_end: None,
                occurrence: Some(occurrence),
                fires_twice: Some(fires_twice),
                text,
            },
        }
    }
}

/// Answers the next instants, or 422 with the reason.
#[utoipa::path(get, path = "/api/v1/preview", tag = "schedules", params(PreviewParams),
    responses((status = 200, body = Preview), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn preview(ApiQuery(params): ApiQuery<PreviewParams>) -> Result<Json<Preview>, ApiError> {
    let after = match params.after.as_deref() {
        None => Utc::now(),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|error| {
                ApiError::invalid(
                    "after",
                    format!("{text:?} is not an RFC 3339 instant ({error})"),
                )
            })?
            .with_timezone(&Utc),
    };
    let count = params.count.unwrap_or(5);
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(ApiError::invalid(
            "count",
            format!("count is {count}; it must be 1–{MAX_COUNT}"),
        ));
    }
    let request = ScheduleRequest {
        schedule: ScheduleInput {
            cron: params.cron,
            at: params.at,
            in_: params.in_,
            every: params.every,
            tz: params.tz,
        },
        starts_at: params.starts_at,
        ends_at: params.ends_at,
        jitter: params.jitter,
        dst_gap: params.dst_gap,
        dst_overlap: params.dst_overlap,
        ..ScheduleRequest::default()
    };
    let spec = request.schedule.resolve(after)?;
    let mut options =
        validate::timing_options(&request, &spec, after).map_err(ApiError::Invalid)?;
    // The fires at their instants; the jitter shown as the window each may move within.
    let spread = std::mem::take(&mut options.jitter_ms);
    let preview = schedule::preview_with(&request.schedule, &options, after, count)?;
    let zone = preview.zone;
    let latest = |at: DateTime<Utc>| {
        (spread > 0)
            .then(|| schedule::rfc3339_seconds(at + chrono::TimeDelta::milliseconds(spread as i64)))
    };
    Ok(Json(Preview {
        instants: preview
            .fires
            .iter()
            .map(|fire| schedule::rfc3339_seconds(fire.at))
            .collect(),
        fires: preview
            .fires
            .iter()
            .map(|fire| PreviewFire {
                at: schedule::rfc3339_seconds(fire.at),
                local: fire
                    .at
                    .with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M:%S %Z")
                    .to_string(),
                dst: fire
                    .dst
                    .map(|note| PreviewDstNote::new(note, zone, fire.at)),
                latest: latest(fire.at),
            })
            .collect(),
        tz: zone.name().to_owned(),
        description: preview.spec.describe(),
        dst_effects: schedule::dst_effects(&preview.spec, &options, after),
    }))
}
