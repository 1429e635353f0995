//! Alerts over the API: `/api/v1/alert-channels` (create, list, change, delete, send a test
//! alert), `/api/v1/incidents`, `/api/v1/alert-deliveries`, and each schedule's
//! `/api/v1/schedules/{id}/alerts` routing and mute.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use scheduleman::access::Actor;
use scheduleman::commands::alerts::{self, IncidentFilter};
use scheduleman::model::{
    AlertRule, ChannelRequest, ChannelView, CreatedChannel, DeliveryView, IncidentView,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{ApiError, ProblemDocument};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::router::AppState;

/// Every channel.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelList {
    /// The channels, by name.
    pub items: Vec<ChannelView>,
}

/// Incidents.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncidentList {
    /// Newest first, at most 200.
    pub items: Vec<IncidentView>,
}

/// Deliveries.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryList {
    /// Newest first, at most 200.
    pub items: Vec<DeliveryView>,
}

/// `GET /incidents` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncidentParams {
    /// `open` or `resolved`; both when left out.
    state: Option<String>,
    /// Only this schedule's.
    schedule_id: Option<Uuid>,
}

/// `POST /alert-channels`: 201 with the channel and its signing secret (shown only now).
#[utoipa::path(post, path = "/api/v1/alert-channels", tag = "alerts", request_body = ChannelRequest,
    responses((status = 201, body = CreatedChannel),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn create_channel(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiJson(request): ApiJson<ChannelRequest>,
) -> Result<Response, ApiError> {
    let created = alerts::create_channel(
        &state.pool,
        &state.targets,
        &state.deliverer,
        &actor,
        &request,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `GET /alert-channels`: every channel.
#[utoipa::path(get, path = "/api/v1/alert-channels", tag = "alerts",
    responses((status = 200, body = ChannelList)))]
pub async fn list_channels(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<ChannelList>, ApiError> {
    let items = alerts::channels(&state.pool, &actor).await?;
    Ok(Json(ChannelList { items }))
}

/// `PUT /alert-channels/{id}`: changes a channel (its secret stays).
#[utoipa::path(put, path = "/api/v1/alert-channels/{id}", tag = "alerts", params(("id" = Uuid, Path)),
    request_body = ChannelRequest,
    responses((status = 200, body = ChannelView),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn replace_channel(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ChannelRequest>,
) -> Result<Json<ChannelView>, ApiError> {
    Ok(Json(
        alerts::replace_channel(
            &state.pool,
            &state.targets,
            &state.deliverer,
            &actor,
            id,
            &request,
        )
        .await?,
    ))
}

/// `DELETE /alert-channels/{id}`: 204; the channel and its deliveries are gone.
#[utoipa::path(delete, path = "/api/v1/alert-channels/{id}", tag = "alerts", params(("id" = Uuid, Path)),
    responses((status = 204),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn delete_channel(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    alerts::delete_channel(&state.pool, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /alert-channels/{id}/test`: sends a test alert now; the delivery says how it went
/// (`status`: `sent`, or `failed` with `last_error`).
#[utoipa::path(post, path = "/api/v1/alert-channels/{id}/test", tag = "alerts", params(("id" = Uuid, Path)),
    responses((status = 200, body = DeliveryView),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn test_channel(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<DeliveryView>, ApiError> {
    Ok(Json(
        alerts::test_channel(&state.pool, &state.deliverer, &actor, id).await?,
    ))
}

/// `GET /incidents`: incidents, newest first.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "alerts", params(IncidentParams),
    responses((status = 200, body = IncidentList),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn incidents(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiQuery(params): ApiQuery<IncidentParams>,
) -> Result<Json<IncidentList>, ApiError> {
    let open = match params.state.as_deref() {
        None | Some("") => None,
        Some("open") => Some(true),
        Some("resolved") => Some(false),
        Some(other) => {
            return Err(ApiError::invalid(
                "state",
                format!("{other:?} is neither open nor resolved"),
            ))
        }
    };
    let filter = IncidentFilter {
        open,
        schedule_id: params.schedule_id,
    };
    let items = alerts::incidents(&state.pool, &actor, filter).await?;
    Ok(Json(IncidentList { items }))
}

/// `GET /alert-deliveries`: the most recent deliveries and how each went.
#[utoipa::path(get, path = "/api/v1/alert-deliveries", tag = "alerts",
    responses((status = 200, body = DeliveryList)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<DeliveryList>, ApiError> {
    let items = alerts::deliveries(&state.pool, &actor).await?;
    Ok(Json(DeliveryList { items }))
}

/// `GET /schedules/{id}/alerts`: the schedule's alert routing and mute.
#[utoipa::path(get, path = "/api/v1/schedules/{id}/alerts", tag = "alerts", params(("id" = Uuid, Path)),
    responses((status = 200, body = AlertRule),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn rule(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AlertRule>, ApiError> {
    Ok(Json(alerts::rule(&state.pool, &actor, id).await?))
}

/// `PUT /schedules/{id}/alerts`: sets the schedule's channels (null: the default set),
/// mute (`muted_until`) and `schedule.failing` threshold.
#[utoipa::path(put, path = "/api/v1/schedules/{id}/alerts", tag = "alerts", params(("id" = Uuid, Path)),
    request_body = AlertRule,
    responses((status = 200, body = AlertRule),
        (status = 404, body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn set_rule(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(rule): ApiJson<AlertRule>,
) -> Result<Json<AlertRule>, ApiError> {
    Ok(Json(
        alerts::set_rule(&state.pool, &actor, id, &rule).await?,
    ))
}
