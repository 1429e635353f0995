//! A schedule as a user writes it ([`ScheduleInput`]), and how it is checked and resolved
//! against "now" into what is stored.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    parse_run_at, rfc3339_seconds, zone, CronExpr, ScheduleError, ScheduleSpec, MAX_DURATION,
    MIN_INTERVAL,
};

/// A schedule as a user writes it: exactly one of `cron`, `at`, `in`, `every`, and `tz`
/// for `cron` and `at` (default UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// A cron expression (5 or 6 fields, or a macro).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// A "Run At" instant: RFC 3339, or a local date-time read in `tz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// A duration from now (humantime: `90m`, `1h 30m`).
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<String>,
    /// A fixed interval (humantime, at least 1 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    /// The IANA zone of `cron` or `at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
}

impl ScheduleInput {
    /// Validates the input and resolves it against `now` into what is stored.
    pub fn resolve(&self, now: DateTime<Utc>) -> Result<ScheduleSpec, ScheduleError> {
        let given: Vec<&str> = [
            ("cron", self.cron.is_some()),
            ("at", self.at.is_some()),
            ("in", self.in_.is_some()),
            ("every", self.every.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        let zone = |tz: &Option<String>| -> Result<Tz, ScheduleError> {
            Ok(tz
                .as_deref()
                .map(zone::parse)
                .transpose()?
                .unwrap_or(Tz::UTC))
        };
        let spec = match (given.as_slice(), self) {
            (
                ["cron"],
                Self {
                    cron: Some(cron),
                    tz,
                    ..
                },
            ) => {
                let expr: CronExpr = cron.parse()?;
                let zone = zone(tz)?;
                if expr.next_after(zone, now).is_none() {
                    return Err(ScheduleError::NeverFires(rfc3339_seconds(now)));
                }
                ScheduleSpec::Cron {
                    cron: expr.source().to_owned(),
                    tz: zone.name().to_owned(),
                }
            }
            (
                ["at"],
                Self {
                    at: Some(at), tz, ..
                },
            ) => {
                let zone = zone(tz)?;
                ScheduleSpec::At {
                    at: parse_run_at(at, zone, now)?,
                    tz: zone.name().to_owned(),
                }
            }
            (
                ["in"],
                Self {
                    in_: Some(text),
                    tz,
                    ..
                },
            ) => {
                if tz.is_some() {
                    return Err(ScheduleError::ZoneNotApplicable);
                }
                let duration = parse_duration(text, "duration", Duration::from_millis(1), "1 ms")?;
                ScheduleSpec::In {
                    duration: text.trim().to_owned(),
                    at: now
                        .checked_add_signed(duration)
                        .ok_or_else(|| ScheduleError::TooLong {
                            what: "duration",
                            text: text.to_owned(),
                        })?,
                }
            }
            (
                ["every"],
                Self {
                    every: Some(text),
                    tz,
                    ..
                },
            ) => {
                if tz.is_some() {
                    return Err(ScheduleError::ZoneNotApplicable);
                }
                let interval = parse_duration(text, "interval", MIN_INTERVAL, "1 s")?;
                ScheduleSpec::Every {
                    every: text.trim().to_owned(),
                    interval_ms: interval.num_milliseconds() as u64,
                    anchor: now,
                }
            }
            ([], _) => return Err(ScheduleError::Kind("none".into())),
            (many, _) => return Err(ScheduleError::Kind(many.join(", "))),
        };
        Ok(spec)
    }
}

/// Parses a humantime duration of at least `minimum`.
fn parse_duration(
    text: &str,
    what: &'static str,
    minimum: Duration,
    minimum_words: &'static str,
) -> Result<TimeDelta, ScheduleError> {
    let duration =
        humantime::parse_duration(text.trim()).map_err(|error| ScheduleError::BadDuration {
            what,
            text: text.to_owned(),
            reason: error.to_string(),
        })?;
    if duration < minimum {
        return Err(ScheduleError::TooShort {
            what,
            text: text.to_owned(),
            minimum: minimum_words,
        });
    }
    if duration > MAX_DURATION {
        return Err(ScheduleError::TooLong {
            what,
            text: text.to_owned(),
        });
    }
    TimeDelta::from_std(duration).map_err(|_| ScheduleError::BadDuration {
        what,
        text: text.to_owned(),
        reason: "too long".into(),
    })
}
