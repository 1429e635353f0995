//! A dead-letter queue entry as its page lists it: who died, why, after how many attempts
//! and when; the page's data, a fifth the size of the schedules it stands for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScheduleItem;

/// One dead schedule, as the dead-letter page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The schedule's id.
    pub id: uuid::Uuid,
    /// Its name.
    pub name: String,
    /// `false` when its stored definition does not decode: it is mended by an edit, since
    /// re-arming cannot give it a next run.
    pub readable: bool,
    /// Why it died (its last attempt's error), or why it cannot be read.
    pub reason: Option<String>,
    /// The attempts its last fire made (unknown when it cannot be read).
    pub attempts: Option<i32>,
    /// When it was dead-lettered (in milliseconds on the wire: the dead letters' code in the
    /// browser then needs no date parser).
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub dead_at: Option<DateTime<Utc>>,
}

impl From<ScheduleItem> for DeadLetter {
    fn from(item: ScheduleItem) -> Self {
        match item {
            ScheduleItem::Readable(view) => Self {
                id: view.id,
                name: view.name,
                readable: true,
                reason: view.last_error,
                attempts: Some(view.attempt),
                dead_at: view.dead_at,
            },
            ScheduleItem::Unreadable(row) => Self {
                id: row.id,
                name: row.name,
                readable: false,
                reason: Some(format!("unreadable: {}", row.reason)),
                attempts: None,
                dead_at: row.dead_at,
            },
        }
    }
}
