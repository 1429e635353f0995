//! The one door into the domain: everything a person (through the API or the UI) can read
//! or do, shared by the REST handlers and the server functions so the two cannot drift
//! apart. Each command validates, checks targets, reaches the store, and says precisely why
//! when refused. [`schedules`] creates, edits and deletes schedules, [`actions`] pauses,
//! resumes, triggers and re-arms them, [`reads`] reads them and their history, [`import`]
//! imports crontabs, [`manifests`] exports and applies schedules as code, [`backfills`] fires
//! past instants, [`mod@timeline`] draws the next day, [`overview`] keeps the headline
//! figures, [`cache`] keeps both from being computed per look, [`keys`] manages API keys,
//! [`alerts`] manages alert channels and routing, [`audit`] records every change in the
//! transaction that makes it. Every command takes the [`Actor`](crate::access::Actor)
//! asking and refuses what its role does not allow.

pub mod actions;
pub mod alerts;
pub mod audit;
pub mod backfills;
pub mod cache;
pub mod import;
pub mod keys;
pub mod manifests;
pub mod metrics;
pub mod overview;
pub mod reads;
pub mod schedules;
pub mod timeline;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::model::{ScheduleState, UnreadableSchedule};
use crate::validate::FieldError;

pub use self::actions::{act, act_with, rearm_many, ActionDetails, MAX_BULK_IDS, MAX_PAUSE_NOTE};
pub use self::cache::Freshness;
pub use self::metrics::{ScheduleSeries, SeriesSettings};
pub use self::overview::OverviewCache;
pub use self::reads::{
    dead_letters, history, list, live_executors, punctuality, success_rates, DEAD_LETTER_PAGE,
};
pub use self::schedules::{
    create, create_many, delete, edit_base, fetch, read, replace, require_exists, rotate_secret,
    MAX_BATCH,
};
pub use self::timeline::TimelineCache;

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
    /// The stored definition cannot be read, so no next run can be computed; editing it
    /// (or deleting it) still works.
    #[error("{0}")]
    Unreadable(Box<UnreadableSchedule>),
    /// A list named more items than one call takes.
    #[error("{given} {field} at once; the limit is {limit}")]
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
    /// The database refused the write for a reason retrying cannot fix (a constraint, a value
    /// too large for an index): said in words, with the field when known.
    #[error("{reason}")]
    Refused {
        /// The request field at fault, when known.
        field: Option<&'static str>,
        /// Why, in words.
        reason: String,
        /// Whether it conflicts with stored data (a duplicate) rather than being invalid.
        conflict: bool,
    },
    /// The actor's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] crate::access::Forbidden),
    /// No such alert channel.
    #[error("there is no alert channel {0}")]
    NoSuchChannel(Uuid),
    /// No such API key (or it was revoked already).
    #[error("there is no active API key {0}")]
    NoSuchKey(Uuid),
    /// The database could not be reached or failed; retrying may help.
    #[error(transparent)]
    Database(sqlx::Error),
    /// Something in the server itself failed (a task that panicked): logged, never sent.
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for CommandError {
    /// A refusal by the database (SQLSTATE class 23, integrity; 22, data; 54, a limit) is
    /// the request's fault and says so; anything else is the database's.
    fn from(error: sqlx::Error) -> Self {
        let Some(database) = error.as_database_error() else {
            return Self::Database(error);
        };
        let code = database
            .code()
            .map(|code| code.into_owned())
            .unwrap_or_default();
        let constraint = database.constraint().unwrap_or_default().to_owned();
        let (field, reason, conflict) = match (code.get(..2).unwrap_or(""), constraint.as_str()) {
            ("23", "schedules_import_idx") => (
                Some("text"),
                "two lines of this source would have the same key; change one of them".to_owned(),
                true,
            ),
            ("23", "schedules_pkey" | "executions_attempt_key") => {
                (None, "this already exists".to_owned(), true)
            }
            ("23", _) => (
                None,
                format!("a stored value breaks a rule ({constraint})"),
                code == "23505",
            ),
            ("22" | "54", _) => (
                None,
                format!(
                    "a value is too large or malformed to store: {}",
                    database.message()
                ),
                false,
            ),
            _ => return Self::Database(error),
        };
        tracing::info!(%code, %constraint, "the database refused a command");
        Self::Refused {
            field,
            reason,
            conflict,
        }
    }
}

/// A state change a person can ask for; its name (as URLs and buttons say it) is its
/// snake_case spelling (`pause`, `rearm`), read back with `str::parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
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
    /// The action as a verb in a sentence ("cannot re-arm …").
    pub fn verb(self) -> &'static str {
        match self {
            Self::Rearm => "re-arm",
            other => other.into(),
        }
    }
}

/// The database's clock: every instant a command computes is on it, as the executors' are.
async fn now(pool: &PgPool) -> Result<DateTime<Utc>, CommandError> {
    Ok(crate::store::claims::db_now(pool).await?)
}

/// A label selector as written (`team=billing,env!=dev`; blank selects every schedule), or
/// why not, at the field `selector`: one reading for the list, the export and bulk actions.
fn selector(text: &str) -> Result<crate::labels::Selector, CommandError> {
    text.parse().map_err(|error: crate::labels::SelectorError| {
        CommandError::Invalid(vec![FieldError {
            field: "selector".into(),
            reason: error.to_string(),
        }])
    })
}
