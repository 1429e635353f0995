//! The pure decisions around one trigger attempt: whether a late fire is skipped, and what
//! an attempt's result means for the schedule (next fire, retry, or dead letter). No I/O:
//! the worker claims, calls, asks here, and records.

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{Misfire, OnDead, Outcome, RetryPolicy, ScheduleState};
use crate::schedule::{Fire, Schedule};

/// How late a fire may start before a `skip` schedule skips it.
pub const MISFIRE_GRACE: TimeDelta = TimeDelta::seconds(10);

/// What to do with the schedule after an attempt (or instead of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The fire was delivered; the schedule next runs at `next_run`, or is
    /// completed when `None`.
    Fired {
        /// The next fire instant.
        next_run: Option<DateTime<Utc>>,
    },
    /// The missed fire was skipped without a request (misfire `skip`).
    Skipped {
        /// The next fire instant.
        next_run: Option<DateTime<Utc>>,
    },
    /// The attempt failed; try the same fire again at `at`.
    Retry {
        /// When to retry.
        at: DateTime<Utc>,
    },
    /// The attempt failed and was the last allowed: dead-letter the schedule.
    Dead,
    /// The attempt failed and was the last allowed, and the schedule goes on
    /// (`on_dead: next_fire`): dead-letter this fire only; next due at `next_run`.
    DeadFire {
        /// The next fire instant.
        next_run: DateTime<Utc>,
    },
}

/// What a decision makes of the schedule's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowChange {
    /// The schedule's new state.
    pub state: ScheduleState,
    /// When it is next due.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether the fire is finished (its attempt count and execution id reset).
    pub fire_done: bool,
    /// Whether a fire was dead-lettered while the schedule goes on.
    pub dead_fire: bool,
    /// How the fire, or the attempt, ended.
    pub outcome: Outcome,
}

impl Decision {
    /// What this decision makes of the schedule's row.
    pub fn row_change(&self) -> RowChange {
        let finished = |next_run: Option<DateTime<Utc>>, outcome| RowChange {
            state: if next_run.is_some() {
                ScheduleState::Active
            } else {
                ScheduleState::Completed
            },
            next_run_at: next_run,
            fire_done: true,
            dead_fire: false,
            outcome,
        };
        match *self {
            Self::Fired { next_run } => finished(next_run, Outcome::Success),
            Self::Skipped { next_run } => finished(next_run, Outcome::Skipped),
            Self::Retry { at } => RowChange {
                state: ScheduleState::Active,
                next_run_at: Some(at),
                fire_done: false,
                dead_fire: false,
                outcome: Outcome::Failure,
            },
            Self::Dead => RowChange {
                state: ScheduleState::Dead,
                next_run_at: None,
                fire_done: false,
                dead_fire: false,
                outcome: Outcome::Failure,
            },
            Self::DeadFire { next_run } => RowChange {
                state: ScheduleState::Active,
                next_run_at: Some(next_run),
                fire_done: true,
                dead_fire: true,
                outcome: Outcome::Failure,
            },
        }
    }
}

/// Before triggering: a `skip` schedule whose fire is more than [`MISFIRE_GRACE`] late on
/// its first attempt skips it and moves on to the next instant after `now`.
pub fn skip_missed_fire(
    schedule: &Schedule,
    misfire: Misfire,
    fire_at: DateTime<Utc>,
    attempt: u32,
    now: DateTime<Utc>,
) -> Option<Decision> {
    (misfire == Misfire::Skip && attempt == 1 && now - fire_at > MISFIRE_GRACE).then(|| {
        Decision::Skipped {
            next_run: schedule.next_after(now),
        }
    })
}

/// What an attempt is decided on: the schedule, its policies, and which attempt of which
/// fire it was.
#[derive(Debug, Clone, Copy)]
pub struct AttemptContext<'a> {
    /// The schedule's timing.
    pub schedule: &'a Schedule,
    /// How failures are retried.
    pub policy: &'a RetryPolicy,
    /// What a fire that runs out of attempts does to the schedule.
    pub on_dead: OnDead,
    /// The fire's scheduled instant.
    pub fire_at: DateTime<Utc>,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// Whether this fire is the last its run limit (`max_fires`) allows: once it is done the
    /// schedule completes.
    pub last_fire: bool,
}

/// After an attempt. `delivered` says whether the target answered 2xx; `jitter` in [0, 1)
/// stretches a retry delay by up to 25 % so retries of many schedules spread out.
pub fn decide(
    context: AttemptContext<'_>,
    delivered: bool,
    now: DateTime<Utc>,
    jitter: f64,
) -> Decision {
    let AttemptContext {
        schedule,
        policy,
        on_dead,
        fire_at,
        attempt,
        last_fire,
    } = context;
    let next_run = || {
        if last_fire {
            None
        } else {
            next_run_after_fire(schedule, fire_at, now)
        }
    };
    if delivered {
        return Decision::Fired {
            next_run: next_run(),
        };
    }
    if attempt >= policy.max_attempts {
        return match (on_dead, next_run()) {
            (OnDead::NextFire, Some(next_run)) => Decision::DeadFire { next_run },
            _ => Decision::Dead,
        };
    }
    let delay = policy
        .backoff(attempt)
        .mul_f64(1.0 + 0.25 * jitter.clamp(0.0, 1.0));
    Decision::Retry {
        at: crate::schedule::saturating_add(now, delay),
    }
}

/// The next instant after a fire: counted from the fire's own instant (no drift), but when
/// that is already past (fires were missed while no executor ran), the next one after
/// `now`, so a missed period fires once.
pub fn next_run_after_fire(
    schedule: &Schedule,
    fire_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match schedule.next_after(fire_at) {
        Some(next) if next <= now => schedule.next_after(now),
        other => other,
    }
}

/// When a revived schedule (re-armed, resumed, edited out of the dead-letter queue) is next
/// due: a recurring one at its next instant after `now`; a one-shot one at its instant, or
/// at once if that has passed.
pub fn revived_next_run(schedule: &Schedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match schedule.once() {
        Some(at) => Some(at.max(now)),
        None => schedule.next_after(now),
    }
}

/// When a schedule whose pause ended by itself at `now` is next due: a fire missed while it
/// was paused (since `paused_at`) fires once, late, under `fire_once` (as a fire missed
/// while no executor ran does); under `skip` it goes on from its next instant.
pub fn resumed_next_run(
    schedule: &Schedule,
    misfire: Misfire,
    paused_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let missed = paused_at
        .and_then(|since| schedule.next_after(since))
        .filter(|first| *first <= now);
    match (misfire, missed) {
        (Misfire::FireOnce, Some(first)) => Some(first),
        _ => revived_next_run(schedule, now),
    }
}

/// The next `count` fires a paused or dead schedule would make if it were resumed or
/// re-armed at `now` (a one-shot whose instant passed fires at once).
pub fn fires_if_revived(schedule: &Schedule, now: DateTime<Utc>, count: usize) -> Vec<Fire> {
    match schedule.once() {
        Some(_) => revived_next_run(schedule, now)
            .map(|at| Fire {
                at,
                dst: None,
                nominal: None,
            })
            .into_iter()
            .collect(),
        None => schedule.upcoming_fires(now, count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ScheduleInput;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn every_minute() -> Schedule {
        ScheduleInput {
            cron: Some("* * * * *".into()),
            ..Default::default()
        }
        .resolve(utc("2026-01-01T00:00:00Z"))
        .unwrap()
        .compile()
        .unwrap()
    }

    const FIRE: &str = "2026-01-01T10:00:00Z";

    fn decide(
        schedule: &Schedule,
        policy: &RetryPolicy,
        fire_at: DateTime<Utc>,
        attempt: u32,
        delivered: bool,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Decision {
        super::decide(
            AttemptContext {
                schedule,
                policy,
                on_dead: OnDead::Stop,
                fire_at,
                attempt,
                last_fire: false,
            },
            delivered,
            now,
            jitter,
        )
    }

    #[test]
    fn next_fire_rule_dead_letters_the_fire_and_moves_on() {
        let policy = RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        };
        let context = |schedule, attempt| AttemptContext {
            schedule,
            policy: &policy,
            on_dead: OnDead::NextFire,
            fire_at: utc(FIRE),
            attempt,
            last_fire: false,
        };
        let now = utc("2026-01-01T10:00:20Z");
        let minute = every_minute();
        assert!(matches!(
            super::decide(context(&minute, 1), false, now, 0.0),
            Decision::Retry { .. }
        ));
        assert_eq!(
            super::decide(context(&minute, 2), false, now, 0.0),
            Decision::DeadFire {
                next_run: utc("2026-01-01T10:01:00Z")
            }
        );
        // A one-shot schedule has no next fire: it is dead-lettered as with `stop`.
        let once = Schedule::once_at(utc(FIRE));
        assert_eq!(
            super::decide(context(&once, 2), false, now, 0.0),
            Decision::Dead
        );
    }

    #[test]
    fn every_decision_maps_to_its_row_change() {
        let at = utc(FIRE);
        let cases = [
            (
                Decision::Fired { next_run: Some(at) },
                ScheduleState::Active,
                Some(at),
                true,
                false,
                Outcome::Success,
            ),
            (
                Decision::Fired { next_run: None },
                ScheduleState::Completed,
                None,
                true,
                false,
                Outcome::Success,
            ),
            (
                Decision::Skipped { next_run: Some(at) },
                ScheduleState::Active,
                Some(at),
                true,
                false,
                Outcome::Skipped,
            ),
            (
                Decision::Retry { at },
                ScheduleState::Active,
                Some(at),
                false,
                false,
                Outcome::Failure,
            ),
            (
                Decision::Dead,
                ScheduleState::Dead,
                None,
                false,
                false,
                Outcome::Failure,
            ),
            (
                Decision::DeadFire { next_run: at },
                ScheduleState::Active,
                Some(at),
                true,
                true,
                Outcome::Failure,
            ),
        ];
        for (decision, state, next_run_at, fire_done, dead_fire, outcome) in cases {
            assert_eq!(
                decision.row_change(),
                RowChange {
                    state,
                    next_run_at,
                    fire_done,
                    dead_fire,
                    outcome
                },
                "{decision:?}"
            );
        }
    }

    #[test]
    fn delivered_fire_schedules_the_next_instant_after_the_fire_not_after_now() {
        let decision = decide(
            &every_minute(),
            &RetryPolicy::default(),
            utc(FIRE),
            1,
            true,
            utc("2026-01-01T10:00:00.800Z"),
            0.0,
        );
        assert_eq!(
            decision,
            Decision::Fired {
                next_run: Some(utc("2026-01-01T10:01:00Z"))
            }
        );
    }

    #[test]
    fn missed_period_fires_once_then_resumes() {
        // Fired three hours late: the next run is the next instant after now.
        let decision = decide(
            &every_minute(),
            &RetryPolicy::default(),
            utc(FIRE),
            1,
            true,
            utc("2026-01-01T13:00:30Z"),
            0.0,
        );
        assert_eq!(
            decision,
            Decision::Fired {
                next_run: Some(utc("2026-01-01T13:01:00Z"))
            }
        );
    }

    #[test]
    fn the_last_fire_of_a_run_limit_completes_the_schedule() {
        let decision = super::decide(
            AttemptContext {
                schedule: &every_minute(),
                policy: &RetryPolicy::default(),
                on_dead: OnDead::Stop,
                fire_at: utc(FIRE),
                attempt: 1,
                last_fire: true,
            },
            true,
            utc(FIRE),
            0.0,
        );
        assert_eq!(decision, Decision::Fired { next_run: None });
    }

    #[test]
    fn a_pause_that_ends_fires_once_for_what_it_missed_or_skips_it() {
        let paused_at = utc("2026-01-01T10:00:30Z");
        let now = utc("2026-01-01T10:05:10Z");
        let schedule = every_minute();
        assert_eq!(
            resumed_next_run(&schedule, Misfire::FireOnce, Some(paused_at), now),
            Some(utc("2026-01-01T10:01:00Z")),
            "fire_once: the first missed instant, at once"
        );
        assert_eq!(
            resumed_next_run(&schedule, Misfire::Skip, Some(paused_at), now),
            Some(utc("2026-01-01T10:06:00Z")),
            "skip: the next instant after now"
        );
        let short = utc("2026-01-01T10:00:40Z");
        assert_eq!(
            resumed_next_run(&schedule, Misfire::FireOnce, Some(paused_at), short),
            Some(utc("2026-01-01T10:01:00Z")),
            "nothing missed: the next instant"
        );
    }

    #[test]
    fn one_shot_completes_after_delivery() {
        let once = Schedule::once_at(utc(FIRE));
        let decision = decide(
            &once,
            &RetryPolicy::default(),
            utc(FIRE),
            1,
            true,
            utc(FIRE),
            0.0,
        );
        assert_eq!(decision, Decision::Fired { next_run: None });
    }

    #[test]
    fn failure_retries_with_exponential_backoff_and_jitter() {
        let policy = RetryPolicy::default();
        let now = utc("2026-01-01T10:00:01Z");
        let at = |attempt, jitter| match decide(
            &every_minute(),
            &policy,
            utc(FIRE),
            attempt,
            false,
            now,
            jitter,
        ) {
            Decision::Retry { at } => (at - now).num_milliseconds(),
            other => panic!("expected a retry, got {other:?}"),
        };
        assert_eq!(at(1, 0.0), 1_000);
        assert_eq!(at(2, 0.0), 2_000);
        assert_eq!(at(4, 0.0), 8_000);
        assert_eq!(at(1, 0.5), 1_125);
        assert_eq!(at(2, 0.999_999), 2_499);
    }

    #[test]
    fn a_retry_delay_past_the_calendar_saturates_instead_of_panicking() {
        // A hand-edited row can hold any delay; `now + TimeDelta::MAX` used to panic.
        let policy = RetryPolicy {
            max_attempts: 5,
            backoff_initial_ms: u64::MAX,
            backoff_max_ms: u64::MAX,
        };
        let decision = decide(
            &every_minute(),
            &policy,
            utc(FIRE),
            1,
            false,
            utc(FIRE),
            0.9,
        );
        assert_eq!(
            decision,
            Decision::Retry {
                at: DateTime::<Utc>::MAX_UTC
            }
        );
    }

    #[test]
    fn failure_of_the_last_allowed_attempt_is_dead() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let decide_attempt = |attempt| {
            decide(
                &every_minute(),
                &policy,
                utc(FIRE),
                attempt,
                false,
                utc(FIRE),
                0.0,
            )
        };
        assert!(matches!(decide_attempt(2), Decision::Retry { .. }));
        assert_eq!(decide_attempt(3), Decision::Dead);
        assert_eq!(decide_attempt(4), Decision::Dead);
    }

    #[test]
    fn a_dead_one_shot_would_fire_at_once_and_a_recurring_one_at_its_next_instants() {
        let now = utc("2026-01-01T10:00:30Z");
        let once = Schedule::once_at(utc("2025-12-31T00:00:00Z"));
        let fires: Vec<_> = fires_if_revived(&once, now, 5)
            .iter()
            .map(|f| f.at)
            .collect();
        assert_eq!(fires, [now]);
        let fires: Vec<_> = fires_if_revived(&every_minute(), now, 2)
            .iter()
            .map(|f| f.at)
            .collect();
        assert_eq!(
            fires,
            [utc("2026-01-01T10:01:00Z"), utc("2026-01-01T10:02:00Z")]
        );
    }

    #[test]
    fn revived_schedules_run_at_their_next_instant_or_at_once() {
        let now = utc("2026-01-01T10:00:30Z");
        assert_eq!(
            revived_next_run(&every_minute(), now),
            Some(utc("2026-01-01T10:01:00Z"))
        );
        assert_eq!(
            revived_next_run(&Schedule::once_at(utc(FIRE)), now),
            Some(now)
        );
        let later = utc("2026-01-02T00:00:00Z");
        assert_eq!(
            revived_next_run(&Schedule::once_at(later), now),
            Some(later)
        );
    }

    #[test]
    fn skip_rule_skips_only_late_first_attempts_of_skip_schedules() {
        let schedule = every_minute();
        let late = utc("2026-01-01T10:05:30Z");
        assert_eq!(
            skip_missed_fire(&schedule, Misfire::Skip, utc(FIRE), 1, late),
            Some(Decision::Skipped {
                next_run: Some(utc("2026-01-01T10:06:00Z"))
            })
        );
        // Within the grace period, a retry, or the fire-once rule: trigger as usual.
        let on_time = utc("2026-01-01T10:00:09Z");
        assert_eq!(
            skip_missed_fire(&schedule, Misfire::Skip, utc(FIRE), 1, on_time),
            None
        );
        assert_eq!(
            skip_missed_fire(&schedule, Misfire::Skip, utc(FIRE), 2, late),
            None
        );
        assert_eq!(
            skip_missed_fire(&schedule, Misfire::FireOnce, utc(FIRE), 1, late),
            None
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn policy() -> impl Strategy<Value = RetryPolicy> {
            (1u32..=100, 1u64..=86_400_000, 1u64..=86_400_000).prop_map(|(attempts, a, b)| {
                RetryPolicy {
                    max_attempts: attempts,
                    backoff_initial_ms: a.min(b),
                    backoff_max_ms: a.max(b),
                }
            })
        }

        proptest! {
            #[test]
            fn backoff_never_decreases_and_never_passes_its_cap(
                policy in policy(),
                a in 1u32..200,
                b in 1u32..200,
            ) {
                let (early, late) = (a.min(b), a.max(b));
                prop_assert!(policy.backoff(early) <= policy.backoff(late));
                prop_assert!(policy.backoff(late).as_millis() as u64 <= policy.backoff_max_ms);
                prop_assert!(policy.backoff(1).as_millis() as u64 == policy.backoff_initial_ms);
            }

            #[test]
            fn a_decision_never_schedules_the_past_and_dies_only_at_the_last_attempt(
                policy in policy(),
                attempt in 1u32..120,
                delivered in any::<bool>(),
                late_ms in 0i64..86_400_000,
                jitter in 0.0f64..1.0,
            ) {
                let fire_at = utc(FIRE);
                let now = fire_at + TimeDelta::milliseconds(late_ms);
                let decision = decide(&every_minute(), &policy, fire_at, attempt, delivered, now, jitter);
                match decision {
                    Decision::Fired { next_run } => {
                        prop_assert!(delivered);
                        prop_assert!(next_run.is_some_and(|next| next > fire_at && next > now - TimeDelta::minutes(1)));
                    }
                    Decision::Retry { at } => {
                        prop_assert!(!delivered && attempt < policy.max_attempts);
                        prop_assert!(at >= now);
                        let most = policy.backoff_max_ms as f64 * 1.25;
                        prop_assert!(((at - now).num_milliseconds() as f64) <= most + 1.0);
                    }
                    Decision::Dead | Decision::DeadFire { .. } => {
                        prop_assert!(!delivered && attempt >= policy.max_attempts);
                    }
                    Decision::Skipped { .. } => prop_assert!(false, "decide never skips"),
                }
            }
        }
    }
}
