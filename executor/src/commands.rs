//! What a person can do to schedules, shared by the REST API and the UI's server functions:
//! validate, check the target, store, and say precisely why when refused.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::model::{CreatedSchedule, ScheduleState, ScheduleView, SigningSecret};
use crate::runner::outcome::revived_next_run;
use crate::ssrf::TargetPolicy;
use crate::store::schedules;
use crate::validate::{self, FieldError, ScheduleRequest, Validated};

/// Why a command was refused.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Some fields are invalid.
    #[error("{} field(s) are invalid", .0.len())]
    Invalid(Vec<FieldError>),
    /// No such schedule.
    #[error("there is no schedule {0}")]
    NotFound(Uuid),
    /// The schedule changed meanwhile, or is in the wrong state.
    #[error("{0}")]
    Conflict(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A state change a person can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Active → paused.
    Pause,
    /// Paused → active, from the next instant.
    Resume,
    /// Active: fire now.
    Trigger,
    /// Dead → active, with a fresh next run.
    Rearm,
}

impl Action {
    /// The action's name, as URLs and buttons say it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Trigger => "trigger",
            Self::Rearm => "rearm",
        }
    }

    /// Reads an action's name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Pause, Self::Resume, Self::Trigger, Self::Rearm]
            .into_iter()
            .find(|action| action.name() == name)
    }
}

async fn checked(
    policy: &TargetPolicy,
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> Result<Validated, CommandError> {
    let valid = validate::validate(request, now).map_err(CommandError::Invalid)?;
    policy
        .check_url(&valid.schedule.target.url)
        .await
        .map_err(|reason| {
            CommandError::Invalid(vec![FieldError {
                field: "target.url".into(),
                reason,
            }])
        })?;
    Ok(valid)
}

/// Most schedules one bulk action (re-arm many, say) may name.
pub const MAX_BULK_IDS: usize = 500;

/// Creates a schedule, with a fresh signing secret (returned this once).
pub async fn create(
    pool: &PgPool,
    policy: &TargetPolicy,
    request: &ScheduleRequest,
) -> Result<CreatedSchedule, CommandError> {
    let now = Utc::now();
    let valid = checked(policy, request, now).await?;
    let inserted = schedules::insert(pool, &valid.schedule, valid.next_run_at, now).await?;
    Ok(CreatedSchedule {
        schedule: fetch(pool, inserted.id).await?,
        signing_secret: inserted.signing_secret,
    })
}

/// Gives a schedule a new signing secret (returned this once); the old one stops working.
pub async fn rotate_secret(pool: &PgPool, id: Uuid) -> Result<SigningSecret, CommandError> {
    schedules::rotate_secret(pool, id)
        .await?
        .map(|signing_secret| SigningSecret { signing_secret })
        .ok_or(CommandError::NotFound(id))
}

/// Replaces a schedule's definition, at `expected_version` when given.
pub async fn replace(
    pool: &PgPool,
    policy: &TargetPolicy,
    id: Uuid,
    request: &ScheduleRequest,
    expected_version: Option<i64>,
) -> Result<ScheduleView, CommandError> {
    let now = Utc::now();
    let valid = checked(policy, request, now).await?;
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
        let current = fetch(pool, id).await?;
        return Err(CommandError::Conflict(format!(
            "the schedule changed meanwhile: it is at version {}, not {}; reload and retry",
            current.version,
            expected_version.unwrap_or_default()
        )));
    }
    fetch(pool, id).await
}

/// Applies `action` to a schedule.
pub async fn act(pool: &PgPool, id: Uuid, action: Action) -> Result<ScheduleView, CommandError> {
    let current = fetch(pool, id).await?;
    let now = Utc::now();
    let revived = || -> Result<Option<DateTime<Utc>>, CommandError> {
        let schedule = current.schedule.compile().map_err(|error| {
            CommandError::Conflict(format!("the stored schedule cannot be read: {error}"))
        })?;
        Ok(revived_next_run(&schedule, now))
    };
    let (from, to, next_run_at) = match action {
        Action::Pause => (ScheduleState::Active, ScheduleState::Paused, None),
        Action::Resume => (ScheduleState::Paused, ScheduleState::Active, revived()?),
        Action::Trigger => (ScheduleState::Active, ScheduleState::Active, Some(now)),
        Action::Rearm => (ScheduleState::Dead, ScheduleState::Active, revived()?),
    };
    let changed = schedules::transition(pool, id, &[from], to, next_run_at, true, now).await?;
    if changed.is_none() {
        return Err(CommandError::Conflict(format!(
            "cannot {} a schedule that is {}",
            match action {
                Action::Rearm => "re-arm",
                other => other.name(),
            },
            current.state.as_str()
        )));
    }
    fetch(pool, id).await
}

/// Reads a schedule, or says it does not exist.
pub async fn fetch(pool: &PgPool, id: Uuid) -> Result<ScheduleView, CommandError> {
    schedules::get(pool, id)
        .await?
        .ok_or(CommandError::NotFound(id))
}
