//! Schedules: list, read, save, act on, delete; and the dead-letter queue.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use scheduleman::model::ScheduleView;
use scheduleman::validate::ScheduleRequest;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Rows per page of the schedules list.
pub const PAGE_SIZE: i64 = 50;

/// One page of the schedules list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulePage {
    /// The schedules, by name.
    pub items: Vec<ScheduleView>,
    /// Fires and successful fires over the last 24 hours, for the listed schedules that had
    /// attempts then.
    pub day: std::collections::HashMap<Uuid, scheduleman::punctuality::Window>,
    /// The next page's position (its first name and id), when there is one.
    pub next: Option<(String, Uuid)>,
}

/// A page of schedules: `filter` is `all`, a state or `failing`; `search` a part of the name.
#[server(prefix = "/rpc")]
pub async fn list_schedules(
    filter: String,
    search: String,
    after_name: Option<String>,
    after_id: Option<Uuid>,
) -> Result<SchedulePage, AppError> {
    use scheduleman::store::schedules::ListFilter;
    let filter: ListFilter =
        filter
            .parse()
            .map_err(|error: scheduleman::store::schedules::UnknownFilter| {
                AppError::Invalid(vec![scheduleman::validate::FieldError {
                    field: "state".into(),
                    reason: error.to_string(),
                }])
            })?;
    let after = after_name.as_deref().zip(after_id);
    let pool = super::pool()?;
    let items = scheduleman::commands::list(&pool, filter, Some(&search), after, PAGE_SIZE).await?;
    let next = (items.len() as i64 == PAGE_SIZE)
        .then(|| items.last().map(|last| (last.name.clone(), last.id)))
        .flatten();
    let ids: Vec<Uuid> = items.iter().map(|s| s.id).collect();
    let since = chrono::Utc::now() - chrono::TimeDelta::hours(24);
    let day = scheduleman::store::punctuality::success_rates(&pool, &ids, since).await?;
    Ok(SchedulePage { items, next, day })
}

/// One schedule.
#[server(prefix = "/rpc")]
pub async fn get_schedule(id: Uuid) -> Result<ScheduleView, AppError> {
    Ok(scheduleman::commands::fetch(&super::pool()?, id).await?)
}

/// A saved schedule: its id, and its signing secret when it was just created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The schedule's id.
    pub id: Uuid,
    /// The signing secret of a new schedule (shown once); `None` after an edit.
    pub signing_secret: Option<String>,
}

/// Creates (`id` none) or replaces a schedule; field errors come back per field.
#[server(prefix = "/rpc", input = Json)]
pub async fn save_schedule(id: Option<Uuid>, request: ScheduleRequest) -> Result<Saved, AppError> {
    let pool = super::pool()?;
    let policy = super::policy()?;
    Ok(match id {
        None => {
            let created = scheduleman::commands::create(&pool, &policy, &request).await?;
            Saved {
                id: created.schedule.id,
                signing_secret: Some(created.signing_secret),
            }
        }
        Some(id) => {
            let view = scheduleman::commands::replace(&pool, &policy, id, &request, None).await?;
            Saved {
                id: view.id,
                signing_secret: None,
            }
        }
    })
}

/// Gives a schedule a new signing secret and returns it (shown once).
#[server(prefix = "/rpc")]
pub async fn rotate_secret(id: Uuid) -> Result<String, AppError> {
    Ok(scheduleman::commands::rotate_secret(&super::pool()?, id)
        .await?
        .signing_secret)
}

/// Pauses, resumes, triggers or re-arms a schedule.
#[server(prefix = "/rpc")]
pub async fn schedule_action(id: Uuid, action: String) -> Result<ScheduleView, AppError> {
    let action = scheduleman::commands::Action::from_name(&action)
        .ok_or_else(|| AppError::Conflict(format!("{action:?} is not an action")))?;
    Ok(scheduleman::commands::act(&super::pool()?, id, action).await?)
}

/// Deletes a schedule and its history.
#[server(prefix = "/rpc")]
pub async fn delete_schedule(id: Uuid) -> Result<(), AppError> {
    Ok(scheduleman::commands::delete(&super::pool()?, id).await?)
}

/// Every dead schedule, most recently dead first.
#[server(prefix = "/rpc")]
pub async fn list_dead_letters() -> Result<Vec<ScheduleView>, AppError> {
    Ok(scheduleman::commands::dead_letters(&super::pool()?, 500).await?)
}

/// Re-arms several dead schedules (at most [`scheduleman::commands::MAX_BULK_IDS`]); how many
/// were re-armed.
#[server(prefix = "/rpc", input = Json)]
pub async fn rearm_schedules(ids: Vec<Uuid>) -> Result<usize, AppError> {
    Ok(scheduleman::commands::rearm_many(&super::pool()?, &ids).await?)
}
