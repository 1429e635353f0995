//! The database's clock as this process sees it: the local clock corrected by the offset
//! last measured against PostgreSQL's `now()`, so executors with skewed clocks agree.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};

/// The database's clock, as seen from this process: the local clock plus the offset last
/// measured against PostgreSQL's `now()`. Every decision about time (lateness, retries,
/// the next fire, lag) reads this, so an executor whose own clock is wrong still agrees
/// with the others.
#[derive(Debug, Default)]
pub struct DbClock {
    offset_ms: AtomicI64,
}

impl DbClock {
    /// Records the database's time, read just now.
    pub fn observe(&self, db_now: DateTime<Utc>) {
        let offset = (db_now - Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::Relaxed);
    }

    /// The database's time now.
    pub fn now(&self) -> DateTime<Utc> {
        self.from_local(Utc::now())
    }

    /// A local instant on the database's clock.
    pub fn from_local(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        local + TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_behind_the_database_is_corrected_by_the_measured_offset() {
        let clock = DbClock::default();
        let local = Utc::now();
        clock.observe(local + TimeDelta::seconds(10));
        let corrected = clock.from_local(local);
        let error = (corrected - (local + TimeDelta::seconds(10))).num_milliseconds();
        assert!(error.abs() < 1_000, "off by {error} ms");
        assert!(clock.now() > local + TimeDelta::seconds(9));
    }
}
