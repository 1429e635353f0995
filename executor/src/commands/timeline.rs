//! The timeline: every fire due in the next hours, drawn from each schedule's timing.

use chrono::Utc;
use sqlx::PgPool;

use super::CommandError;
use crate::store::schedules;

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
