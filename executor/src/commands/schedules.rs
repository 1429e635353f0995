//! Changing schedules: create (one or many), read one, replace, rotate a secret, delete (the
//! state actions are in `actions`). Each checks the actor's role, writes in one
//! transaction with its audit entry, takes every instant from the database's clock, and
//! checks targets as the policy says.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{change, record, schedule_changes};
use super::{now, CommandError};
use crate::access::{Actor, Role};
use crate::model::{
    CreatedRef, CreatedSchedule, ScheduleItem, ScheduleState, ScheduleView, SigningSecret,
};
use crate::ssrf::TargetGuard;
use crate::store::schedules;
use crate::validate::{self, EditBase, FieldError, ScheduleRequest, TargetRequest, Validated};

/// Most schedules one bulk creation may hold.
pub const MAX_BATCH: usize = 20_000;

/// `request` validated at `now`, with a jitter seed of its own: every path that stores a
/// schedule (create, batch, import, apply) goes through here.
pub(super) fn validated(
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> Result<Validated, Vec<FieldError>> {
    let mut valid = validate::validate(request, now)?;
    // Each schedule spreads its fires its own way: two with one timing and one jitter do
    // not fire together.
    if valid.schedule.options.jitter_ms > 0 {
        valid.schedule.options.jitter_seed = Uuid::new_v4().as_u64_pair().0;
        valid.next_run_at = valid
            .schedule
            .spec
            .compile_with(&valid.schedule.options)
            .ok()
            .and_then(|schedule| schedule.next_after(now));
    }
    Ok(valid)
}

/// The `(index, request)`s of a document validated at `now`, each distinct target host
/// checked once (a few at a time, within one time budget); the problems go to `errors` as
/// `schedules[index].<field>`. What passes, with its index.
pub(super) async fn validated_all<'a>(
    targets: &TargetGuard,
    requests: impl Iterator<Item = (usize, &'a ScheduleRequest)>,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Vec<(usize, Validated)> {
    let mut valid = Vec::new();
    for (index, request) in requests {
        match validated(request, now) {
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
    valid.retain(
        |(index, checked)| match verdicts.verdict(&checked.schedule.target.url) {
            Ok(()) => true,
            Err(refusal) => {
                errors.push(FieldError {
                    field: format!("schedules[{index}].{}", validate::field::TARGET_URL),
                    reason: refusal.to_string(),
                });
                false
            }
        },
    );
    valid
}

/// `request` validated at `now`, its target checked.
async fn checked(
    targets: &TargetGuard,
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> Result<Validated, CommandError> {
    let valid = validated(request, now).map_err(CommandError::Invalid)?;
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

/// Creates a schedule, with a fresh signing secret (returned this once). Needs `write`.
pub async fn create(
    pool: &PgPool,
    targets: &TargetGuard,
    actor: &Actor,
    request: &ScheduleRequest,
) -> Result<CreatedSchedule, CommandError> {
    actor.require(Role::Write)?;
    let now = now(pool).await?;
    // No connection is held over the target check: its DNS lookup may take 2 s.
    let valid = checked(targets, request, now).await?;
    let changes = schedule_changes(None, Some(request));
    let mut conn = pool.acquire().await?;
    let (inserted, stored) = schedules::insert(
        &mut conn,
        &valid.schedule,
        valid.next_run_at,
        now,
        actor,
        &changes,
    )
    .await?;
    let schedule = match shown_to(actor, stored) {
        ScheduleItem::Readable(view) => view,
        ScheduleItem::Unreadable(row) => return Err(CommandError::Unreadable(Box::new(row))),
    };
    Ok(CreatedSchedule {
        schedule,
        signing_secret: inserted.signing_secret,
    })
}

/// Creates many schedules at once, all or none: every request is validated (reasons name
/// `schedules[i].<field>`), each distinct target host is checked once (a few at a time,
/// within one time budget), then all are stored in one statement, with one audit entry each
/// tied together. The answer is in request order. Needs `write`.
pub async fn create_many(
    pool: &PgPool,
    targets: &TargetGuard,
    actor: &Actor,
    requests: &[ScheduleRequest],
) -> Result<Vec<CreatedRef>, CommandError> {
    actor.require(Role::Write)?;
    if requests.len() > MAX_BATCH {
        return Err(CommandError::TooMany {
            field: "schedules",
            given: requests.len(),
            limit: MAX_BATCH,
        });
    }
    let now = now(pool).await?;
    let mut errors = Vec::new();
    let valid = validated_all(targets, requests.iter().enumerate(), now, &mut errors).await;
    if !errors.is_empty() {
        return Err(CommandError::Invalid(errors));
    }
    let rows: Vec<_> = valid
        .into_iter()
        .map(|(_, checked)| (checked.schedule, checked.next_run_at))
        .collect();
    let mut tx = pool.begin().await?;
    let inserted = schedules::insert_many(&mut tx, &rows, now).await?;
    let entries: Vec<_> = inserted
        .iter()
        .zip(requests)
        .map(|(new, request)| {
            let changes = schedule_changes(None, Some(request));
            change("schedule.create", Some("schedule"), Some(new.id), changes)
        })
        .collect();
    record(&mut tx, actor, Some(Uuid::new_v4()), &entries).await?;
    tx.commit().await?;
    Ok(inserted
        .into_iter()
        .map(|inserted| CreatedRef {
            id: inserted.id,
            signing_secret: inserted.signing_secret,
        })
        .collect())
}

/// Gives a schedule a new signing secret (returned this once); the old one stops working.
/// Needs `write`.
pub async fn rotate_secret(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
) -> Result<SigningSecret, CommandError> {
    actor.require(Role::Write)?;
    let mut tx = pool.begin().await?;
    let signing_secret = schedules::rotate_secret(&mut tx, id)
        .await?
        .ok_or(CommandError::NotFound(id))?;
    let hidden = crate::model::Target::REDACTED;
    let changes = serde_json::json!({"signing_secret": {"before": hidden, "after": hidden}});
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "schedule.rotate_secret",
            Some("schedule"),
            Some(id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(SigningSecret { signing_secret })
}

/// Replaces a schedule's definition, at `expected_version` when given. An unreadable
/// schedule can be replaced: that is how it is mended. Needs `write`.
pub async fn replace(
    pool: &PgPool,
    targets: &TargetGuard,
    actor: &Actor,
    id: Uuid,
    request: &ScheduleRequest,
    expected_version: Option<i64>,
) -> Result<ScheduleView, CommandError> {
    actor.require(Role::Write)?;
    let before = edit_base(pool, actor, id).await?.request;
    let now = now(pool).await?;
    let valid = checked(targets, request, now).await?;
    let mut tx = pool.begin().await?;
    let updated = schedules::update(
        &mut tx,
        id,
        &valid.schedule,
        valid.next_run_at,
        expected_version,
        now,
    )
    .await?;
    if updated.is_none() {
        drop(tx);
        let current = match read(pool, actor, id).await? {
            ScheduleItem::Readable(view) => view.version,
            ScheduleItem::Unreadable(row) => row.version,
        };
        return Err(CommandError::StaleVersion {
            current,
            expected: expected_version.unwrap_or_default(),
        });
    }
    let changes = schedule_changes(Some(&before), Some(request));
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "schedule.update",
            Some("schedule"),
            Some(id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    fetch(pool, actor, id).await
}

/// Deletes a schedule and its history. Needs `write`.
pub async fn delete(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<(), CommandError> {
    actor.require(Role::Write)?;
    let before = edit_base(pool, actor, id).await?.request;
    let mut tx = pool.begin().await?;
    if !schedules::delete(&mut tx, id).await? {
        return Err(CommandError::NotFound(id));
    }
    let changes = schedule_changes(Some(&before), None);
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "schedule.delete",
            Some("schedule"),
            Some(id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads a schedule, readable or not, or says it does not exist. Needs `read`; header
/// values and the body are shown only to a role that may edit them.
pub async fn read(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<ScheduleItem, CommandError> {
    actor.require(Role::Read)?;
    schedules::get(pool, id)
        .await?
        .map(|item| shown_to(actor, item))
        .ok_or(CommandError::NotFound(id))
}

/// Says schedule `id` exists (readable or not) to `actor`, who needs `read`, without reading
/// it: what reads of what belongs to a schedule check first. [`CommandError::NotFound`] when
/// it does not.
pub async fn require_exists(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<(), CommandError> {
    actor.require(Role::Read)?;
    if schedules::exists(pool, id).await? {
        Ok(())
    } else {
        Err(CommandError::NotFound(id))
    }
}

/// `item` as `actor` may see it: without header values and body below `write`.
pub(super) fn shown_to(actor: &Actor, item: ScheduleItem) -> ScheduleItem {
    match item {
        ScheduleItem::Readable(mut view) if !actor.can(Role::Write) => {
            view.target = view.target.redacted();
            ScheduleItem::Readable(view)
        }
        other => other,
    }
}

/// Reads a schedule that can be read; an unreadable one is [`CommandError::Unreadable`].
pub async fn fetch(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<ScheduleView, CommandError> {
    match read(pool, actor, id).await? {
        ScheduleItem::Readable(view) => Ok(view),
        ScheduleItem::Unreadable(row) => Err(CommandError::Unreadable(Box::new(row))),
    }
}

/// The base of an edit: the schedule as a request, or, when its stored timing cannot be
/// read, what can be read of it, so the person can give it a timing again.
pub async fn edit_base(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<EditBase, CommandError> {
    Ok(match read(pool, actor, id).await? {
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
