//! Reading the `schedules` table for people: one schedule, a page in name order, the dead
//! letters, and what is due soon (the timeline).

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgPool;
use uuid::Uuid;

use super::rows::select_schedule_rows;
use crate::model::{Misfire, OnDead, Outcome, ScheduleItem, ScheduleState};
use crate::labels::SelectorSql;
use crate::page::DeadCursor;
use crate::query::ListFilter;
use crate::schedule::{ScheduleSpec, StoredTiming, TimingOptions};

/// One due schedule's timing, for the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct DueTiming {
    /// The schedule.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it fires.
    pub spec: ScheduleSpec,
    /// Its window, jitter and DST policy.
    pub options: TimingOptions,
}

/// Active schedules due before `until` (soonest first, through the due index), at most
/// `limit`; rows whose timing does not decode are left out.
pub async fn due_before(
    pool: &PgPool,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DueTiming>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT id, name, spec::text AS "spec!" FROM schedules JOIN schedule_runtime USING (id)
        WHERE state = 'active' AND next_run_at < $1
        ORDER BY next_run_at, id
        LIMIT $2
        "#,
        until,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let timing: StoredTiming = serde_json::from_str(&row.spec).ok()?;
            Some(DueTiming {
                id: row.id,
                name: row.name,
                spec: timing.spec,
                options: timing.options,
            })
        })
        .collect())
}

/// Reads one schedule, readable or not.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<ScheduleItem>, sqlx::Error> {
    let row = select_schedule_rows!(
        r#"
        WHERE id = $1
        "#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(ScheduleItem::from))
}

/// Whether schedule `id` exists, readable or not: one probe of the primary key, for reads of
/// what belongs to a schedule (its history, punctuality, alert rule) that need not decode it.
pub async fn exists(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM schedules WHERE id = $1) AS "exists!""#,
        id
    )
    .fetch_one(pool)
    .await
}

/// The schedules `ids` names that exist, readable or not, in no particular order.
pub async fn get_many(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<ScheduleItem>, sqlx::Error> {
    let rows = select_schedule_rows!(
        r#"
        WHERE id = ANY($1)
        "#,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ScheduleItem::from).collect())
}

/// Up to `limit` schedules in (name, id) order, after the `after` position, filtered by
/// state, by a label selector and by a case-insensitive name search (through `schedule_names`' trigram index);
/// a row that does not decode comes back in its unreadable form.
pub async fn list(
    pool: &PgPool,
    filter: ListFilter,
    search: Option<&str>,
    selector: &SelectorSql,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<ScheduleItem>, sqlx::Error> {
    let pattern = search.filter(|s| !s.trim().is_empty()).map(|s| {
        format!(
            "%{}%",
            s.trim()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let (after_name, after_id) = after.unzip();
    if !selector.is_empty() {
        return list_selected(pool, filter, pattern.as_deref(), selector, after_name, after_id, limit).await;
    }
    // Two statements, not one with `$2 IS NULL OR …`: PostgreSQL cannot turn a subquery under
    // OR into a join, and the search would then scan the table. And none of them with the
    // selector's conditions when there is none: a generic plan cannot know `labels @> $5` is
    // `@> '{}'` and may read the whole label index instead of the name order (measured at
    // 11,000 schedules, 30 clients: a list page p50 175.8 ms with them, 33.4 ms without).
    let rows = match pattern {
        // Filters on the runtime row walk its copy of the name (`sort_name`, always equal to
        // `name`) through a partial index of their own, then join the page's definitions;
        // ordering by the definition's name would probe the runtime row of every name before
        // the 50th match. The page is chosen in a subquery on the runtime table alone, so no
        // plan can sort every match of the join instead (one did for `dead`: 3.3 against
        // 0.2 ms). Each has its own statement: in the general one below the filter is only
        // known at run time, so no plan could pick the partial index.
        None if filter == ListFilter::Failing => {
            select_schedule_rows!(
                r#"
                WHERE id IN (SELECT id FROM schedule_runtime
                             WHERE state = 'active' AND last_outcome = 'failure'
                               AND ($1::text IS NULL OR (sort_name, id) > ($1, $2::uuid))
                             ORDER BY sort_name, id
                             LIMIT $3)
                ORDER BY sort_name, id
                "#,
                after_name,
                after_id,
                limit,
            )
            .fetch_all(pool)
            .await?
        }
        // Paused and dead only: completions are as frequent as one-shots fire, and each
        // would write the index (see migration 20261204000003).
        None if matches!(
            filter,
            ListFilter::State(ScheduleState::Paused | ScheduleState::Dead)
        ) =>
        {
            select_schedule_rows!(
                r#"
                WHERE id IN (SELECT id FROM schedule_runtime
                             WHERE state = $1 AND state IN ('paused', 'dead')
                               AND ($2::text IS NULL OR (sort_name, id) > ($2, $3::uuid))
                             ORDER BY sort_name, id
                             LIMIT $4)
                ORDER BY sort_name, id
                "#,
                filter.as_sql(),
                after_name,
                after_id,
                limit,
            )
            .fetch_all(pool)
            .await?
        }
        None => {
            select_schedule_rows!(
                r#"
                WHERE ($1::text IS NULL OR state = $1)
                  AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
                ORDER BY name, id
                LIMIT $4
                "#,
                filter.as_sql(),
                after_name,
                after_id,
                limit,
            )
            .fetch_all(pool)
            .await?
        }
        // The search is asked twice on purpose: through `schedule_names`' trigram index
        // (fast when few names match) and as a filter on the name order (fast when many do);
        // the planner takes the cheaper.
        Some(pattern) => {
            select_schedule_rows!(
                r#"
                WHERE ($1::text IS NULL
                       OR state = $1
                       OR ($1 = 'failing' AND state = 'active' AND last_outcome = 'failure'))
                  AND lower(name) LIKE lower($2)
                  AND id IN (SELECT id FROM schedule_names WHERE folded LIKE lower($2))
                  AND ($3::text IS NULL OR (name, id) > ($3, $4::uuid))
                ORDER BY name, id
                LIMIT $5
                "#,
                filter.as_sql(),
                pattern,
                after_name,
                after_id,
                limit,
            )
            .fetch_all(pool)
            .await?
        }
    };
    Ok(rows.into_iter().map(ScheduleItem::from).collect())
}

/// [`list`] with a label selector (and maybe a name search, as a plain filter: the selector
/// already narrows the rows, through the label index when it says `key=value`).
async fn list_selected(
    pool: &PgPool,
    filter: ListFilter,
    pattern: Option<&str>,
    selector: &SelectorSql,
    after_name: Option<&str>,
    after_id: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ScheduleItem>, sqlx::Error> {
    let rows = select_schedule_rows!(
        r#"
        WHERE ($1::text IS NULL
               OR state = $1
               OR ($1 = 'failing' AND state = 'active' AND last_outcome = 'failure'))
          AND ($2::text IS NULL OR lower(name) LIKE lower($2))
          AND ($3::text IS NULL OR (name, id) > ($3, $4::uuid))
          AND labels @> $6::jsonb AND labels ?& $7::text[] AND NOT labels ?| $8::text[]
          AND NOT EXISTS (SELECT 1 FROM unnest($9::text[], $10::text[]) AS n(k, v)
                          WHERE labels ->> n.k = n.v)
        ORDER BY name, id
        LIMIT $5
        "#,
        filter.as_sql(),
        pattern,
        after_name,
        after_id,
        limit,
        selector.contains,
        &selector.present,
        &selector.absent,
        &selector.not_keys,
        &selector.not_values,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ScheduleItem::from).collect())
}

/// Dead schedules, most recently dead first (then by id, descending), after `after`, at
/// most `limit`: one walk of the dead index from the cursor.
pub async fn list_dead(
    pool: &PgPool,
    after: Option<DeadCursor>,
    limit: i64,
) -> Result<Vec<ScheduleItem>, sqlx::Error> {
    let (after_dead_at, after_id) = after.map(|c| (c.dead_at, c.id)).unzip();
    let rows = select_schedule_rows!(
        r#"
        WHERE state = 'dead'
          AND ($1::timestamptz IS NULL
               OR (coalesce(dead_at, 'epoch'::timestamptz), id) < ($1, $2::uuid))
        ORDER BY coalesce(dead_at, 'epoch'::timestamptz) DESC, id DESC
        LIMIT $3
        "#,
        after_dead_at,
        after_id,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ScheduleItem::from).collect())
}
