//! Reading schedules and what they did, one rule per listing for the API and the UI alike: a
//! page of schedules in name order, the dead letters, a page of a schedule's history, the
//! executors alive, success rates, punctuality.

use std::collections::HashMap;

use chrono::{TimeDelta, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::schedules::{require_exists, shown_to};
use super::CommandError;
use crate::access::{Actor, Role};
use crate::model::{ExecutionView, ExecutorView, ScheduleItem};
use crate::page::{DeadCursor, NameCursor, Page};
use crate::punctuality::{Punctuality, Window};
use crate::query::ListFilter;
use crate::store::{executions, executors, overview, punctuality as store_punctuality, schedules};
use crate::validate::FieldError;

/// Most items one page may have.
pub const MAX_PAGE: usize = 500;
/// Dead letters on one page of the UI (and by default over the API).
pub const DEAD_LETTER_PAGE: usize = 50;

fn page_size(limit: usize) -> Result<usize, CommandError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(CommandError::Invalid(vec![FieldError {
            field: "limit".into(),
            reason: format!("limit is {limit}; it must be 1–{MAX_PAGE}"),
        }]))
    }
}

/// A page of schedules in name order, after `after`, filtered by state, by a label
/// selector and by a part of the name; unreadable schedules are listed in their unreadable
/// form.
pub async fn list(
    pool: &PgPool,
    actor: &Actor,
    filter: ListFilter,
    search: Option<&str>,
    selector: &str,
    after: Option<&NameCursor>,
    limit: usize,
) -> Result<Page<ScheduleItem, NameCursor>, CommandError> {
    actor.require(Role::Read)?;
    let limit = page_size(limit)?;
    let selector = super::selector(selector)?;
    let after = after.map(|cursor| (cursor.name.as_str(), cursor.id));
    let rows = schedules::list(
        pool,
        filter,
        search,
        &selector.sql(),
        after,
        limit as i64 + 1,
    )
    .await?;
    let rows = rows.into_iter().map(|item| shown_to(actor, item)).collect();
    Ok(Page::from_rows(rows, limit, |item| NameCursor {
        name: item.name().to_owned(),
        id: item.id(),
    }))
}

/// A page of the dead-letter queue, most recently dead first, after `after`.
pub async fn dead_letters(
    pool: &PgPool,
    actor: &Actor,
    after: Option<DeadCursor>,
    limit: usize,
) -> Result<Page<ScheduleItem, DeadCursor>, CommandError> {
    actor.require(Role::Read)?;
    let limit = page_size(limit)?;
    let rows = schedules::list_dead(pool, after, limit as i64 + 1).await?;
    let rows = rows.into_iter().map(|item| shown_to(actor, item)).collect();
    Ok(Page::from_rows(rows, limit, DeadCursor::after))
}

/// A page of a schedule's attempts, newest first, older than the row id `before`. The
/// history of a schedule that cannot be read is still there to see; a schedule that does
/// not exist is [`CommandError::NotFound`].
pub async fn history(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    before: Option<i64>,
    limit: usize,
) -> Result<Page<ExecutionView, i64>, CommandError> {
    let limit = page_size(limit)?;
    require_exists(pool, actor, id).await?;
    let rows = executions::list_for_schedule(pool, id, before, limit as i64 + 1).await?;
    Ok(Page::from_rows(rows, limit, |row| row.id))
}

/// The executors with a heartbeat in the last 30 s, by id.
pub async fn live_executors(
    pool: &PgPool,
    actor: &Actor,
) -> Result<Vec<ExecutorView>, CommandError> {
    actor.require(Role::Read)?;
    Ok(executors::list_alive(pool, Utc::now() - overview::ALIVE_WINDOW).await?)
}

/// Fires and successful fires over the last 24 hours of each of `ids` (a page of the list);
/// a schedule without attempts then is absent.
pub async fn success_rates(
    pool: &PgPool,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Window>, CommandError> {
    actor.require(Role::Read)?;
    let since = Utc::now() - TimeDelta::hours(24);
    Ok(store_punctuality::success_rates(pool, ids, since).await?)
}

/// A schedule's punctuality and health as of now, or says it does not exist.
pub async fn punctuality(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
) -> Result<Punctuality, CommandError> {
    require_exists(pool, actor, id).await?;
    Ok(store_punctuality::read(pool, id, Utc::now()).await?)
}
