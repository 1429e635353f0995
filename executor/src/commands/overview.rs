//! The headline figures (counts by state, executors alive), cached as [`super::cache`] says so
//! that many people looking do not each count a million rows, and never older than the list
//! under them would make them look wrong.

use chrono::Utc;
use sqlx::PgPool;

use super::cache::{Cached, Freshness};
use super::CommandError;
use crate::access::{Actor, Role};
use crate::overview::Overview;
use crate::store::overview;

/// The headline figures, a second old at most unless counting them is expensive.
#[derive(Debug, Clone)]
pub struct OverviewCache(Cached<Overview>);

impl OverviewCache {
    /// A cache that ages the figures as `freshness` says.
    pub fn new(freshness: Freshness) -> Self {
        Self(Cached::new(freshness))
    }

    /// The figures; `fresh` (a person pressed Refresh) reads them anew.
    pub async fn read(
        &self,
        pool: &PgPool,
        actor: &Actor,
        fresh: bool,
    ) -> Result<Overview, CommandError> {
        actor.require(Role::Read)?;
        let pool = pool.clone();
        self.0.get(fresh, move || count(pool)).await
    }

    /// Reads the figures in the background (at start, so the first page load finds them).
    pub fn warm(&self, pool: &PgPool) {
        let pool = pool.clone();
        self.0.refresh_behind(move || count(pool));
    }
}

async fn count(pool: PgPool) -> Result<Overview, CommandError> {
    Ok(overview::read(&pool, Utc::now()).await?)
}
