//! A person's actions on a schedule's state: pause (until an instant, with a note), resume,
//! trigger now (with a one-off body) and re-arm, one or many. Each checks the actor's role,
//! writes the transition and its audit entry in one transaction, on the database's clock.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{change, record};
use super::schedules::fetch;
use super::{now, Action, CommandError};
use crate::access::{Actor, Role};
use crate::decision::revived_next_run;
use crate::model::{PauseRequest, ScheduleState, ScheduleView, TriggerRequest};
use crate::store::schedules::{self, Pause, Transition};
use crate::validate::{self, FieldError};

/// Most schedules one bulk action (re-arm many, say) may name.
pub const MAX_BULK_IDS: usize = 500;

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
