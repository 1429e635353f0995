//! Schedules: list, read, save, act on, delete; and the dead-letter queue.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use scheduleman::model::{DeadLetter, ScheduleItem, ScheduleView};
use scheduleman::page::NameCursor;
use scheduleman::validate::{EditBase, ScheduleRequest};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Rows per page of the schedules list.
pub const PAGE_SIZE: usize = 50;

/// One page of the schedules list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulePage {
    /// The schedules, by name (unreadable ones in their unreadable form).
    pub items: Vec<ScheduleItem>,
    /// Fires and successful fires over the last 24 hours, for the listed schedules that had
    /// attempts then.
    pub day: std::collections::HashMap<Uuid, scheduleman::punctuality::Window>,
    /// Where the next page starts, when there is one.
    pub next: Option<NameCursor>,
    /// Each listed active schedule's next run read in its own zone ("2026-12-01 09:00:00
    /// CET"), written here on the server so that the list's code in the browser carries no
    /// zone tables (issue 21).
    pub next_in_zone: std::collections::HashMap<Uuid, String>,
}

/// A page of schedules: `filter` is `all`, a state or `failing`; `search` a part of the name;
/// `selector` a label selector (`team=billing,env!=dev`).
#[server(prefix = "/rpc")]
pub async fn list_schedules(
    filter: String,
    search: String,
    selector: String,
    after: Option<NameCursor>,
) -> Result<SchedulePage, AppError> {
    use scheduleman::commands;
    let filter: scheduleman::query::ListFilter =
        filter
            .parse()
            .map_err(|error: scheduleman::query::UnknownFilter| {
                AppError::Invalid(vec![scheduleman::validate::FieldError {
                    field: "state".into(),
                    reason: error.to_string(),
                }])
            })?;
    let pool = super::pool()?;
    let page = commands::list(
        &pool,
        &super::actor()?,
        filter,
        Some(&search),
        &selector,
        after.as_ref(),
        PAGE_SIZE,
    )
    .await?;
    let ids: Vec<Uuid> = page.items.iter().map(ScheduleItem::id).collect();
    let day = commands::success_rates(&pool, &super::actor()?, &ids).await?;
    let next_in_zone = page
        .items
        .iter()
        .filter_map(|item| match item {
            ScheduleItem::Readable(s) if s.state == scheduleman::model::ScheduleState::Active => {
                s.next_run_at.map(|at| {
                    (
                        s.id,
                        crate::components::time::in_zone(at, s.schedule.zone()),
                    )
                })
            }
            ScheduleItem::Readable(_) | ScheduleItem::Unreadable(_) => None,
        })
        .collect();
    Ok(SchedulePage {
        items: page.items,
        next: page.next,
        day,
        next_in_zone,
    })
}

/// One schedule, readable or not.
#[server(prefix = "/rpc")]
pub async fn get_schedule(id: Uuid) -> Result<ScheduleItem, AppError> {
    Ok(scheduleman::commands::read(&super::pool()?, &super::actor()?, id).await?)
}

/// What the edit form of a schedule starts from (for an unreadable one: what can be read).
#[server(prefix = "/rpc")]
pub async fn get_edit_base(id: Uuid) -> Result<EditBase, AppError> {
    Ok(scheduleman::commands::edit_base(&super::pool()?, &super::actor()?, id).await?)
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
    let targets = super::targets()?;
    Ok(match id {
        None => {
            let created =
                scheduleman::commands::create(&pool, &targets, &super::actor()?, &request).await?;
            Saved {
                id: created.schedule.id,
                signing_secret: Some(created.signing_secret),
            }
        }
        Some(id) => {
            let view = scheduleman::commands::replace(
                &pool,
                &targets,
                &super::actor()?,
                id,
                &request,
                None,
            )
            .await?;
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
    Ok(
        scheduleman::commands::rotate_secret(&super::pool()?, &super::actor()?, id)
            .await?
            .signing_secret,
    )
}

/// Pauses (optionally until an instant, with a note), resumes, triggers (optionally with
/// a one-off body) or re-arms a schedule.
#[server(prefix = "/rpc", input = Json)]
pub async fn schedule_action(
    id: Uuid,
    action: String,
    pause: scheduleman::model::PauseRequest,
    trigger: scheduleman::model::TriggerRequest,
) -> Result<ScheduleView, AppError> {
    let action: scheduleman::commands::Action = action.parse().map_err(|_| {
        AppError::Invalid(vec![scheduleman::validate::FieldError {
            field: "action".into(),
            reason: format!("{action:?} is not an action; use pause, resume, trigger or rearm"),
        }])
    })?;
    let details = scheduleman::commands::ActionDetails { pause, trigger };
    Ok(
        scheduleman::commands::act_with(&super::pool()?, &super::actor()?, id, action, &details)
            .await?,
    )
}

/// Deletes a schedule and its history.
#[server(prefix = "/rpc")]
pub async fn delete_schedule(id: Uuid) -> Result<(), AppError> {
    Ok(scheduleman::commands::delete(&super::pool()?, &super::actor()?, id).await?)
}

/// A page of the dead-letter queue ([`scheduleman::commands::DEAD_LETTER_PAGE`] schedules,
/// most recently dead first) after the cursor `after`, and the cursor of the next page.
#[server(prefix = "/rpc")]
pub async fn list_dead_letters(
    after: Option<String>,
) -> Result<(Vec<DeadLetter>, Option<String>), AppError> {
    use scheduleman::page::DeadCursor;
    let after = after
        .as_deref()
        .map(DeadCursor::decode)
        .transpose()
        .map_err(|error| {
            AppError::Invalid(vec![scheduleman::validate::FieldError {
                field: "after".into(),
                reason: error.to_string(),
            }])
        })?;
    let page = scheduleman::commands::dead_letters(
        &super::pool()?,
        &super::actor()?,
        after,
        scheduleman::commands::DEAD_LETTER_PAGE,
    )
    .await?;
    Ok((
        page.items.into_iter().map(DeadLetter::from).collect(),
        page.next.map(|cursor| cursor.encode()),
    ))
}

/// Re-arms several dead schedules (at most [`scheduleman::commands::MAX_BULK_IDS`]); how many
/// were re-armed.
#[server(prefix = "/rpc", input = Json)]
pub async fn rearm_schedules(ids: Vec<Uuid>) -> Result<usize, AppError> {
    Ok(scheduleman::commands::rearm_many(&super::pool()?, &super::actor()?, &ids).await?)
}

/// Pauses, resumes, triggers or deletes every schedule a label selector matches (with
/// `dry_run`, counts them; with `expect`, refuses when the count changed).
#[server(prefix = "/rpc", input = Json)]
pub async fn bulk_schedules(
    request: scheduleman::model::BulkRequest,
) -> Result<scheduleman::model::BulkDone, AppError> {
    Ok(scheduleman::commands::manifests::bulk(&super::pool()?, &super::actor()?, &request).await?)
}
