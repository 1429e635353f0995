//! When the claim loop looks again: pure arithmetic over the poll bounds, the time until the
//! next due schedule and an injected random source, so it is tested without sleeping and no
//! two executors move in lock-step.

use std::time::Duration;

/// The claim loop's poll bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Shortest idle poll interval.
    pub poll_min: Duration,
    /// Longest idle poll interval.
    pub poll_max: Duration,
}

impl Pacing {
    /// How long to sleep when the last claim found less than a full batch: until the next
    /// due schedule (`until_due`, when known), never longer than a random poll interval in
    /// [poll_min, poll_max]. When something is due already (locked by another executor, or
    /// claimed and not yet committed), 2–9 random milliseconds, so it is not spun on.
    pub fn idle_pause(&self, until_due: Option<Duration>, rng: &mut fastrand::Rng) -> Duration {
        let span = self.poll_max.saturating_sub(self.poll_min);
        let poll = self.poll_min + span.mul_f64(rng.f64());
        match until_due {
            Some(Duration::ZERO) => Duration::from_millis(rng.u64(2..10)),
            Some(wait) => wait.min(poll),
            None => poll,
        }
    }

    /// How long to wait before claiming again after `failures` failed claims in a row:
    /// 200 ms more per failure, at most 2 s.
    pub fn after_failures(failures: u32) -> Duration {
        Duration::from_millis(200 * u64::from(failures.clamp(1, 10)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACING: Pacing = Pacing {
        poll_min: Duration::from_millis(250),
        poll_max: Duration::from_secs(1),
    };

    #[test]
    fn an_idle_pause_waits_for_the_next_due_within_the_poll_bounds() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..1_000 {
            // Nothing known: a poll interval within the bounds.
            let idle = PACING.idle_pause(None, &mut rng);
            assert!(
                (PACING.poll_min..=PACING.poll_max).contains(&idle),
                "{idle:?}"
            );
            // Due soon: exactly then (above the floor).
            let soon = PACING.idle_pause(Some(Duration::from_millis(40)), &mut rng);
            assert_eq!(soon, Duration::from_millis(40));
            // Due in a moment: exactly then too; a floor would make that fire late.
            let moment = PACING.idle_pause(Some(Duration::from_millis(1)), &mut rng);
            assert_eq!(moment, Duration::from_millis(1));
            // Due far off: no longer than a poll interval.
            let far = PACING.idle_pause(Some(Duration::from_secs(60)), &mut rng);
            assert!(far <= PACING.poll_max, "{far:?}");
            // Due now (or overdue and locked by another executor): a few ms, never zero.
            let now = PACING.idle_pause(Some(Duration::ZERO), &mut rng);
            assert!((2..10).contains(&now.as_millis()), "{now:?}");
        }
    }

    #[test]
    fn executors_seeded_differently_do_not_poll_in_lock_step() {
        let pauses = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..20)
                .map(|_| PACING.idle_pause(None, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_ne!(pauses(1), pauses(2));
        assert_eq!(
            pauses(3),
            pauses(3),
            "the same seed replays the same pauses"
        );
    }

    #[test]
    fn failed_claims_back_off_up_to_two_seconds() {
        let waits: Vec<u128> = [1, 2, 5, 10, 50]
            .map(|n| Pacing::after_failures(n).as_millis())
            .to_vec();
        assert_eq!(waits, [200, 400, 1_000, 2_000, 2_000]);
    }
}
