//! `GET /api/v1/preview`: a schedule's next fire instants, before saving it.

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::Json;
use chrono::{DateTime, Utc};
use scheduleman::schedule::{self, ScheduleInput};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ProblemDocument};

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
    count: Option<usize>,
}

/// The answer: the instants (RFC 3339 UTC, whole seconds) and the schedule in words.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preview {
    /// Fire instants strictly after `after`, ascending.
    pub instants: Vec<String>,
    /// The schedule in plain words.
    pub description: String,
}

/// Answers the next instants, or 422 with the reason.
#[utoipa::path(get, path = "/api/v1/preview", tag = "schedules", params(PreviewParams),
    responses((status = 200, body = Preview), (status = 422, body = ProblemDocument)))]
pub async fn preview(
    params: Result<Query<PreviewParams>, QueryRejection>,
) -> Result<Json<Preview>, ApiError> {
    let Query(params) = params?;
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
    let input = ScheduleInput {
        cron: params.cron,
        at: params.at,
        in_: params.in_,
        every: params.every,
        tz: params.tz,
    };
    let spec = input.resolve(after)?;
    let instants = spec.compile()?.upcoming(after, count);
    Ok(Json(Preview {
        instants: instants
            .into_iter()
            .map(schedule::rfc3339_seconds)
            .collect(),
        description: spec.describe(),
    }))
}
