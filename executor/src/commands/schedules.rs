//! Changing schedules: create (one or many), read one, replace, act on (pause, resume,
//! trigger, re-arm), rotate a secret, delete. Each checks the actor's role, writes in one
//! transaction with its audit entry, takes every instant from the database's clock, and
//! checks targets as the policy says.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{change, record, schedule_changes};
use super::{now, Action, CommandError};
use crate::access::{Actor, Role};
use crate::decision::revived_next_run;
use crate::model::{
    CreatedRef, CreatedSchedule, PauseRequest, ScheduleItem, ScheduleState, ScheduleView,
    SigningSecret, TriggerRequest,
};
use crate::ssrf::TargetGuard;
use crate::store::schedules::{self, Pause, Transition};
use crate::validate::{self, EditBase, FieldError, ScheduleRequest, TargetRequest, Validated};

/// Most schedules one bulk action (re-arm many, say) may name.
pub const MAX_BULK_IDS: usize = 500;
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
    let valid = checked(targets, request, now).await?;
    let mut tx = pool.begin().await?;
    let inserted = schedules::insert(&mut tx, &valid.schedule, valid.next_run_at, now).await?;
    let changes = schedule_changes(None, Some(request));
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "schedule.create",
            Some("schedule"),
            Some(inserted.id),
            changes,
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedSchedule {
        schedule: fetch(pool, actor, inserted.id).await?,
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

/// Applies `action` to a schedule. Needs `operate`.
pub async fn act(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<ScheduleView, CommandError> {
    act_with(pool, actor, id, action, &ActionDetails::default()).await
}

/// What a pause or a "Trigger now" may say beside the action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionDetails {
    /// A pause's end and note.
    pub pause: PauseRequest,
    /// A manual fire's one-off body.
    pub trigger: TriggerRequest,
}

/// Longest pause note, in characters.
pub const MAX_PAUSE_NOTE: usize = 500;

/// `details` checked for `action` at `now`.
fn check_details(
    action: Action,
    details: &ActionDetails,
    now: DateTime<Utc>,
) -> Result<(), CommandError> {
    let mut problems = Vec::new();
    let mut refuse = |field: &str, reason: String| {
        problems.push(FieldError {
            field: field.into(),
            reason,
        })
    };
    let pausing = action == Action::Pause;
    let PauseRequest { until, note } = &details.pause;
    if !pausing && (until.is_some() || note.is_some()) {
        refuse("until", "only a pause has an end or a note".into());
    }
    if until.is_some_and(|until| until <= now) {
        refuse(
            "until",
            "the pause would end in the past; leave it out to pause until resumed".into(),
        );
    }
    if until.is_some_and(|until| until > now + chrono::TimeDelta::days(3653)) {
        refuse("until", "a pause may end at most 10 years from now".into());
    }
    if let Some(note) = note {
        if note.chars().count() > MAX_PAUSE_NOTE
            || note.chars().any(|c| c.is_control() && c != '\n')
        {
            refuse(
                "note",
                format!(
                    "a note is at most {MAX_PAUSE_NOTE} characters, without control characters"
                ),
            );
        }
    }
    if let Some(body) = &details.trigger.body {
        if action != Action::Trigger {
            refuse("body", "only \"Trigger now\" takes a one-off body".into());
        } else if let Some(reason) = validate::body_problem(body) {
            refuse("body", reason);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CommandError::Invalid(problems))
    }
}

/// Applies `action` to a schedule, with a pause's end and note or a manual fire's body.
/// Needs `operate`.
pub async fn act_with(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    action: Action,
    details: &ActionDetails,
) -> Result<ScheduleView, CommandError> {
    actor.require(Role::Operate)?;
    let current = fetch(pool, actor, id).await?;
    let now = now(pool).await?;
    check_details(action, details, now)?;
    let revived = || -> Result<Option<DateTime<Utc>>, CommandError> {
        let schedule = current.compile().map_err(|error| {
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
    let pause = (action == Action::Pause).then(|| Pause {
        until: details.pause.until,
        by: &actor.name,
        note: details
            .pause
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty()),
    });
    let transition = Transition {
        from: &[from],
        to,
        next_run_at,
        reset_fire: true,
        manual: action == Action::Trigger,
        manual_body: details.trigger.body.as_deref(),
        pause,
    };
    let mut tx = pool.begin().await?;
    if schedules::transition(&mut tx, id, transition, now)
        .await?
        .is_none()
    {
        return Err(CommandError::WrongState {
            action,
            state: current.state,
        });
    }
    let name: &'static str = action.into();
    let action_name = format!("schedule.{name}");
    let mut changes = serde_json::json!({"state": {"before": current.state, "after": to}});
    if let Some(until) = details.pause.until {
        changes["paused_until"] = serde_json::json!({"after": until});
    }
    if let Some(note) = &details.pause.note {
        changes["pause_note"] = serde_json::json!({"after": note});
    }
    if details.trigger.body.is_some() {
        changes["body"] = serde_json::json!({"after": crate::model::Target::REDACTED});
    }
    record(
        &mut tx,
        actor,
        None,
        &[change(&action_name, Some("schedule"), Some(id), changes)],
    )
    .await?;
    tx.commit().await?;
    fetch(pool, actor, id).await
}

/// Re-arms up to [`MAX_BULK_IDS`] dead schedules; how many were re-armed (the others were
/// not dead, are gone, or cannot be read). Needs `operate`.
pub async fn rearm_many(pool: &PgPool, actor: &Actor, ids: &[Uuid]) -> Result<usize, CommandError> {
    actor.require(Role::Operate)?;
    if ids.len() > MAX_BULK_IDS {
        return Err(CommandError::TooMany {
            field: "ids",
            given: ids.len(),
            limit: MAX_BULK_IDS,
        });
    }
    let mut rearmed = 0;
    for id in ids {
        match act(pool, actor, *id, Action::Rearm).await {
            Ok(_) => rearmed += 1,
            Err(CommandError::Database(error)) => return Err(CommandError::Database(error)),
            Err(_) => {} // re-armed, deleted or unreadable: not this call's to fix
        }
    }
    Ok(rearmed)
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
