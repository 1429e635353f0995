//! Failed sign-ins and wrong tokens, counted per client address: after too many in a window,
//! that address's further attempts are refused (429 with `Retry-After`) until the window
//! ends, so a token cannot be guessed by brute force. Each failure is logged with its address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed attempts one address may make per window.
pub const MAX_FAILURES: u32 = 10;
/// The window over which failures are counted.
pub const WINDOW: Duration = Duration::from_secs(300);
/// Addresses remembered at most (older windows are forgotten first when full).
const MAX_ADDRESSES: usize = 100_000;

/// The failures of each client address in its current window.
#[derive(Debug, Clone, Default)]
pub struct Throttle {
    failures: Arc<Mutex<HashMap<IpAddr, Window>>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

impl Throttle {
    /// How long `client` must wait before its next attempt, when it made too many.
    pub fn retry_after(&self, client: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let client = client?;
        let failures = self.failures.lock().ok()?;
        let window = failures.get(&client)?;
        let ends = window.started + WINDOW;
        (window.failures >= MAX_FAILURES && now < ends).then(|| ends - now)
    }

    /// Counts a failed attempt of `client` (`what`: "sign-in" or "bearer token").
    pub fn failed(&self, client: Option<IpAddr>, what: &str, now: Instant) {
        let Some(client) = client else {
            tracing::warn!(what, "a failed attempt from an unknown address");
            return;
        };
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() >= MAX_ADDRESSES {
            failures.retain(|_, window| now < window.started + WINDOW);
        }
        let window = failures.entry(client).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now >= window.started + WINDOW {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures += 1;
        tracing::warn!(%client, what, failures = window.failures, "failed attempt");
        if window.failures == MAX_FAILURES {
            tracing::warn!(%client, "too many failed attempts; refusing this address for the rest of the window");
        }
    }

    /// Forgets `client`'s failures after it signed in.
    pub fn succeeded(&self, client: Option<IpAddr>) {
        if let (Some(client), Ok(mut failures)) = (client, self.failures.lock()) {
            failures.remove(&client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_too_many_failures_until_the_window_ends() {
        let throttle = Throttle::default();
        let (guesser, other) = (
            Some("203.0.113.7".parse().unwrap()),
            Some("198.51.100.1".parse().unwrap()),
        );
        let start = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            throttle.failed(guesser, "bearer token", start);
        }
        assert_eq!(throttle.retry_after(guesser, start), None, "not yet");
        throttle.failed(guesser, "bearer token", start);
        let wait = throttle.retry_after(guesser, start + Duration::from_secs(60));
        assert_eq!(wait, Some(WINDOW - Duration::from_secs(60)));
        assert_eq!(
            throttle.retry_after(other, start),
            None,
            "only that address"
        );
        assert_eq!(
            throttle.retry_after(guesser, start + WINDOW),
            None,
            "the window ended"
        );
        throttle.failed(guesser, "sign-in", start + WINDOW);
        assert_eq!(
            throttle.retry_after(guesser, start + WINDOW),
            None,
            "a new window"
        );
        throttle.succeeded(guesser);
        assert_eq!(throttle.retry_after(guesser, start), None);
    }
}
