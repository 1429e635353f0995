//! `GET /api/v1/audit`: the audit log, newest first, filtered and paged. Admin only.

use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use scheduleman::access::Actor;
use scheduleman::commands::audit;
use scheduleman::model::AuditEntryView;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{ApiError, ProblemDocument};
use super::extract::ApiQuery;
use crate::router::AppState;

/// A page of the audit log and the cursor of the next (older) one.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Entries, newest first.
    pub items: Vec<AuditEntryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /audit` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries about this schedule (or key, or channel).
    schedule_id: Option<Uuid>,
    /// Only entries by this actor: a key's name or id, `bootstrap token` or `local`.
    actor: Option<String>,
    /// Only this action, or every action it starts (`schedule.` for every schedule change).
    action: Option<String>,
    /// Only entries at or after this instant (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Only entries before this instant (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// From `next_cursor`.
    cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// Answers one page of the audit log.
#[utoipa::path(get, path = "/api/v1/audit", tag = "access", params(AuditParams),
    responses((status = 200, body = AuditPage),
        (status = 422, body = ProblemDocument, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let before = params
        .cursor
        .as_deref()
        .map(|cursor| cursor.parse::<i64>())
        .transpose()
        .map_err(|_| ApiError::invalid("cursor", "the cursor is not one this API gave out"))?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=audit::MAX_AUDIT_PAGE).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("limit is {limit}; it must be 1–{}", audit::MAX_AUDIT_PAGE),
        ));
    }
    let filter = audit::Filter {
        subject_id: params.schedule_id,
        actor: params.actor,
        action: params.action,
        since: params.since,
        until: params.until,
    };
    let page = audit::entries(&state.pool, &actor, &filter, before, limit).await?;
    Ok(Json(AuditPage {
        items: page.items,
        next_cursor: page.next.map(|id| id.to_string()),
    }))
}
