//! The headline figures (counts by state, executors alive), cached for a moment so that many
//! people looking do not each count a million rows, and never older than the list under
//! them would make them look wrong: stale figures are served only while counting is
//! genuinely expensive, and only for seconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use sqlx::PgPool;

use super::CommandError;
use crate::overview::Overview;
use crate::store::overview;

/// How the cache ages its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// Figures younger than this are served as they are.
    pub ttl: Duration,
    /// A count that took at least this long is expensive: then, past the ttl, the last
    /// figures are served at once while one refresh runs behind them...
    pub expensive: Duration,
    /// ...as long as they are younger than this. Older figures are always read afresh.
    pub max_stale: Duration,
}

impl Default for Freshness {
    /// Fresh for 1 s; a count over 50 ms (a table of hundreds of thousands) may be served
    /// up to 10 s old.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(1),
            expensive: Duration::from_millis(50),
            max_stale: Duration::from_secs(10),
        }
    }
}

/// The last figures read, and how long reading them took.
#[derive(Debug, Clone)]
struct Reading {
    figures: Overview,
    took: Duration,
}

/// The headline figures, read at most once per ttl however many people look.
#[derive(Debug, Clone)]
pub struct OverviewCache {
    freshness: Freshness,
    latest: Arc<std::sync::Mutex<Option<Reading>>>,
    /// Held by the one read in progress (first, fresh or background).
    reading: Arc<tokio::sync::Mutex<()>>,
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

impl OverviewCache {
    /// A cache that ages its figures as `freshness` says.
    pub fn new(freshness: Freshness) -> Self {
        Self {
            freshness,
            latest: Arc::default(),
            reading: Arc::default(),
        }
    }

    fn cached(&self) -> Option<Reading> {
        self.latest.lock().ok().and_then(|latest| latest.clone())
    }

    fn store(&self, reading: Reading) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Some(reading);
        }
    }

    /// The figures: the cached ones while fresh (or while stale within bounds, when counting
    /// is expensive; then one refresh runs behind the caller), else a new read. `fresh`
    /// (a person pressed Refresh) always reads anew.
    pub async fn read(&self, pool: &PgPool, fresh: bool) -> Result<Overview, CommandError> {
        let Freshness {
            ttl,
            expensive,
            max_stale,
        } = self.freshness;
        if !fresh {
            if let Some(cached) = self.cached() {
                let age = Utc::now() - cached.figures.as_of;
                if age < delta(ttl) {
                    return Ok(cached.figures);
                }
                if cached.took >= expensive && age < delta(max_stale) {
                    self.refresh_behind(pool);
                    return Ok(cached.figures);
                }
            }
        }
        let _reading = self.reading.lock().await;
        // Someone else may have read while we waited.
        if let Some(cached) = self
            .cached()
            .filter(|c| !fresh && Utc::now() - c.figures.as_of < delta(ttl))
        {
            return Ok(cached.figures);
        }
        let reading = read_timed(pool).await?;
        self.store(reading.clone());
        Ok(reading.figures)
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
            match read_timed(&pool).await {
                Ok(figures) => cache.store(figures),
                Err(error) => tracing::warn!(%error, "refreshing the headline figures failed"),
            }
            drop(reading);
        });
    }
}

async fn read_timed(pool: &PgPool) -> Result<Reading, CommandError> {
    let started = Instant::now();
    let figures = overview::read(pool, Utc::now()).await?;
    Ok(Reading {
        figures,
        took: started.elapsed(),
    })
}
