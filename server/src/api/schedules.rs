//! `/api/v1/schedules`: create, list, read, replace, patch, delete, and the actions
//! (pause, resume, trigger, rearm). Each handler validates, calls the store, and answers.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;
use scheduleman::access::Actor;
use scheduleman::commands::{self, Action, ActionDetails};
use scheduleman::model::{
    CreatedRef, CreatedSchedule, PauseRequest, ScheduleItem, ScheduleView, SigningSecret,
    TriggerRequest,
};
use scheduleman::page::{DeadCursor, NameCursor};
use scheduleman::query::{ListFilter, UnknownFilter};
use scheduleman::validate::{BatchRequest, ScheduleRequest};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{ApiError, ProblemDocument};
use super::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::router::AppState;

/// A page of schedules and the cursor of the next one.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SchedulePage {
    /// The schedules, by name; one whose stored definition cannot be read is listed with
    /// `"readable": false` and the reason.
    pub items: Vec<ScheduleItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A page of the dead-letter queue.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadLetterList {
    /// Dead schedules, most recently dead first.
    pub items: Vec<ScheduleItem>,
    /// Whether more schedules are dead than this page lists (`next_cursor` reads them).
    pub truncated: bool,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /dead-letters` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeadLetterParams {
    /// From `next_cursor`.
    cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// `GET /schedules` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `active`, `paused`, `completed`, `dead` or `failing`.
    state: Option<String>,
    /// Case-insensitive part of the name.
    search: Option<String>,
    /// A label selector: `team=billing,env!=dev,tier,!legacy`.
    selector: Option<String>,
    /// From `next_cursor`.
    cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// `POST /schedules`: 201 with the stored schedule and its signing secret (shown only now).
#[utoipa::path(post, path = "/api/v1/schedules", tag = "schedules", request_body = ScheduleRequest,
    responses((status = 201, body = CreatedSchedule), (status = 400, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, body = ProblemDocument, content_type = "application/problem+json"), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(request): ApiJson<ScheduleRequest>,
) -> Result<Response, ApiError> {
    let created = commands::create(&state.pool, &state.targets, &actor, &request).await?;
    let location = format!("/api/v1/schedules/{}", created.schedule.id);
    let etag = format!("\"{}\"", created.schedule.version);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location), (header::ETAG, etag)],
        Json(created),
    )
        .into_response())
}

/// `POST /schedules:batch`: 201 with every new schedule's id and signing secret, in request
/// order; or 422 with a reason per `schedules[i].<field>` and nothing stored.
#[utoipa::path(post, path = "/api/v1/schedules:batch", tag = "schedules", request_body = BatchRequest,
    responses((status = 201, body = BatchCreated), (status = 400, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, body = ProblemDocument, content_type = "application/problem+json"), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn create_batch(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(batch): ApiJson<BatchRequest>,
) -> Result<Response, ApiError> {
    let created =
        commands::create_many(&state.pool, &state.targets, &actor, &batch.schedules).await?;
    Ok((StatusCode::CREATED, Json(BatchCreated { created })).into_response())
}

/// The answer to a bulk creation.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchCreated {
    /// Each new schedule, in request order.
    pub created: Vec<CreatedRef>,
}

/// `GET /schedules`: a page, filtered and searched.
#[utoipa::path(get, path = "/api/v1/schedules", tag = "schedules", params(ListParams),
    responses((status = 200, body = SchedulePage), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<SchedulePage>, ApiError> {
    let filter: ListFilter = params
        .state
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|error: UnknownFilter| ApiError::invalid("state", error.to_string()))?;
    let after = params
        .cursor
        .as_deref()
        .map(NameCursor::decode)
        .transpose()
        .map_err(|error| ApiError::invalid("cursor", error.to_string()))?;
    let page = commands::list(
        &state.pool,
        &actor,
        filter,
        params.search.as_deref(),
        params.selector.as_deref().unwrap_or_default(),
        after.as_ref(),
        params.limit.unwrap_or(50),
    )
    .await?;
    let (items, next_cursor) = (page.items, page.next.map(|cursor| cursor.encode()));
    Ok(Json(SchedulePage { items, next_cursor }))
}

/// `GET /schedules/{id}`, with its version as the ETag.
#[utoipa::path(get, path = "/api/v1/schedules/{id}", tag = "schedules", params(("id" = Uuid, Path)),
    responses((status = 200, body = ScheduleView), (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(with_etag(commands::fetch(&state.pool, &actor, id).await?).into_response())
}

#[utoipa::path(put, path = "/api/v1/schedules/{id}", tag = "schedules", request_body = ScheduleRequest,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The version the edit applies to, as the ETag gave it")),
    responses((status = 200, body = ScheduleView), (status = 404, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json"), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
/// `PUT /schedules/{id}`: replaces the definition (re-arming a dead schedule). With
/// `If-Match: "<version>"`, a stale version answers 409.
pub async fn replace(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ScheduleRequest>,
) -> Result<Response, ApiError> {
    let expected = expected_version(&headers)?;
    let view =
        commands::replace(&state.pool, &state.targets, &actor, id, &request, expected).await?;
    Ok(with_etag(view).into_response())
}

#[utoipa::path(patch, path = "/api/v1/schedules/{id}", tag = "schedules", request_body = Object,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The version the edit applies to, as the ETag gave it")),
    responses((status = 200, body = ScheduleView), (status = 404, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = ProblemDocument, content_type = "application/problem+json"), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
/// `PATCH /schedules/{id}`: a JSON merge patch (RFC 7386) over the current definition.
pub async fn patch(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    // Refused before the patch is read against the schedule: a role that may not edit learns
    // nothing from validation.
    actor
        .require(scheduleman::access::Role::Write)
        .map_err(ApiError::Forbidden)?;
    let current = commands::fetch(&state.pool, &actor, id).await?;
    let mut merged = serde_json::to_value(ScheduleRequest::from_view(&current))
        .map_err(|error| ApiError::BadRequest(error.to_string()))?;
    json_patch::merge(&mut merged, &patch);
    let request: ScheduleRequest = super::extract::parse_value(merged)?;
    let expected = expected_version(&headers)?;
    let view =
        commands::replace(&state.pool, &state.targets, &actor, id, &request, expected).await?;
    Ok(with_etag(view).into_response())
}

/// `DELETE /schedules/{id}`: 204.
#[utoipa::path(delete, path = "/api/v1/schedules/{id}", tag = "schedules", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    commands::delete(&state.pool, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/pause", tag = "actions", params(("id" = Uuid, Path)),
    request_body(content = Option<PauseRequest>, description = "optional: `until` (resume by itself then) and `note` (why)"),
    responses((status = 200, body = ScheduleView), (status = 404, body = ProblemDocument, content_type = "application/problem+json"), (status = 409, body = ProblemDocument, content_type = "application/problem+json"), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
/// `POST /schedules/{id}/pause`: an active schedule stops firing (409 in any other state),
/// until it is resumed or, with `until`, until then.
pub async fn pause(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    OptionalJson(pause): OptionalJson<PauseRequest>,
) -> Result<Response, ApiError> {
    let details = ActionDetails {
        pause,
        ..ActionDetails::default()
    };
    let view = commands::act_with(&state.pool, &actor, id, Action::Pause, &details).await?;
    Ok(with_etag(view).into_response())
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/resume", tag = "actions", params(("id" = Uuid, Path)),
    responses((status = 200, body = ScheduleView), (status = 404, body = ProblemDocument, content_type = "application/problem+json"), (status = 409, body = ProblemDocument, content_type = "application/problem+json")))]
/// `POST /schedules/{id}/resume`: a paused schedule fires again from its next instant.
pub async fn resume(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(with_etag(commands::act(&state.pool, &actor, id, Action::Resume).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/trigger", tag = "actions", params(("id" = Uuid, Path)),
    request_body(content = Option<TriggerRequest>, description = "optional: `body`, sent with this fire only"),
    responses((status = 200, body = ScheduleView), (status = 404, body = ProblemDocument, content_type = "application/problem+json"), (status = 409, body = ProblemDocument, content_type = "application/problem+json"), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
/// `POST /schedules/{id}/trigger`: an active schedule fires now (then carries on), with a
/// one-off `body` if given; the history marks the fire as manual.
pub async fn trigger(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    OptionalJson(trigger): OptionalJson<TriggerRequest>,
) -> Result<Response, ApiError> {
    let details = ActionDetails {
        trigger,
        ..ActionDetails::default()
    };
    let view = commands::act_with(&state.pool, &actor, id, Action::Trigger, &details).await?;
    Ok(with_etag(view).into_response())
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/rearm", tag = "actions", params(("id" = Uuid, Path)),
    responses((status = 200, body = ScheduleView), (status = 404, body = ProblemDocument, content_type = "application/problem+json"), (status = 409, body = ProblemDocument, content_type = "application/problem+json")))]
/// `POST /schedules/{id}/rearm`: a dead schedule becomes active with a fresh next run.
pub async fn rearm(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(with_etag(commands::act(&state.pool, &actor, id, Action::Rearm).await?).into_response())
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/rotate-secret", tag = "actions", params(("id" = Uuid, Path)),
    responses((status = 200, body = SigningSecret), (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
/// `POST /schedules/{id}/rotate-secret`: a new signing secret, shown only in this answer.
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SigningSecret>, ApiError> {
    Ok(Json(
        commands::rotate_secret(&state.pool, &actor, id).await?,
    ))
}

/// `GET /dead-letters`: a page of dead schedules, most recently dead first.
#[utoipa::path(get, path = "/api/v1/dead-letters", tag = "schedules", params(DeadLetterParams),
    responses((status = 200, body = DeadLetterList), (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn dead_letters(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiQuery(params): ApiQuery<DeadLetterParams>,
) -> Result<Json<DeadLetterList>, ApiError> {
    let after = params
        .cursor
        .as_deref()
        .map(DeadCursor::decode)
        .transpose()
        .map_err(|error| ApiError::invalid("cursor", error.to_string()))?;
    let limit = params.limit.unwrap_or(commands::DEAD_LETTER_PAGE);
    let page = commands::dead_letters(&state.pool, &actor, after, limit).await?;
    Ok(Json(DeadLetterList {
        items: page.items,
        truncated: page.next.is_some(),
        next_cursor: page.next.map(|cursor| cursor.encode()),
    }))
}

fn expected_version(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(|text| text.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|text| text.parse().ok())
        .map(Some)
        .ok_or_else(|| ApiError::BadRequest("If-Match must be a version such as \"3\"".into()))
}

fn with_etag(view: ScheduleView) -> impl IntoResponse {
    let etag = format!("\"{}\"", view.version);
    ([(header::ETAG, etag)], Json(view))
}
