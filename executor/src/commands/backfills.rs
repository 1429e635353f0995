//! Backfill: fire a recurring schedule's instants of a past range (at most
//! [`MAX_BACKFILL_FIRES`]), each a fire of its own with its own execution id, at a chosen
//! pace; preview first (`dry_run`), list, cancel while it runs. Needs `operate` to start or
//! cancel, `read` to list.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{change, record};
use super::schedules::fetch;
use super::{now, CommandError};
use crate::access::{Actor, Role};
use crate::model::{BackfillRequest, BackfillView};
use crate::schedule::{ScheduleSpec, TimingOptions};
use crate::store::backfills::{self, NewBackfill};
use crate::validate::FieldError;

/// Most fires one backfill makes.
pub const MAX_BACKFILL_FIRES: usize = 1_000;
/// The pace when none is given.
pub const DEFAULT_PACE: TimeDelta = TimeDelta::seconds(1);
/// The slowest pace.
pub const MAX_PACE: TimeDelta = TimeDelta::hours(1);

fn invalid(field: &str, reason: impl Into<String>) -> CommandError {
    CommandError::Invalid(vec![FieldError {
        field: field.into(),
        reason: reason.into(),
    }])
}

/// The instants of schedule `spec` in [`from`, `to`] under its DST policy (no window, no
/// jitter: the instants themselves), or why there are none or too many.
fn instants(
    spec: &ScheduleSpec,
    options: &TimingOptions,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, CommandError> {
    if !matches!(spec, ScheduleSpec::Cron { .. } | ScheduleSpec::Every { .. }) {
        return Err(invalid(
            "schedule",
            "only a recurring (cron or every) schedule has past instants to backfill",
        ));
    }
    let plain = TimingOptions {
        dst_gap: options.dst_gap,
        dst_overlap: options.dst_overlap,
        ..TimingOptions::default()
    };
    let schedule = spec
        .compile_with(&plain)
        .map_err(|error| invalid("schedule", error.to_string()))?;
    let mut found = Vec::new();
    let mut cursor = from - TimeDelta::milliseconds(1);
    while let Some(next) = schedule.next_after(cursor).filter(|next| *next <= to) {
        if found.len() == MAX_BACKFILL_FIRES {
            return Err(invalid(
                "to",
                format!(
                    "the range holds more than {MAX_BACKFILL_FIRES} fires; backfill a shorter one"
                ),
            ));
        }
        found.push(next);
        cursor = next;
    }
    if found.is_empty() {
        return Err(invalid("to", "the schedule has no instant in that range"));
    }
    Ok(found)
}

/// `request`'s pace in milliseconds.
fn pace_ms(request: &BackfillRequest) -> Result<i64, CommandError> {
    let Some(text) = request.pace.as_deref().map(str::trim) else {
        return Ok(DEFAULT_PACE.num_milliseconds());
    };
    let pace = humantime::parse_duration(text).map_err(|error| {
        invalid(
            "pace",
            format!("{text:?} is not a duration such as 1s or 500ms ({error})"),
        )
    })?;
    match TimeDelta::from_std(pace) {
        Ok(pace) if pace <= MAX_PACE => Ok(pace.num_milliseconds()),
        _ => Err(invalid(
            "pace",
            format!("{text} is slower than the slowest pace, 1h"),
        )),
    }
}

/// Starts a backfill of schedule `id` (or, with `dry_run`, answers what it would fire).
pub async fn backfill(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    request: &BackfillRequest,
) -> Result<BackfillView, CommandError> {
    actor.require(Role::Operate)?;
    let schedule = fetch(pool, actor, id).await?;
    let now = now(pool).await?;
    if request.from >= request.to {
        return Err(invalid("to", "the range ends before it starts"));
    }
    if request.to > now {
        return Err(invalid(
            "to",
            "a backfill fires past instants; the range ends in the future",
        ));
    }
    let pace_ms = pace_ms(request)?;
    let fires = instants(
        &schedule.schedule,
        &schedule.options,
        request.from,
        request.to,
    )?;
    let mut view = BackfillView {
        id: None,
        schedule_id: id,
        from: request.from,
        to: request.to,
        pace_ms,
        state: "preview".into(),
        created_by: actor.name.clone(),
        created_at: now,
        finished_at: None,
        total: fires.len() as i32,
        delivered: 0,
        failed: 0,
        cancelled: 0,
        fires,
    };
    if request.dry_run {
        return Ok(view);
    }
    let backfill_id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    backfills::insert(
        &mut tx,
        &NewBackfill {
            id: backfill_id,
            schedule_id: id,
            from: request.from,
            to: request.to,
            pace_ms,
            instants: &view.fires,
            created_by: &actor.name,
        },
    )
    .await?;
    let changes = serde_json::json!({
        "backfill": {"after": {"id": backfill_id, "from": request.from, "to": request.to,
                                "fires": view.total, "pace_ms": pace_ms}}
    });
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "schedule.backfill",
            Some("schedule"),
            Some(id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    view.id = Some(backfill_id);
    view.state = "running".into();
    Ok(view)
}

/// The schedule's latest backfills with their progress, newest first.
pub async fn list(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<BackfillView>, CommandError> {
    actor.require(Role::Read)?;
    Ok(backfills::list_for_schedule(pool, id).await?)
}

/// Cancels a running backfill: its fires not yet made are dropped. 409 when it is not
/// running.
pub async fn cancel(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    backfill_id: Uuid,
) -> Result<BackfillView, CommandError> {
    actor.require(Role::Operate)?;
    let mut tx = pool.begin().await?;
    if !backfills::cancel(&mut tx, id, backfill_id).await? {
        return Err(CommandError::Refused {
            field: None,
            reason: format!("backfill {backfill_id} of this schedule is not running"),
            conflict: true,
        });
    }
    let changes = serde_json::json!({"backfill": {"before": backfill_id, "after": "cancelled"}});
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "schedule.backfill_cancel",
            Some("schedule"),
            Some(id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    backfills::list_for_schedule(pool, id)
        .await?
        .into_iter()
        .find(|b| b.id == Some(backfill_id))
        .ok_or(CommandError::NotFound(id))
}
