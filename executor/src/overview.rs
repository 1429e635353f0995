//! The dashboard's headline figures, shared by the store, the API and the UI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    /// Active schedules due within the next hour.
    pub due_next_hour: i64,
    /// Active schedules whose latest attempt failed (retrying).
    pub failing: i64,
    /// Executors with a heartbeat in the last 30 s.
    pub executors_alive: i64,
    /// When the figures were read.
    pub as_of: DateTime<Utc>,
}
