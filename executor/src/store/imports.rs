//! Schedules made by crontab imports: finding what a source made before, and writing an
//! import's creates and changes in one transaction.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::schedules::{self, announce_change, insert_many_in, update_in};
use crate::model::{NewSchedule, ScheduleItem, ScheduleView};

/// A schedule an import made, with the line key it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The schedule's id.
    pub id: Uuid,
    /// The line it came from (the command, `#2`… for repetitions).
    pub key: String,
    /// The schedule as stored; `None` when it cannot be read (an import replaces it).
    pub view: Option<ScheduleView>,
}

/// The schedules imported from `source`.
pub async fn by_source(pool: &PgPool, source: &str) -> Result<Vec<Imported>, sqlx::Error> {
    let keys = sqlx::query!(
        r#"
        SELECT id, import_key AS "key!" FROM schedules
        WHERE import_source = $1
        ORDER BY import_key
        "#,
        source
    )
    .fetch_all(pool)
    .await?;
    let ids: Vec<Uuid> = keys.iter().map(|row| row.id).collect();
    let mut items: std::collections::HashMap<Uuid, ScheduleItem> = schedules::get_many(pool, &ids)
        .await?
        .into_iter()
        .map(|item| (item.id(), item))
        .collect();
    Ok(keys
        .into_iter()
        // A schedule deleted meanwhile is simply not there any more.
        .filter_map(|row| {
            let view = match items.remove(&row.id)? {
                ScheduleItem::Readable(view) => Some(view),
                ScheduleItem::Unreadable(_) => None,
            };
            Some(Imported {
                id: row.id,
                key: row.key,
                view,
            })
        })
        .collect())
}

/// Creates `creates` (each tagged with `source` and its key) and replaces the definitions of
/// `changes`, in the caller's transaction, then announces the change once. The new
/// schedules' ids, in the order of `creates`.
pub async fn apply(
    tx: &mut PgConnection,
    source: &str,
    creates: &[(NewSchedule, Option<DateTime<Utc>>, String)],
    changes: &[(Uuid, NewSchedule, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let new: Vec<(NewSchedule, Option<DateTime<Utc>>)> = creates
        .iter()
        .map(|(schedule, next, _)| (schedule.clone(), *next))
        .collect();
    let inserted = insert_many_in(&mut *tx, &new, now).await?;
    let ids: Vec<Uuid> = inserted.iter().map(|i| i.id).collect();
    let keys: Vec<String> = creates.iter().map(|(_, _, key)| key.clone()).collect();
    sqlx::query!(
        r#"
        UPDATE schedules AS s SET import_source = $1, import_key = t.key
        FROM unnest($2::uuid[], $3::text[]) AS t(id, key)
        WHERE s.id = t.id
        "#,
        source,
        &ids,
        &keys,
    )
    .execute(&mut *tx)
    .await?;
    for (id, schedule, next) in changes {
        update_in(&mut *tx, *id, schedule, *next, None, now).await?;
    }
    announce_change(&mut *tx).await?;
    Ok(ids)
}
