//! Moving a schedule between states (pause, resume, trigger, re-arm): the one statement
//! a person's action makes, with what a pause records (until when, by whom, why).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::write::{announce_change, lock_definition};
use crate::model::ScheduleState;

/// A move from one state to another (see [`transition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition<'a> {
    /// The states it applies in.
    pub from: &'a [ScheduleState],
    /// The state it leads to.
    pub to: ScheduleState,
    /// When the schedule is next due.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether any claim and attempts are dropped (a fresh fire).
    pub reset_fire: bool,
    /// Whether that fresh fire is a person's ("Trigger now"), never skipped as missed.
    pub manual: bool,
    /// The one-off body of that manual fire, if it has one.
    pub manual_body: Option<&'a str>,
    /// For a pause: when it ends by itself, who paused and why.
    pub pause: Option<Pause<'a>>,
}

/// A pause's particulars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause<'a> {
    /// When it ends by itself, if it does.
    pub until: Option<DateTime<Utc>>,
    /// Who paused.
    pub by: &'a str,
    /// Why, if they said.
    pub note: Option<&'a str>,
}

/// Moves a schedule from one state to another, setting `next_run_at` (and dropping any
/// claim and attempts when `reset_fire`). `None` when it is not in `from` (or missing).
pub async fn transition(
    tx: &mut PgConnection,
    id: Uuid,
    change: Transition<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let Transition {
        from,
        to,
        next_run_at,
        reset_fire,
        manual,
        manual_body,
        pause,
    } = change;
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    // Leaving the paused state forgets the pause; entering it records one.
    let (until, by, note) = match pause {
        Some(pause) => (pause.until, Some(pause.by), pause.note),
        None => (None, None, None),
    };
    // The definition first, as every change of both rows (see `lock_definition`).
    if lock_definition(&mut *tx, id).await?.is_none() {
        return Ok(None);
    }
    let version = sqlx::query_scalar!(
        r#"
        WITH runtime AS (
            UPDATE schedule_runtime
            SET state = $3, next_run_at = $4,
                attempt = CASE WHEN $5 THEN 0 ELSE attempt END,
                fire_at = CASE WHEN $5 THEN NULL ELSE fire_at END,
                execution_id = CASE WHEN $5 THEN NULL ELSE execution_id END,
                claimed_by = CASE WHEN $5 THEN NULL ELSE claimed_by END,
                claim_token = CASE WHEN $5 THEN NULL ELSE claim_token END,
                lease_until = CASE WHEN $5 THEN NULL ELSE lease_until END,
                manual_fire = CASE WHEN $5 THEN $7 ELSE manual_fire END,
                manual_body = CASE WHEN $5 THEN $8 ELSE manual_body END,
                dead_at = CASE WHEN $3 = 'dead' THEN dead_at ELSE NULL END,
                paused_until = CASE WHEN $3 = 'paused' THEN $9::timestamptz END
            WHERE id = $1 AND state = ANY($2)
            RETURNING id
        )
        UPDATE schedules AS s
        SET paused_at = CASE WHEN $3 = 'paused' THEN $6::timestamptz END,
            paused_by = CASE WHEN $3 = 'paused' THEN $10::text END,
            pause_note = CASE WHEN $3 = 'paused' THEN $11::text END,
            version = version + 1, updated_at = $6
        FROM runtime WHERE s.id = runtime.id
        RETURNING s.version
        "#,
        id,
        &from as &[&str],
        to.as_str(),
        next_run_at,
        reset_fire,
        now,
        manual,
        manual_body,
        until,
        by,
        note,
    )
    .fetch_optional(&mut *tx)
    .await?;
    announce_change(&mut *tx).await?;
    Ok(version)
}
