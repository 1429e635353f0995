//! Figures many people look at and that cost a read of many rows (the headline counts, the
//! timeline): computed at most once per ttl however many look, one read at a time, and served
//! stale only while computing is genuinely expensive, and only for seconds.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::CommandError;

/// How a cache ages what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// Younger than this, the value is served as it is.
    pub ttl: Duration,
    /// A computation that took at least this long is expensive: then, past the ttl, the last
    /// value is served at once while one refresh runs behind it...
    pub expensive: Duration,
    /// ...as long as it is younger than this. An older value is always computed afresh.
    pub max_stale: Duration,
}

impl Default for Freshness {
    /// Fresh for 1 s; a computation over 50 ms may be served up to 10 s old.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(1),
            expensive: Duration::from_millis(50),
            max_stale: Duration::from_secs(10),
        }
    }
}

/// The last value computed, when, and how long computing it took.
#[derive(Debug, Clone)]
struct Computed<T> {
    value: T,
    at: Instant,
    took: Duration,
}

/// One value, computed as [`Freshness`] says.
#[derive(Debug)]
pub struct Cached<T> {
    freshness: Freshness,
    latest: Arc<std::sync::Mutex<Option<Computed<T>>>>,
    /// Held by the one computation in progress (first, fresh or background).
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Self {
            freshness: self.freshness,
            latest: self.latest.clone(),
            computing: self.computing.clone(),
        }
    }
}

impl<T: Clone + Send + 'static> Cached<T> {
    /// An empty cache that ages its value as `freshness` says.
    pub fn new(freshness: Freshness) -> Self {
        Self {
            freshness,
            latest: Arc::default(),
            computing: Arc::default(),
        }
    }

    fn latest(&self) -> Option<Computed<T>> {
        self.latest.lock().ok().and_then(|latest| latest.clone())
    }

    fn store(&self, computed: Computed<T>) {
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Some(computed);
        }
    }

    /// The value: the cached one while fresh (or while stale within bounds, when computing it
    /// is expensive; then one refresh runs behind the caller), else computed by `compute` now.
    /// `fresh` always computes anew.
    pub async fn get<F, Fut>(&self, fresh: bool, compute: F) -> Result<T, CommandError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, CommandError>> + Send + 'static,
    {
        let Freshness {
            ttl,
            expensive,
            max_stale,
        } = self.freshness;
        if !fresh {
            if let Some(cached) = self.latest() {
                let age = cached.at.elapsed();
                if age < ttl {
                    return Ok(cached.value);
                }
                if cached.took >= expensive && age < max_stale {
                    self.refresh_behind(compute);
                    return Ok(cached.value);
                }
            }
        }
        let _computing = self.computing.lock().await;
        // Someone else may have computed it while we waited.
        if let Some(cached) = self.latest().filter(|c| !fresh && c.at.elapsed() < ttl) {
            return Ok(cached.value);
        }
        let computed = timed(compute).await?;
        self.store(computed.clone());
        Ok(computed.value)
    }

    /// The value without ever waiting for it: the cached one (refreshed behind the caller once
    /// past the ttl), or, before the first computation finished, none while it runs in the
    /// background.
    pub fn get_without_waiting<F, Fut>(&self, compute: F) -> Option<T>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, CommandError>> + Send + 'static,
    {
        let cached = self.latest();
        if cached
            .as_ref()
            .is_none_or(|c| c.at.elapsed() >= self.freshness.ttl)
        {
            self.refresh_behind(compute);
        }
        cached.map(|c| c.value)
    }

    /// Starts one background computation unless one is in progress.
    pub fn refresh_behind<F, Fut>(&self, compute: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, CommandError>> + Send + 'static,
    {
        let Ok(computing) = self.computing.clone().try_lock_owned() else {
            return;
        };
        let cache = self.clone();
        tokio::spawn(async move {
            match timed(compute).await {
                Ok(computed) => cache.store(computed),
                Err(error) => tracing::warn!(%error, "refreshing a cached figure failed"),
            }
            drop(computing);
        });
    }
}

async fn timed<T, F, Fut>(compute: F) -> Result<Computed<T>, CommandError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, CommandError>>,
{
    let started = Instant::now();
    let value = compute().await?;
    Ok(Computed {
        value,
        at: Instant::now(),
        took: started.elapsed(),
    })
}
