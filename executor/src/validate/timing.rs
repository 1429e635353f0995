//! Checking a request's time controls against its timing: the active window, the run limit,
//! the jitter and the DST policy, each refused with a reason beside its field.

use chrono::{DateTime, TimeDelta, Utc};

use super::{field, FieldError, ScheduleRequest};
use crate::schedule::{ScheduleSpec, TimingOptions};

/// The largest run limit.
pub const MAX_FIRES: u32 = 1_000_000;
/// The longest jitter: one hour.
pub const MAX_JITTER: TimeDelta = TimeDelta::hours(1);
/// Fires looked at to find the shortest gap a jitter must stay below.
const GAP_SAMPLES: usize = 50;

/// The options `request` asks for, checked against `spec` at `now`; `None` (with the
/// reasons in `errors`) when one is refused.
pub(super) fn check(
    request: &ScheduleRequest,
    spec: &ScheduleSpec,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Option<TimingOptions> {
    let before = errors.len();
    let recurring = matches!(spec, ScheduleSpec::Cron { .. } | ScheduleSpec::Every { .. });
    let mut refuse = |field: &str, reason: String| errors.push(FieldError::new(field, reason));
    if !recurring {
        let once = |what: &str| format!("a one-shot schedule has no {what}; it fires once");
        for (given, field, what) in [
            (request.starts_at.is_some(), field::STARTS_AT, "start"),
            (request.ends_at.is_some(), field::ENDS_AT, "end"),
            (request.max_fires.is_some(), field::MAX_FIRES, "run limit"),
            (request.jitter.is_some(), field::JITTER, "jitter"),
        ] {
            if given {
                refuse(field, once(what));
            }
        }
    }
    if !matches!(spec, ScheduleSpec::Cron { .. }) {
        for (given, field) in [
            (request.dst_gap.is_some(), field::DST_GAP),
            (request.dst_overlap.is_some(), field::DST_OVERLAP),
        ] {
            if given {
                refuse(
                    field,
                    "only a cron schedule follows a wall clock that daylight-saving time moves"
                        .into(),
                );
            }
        }
    }
    if let (Some(start), Some(end)) = (request.starts_at, request.ends_at) {
        if end <= start {
            refuse(field::ENDS_AT, "the window ends before it starts".into());
        }
    }
    if request.ends_at.is_some_and(|end| end <= now) {
        refuse(field::ENDS_AT, "the window's end has passed".into());
    }
    if let Some(limit) = request.max_fires {
        if !(1..=MAX_FIRES).contains(&limit) {
            refuse(field::MAX_FIRES, format!("{limit} is not 1–{MAX_FIRES}"));
        }
    }
    let jitter_ms = match request.jitter.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => match humantime::parse_duration(text) {
            Err(error) => {
                refuse(
                    field::JITTER,
                    format!("{text:?} is not a duration such as 30s or 5m ({error})"),
                );
                0
            }
            Ok(jitter) if jitter.is_zero() => {
                refuse(field::JITTER, "give a jitter longer than 0, or none".into());
                0
            }
            Ok(jitter) if jitter > MAX_JITTER.to_std().unwrap_or_default() => {
                refuse(field::JITTER, format!("{text} is longer than the most, 1h"));
                0
            }
            Ok(jitter) => jitter.as_millis().min(u128::from(u64::MAX)) as u64,
        },
    };
    if errors.len() > before {
        return None;
    }
    let options = TimingOptions {
        starts_at: request.starts_at,
        ends_at: request.ends_at,
        jitter: (jitter_ms > 0)
            .then(|| request.jitter.clone().unwrap_or_default().trim().to_owned()),
        jitter_ms,
        jitter_seed: 0,
        dst_gap: request.dst_gap,
        dst_overlap: request.dst_overlap,
    };
    if jitter_ms > 0 {
        if let Some(gap) = shortest_gap(spec, &options, now) {
            if gap <= TimeDelta::milliseconds(jitter_ms as i64) {
                errors.push(FieldError::new(
                    field::JITTER,
                    format!(
                        "the jitter must be shorter than the shortest time between fires ({} s)",
                        gap.num_seconds()
                    ),
                ));
                return None;
            }
        }
    }
    Some(options)
}

/// The shortest time between the next fires of `spec` (before jitter).
fn shortest_gap(
    spec: &ScheduleSpec,
    options: &TimingOptions,
    now: DateTime<Utc>,
) -> Option<TimeDelta> {
    let plain = TimingOptions {
        jitter_ms: 0,
        ..options.clone()
    };
    let schedule = spec.compile_with(&plain).ok()?;
    let fires = schedule.upcoming(now, GAP_SAMPLES);
    fires.windows(2).map(|pair| pair[1] - pair[0]).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{DstGap, ScheduleInput};
    use crate::validate::validate;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn hourly() -> ScheduleRequest {
        ScheduleRequest {
            name: "hourly".into(),
            schedule: ScheduleInput {
                cron: Some("0 * * * *".into()),
                tz: Some("UTC".into()),
                ..ScheduleInput::default()
            },
            target: crate::validate::TargetRequest {
                url: "https://hooks.example/x".into(),
                ..Default::default()
            },
            ..ScheduleRequest::default()
        }
    }

    fn reasons(request: &ScheduleRequest, now: DateTime<Utc>) -> Vec<(String, String)> {
        match validate(request, now) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| (e.field, e.reason)).collect(),
        }
    }

    #[test]
    fn a_window_starts_the_first_fire_and_ends_in_the_future() {
        let now = at("2026-06-01T10:20:00Z");
        let mut request = hourly();
        request.starts_at = Some(at("2026-06-03T00:30:00Z"));
        request.ends_at = Some(at("2026-06-04T00:00:00Z"));
        let valid = validate(&request, now).unwrap();
        assert_eq!(valid.next_run_at, Some(at("2026-06-03T01:00:00Z")));
        request.ends_at = Some(at("2026-06-02T00:00:00Z"));
        assert_eq!(reasons(&request, now)[0].0, "ends_at");
        request.ends_at = Some(at("2026-06-03T00:40:00Z"));
        let refused = reasons(&request, now);
        assert!(
            refused[0].1.contains("no fire falls inside the window"),
            "{refused:?}"
        );
        request.starts_at = None;
        request.ends_at = Some(at("2026-06-01T09:00:00Z"));
        assert!(reasons(&request, now)[0].1.contains("passed"));
    }

    #[test]
    fn one_shots_refuse_recurring_controls_and_jitter_stays_below_the_gap() {
        let now = at("2026-06-01T10:20:00Z");
        let mut once = hourly();
        once.schedule = ScheduleInput {
            in_: Some("90m".into()),
            ..ScheduleInput::default()
        };
        once.max_fires = Some(3);
        once.dst_gap = Some(DstGap::Skip);
        let refused = reasons(&once, now);
        let fields: Vec<&str> = refused.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["max_fires", "dst_gap"], "{refused:?}");

        let mut request = hourly();
        request.jitter = Some("30s".into());
        let valid = validate(&request, now).unwrap();
        assert_eq!(valid.schedule.options.jitter_ms, 30_000);
        request.jitter = Some("1h".into());
        assert!(reasons(&request, now)[0]
            .1
            .contains("shorter than the shortest"));
        request.jitter = Some("2h".into());
        assert!(reasons(&request, now)[0].1.contains("1h"));
        request.jitter = Some("soon".into());
        assert_eq!(reasons(&request, now)[0].0, "jitter");
        request.jitter = None;
        request.max_fires = Some(0);
        assert_eq!(reasons(&request, now)[0].0, "max_fires");
    }
}
