//! The `schedules` table as people change it: create, edit, read, list, delete, and move
//! between states; each change is announced so sleeping executors wake. The executor's
//! claim and write-back live in [`super::claims`].

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{
    Misfire, NewSchedule, OnDead, Outcome, RetryPolicy, ScheduleState, ScheduleView, Target,
};
use crate::schedule::ScheduleSpec;

/// The channel on which schedule changes are announced, so sleeping executors wake.
pub const CHANGES_CHANNEL: &str = "scheduleman_schedules";

/// The columns behind a [`ScheduleView`].
#[derive(Debug)]
struct ScheduleRow {
    id: Uuid,
    name: String,
    spec: Json<serde_json::Value>,
    target_url: String,
    target_method: String,
    target_headers: Json<serde_json::Value>,
    target_body: Option<String>,
    max_attempts: i32,
    backoff_initial_ms: i64,
    backoff_max_ms: i64,
    misfire: Misfire,
    on_dead: OnDead,
    dead_fires: i32,
    state: ScheduleState,
    next_run_at: Option<DateTime<Utc>>,
    fire_at: Option<DateTime<Utc>>,
    attempt: i32,
    claimed_by: Option<String>,
    last_fired_at: Option<DateTime<Utc>>,
    last_outcome: Option<Outcome>,
    last_error: Option<String>,
    dead_at: Option<DateTime<Utc>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A stored schedule whose timing or headers no longer decode (written by another version,
/// or by hand): the executor dead-letters it with this reason, and reads report it instead
/// of failing every other schedule's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule {id} cannot be read: {reason}")]
pub struct Unreadable {
    /// The schedule.
    pub id: Uuid,
    /// Why, in words.
    pub reason: String,
}

/// Why one schedule could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The row is there but does not decode.
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
}

/// The rows that decode, in order; each that does not is logged and left out.
fn readable(rows: Vec<ScheduleRow>) -> Vec<ScheduleView> {
    rows.into_iter()
        .filter_map(|row| match ScheduleView::try_from(row) {
            Ok(view) => Some(view),
            Err(error) => {
                tracing::warn!(schedule_id = %error.id, reason = %error.reason, "left out of a listing: the stored schedule cannot be read");
                None
            }
        })
        .collect()
}

impl TryFrom<ScheduleRow> for ScheduleView {
    type Error = Unreadable;

    fn try_from(row: ScheduleRow) -> Result<Self, Unreadable> {
        let id = row.id;
        let unreadable = |what: &str, error: serde_json::Error| Unreadable {
            id,
            reason: format!("its stored {what} does not decode ({error})"),
        };
        let spec: ScheduleSpec =
            serde_json::from_value(row.spec.0).map_err(|e| unreadable("timing", e))?;
        let headers: BTreeMap<String, String> =
            serde_json::from_value(row.target_headers.0).map_err(|e| unreadable("headers", e))?;
        Ok(Self {
            id: row.id,
            name: row.name,
            description: spec.describe(),
            schedule: spec,
            target: target(row.target_url, row.target_method, headers, row.target_body),
            retry: retry_policy(row.max_attempts, row.backoff_initial_ms, row.backoff_max_ms),
            misfire: row.misfire,
            on_dead: row.on_dead,
            dead_fires: row.dead_fires,
            state: row.state,
            next_run_at: row.next_run_at,
            fire_at: row.fire_at,
            attempt: row.attempt,
            claimed_by: row.claimed_by,
            last_fired_at: row.last_fired_at,
            last_outcome: row.last_outcome,
            last_error: row.last_error,
            dead_at: row.dead_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Which schedules a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Every schedule.
    All,
    /// Schedules in one state.
    State(ScheduleState),
    /// Active schedules whose latest attempt failed (retrying).
    Failing,
}

/// A list filter that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a state; use all, active, paused, completed, dead or failing")]
pub struct UnknownFilter(pub String);

impl std::str::FromStr for ListFilter {
    type Err = UnknownFilter;

    /// `all` (or nothing), a state's name, or `failing`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "" | "all" => Ok(Self::All),
            "failing" => Ok(Self::Failing),
            other => ScheduleState::from_name(other)
                .map(Self::State)
                .ok_or_else(|| UnknownFilter(other.to_owned())),
        }
    }
}

impl ListFilter {
    fn as_sql(self) -> Option<&'static str> {
        match self {
            Self::All => None,
            Self::State(state) => Some(state.as_str()),
            Self::Failing => Some("failing"),
        }
    }
}

/// A stored schedule's id and the signing secret generated for it (shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted {
    /// The new schedule's id.
    pub id: Uuid,
    /// Its signing secret.
    pub signing_secret: String,
}

/// How far ahead a new schedule must be due for executors to be woken for it: an executor
/// re-reads the next due time at least this often (its `--poll-max` may not exceed it).
pub const WAKE_HORIZON: std::time::Duration = std::time::Duration::from_secs(60);

/// Stores a new schedule due at `next_run_at`, with a fresh signing secret, and announces it
/// when it is due within [`WAKE_HORIZON`].
pub async fn insert(
    pool: &PgPool,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Inserted, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let state = if schedule.paused {
        ScheduleState::Paused
    } else {
        ScheduleState::Active
    };
    let row = sqlx::query!(
        r#"
        INSERT INTO schedules (name, spec, target_url, target_method, target_headers,
                               target_body, max_attempts, backoff_initial_ms, backoff_max_ms,
                               misfire, state, next_run_at, created_at, updated_at, on_dead,
                               signing_secret)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14,
                'whsec_' || replace(gen_random_uuid()::text, '-', '')
                         || replace(gen_random_uuid()::text, '-', ''))
        RETURNING id, signing_secret AS "signing_secret!"
        "#,
        schedule.name,
        Json(&schedule.spec) as _,
        schedule.target.url,
        schedule.target.method,
        Json(&schedule.target.headers) as _,
        schedule.target.body,
        schedule.retry.max_attempts as i32,
        schedule.retry.backoff_initial_ms as i64,
        schedule.retry.backoff_max_ms as i64,
        schedule.misfire.as_str(),
        state.as_str(),
        next_run_at,
        now,
        schedule.on_dead.as_str(),
    )
    .fetch_one(&mut *tx)
    .await?;
    // Executors re-read the next due time at least every poll interval (at most
    // WAKE_HORIZON), so only a schedule due sooner needs to wake them. Every NOTIFY
    // serialises its commit on PostgreSQL's notification queue lock, which capped creation.
    let horizon = TimeDelta::from_std(WAKE_HORIZON).unwrap_or(TimeDelta::MAX);
    if next_run_at.is_some_and(|at| at <= now + horizon) {
        announce_change(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(Inserted {
        id: row.id,
        signing_secret: row.signing_secret,
    })
}

/// Stores many new schedules in one statement and one transaction (all or none), each with a
/// fresh signing secret, and announces them once. The answer is in input order.
pub async fn insert_many(
    pool: &PgPool,
    schedules: &[(NewSchedule, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Result<Vec<Inserted>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let inserted = insert_many_in(&mut tx, schedules, now).await?;
    announce_change(&mut tx).await?;
    tx.commit().await?;
    Ok(inserted)
}

/// [`insert_many`]'s statement, in the caller's transaction (which announces and commits).
pub(super) async fn insert_many_in(
    tx: &mut PgConnection,
    schedules: &[(NewSchedule, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Result<Vec<Inserted>, sqlx::Error> {
    let column = |f: &dyn Fn(&NewSchedule) -> String| -> Vec<String> {
        schedules.iter().map(|(s, _)| f(s)).collect()
    };
    let names = column(&|s| s.name.clone());
    let specs = column(&|s| serde_json::to_string(&s.spec).unwrap_or_default());
    let urls = column(&|s| s.target.url.clone());
    let methods = column(&|s| s.target.method.clone());
    let headers = column(&|s| serde_json::to_string(&s.target.headers).unwrap_or_default());
    let bodies: Vec<Option<String>> = schedules
        .iter()
        .map(|(s, _)| s.target.body.clone())
        .collect();
    let attempts: Vec<i32> = schedules
        .iter()
        .map(|(s, _)| s.retry.max_attempts as i32)
        .collect();
    let initial: Vec<i64> = schedules
        .iter()
        .map(|(s, _)| s.retry.backoff_initial_ms as i64)
        .collect();
    let longest: Vec<i64> = schedules
        .iter()
        .map(|(s, _)| s.retry.backoff_max_ms as i64)
        .collect();
    let misfires = column(&|s| s.misfire.as_str().to_owned());
    let on_dead = column(&|s| s.on_dead.as_str().to_owned());
    let states = column(&|s| {
        if s.paused {
            ScheduleState::Paused
        } else {
            ScheduleState::Active
        }
        .as_str()
        .to_owned()
    });
    let next_runs: Vec<Option<DateTime<Utc>>> = schedules.iter().map(|(_, at)| *at).collect();
    let rows = sqlx::query!(
        r#"
        WITH input AS (
            SELECT gen_random_uuid() AS id,
                   'whsec_' || replace(gen_random_uuid()::text, '-', '')
                            || replace(gen_random_uuid()::text, '-', '') AS secret,
                   t.*
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::text[], $7::int4[], $8::int8[], $9::int8[], $10::text[],
                        $11::text[], $12::text[], $13::timestamptz[])
                 WITH ORDINALITY
                 AS t(name, spec, url, method, headers, body, max_attempts, backoff_initial_ms,
                      backoff_max_ms, misfire, on_dead, state, next_run_at, ord)
        ),
        stored AS (
            INSERT INTO schedules (id, name, spec, target_url, target_method, target_headers,
                                   target_body, max_attempts, backoff_initial_ms,
                                   backoff_max_ms, misfire, on_dead, state, next_run_at,
                                   signing_secret, created_at, updated_at)
            SELECT id, name, spec::jsonb, url, method, headers::jsonb, body, max_attempts,
                   backoff_initial_ms, backoff_max_ms, misfire, on_dead, state, next_run_at,
                   secret, $14, $14
            FROM input
        )
        SELECT id AS "id!", secret AS "secret!" FROM input ORDER BY ord
        "#,
        &names,
        &specs,
        &urls,
        &methods,
        &headers,
        &bodies as &[Option<String>],
        &attempts,
        &initial,
        &longest,
        &misfires,
        &on_dead,
        &states,
        &next_runs as &[Option<DateTime<Utc>>],
        now,
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Inserted {
            id: row.id,
            signing_secret: row.secret,
        })
        .collect())
}

/// Gives a schedule a new signing secret and returns it; `None` when there is no such
/// schedule. Requests already in flight keep the old signature.
pub async fn rotate_secret(pool: &PgPool, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        UPDATE schedules
        SET signing_secret = 'whsec_' || replace(gen_random_uuid()::text, '-', '')
                                      || replace(gen_random_uuid()::text, '-', ''),
            version = version + 1, updated_at = now()
        WHERE id = $1
        RETURNING signing_secret AS "signing_secret!"
        "#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// Replaces a schedule's definition. The edit revives a dead schedule, drops any claim and
/// pending retry (their write-backs are fenced out), bumps the version, and announces it.
/// With `expected_version`, applies only at that version. `None` when no row matched.
pub async fn update(
    pool: &PgPool,
    id: Uuid,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let version = update_in(&mut tx, id, schedule, next_run_at, expected_version, now).await?;
    announce_change(&mut tx).await?;
    tx.commit().await?;
    Ok(version)
}

/// [`update`]'s statement, in the caller's transaction (which announces and commits).
pub(super) async fn update_in(
    tx: &mut PgConnection,
    id: Uuid,
    schedule: &NewSchedule,
    next_run_at: Option<DateTime<Utc>>,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let state = if schedule.paused {
        ScheduleState::Paused
    } else {
        ScheduleState::Active
    };
    let version = sqlx::query_scalar!(
        r#"
        UPDATE schedules
        SET name = $2, spec = $3, target_url = $4, target_method = $5,
            target_headers = $6, target_body = $7, max_attempts = $8,
            backoff_initial_ms = $9, backoff_max_ms = $10, misfire = $11, state = $12,
            on_dead = $16, dead_fires = 0,
            next_run_at = $13, attempt = 0, fire_at = NULL, execution_id = NULL,
            claimed_by = NULL, claim_token = NULL, dead_at = NULL, manual_fire = false,
            version = version + 1, updated_at = $14
        WHERE id = $1 AND ($15::bigint IS NULL OR version = $15)
        RETURNING version
        "#,
        id,
        schedule.name,
        Json(&schedule.spec) as _,
        schedule.target.url,
        schedule.target.method,
        Json(&schedule.target.headers) as _,
        schedule.target.body,
        schedule.retry.max_attempts as i32,
        schedule.retry.backoff_initial_ms as i64,
        schedule.retry.backoff_max_ms as i64,
        schedule.misfire.as_str(),
        state.as_str(),
        next_run_at,
        now,
        expected_version,
        schedule.on_dead.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(version)
}

/// One due schedule's timing, for the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct DueTiming {
    /// The schedule.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it fires.
    pub spec: ScheduleSpec,
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
        SELECT id, name, spec::text AS "spec!" FROM schedules
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
            let spec = serde_json::from_str(&row.spec).ok()?;
            Some(DueTiming {
                id: row.id,
                name: row.name,
                spec,
            })
        })
        .collect())
}

/// Reads one schedule.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<ScheduleView>, ReadError> {
    let row = sqlx::query_as!(
        ScheduleRow,
        r#"
        SELECT id, name, spec AS "spec: Json<serde_json::Value>", target_url, target_method,
               target_headers AS "target_headers: Json<serde_json::Value>",
               target_body, max_attempts, backoff_initial_ms, backoff_max_ms, misfire AS "misfire: Misfire",
               on_dead AS "on_dead: OnDead", dead_fires, state AS "state: ScheduleState",
               next_run_at, fire_at, attempt, claimed_by, last_fired_at,
               last_outcome AS "last_outcome: Outcome",
               last_error, dead_at, version, created_at, updated_at
        FROM schedules
        WHERE id = $1
        "#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(ScheduleView::try_from).transpose()?)
}

/// One page of schedules in (name, id) order, after the `after` position, filtered by
/// state and by a case-insensitive name search (through `schedule_names`' trigram index).
pub async fn list(
    pool: &PgPool,
    filter: ListFilter,
    search: Option<&str>,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<ScheduleView>, sqlx::Error> {
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
    // Two statements, not one with `$2 IS NULL OR …`: PostgreSQL cannot turn a subquery under
    // OR into a join, and the search would then scan the table.
    let rows = match pattern {
        None => {
            sqlx::query_as!(
                ScheduleRow,
                r#"
                SELECT id, name, spec AS "spec: Json<serde_json::Value>", target_url, target_method,
                       target_headers AS "target_headers: Json<serde_json::Value>",
                       target_body, max_attempts, backoff_initial_ms, backoff_max_ms,
                       misfire AS "misfire: Misfire", on_dead AS "on_dead: OnDead", dead_fires,
                       state AS "state: ScheduleState", next_run_at, fire_at, attempt,
                       claimed_by, last_fired_at, last_outcome AS "last_outcome: Outcome",
                       last_error, dead_at, version, created_at, updated_at
                FROM schedules
                WHERE ($1::text IS NULL
                       OR state = $1
                       OR ($1 = 'failing' AND state = 'active' AND last_outcome = 'failure'))
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
            sqlx::query_as!(
                ScheduleRow,
                r#"
                SELECT id, name, spec AS "spec: Json<serde_json::Value>", target_url, target_method,
                       target_headers AS "target_headers: Json<serde_json::Value>",
                       target_body, max_attempts, backoff_initial_ms, backoff_max_ms,
                       misfire AS "misfire: Misfire", on_dead AS "on_dead: OnDead", dead_fires,
                       state AS "state: ScheduleState", next_run_at, fire_at, attempt,
                       claimed_by, last_fired_at, last_outcome AS "last_outcome: Outcome",
                       last_error, dead_at, version, created_at, updated_at
                FROM schedules
                WHERE ($1::text IS NULL
                       OR state = $1
                       OR ($1 = 'failing' AND state = 'active' AND last_outcome = 'failure'))
                  AND name ILIKE $2
                  AND id IN (SELECT id FROM schedule_names WHERE name ILIKE $2)
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
    Ok(readable(rows))
}

/// Dead schedules, most recently dead first, at most `limit`.
pub async fn list_dead(pool: &PgPool, limit: i64) -> Result<Vec<ScheduleView>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ScheduleRow,
        r#"
        SELECT id, name, spec AS "spec: Json<serde_json::Value>", target_url, target_method,
               target_headers AS "target_headers: Json<serde_json::Value>",
               target_body, max_attempts, backoff_initial_ms, backoff_max_ms, misfire AS "misfire: Misfire",
               on_dead AS "on_dead: OnDead", dead_fires, state AS "state: ScheduleState", next_run_at, fire_at, attempt, claimed_by, last_fired_at,
               last_outcome AS "last_outcome: Outcome", last_error, dead_at, version, created_at, updated_at
        FROM schedules
        WHERE state = 'dead'
        ORDER BY dead_at DESC NULLS LAST, id
        LIMIT $1
        "#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(readable(rows))
}

/// Deletes a schedule and its history; whether it existed.
pub async fn delete(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM schedules WHERE id = $1", id)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}

/// A move from one state to another (see [`transition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition<'a> {
    /// The states it applies in.
    pub from: &'a [ScheduleState],
    /// The state it leads to.
    pub to: ScheduleState,
    /// When the schedule is next due.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether any claim and attempts are dropped (a fresh fire).
    pub reset_fire: bool,
    /// Whether that fresh fire is a person's ("Trigger now"), never skipped as missed.
    pub manual: bool,
}

/// Moves a schedule from one state to another, setting `next_run_at` (and dropping any
/// claim and attempts when `reset_fire`). `None` when it is not in `from` (or missing).
pub async fn transition(
    pool: &PgPool,
    id: Uuid,
    change: Transition<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let Transition {
        from,
        to,
        next_run_at,
        reset_fire,
        manual,
    } = change;
    let mut tx = pool.begin().await?;
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let version = sqlx::query_scalar!(
        r#"
        UPDATE schedules
        SET state = $3, next_run_at = $4,
            attempt = CASE WHEN $5 THEN 0 ELSE attempt END,
            fire_at = CASE WHEN $5 THEN NULL ELSE fire_at END,
            execution_id = CASE WHEN $5 THEN NULL ELSE execution_id END,
            claimed_by = CASE WHEN $5 THEN NULL ELSE claimed_by END,
            claim_token = CASE WHEN $5 THEN NULL ELSE claim_token END,
            manual_fire = CASE WHEN $5 THEN $7 ELSE manual_fire END,
            dead_at = CASE WHEN $3 = 'dead' THEN dead_at ELSE NULL END,
            version = version + 1, updated_at = $6
        WHERE id = $1 AND state = ANY($2)
        RETURNING version
        "#,
        id,
        &from as &[&str],
        to.as_str(),
        next_run_at,
        reset_fire,
        now,
        manual,
    )
    .fetch_optional(&mut *tx)
    .await?;
    announce_change(&mut tx).await?;
    tx.commit().await?;
    Ok(version)
}

/// A target from its columns.
pub(super) fn target(
    url: String,
    method: String,
    headers: BTreeMap<String, String>,
    body: Option<String>,
) -> Target {
    Target {
        url,
        method,
        headers,
        body,
    }
}

pub(super) fn retry_policy(max_attempts: i32, initial_ms: i64, max_ms: i64) -> RetryPolicy {
    RetryPolicy {
        max_attempts: max_attempts.max(1) as u32,
        backoff_initial_ms: initial_ms.max(1) as u64,
        backoff_max_ms: max_ms.max(1) as u64,
    }
}

/// Tells listening executors that schedules changed (delivered when `tx` commits).
pub(super) async fn announce_change(tx: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_notify($1, '')", CHANGES_CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_filters_parse_once_for_api_and_ui() {
        for (text, filter) in [
            ("", ListFilter::All),
            ("all", ListFilter::All),
            ("failing", ListFilter::Failing),
            ("dead", ListFilter::State(ScheduleState::Dead)),
            (" paused ", ListFilter::State(ScheduleState::Paused)),
        ] {
            assert_eq!(text.parse::<ListFilter>(), Ok(filter), "{text:?}");
        }
        let error = "zombie".parse::<ListFilter>().unwrap_err();
        assert!(
            error.to_string().contains("\"zombie\" is not a state"),
            "{error}"
        );
    }
}
