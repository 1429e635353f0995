//! The dashboard's headline figures, shared by the store, the API and the UI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// "Due in the next hour" is counted up to this many (read from the due index, so it costs
/// the same at a million schedules as at a thousand); more reads as this number.
pub const DUE_COUNT_CAP: i64 = 10_000;

/// How many schedules are in each state, and how many executors are alive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// Schedules in the `active` state.
    pub active: i64,
    /// Schedules in the `paused` state.
    pub paused: i64,
    /// Schedules in the `completed` state.
    pub completed: i64,
    /// Schedules in the `dead` state.
    pub dead: i64,
    /// Active schedules due within the next hour, counted up to [`DUE_COUNT_CAP`].
    pub due_next_hour: i64,
    /// Active schedules whose latest attempt failed (retrying).
    pub failing: i64,
    /// Executors with a heartbeat in the last 30 s.
    pub executors_alive: i64,
    /// When the figures were read (in milliseconds on the wire, like every instant the list's
    /// pages read: the browser then needs no date parser).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub as_of: DateTime<Utc>,
}
