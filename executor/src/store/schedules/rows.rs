//! A schedule as people read it (its definition joined with its runtime row), and its
//! decoding into a [`ScheduleItem`]: readable, or listed with the reason its stored timing or
//! headers do not decode.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use crate::model::{
    Misfire, OnDead, Outcome, RetryPolicy, ScheduleItem, ScheduleState, ScheduleView, Target,
    UnreadableSchedule,
};
use crate::schedule::StoredTiming;

/// `sqlx::query_as!` for [`ScheduleRow`]s: every column the row decodes, `FROM schedules
/// JOIN schedule_runtime USING (id)`, then the rest of the statement (`WHERE …`, a string literal), checked at compile time as
/// one statement. The one place the row's columns are listed; the caller imports the types
/// the column overrides name (`Json`, `Misfire`, `OnDead`, `ScheduleState`, `Outcome`).
macro_rules! select_schedule_rows {
    ($rest:tt $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            $crate::store::schedules::rows::ScheduleRow,
            r#"
            SELECT id, name, spec AS "spec: Json<serde_json::Value>", target_url, target_method,
                   target_headers AS "target_headers: Json<serde_json::Value>",
                   target_body, max_attempts, backoff_initial_ms, backoff_max_ms,
                   misfire AS "misfire: Misfire", on_dead AS "on_dead: OnDead", dead_fires,
                   state AS "state: ScheduleState", next_run_at, fire_at, attempt,
                   claimed_by, last_fired_at, last_outcome AS "last_outcome: Outcome",
                   last_error, dead_at, max_fires, fires_left, paused_until, paused_at, paused_by,
                   pause_note, labels AS "labels: Json<serde_json::Value>", version, created_at,
                   updated_at
            FROM schedules JOIN schedule_runtime USING (id)
            "# + $rest
            $(, $arg)*
        )
    };
}
pub(super) use select_schedule_rows;

/// The columns behind a [`ScheduleView`] (every read selects exactly these).
#[derive(Debug)]
pub(super) struct ScheduleRow {
    pub(super) id: Uuid,
    pub(super) name: String,
    pub(super) spec: Json<serde_json::Value>,
    pub(super) target_url: String,
    pub(super) target_method: String,
    pub(super) target_headers: Json<serde_json::Value>,
    pub(super) target_body: Option<String>,
    pub(super) max_attempts: i32,
    pub(super) backoff_initial_ms: i64,
    pub(super) backoff_max_ms: i64,
    pub(super) misfire: Misfire,
    pub(super) on_dead: OnDead,
    pub(super) dead_fires: i32,
    pub(super) state: ScheduleState,
    pub(super) next_run_at: Option<DateTime<Utc>>,
    pub(super) fire_at: Option<DateTime<Utc>>,
    pub(super) attempt: i32,
    pub(super) claimed_by: Option<String>,
    pub(super) last_fired_at: Option<DateTime<Utc>>,
    pub(super) last_outcome: Option<Outcome>,
    pub(super) last_error: Option<String>,
    pub(super) dead_at: Option<DateTime<Utc>>,
    pub(super) max_fires: Option<i32>,
    pub(super) fires_left: Option<i32>,
    pub(super) paused_until: Option<DateTime<Utc>>,
    pub(super) paused_at: Option<DateTime<Utc>>,
    pub(super) paused_by: Option<String>,
    pub(super) pause_note: Option<String>,
    pub(super) labels: Json<serde_json::Value>,
    pub(super) version: i64,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl From<ScheduleRow> for ScheduleItem {
    /// Decodes the row; one that does not decode becomes its unreadable form (and is logged),
    /// so it is shown, never silently left out.
    fn from(mut row: ScheduleRow) -> Self {
        let decoded = decode(&mut row);
        match decoded {
            Ok((spec, headers)) => Self::Readable(view(row, spec, headers)),
            Err(reason) => {
                tracing::warn!(schedule_id = %row.id, %reason, "a stored schedule cannot be read");
                Self::Unreadable(UnreadableSchedule {
                    id: row.id,
                    name: row.name,
                    readable: false,
                    reason,
                    state: row.state,
                    target_url: row.target_url,
                    target_method: row.target_method,
                    last_error: row.last_error,
                    dead_at: row.dead_at,
                    version: row.version,
                    updated_at: row.updated_at,
                })
            }
        }
    }
}

/// The row's timing and headers, taken out of it (no copy of the JSON), or why they do not
/// decode.
fn decode(row: &mut ScheduleRow) -> Result<(StoredTiming, BTreeMap<String, String>), String> {
    let unreadable = |what: &str, error: serde_json::Error| {
        format!("its stored {what} does not decode ({error})")
    };
    let spec = serde_json::from_value(row.spec.0.take()).map_err(|e| unreadable("timing", e))?;
    let headers = serde_json::from_value(row.target_headers.0.take())
        .map_err(|e| unreadable("headers", e))?;
    Ok((spec, headers))
}

fn view(row: ScheduleRow, timing: StoredTiming, headers: BTreeMap<String, String>) -> ScheduleView {
    ScheduleView {
        id: row.id,
        name: row.name,
        description: timing.spec.describe(),
        schedule: timing.spec,
        options: timing.options,
        target: target(row.target_url, row.target_method, headers, row.target_body),
        retry: retry_policy(row.max_attempts, row.backoff_initial_ms, row.backoff_max_ms),
        misfire: row.misfire,
        on_dead: row.on_dead,
        dead_fires: row.dead_fires,
        state: row.state,
        next_run_at: row.next_run_at,
        fire_at: row.fire_at,
        attempt: row.attempt,
        claimed_by: row.claimed_by,
        last_fired_at: row.last_fired_at,
        last_outcome: row.last_outcome,
        last_error: row.last_error,
        dead_at: row.dead_at,
        max_fires: row.max_fires,
        fires_left: row.fires_left,
        paused_until: row.paused_until,
        paused_at: row.paused_at,
        paused_by: row.paused_by,
        pause_note: row.pause_note,
        // The column is a JSON object (a CHECK says so); a value that is not a string (a
        // hand-edited row) is not a label.
        labels: match row.labels.0 {
            serde_json::Value::Object(map) => map
                .into_iter()
                .filter_map(|(key, value)| value.as_str().map(|v| (key, v.to_owned())))
                .collect(),
            _ => Default::default(),
        },
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// A target from its columns.
pub(in crate::store) fn target(
    url: String,
    method: String,
    headers: BTreeMap<String, String>,
    body: Option<String>,
) -> Target {
    Target {
        url,
        method,
        headers,
        body,
    }
}

/// A retry policy from its columns (never below 1, whatever a hand-edited row holds).
pub(in crate::store) fn retry_policy(
    max_attempts: i32,
    initial_ms: i64,
    max_ms: i64,
) -> RetryPolicy {
    RetryPolicy {
        max_attempts: max_attempts.max(1) as u32,
        backoff_initial_ms: initial_ms.max(1) as u64,
        backoff_max_ms: max_ms.max(1) as u64,
    }
}
