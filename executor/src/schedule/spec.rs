//! What is stored ([`ScheduleSpec`]: instants already resolved) and what computes fire times
//! from it ([`Schedule`]).

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::timing::{DstPolicy, Jitter, TimingOptions, Window};
use super::{dst, zone, CronExpr, DstNote, Fire, ScheduleError};

/// A validated schedule as stored: instants already resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ScheduleSpec {
    /// A cron expression in a zone.
    Cron {
        /// The expression as written.
        cron: String,
        /// The IANA zone.
        tz: String,
    },
    /// Once, at an instant picked in a zone.
    At {
        /// The instant.
        at: DateTime<Utc>,
        /// The zone it was picked in (for display).
        tz: String,
    },
    /// Once, a duration after it was created or last edited.
    In {
        /// The duration as written.
        duration: String,
        /// The instant it resolved to.
        at: DateTime<Utc>,
    },
    /// Every fixed interval, counted from the anchor.
    Every {
        /// The interval as written.
        every: String,
        /// The interval in milliseconds.
        interval_ms: u64,
        /// When counting started (creation or last edit).
        anchor: DateTime<Utc>,
    },
}

impl ScheduleSpec {
    /// The kind's name: `cron`, `at`, `in` or `every`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Cron { .. } => "cron",
            Self::At { .. } => "at",
            Self::In { .. } => "in",
            Self::Every { .. } => "every",
        }
    }

    /// The IANA zone the schedule is read in: its own for cron and Run At, UTC otherwise.
    pub fn zone(&self) -> &str {
        match self {
            Self::Cron { tz, .. } | Self::At { tz, .. } => tz,
            Self::In { .. } | Self::Every { .. } => "UTC",
        }
    }

    /// The schedule in plain words: "At 09:00, Monday through Friday, Europe/Berlin",
    /// "Once at 2026-12-01 09:00 CET", "Every 90s".
    pub fn describe(&self) -> String {
        let once_at = |at: &DateTime<Utc>, tz: &str| {
            let zone = zone::parse(tz).unwrap_or(Tz::UTC);
            at.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        match self {
            Self::Cron { cron, tz } => match cron.parse::<CronExpr>() {
                Ok(expr) => format!("{}, {tz}", expr.describe()),
                Err(_) => format!("{cron} ({tz})"),
            },
            Self::At { at, tz } => format!("Once at {}", once_at(at, tz)),
            Self::In { duration, at } => {
                format!(
                    "Once at {} ({duration} after it was set)",
                    once_at(at, "UTC")
                )
            }
            Self::Every { every, .. } => format!("Every {every}"),
        }
    }

    /// Makes the spec ready for repeated [`Schedule::next_after`] calls, without options.
    pub fn compile(&self) -> Result<Schedule, ScheduleError> {
        self.compile_with(&TimingOptions::default())
    }

    /// Makes the spec ready for repeated [`Schedule::next_after`] calls, bounded and spread
    /// as `options` say.
    pub fn compile_with(&self, options: &TimingOptions) -> Result<Schedule, ScheduleError> {
        let recurrence = match self {
            Self::Cron { cron, tz } => Recurrence::Cron {
                expr: cron.parse()?,
                zone: zone::parse(tz)?,
                dst: options.dst(),
            },
            Self::At { at, .. } | Self::In { at, .. } => Recurrence::Once(*at),
            Self::Every {
                interval_ms,
                anchor,
                ..
            } => Recurrence::Every {
                interval: TimeDelta::milliseconds(*interval_ms as i64),
                anchor: *anchor,
            },
        };
        Ok(Schedule {
            recurrence,
            window: options.window(),
            jitter: options.jitter(),
        })
    }
}

/// When a schedule recurs, before its window and jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recurrence {
    /// A cron expression in a zone, with its DST policy.
    Cron {
        /// The expression.
        expr: CronExpr,
        /// The zone.
        zone: Tz,
        /// What gaps and overlaps do.
        dst: DstPolicy,
    },
    /// Once, at this instant.
    Once(DateTime<Utc>),
    /// At `anchor + k × interval` for k ≥ 1.
    Every {
        /// The interval.
        interval: TimeDelta,
        /// When counting started.
        anchor: DateTime<Utc>,
    },
}

impl Recurrence {
    /// The first nominal instant strictly after `after`.
    fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Cron { expr, zone, dst } => expr.next_after_with(*zone, after, *dst),
            Self::Once(at) => (*at > after).then_some(*at),
            Self::Every { interval, anchor } => {
                let interval_ms = interval.num_milliseconds().max(1);
                let elapsed_ms = (after - *anchor).num_milliseconds();
                let periods = if elapsed_ms < 0 {
                    1
                } else {
                    elapsed_ms / interval_ms + 1
                };
                anchor
                    .checked_add_signed(TimeDelta::milliseconds(periods.checked_mul(interval_ms)?))
            }
        }
    }
}

/// A schedule ready to compute fire times: its recurrence, bounded by its window and spread
/// by its jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// When it recurs.
    pub recurrence: Recurrence,
    /// When it may fire at all.
    pub window: Window,
    /// How its fires are spread, if they are.
    pub jitter: Option<Jitter>,
}

/// Most nominal instants looked at to find one fire (a jitter wider than the gaps between
/// fires is refused when saved, so one or two suffice).
const JITTER_PROBES: usize = 64;

impl Schedule {
    /// A schedule that fires once, at `at`, with no options.
    pub fn once_at(at: DateTime<Utc>) -> Self {
        Self {
            recurrence: Recurrence::Once(at),
            window: Window::default(),
            jitter: None,
        }
    }

    /// The first fire instant strictly after `after` (within the window, jittered), or
    /// `None` when it never fires again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let spread = self
            .jitter
            .map_or(TimeDelta::zero(), |jitter| jitter.spread);
        // A nominal instant up to `spread` before `after` may still fire after it.
        let mut probe = after.checked_sub_signed(spread).unwrap_or(after);
        if let Some(start) = self.window.starts_at {
            probe = probe.max(start - TimeDelta::milliseconds(1));
        }
        for _ in 0..JITTER_PROBES {
            let nominal = self.recurrence.next_after(probe)?;
            if self.window.ends_at.is_some_and(|end| nominal > end) {
                return None;
            }
            let at = self.jitter.map_or(nominal, |jitter| jitter.apply(nominal));
            if at > after {
                return Some(at);
            }
            probe = nominal;
        }
        None
    }

    /// The nominal instant of the fire made at `at` (`at` itself without jitter).
    pub fn nominal_of(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let Some(jitter) = self.jitter else { return at };
        let probe = at.checked_sub_signed(jitter.spread).unwrap_or(at) - TimeDelta::milliseconds(1);
        std::iter::successors(self.recurrence.next_after(probe), |n| {
            self.recurrence.next_after(*n)
        })
        .take(JITTER_PROBES)
        .find(|nominal| jitter.apply(*nominal) == at)
        .unwrap_or(at)
    }

    /// The next `count` fire instants strictly after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(after), |last| self.next_after(*last))
            .take(count)
            .collect()
    }

    /// Whether it fires once (`at`, `in`).
    pub fn once(&self) -> Option<DateTime<Utc>> {
        match self.recurrence {
            Recurrence::Once(at) => Some(at),
            _ => None,
        }
    }

    /// The zone whose wall clock the schedule follows (cron only).
    pub fn zone(&self) -> Option<Tz> {
        match self.recurrence {
            Recurrence::Cron { zone, .. } => Some(zone),
            Recurrence::Once(_) | Recurrence::Every { .. } => None,
        }
    }

    /// The DST note of a fire at `at` (an instant this schedule fires at), if daylight-saving
    /// time shifted or doubled it.
    pub fn dst_note(&self, at: DateTime<Utc>) -> Option<DstNote> {
        match &self.recurrence {
            Recurrence::Cron { expr, zone, dst } => {
                dst::note_for_cron(expr, *zone, self.nominal_of(at), *dst)
            }
            Recurrence::Once(_) | Recurrence::Every { .. } => None,
        }
    }

    /// The next `count` fires strictly after `after`, each with its DST note (and its
    /// nominal instant, when jitter moved it).
    pub fn upcoming_fires(&self, after: DateTime<Utc>, count: usize) -> Vec<Fire> {
        self.upcoming(after, count)
            .into_iter()
            .map(|at| Fire {
                at,
                dst: self.dst_note(at),
                nominal: self.jitter.map(|_| self.nominal_of(at)),
            })
            .collect()
    }
}
