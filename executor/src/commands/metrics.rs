//! What the server's `/metrics` reads: the headline figures (always: cheap and cached), and,
//! only when asked for, per-schedule figures for a bounded number of schedules over a time
//! window, computed in the background at most once a minute so a scrape never waits for them.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sqlx::PgPool;

use super::cache::{Cached, Freshness};
use crate::punctuality::ScheduleHealth;
use crate::store::punctuality;

/// The most schedules per-schedule series may cover, whatever the setting says: each costs
/// six series in every scrape.
pub const MAX_SCHEDULE_SERIES: usize = 10_000;

/// Which per-schedule series `/metrics` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesSettings {
    /// How many schedules get series (the most recently attempted); 0: none.
    pub schedules: usize,
    /// The window their figures cover.
    pub window: Duration,
}

/// The per-schedule figures, recomputed at most once a minute (stale up to five).
#[derive(Debug, Clone)]
pub struct ScheduleSeries {
    settings: SeriesSettings,
    cache: Cached<std::sync::Arc<Vec<ScheduleHealth>>>,
}

impl ScheduleSeries {
    /// Series as `settings` say (the count capped at [`MAX_SCHEDULE_SERIES`]).
    pub fn new(settings: SeriesSettings) -> Self {
        Self {
            settings: SeriesSettings {
                schedules: settings.schedules.min(MAX_SCHEDULE_SERIES),
                ..settings
            },
            cache: Cached::new(Freshness {
                ttl: Duration::from_secs(60),
                expensive: Duration::ZERO,
                max_stale: Duration::from_secs(300),
            }),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> SeriesSettings {
        self.settings
    }

    /// The figures as last computed, never waited for: a scrape gets what the background
    /// computed (none before the first computation finished, or when series are off), and a
    /// stale value starts the next computation.
    pub fn read(&self, pool: &PgPool) -> std::sync::Arc<Vec<ScheduleHealth>> {
        if self.settings.schedules == 0 {
            return Default::default();
        }
        let (pool, settings) = (pool.clone(), self.settings);
        self.cache
            .get_without_waiting(move || async move {
                let window = TimeDelta::from_std(settings.window).unwrap_or(TimeDelta::MAX);
                let since = Utc::now().checked_sub_signed(window).unwrap_or_default();
                let health =
                    punctuality::schedule_health(&pool, since, settings.schedules as i64).await?;
                Ok(std::sync::Arc::new(health))
            })
            .unwrap_or_default()
    }
}
