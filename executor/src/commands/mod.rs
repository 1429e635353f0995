//! What a person can do to schedules, shared by the REST API and the UI's server functions:
//! validate, check the target, store, and say precisely why when refused.

pub mod import;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::model::{CreatedRef, CreatedSchedule, ScheduleState, ScheduleView, SigningSecret};
use crate::overview::Overview;
use crate::runner::outcome::revived_next_run;
use crate::ssrf::TargetPolicy;
use crate::store::schedules::{self, ListFilter};
use crate::store::{claims, overview};
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
    /// The schedule changed since the version the caller saw.
    #[error("the schedule changed meanwhile: it is at version {current}, not {expected}; reload and retry")]
    StaleVersion {
        /// Its version now.
        current: i64,
        /// The version the caller expected.
        expected: i64,
    },
    /// The action does not apply to a schedule in this state.
    #[error("cannot {} a schedule that is {}", .action.verb(), .state.as_str())]
    WrongState {
        /// What was asked.
        action: Action,
        /// The schedule's state.
        state: ScheduleState,
    },
    /// The stored definition cannot be read, so no next run can be computed.
    #[error("the stored schedule cannot be read: {0}")]
    Unreadable(String),
    /// A bulk action named more schedules than it takes.
    #[error("{given} schedules at once; the limit is {limit}")]
    TooMany {
        /// The request field holding the list.
        field: &'static str,
        /// How many were named.
        given: usize,
        /// The most one call takes.
        limit: usize,
    },
    /// A confirmed import's plan is no longer the one shown (the crontab, the checks or the
    /// stored schedules changed meanwhile).
    #[error("the import would now do something else than the preview showed; preview it again")]
    PlanChanged,
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

    /// The action as a verb in a sentence ("cannot re-arm …").
    pub fn verb(self) -> &'static str {
        match self {
            Self::Rearm => "re-arm",
            other => other.name(),
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

/// Target checks for many schedules at once (a batch, a crontab): each distinct host is
/// asked of the policy once, since such lists repeat their hosts.
#[derive(Debug, Default)]
pub(crate) struct HostChecks(std::collections::HashMap<String, Result<(), String>>);

impl HostChecks {
    /// The policy's verdict on `url`'s host, asked the first time the host comes up.
    pub(crate) async fn check(&mut self, policy: &TargetPolicy, url: &str) -> Result<(), String> {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|parsed| parsed.host_str().map(str::to_owned))
            .unwrap_or_default();
        if let Some(verdict) = self.0.get(&host) {
            return verdict.clone();
        }
        let verdict = policy.check_url(url).await;
        self.0.insert(host, verdict.clone());
        verdict
    }
}

/// Most schedules one bulk action (re-arm many, say) may name.
pub const MAX_BULK_IDS: usize = 500;

/// Creates a schedule, with a fresh signing secret (returned this once).
pub async fn create(
    pool: &PgPool,
    policy: &TargetPolicy,
    request: &ScheduleRequest,
) -> Result<CreatedSchedule, CommandError> {
    let now = claims::db_now(pool).await?;
    let valid = checked(policy, request, now).await?;
    let inserted = schedules::insert(pool, &valid.schedule, valid.next_run_at, now).await?;
    Ok(CreatedSchedule {
        schedule: fetch(pool, inserted.id).await?,
        signing_secret: inserted.signing_secret,
    })
}

/// Most schedules one bulk creation may hold.
pub const MAX_BATCH: usize = 20_000;

/// Creates many schedules at once, all or none: every request is validated (reasons name
/// `schedules[i].<field>`), each distinct target host is checked once, then all are stored
/// in one statement. The answer is in request order.
pub async fn create_many(
    pool: &PgPool,
    policy: &TargetPolicy,
    requests: &[ScheduleRequest],
) -> Result<Vec<CreatedRef>, CommandError> {
    if requests.len() > MAX_BATCH {
        return Err(CommandError::TooMany {
            field: "schedules",
            given: requests.len(),
            limit: MAX_BATCH,
        });
    }
    let now = claims::db_now(pool).await?;
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
    let mut hosts = HostChecks::default();
    for (index, checked) in &valid {
        if let Err(reason) = hosts.check(policy, &checked.schedule.target.url).await {
            errors.push(FieldError {
                field: format!("schedules[{index}].target.url"),
                reason,
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

/// Replaces a schedule's definition, at `expected_version` when given.
pub async fn replace(
    pool: &PgPool,
    policy: &TargetPolicy,
    id: Uuid,
    request: &ScheduleRequest,
    expected_version: Option<i64>,
) -> Result<ScheduleView, CommandError> {
    let now = claims::db_now(pool).await?;
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
        return Err(CommandError::StaleVersion {
            current: current.version,
            expected: expected_version.unwrap_or_default(),
        });
    }
    fetch(pool, id).await
}

/// Applies `action` to a schedule.
pub async fn act(pool: &PgPool, id: Uuid, action: Action) -> Result<ScheduleView, CommandError> {
    let current = fetch(pool, id).await?;
    let now = claims::db_now(pool).await?;
    let revived = || -> Result<Option<DateTime<Utc>>, CommandError> {
        let schedule = current
            .schedule
            .compile()
            .map_err(|error| CommandError::Unreadable(error.to_string()))?;
        Ok(revived_next_run(&schedule, now))
    };
    let (from, to, next_run_at) = match action {
        Action::Pause => (ScheduleState::Active, ScheduleState::Paused, None),
        Action::Resume => (ScheduleState::Paused, ScheduleState::Active, revived()?),
        Action::Trigger => (ScheduleState::Active, ScheduleState::Active, Some(now)),
        Action::Rearm => (ScheduleState::Dead, ScheduleState::Active, revived()?),
    };
    let change = schedules::Transition {
        from: &[from],
        to,
        next_run_at,
        reset_fire: true,
        manual: action == Action::Trigger,
    };
    let changed = schedules::transition(pool, id, change, now).await?;
    if changed.is_none() {
        return Err(CommandError::WrongState {
            action,
            state: current.state,
        });
    }
    fetch(pool, id).await
}

/// Re-arms up to [`MAX_BULK_IDS`] dead schedules; how many were re-armed (the others were
/// not dead, or are gone).
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
            Err(CommandError::Database(error)) => return Err(error.into()),
            Err(_) => {} // re-armed or deleted meanwhile
        }
    }
    Ok(rearmed)
}

/// One page of schedules in name order (see [`schedules::list`]).
pub async fn list(
    pool: &PgPool,
    filter: ListFilter,
    search: Option<&str>,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<ScheduleView>, CommandError> {
    Ok(schedules::list(pool, filter, search, after, limit).await?)
}

/// The dead-letter queue: dead schedules, most recently dead first, at most `limit`.
pub async fn dead_letters(pool: &PgPool, limit: i64) -> Result<Vec<ScheduleView>, CommandError> {
    Ok(schedules::list_dead(pool, limit).await?)
}

/// Deletes a schedule and its history.
pub async fn delete(pool: &PgPool, id: Uuid) -> Result<(), CommandError> {
    if schedules::delete(pool, id).await? {
        Ok(())
    } else {
        Err(CommandError::NotFound(id))
    }
}

/// The headline figures, read from the database at most once per `ttl` however many people
/// look (the counts scan the table: 130 ms at a million schedules). Past the ttl, readers get
/// the last figures at once while one refresh runs in the background, so no page load waits
/// for a count; only the first read (and a `fresh` one) waits, one at a time.
#[derive(Debug, Clone)]
pub struct OverviewCache {
    ttl: chrono::TimeDelta,
    latest: Arc<std::sync::Mutex<Option<Overview>>>,
    /// Held by the one read in progress (first, fresh or background).
    reading: Arc<tokio::sync::Mutex<()>>,
}

impl OverviewCache {
    /// A cache whose figures are refreshed once older than `ttl`.
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl: chrono::TimeDelta::from_std(ttl).unwrap_or(chrono::TimeDelta::MAX),
            latest: Arc::default(),
            reading: Arc::default(),
        }
    }

    fn cached(&self) -> Option<Overview> {
        self.latest.lock().ok().and_then(|latest| latest.clone())
    }

    fn store(&self, figures: &Overview) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Some(figures.clone());
        }
    }

    /// The figures: the cached ones (refreshed behind the caller once older than the ttl),
    /// or, when there are none yet or `fresh` is asked, a new read.
    pub async fn read(&self, pool: &PgPool, fresh: bool) -> Result<Overview, CommandError> {
        if !fresh {
            if let Some(cached) = self.cached() {
                if Utc::now() - cached.as_of >= self.ttl {
                    self.refresh_behind(pool);
                }
                return Ok(cached);
            }
        }
        let _reading = self.reading.lock().await;
        // Someone else may have read while we waited.
        if let Some(cached) = self
            .cached()
            .filter(|c| !fresh && Utc::now() - c.as_of < self.ttl)
        {
            return Ok(cached);
        }
        let figures = overview::read(pool, Utc::now()).await?;
        self.store(&figures);
        Ok(figures)
    }

    /// Reads the figures in the background (at start, so the first page load finds them).
    pub fn warm(&self, pool: &PgPool) {
        self.refresh_behind(pool);
    }

    /// Starts one background read unless one is in progress.
    fn refresh_behind(&self, pool: &PgPool) {
        let Ok(reading) = self.reading.clone().try_lock_owned() else {
            return;
        };
        let (cache, pool) = (self.clone(), pool.clone());
        tokio::spawn(async move {
            match overview::read(&pool, Utc::now()).await {
                Ok(figures) => cache.store(&figures),
                Err(error) => tracing::warn!(%error, "refreshing the headline figures failed"),
            }
            drop(reading);
        });
    }
}

/// A schedule's punctuality and health as of now, or says it does not exist.
pub async fn punctuality(
    pool: &PgPool,
    id: Uuid,
) -> Result<crate::punctuality::Punctuality, CommandError> {
    fetch(pool, id).await?;
    Ok(crate::store::punctuality::read(pool, id, Utc::now()).await?)
}

/// Most schedules the timeline shows.
pub const TIMELINE_SCHEDULES: i64 = 300;

/// Every fire due in the next `hours` hours (schedules soonest first, at most
/// [`TIMELINE_SCHEDULES`]), dense schedules as bands.
pub async fn timeline(
    pool: &PgPool,
    hours: i64,
) -> Result<crate::timeline::Timeline, CommandError> {
    let from = Utc::now();
    let to = from + chrono::TimeDelta::hours(hours);
    let due = schedules::due_before(pool, to, TIMELINE_SCHEDULES + 1).await?;
    let truncated = due.len() as i64 > TIMELINE_SCHEDULES;
    let rows = due
        .into_iter()
        .take(TIMELINE_SCHEDULES as usize)
        .filter_map(|due| {
            let schedule = due.spec.compile().ok()?;
            // Drawn from its timing: a pending retry is not a fire of the timing.
            crate::timeline::row(due.id, due.name, &schedule, from, to)
        })
        .collect();
    Ok(crate::timeline::Timeline {
        from,
        to,
        rows,
        truncated,
    })
}

/// Reads a schedule, or says it does not exist.
pub async fn fetch(pool: &PgPool, id: Uuid) -> Result<ScheduleView, CommandError> {
    match schedules::get(pool, id).await {
        Ok(Some(view)) => Ok(view),
        Ok(None) => Err(CommandError::NotFound(id)),
        Err(schedules::ReadError::Unreadable(unreadable)) => {
            Err(CommandError::Unreadable(unreadable.reason))
        }
        Err(schedules::ReadError::Database(error)) => Err(error.into()),
    }
}
