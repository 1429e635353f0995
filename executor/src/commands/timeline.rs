//! The timeline: every fire due in the next hours, drawn from each schedule's timing off the
//! async workers (a blocking task), within a step budget, and cached as [`super::cache`] says
//! so that many people looking draw it once.

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgPool;

use super::cache::{Cached, Freshness};
use super::CommandError;
use crate::access::{Actor, Role};
use crate::store::schedules::{self, DueTiming};
use crate::timeline::{row, Timeline, STEP_BUDGET};

/// Most schedules the timeline shows.
pub const TIMELINE_SCHEDULES: i64 = 300;
/// How far ahead the timeline looks.
pub const TIMELINE_HOURS: i64 = 24;
/// Rows on one page of the timeline, as many as the schedules list shows: rendering them is
/// most of a page's time (300 rows at once were 54 ms p99 with one client and 35x the
/// cheapest page under 32 clients; 100 were still 18x).
pub const TIMELINE_PAGE: usize = 50;

/// The timeline of the next [`TIMELINE_HOURS`], drawn at most once per ttl.
#[derive(Debug, Clone)]
pub struct TimelineCache(Cached<Timeline>);

impl Default for TimelineCache {
    /// Fresh for 2 s; past that, a timeline that took 50 ms to draw is served up to 10 s old
    /// while one is drawn anew behind it.
    fn default() -> Self {
        Self(Cached::new(Freshness {
            ttl: std::time::Duration::from_secs(2),
            ..Freshness::default()
        }))
    }
}

impl TimelineCache {
    /// Every fire due in the next [`TIMELINE_HOURS`] (schedules soonest first, at most
    /// [`TIMELINE_SCHEDULES`]), dense schedules as bands.
    pub async fn read(&self, pool: &PgPool, actor: &Actor) -> Result<Timeline, CommandError> {
        actor.require(Role::Read)?;
        let pool = pool.clone();
        self.0
            .get(false, move || timeline(pool, TIMELINE_HOURS))
            .await
    }

    /// Page `page` (from 1) of [`TIMELINE_PAGE`] rows of [`read`](Self::read)'s timeline.
    pub async fn read_page(
        &self,
        pool: &PgPool,
        actor: &Actor,
        page: usize,
    ) -> Result<Timeline, CommandError> {
        Ok(self.read(pool, actor).await?.page(page, TIMELINE_PAGE))
    }
}

/// Every fire due in the next `hours` hours, drawn now.
pub async fn timeline(pool: PgPool, hours: i64) -> Result<Timeline, CommandError> {
    let from = Utc::now();
    let to = from + TimeDelta::hours(hours);
    let due = schedules::due_before(&pool, to, TIMELINE_SCHEDULES + 1).await?;
    // Drawing steps through every fire of a dense cron schedule: CPU work, kept off the async
    // workers that serve every other page.
    tokio::task::spawn_blocking(move || draw(due, from, to))
        .await
        .map_err(|error| CommandError::Internal(format!("drawing the timeline failed: {error}")))
}

fn draw(due: Vec<DueTiming>, from: DateTime<Utc>, to: DateTime<Utc>) -> Timeline {
    let truncated = due.len() as i64 > TIMELINE_SCHEDULES;
    let mut budget = STEP_BUDGET;
    let rows = due
        .into_iter()
        .take(TIMELINE_SCHEDULES as usize)
        .filter_map(|due| {
            let schedule = due.spec.compile_with(&due.options).ok()?;
            // Drawn from its timing: a pending retry is not a fire of the timing.
            row(due.id, due.name, &schedule, from, to, &mut budget)
        })
        .collect();
    Timeline {
        from,
        to,
        rows,
        truncated,
        page: 1,
        next_page: None,
    }
}
