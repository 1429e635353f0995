//! Changing schedules: create (one or many), read one, replace, act on (pause, resume,
//! trigger, re-arm), rotate a secret, delete. Targets are checked as the policy says, and
//! every instant comes from the database's clock.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{now, Action, CommandError};
use crate::decision::revived_next_run;
use crate::model::{
    CreatedRef, CreatedSchedule, ScheduleItem, ScheduleState, ScheduleView, SigningSecret,
};
use crate::ssrf::TargetGuard;
use crate::store::schedules::{self, Transition};
use crate::validate::{self, EditBase, FieldError, ScheduleRequest, TargetRequest, Validated};

/// Most schedules one bulk action (re-arm many, say) may name.
pub const MAX_BULK_IDS: usize = 500;
/// Most schedules one bulk creation may hold.
pub const MAX_BATCH: usize = 20_000;

/// `request` validated at `now`, its target checked.
async fn checked(
    targets: &TargetGuard,
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> Result<Validated, CommandError> {
    let valid = validate::validate(request, now).map_err(CommandError::Invalid)?;
    targets
        .check_url(&valid.schedule.target.url)
        .await
        .map_err(|refusal| {
            CommandError::Invalid(vec![FieldError {
                field: validate::field::TARGET_URL.into(),
                reason: refusal.to_string(),
            }])
        })?;
    Ok(valid)
}

/// Creates a schedule, with a fresh signing secret (returned this once).
pub async fn create(
    pool: &PgPool,
    targets: &TargetGuard,
    request: &ScheduleRequest,
) -> Result<CreatedSchedule, CommandError> {
    let now = now(pool).await?;
    let valid = checked(targets, request, now).await?;
    let inserted = schedules::insert(pool, &valid.schedule, valid.next_run_at, now).await?;
    Ok(CreatedSchedule {
        schedule: fetch(pool, inserted.id).await?,
        signing_secret: inserted.signing_secret,
    })
}

/// Creates many schedules at once, all or none: every request is validated (reasons name
/// `schedules[i].<field>`), each distinct target host is checked once (a few at a time,
/// within one time budget), then all are stored in one statement. The answer is in request
/// order.
pub async fn create_many(
    pool: &PgPool,
    targets: &TargetGuard,
    requests: &[ScheduleRequest],
) -> Result<Vec<CreatedRef>, CommandError> {
    if requests.len() > MAX_BATCH {
        return Err(CommandError::TooMany {
            field: "schedules",
            given: requests.len(),
            limit: MAX_BATCH,
        });
    }
    let now = now(pool).await?;
    let mut errors = Vec::new();
    let mut valid = Vec::with_capacity(requests.len());
    for (index, request) in requests.iter().enumerate() {
        match validate::validate(request, now) {
            Ok(checked) => valid.push((index, checked)),
            Err(problems) => errors.extend(problems.into_iter().map(|problem| FieldError {
                field: format!("schedules[{index}].{}", problem.field),
                reason: problem.reason,
            })),
        }
    }
    let verdicts = targets
        .check_urls(valid.iter().map(|(_, v)| v.schedule.target.url.as_str()))
        .await;
    for (index, checked) in &valid {
        if let Err(refusal) = verdicts.verdict(&checked.schedule.target.url) {
            errors.push(FieldError {
                field: format!("schedules[{index}].{}", validate::field::TARGET_URL),
                reason: refusal.to_string(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(CommandError::Invalid(errors));
    }
    let rows: Vec<_> = valid
        .into_iter()
        .map(|(_, checked)| (checked.schedule, checked.next_run_at))
        .collect();
    Ok(schedules::insert_many(pool, &rows, now)
        .await?
        .into_iter()
        .map(|inserted| CreatedRef {
            id: inserted.id,
            signing_secret: inserted.signing_secret,
        })
        .collect())
}

/// Gives a schedule a new signing secret (returned this once); the old one stops working.
pub async fn rotate_secret(pool: &PgPool, id: Uuid) -> Result<SigningSecret, CommandError> {
    schedules::rotate_secret(pool, id)
        .await?
        .map(|signing_secret| SigningSecret { signing_secret })
        .ok_or(CommandError::NotFound(id))
}

/// Replaces a schedule's definition, at `expected_version` when given. An unreadable
/// schedule can be replaced: that is how it is mended.
pub async fn replace(
    pool: &PgPool,
    targets: &TargetGuard,
    id: Uuid,
    request: &ScheduleRequest,
    expected_version: Option<i64>,
) -> Result<ScheduleView, CommandError> {
    let now = now(pool).await?;
    let valid = checked(targets, request, now).await?;
    let updated = schedules::update(
        pool,
        id,
        &valid.schedule,
        valid.next_run_at,
        expected_version,
        now,
    )
    .await?;
    if updated.is_none() {
        let current = match read(pool, id).await? {
            ScheduleItem::Readable(view) => view.version,
            ScheduleItem::Unreadable(row) => row.version,
        };
        return Err(CommandError::StaleVersion {
            current,
            expected: expected_version.unwrap_or_default(),
        });
    }
    fetch(pool, id).await
}

/// Applies `action` to a schedule.
pub async fn act(pool: &PgPool, id: Uuid, action: Action) -> Result<ScheduleView, CommandError> {
    let current = fetch(pool, id).await?;
    let now = now(pool).await?;
    let revived = || -> Result<Option<DateTime<Utc>>, CommandError> {
        let schedule = current.schedule.compile().map_err(|error| {
            CommandError::Invalid(vec![FieldError {
                field: format!("schedule.{}", error.field()),
                reason: error.to_string(),
            }])
        })?;
        Ok(revived_next_run(&schedule, now))
    };
    let (from, to, next_run_at) = match action {
        Action::Pause => (ScheduleState::Active, ScheduleState::Paused, None),
        Action::Resume => (ScheduleState::Paused, ScheduleState::Active, revived()?),
        Action::Trigger => (ScheduleState::Active, ScheduleState::Active, Some(now)),
        Action::Rearm => (ScheduleState::Dead, ScheduleState::Active, revived()?),
    };
    let change = Transition {
        from: &[from],
        to,
        next_run_at,
        reset_fire: true,
        manual: action == Action::Trigger,
    };
    if schedules::transition(pool, id, change, now)
        .await?
        .is_none()
    {
        return Err(CommandError::WrongState {
            action,
            state: current.state,
        });
    }
    fetch(pool, id).await
}

/// Re-arms up to [`MAX_BULK_IDS`] dead schedules; how many were re-armed (the others were
/// not dead, are gone, or cannot be read).
pub async fn rearm_many(pool: &PgPool, ids: &[Uuid]) -> Result<usize, CommandError> {
    if ids.len() > MAX_BULK_IDS {
        return Err(CommandError::TooMany {
            field: "ids",
            given: ids.len(),
            limit: MAX_BULK_IDS,
        });
    }
    let mut rearmed = 0;
    for id in ids {
        match act(pool, *id, Action::Rearm).await {
            Ok(_) => rearmed += 1,
            Err(CommandError::Database(error)) => return Err(CommandError::Database(error)),
            Err(_) => {} // re-armed, deleted or unreadable: not this call's to fix
        }
    }
    Ok(rearmed)
}

/// Deletes a schedule and its history.
pub async fn delete(pool: &PgPool, id: Uuid) -> Result<(), CommandError> {
    if schedules::delete(pool, id).await? {
        Ok(())
    } else {
        Err(CommandError::NotFound(id))
    }
}

/// Reads a schedule, readable or not, or says it does not exist.
pub async fn read(pool: &PgPool, id: Uuid) -> Result<ScheduleItem, CommandError> {
    schedules::get(pool, id)
        .await?
        .ok_or(CommandError::NotFound(id))
}

/// Reads a schedule that can be read; an unreadable one is [`CommandError::Unreadable`].
pub async fn fetch(pool: &PgPool, id: Uuid) -> Result<ScheduleView, CommandError> {
    match read(pool, id).await? {
        ScheduleItem::Readable(view) => Ok(view),
        ScheduleItem::Unreadable(row) => Err(CommandError::Unreadable(Box::new(row))),
    }
}

/// The base of an edit: the schedule as a request, or, when its stored timing cannot be
/// read, what can be read of it, so the person can give it a timing again.
pub async fn edit_base(pool: &PgPool, id: Uuid) -> Result<EditBase, CommandError> {
    Ok(match read(pool, id).await? {
        ScheduleItem::Readable(view) => EditBase {
            request: ScheduleRequest::from_view(&view),
            unreadable: None,
        },
        ScheduleItem::Unreadable(row) => EditBase {
            request: ScheduleRequest {
                name: row.name,
                target: TargetRequest {
                    url: row.target_url,
                    method: Some(row.target_method),
                    ..TargetRequest::default()
                },
                paused: row.state == ScheduleState::Paused,
                ..ScheduleRequest::default()
            },
            unreadable: Some(row.reason),
        },
    })
}
