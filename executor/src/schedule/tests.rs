//! Tests of schedule input resolution, the one-shot and interval kinds, previews and descriptions.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test instant")
        .with_timezone(&Utc)
}

fn input(json: &str) -> ScheduleInput {
    serde_json::from_str(json).expect("test input")
}

const NOW: &str = "2026-11-22T12:00:00Z";

fn resolve(json: &str) -> Result<ScheduleSpec, ScheduleError> {
    input(json).resolve(utc(NOW))
}

#[test]
fn cron_defaults_to_utc_and_keeps_its_zone() {
    assert_eq!(
        resolve(r#"{"cron": " 0 9 * * 1-5 "}"#).unwrap(),
        ScheduleSpec::Cron {
            cron: "0 9 * * 1-5".into(),
            tz: "UTC".into()
        }
    );
    assert_eq!(
        resolve(r#"{"cron": "0 9 * * *", "tz": "Europe/Berlin"}"#).unwrap(),
        ScheduleSpec::Cron {
            cron: "0 9 * * *".into(),
            tz: "Europe/Berlin".into()
        }
    );
}

#[test]
fn run_at_accepts_rfc3339_and_local_times() {
    let at = |json: &str| match resolve(json).unwrap() {
        ScheduleSpec::At { at, .. } => rfc3339_seconds(at),
        other => panic!("not an at schedule: {other:?}"),
    };
    assert_eq!(
        at(r#"{"at": "2026-12-01T08:00:00Z"}"#),
        "2026-12-01T08:00:00Z"
    );
    assert_eq!(
        at(r#"{"at": "2026-12-01T09:00:00+01:00"}"#),
        "2026-12-01T08:00:00Z"
    );
    assert_eq!(
        at(r#"{"at": "2026-12-01T09:00", "tz": "Europe/Berlin"}"#),
        "2026-12-01T08:00:00Z"
    );
    assert_eq!(
        at(r#"{"at": "2026-12-01T09:00:30", "tz": "Asia/Kolkata"}"#),
        "2026-12-01T03:30:30Z"
    );
    // An explicit offset wins over the zone.
    assert_eq!(
        at(r#"{"at": "2026-12-01T09:00:00+01:00", "tz": "America/New_York"}"#),
        "2026-12-01T08:00:00Z"
    );
}

#[test]
fn run_at_in_a_dst_gap_is_refused_naming_the_gap() {
    let error = input(r#"{"at": "2027-03-14T02:30", "tz": "America/New_York"}"#)
        .resolve(utc(NOW))
        .unwrap_err();
    assert_eq!(error.field(), "at");
    assert_eq!(
        error.to_string(),
        "2027-03-14T02:30:00 does not exist in America/New_York: the clocks jump from 02:00 to \
         03:00 that day; pick a time outside the gap"
    );
}

#[test]
fn run_at_in_an_overlap_takes_the_earlier_offset() {
    // 2027-11-07 01:30 happens at -04:00 and again at -05:00 in New York.
    match resolve(r#"{"at": "2027-11-07T01:30", "tz": "America/New_York"}"#).unwrap() {
        ScheduleSpec::At { at, tz } => {
            assert_eq!(rfc3339_seconds(at), "2027-11-07T05:30:00Z");
            assert_eq!(tz, "America/New_York");
        }
        other => panic!("not an at schedule: {other:?}"),
    }
    // The later pass, with its offset written out.
    match resolve(r#"{"at": "2027-11-07T01:30:00-05:00", "tz": "America/New_York"}"#).unwrap() {
        ScheduleSpec::At { at, .. } => assert_eq!(rfc3339_seconds(at), "2027-11-07T06:30:00Z"),
        other => panic!("not an at schedule: {other:?}"),
    }
}

#[test]
fn run_at_in_the_past_is_refused() {
    let error = resolve(r#"{"at": "2026-11-22T11:59:59Z"}"#).unwrap_err();
    assert!(matches!(error, ScheduleError::InPast { .. }), "{error:?}");
    assert!(error.to_string().contains("in the past"));
}

#[test]
fn in_resolves_to_an_instant_from_now() {
    match resolve(r#"{"in": "1h 30m"}"#).unwrap() {
        ScheduleSpec::In { duration, at } => {
            assert_eq!(duration, "1h 30m");
            assert_eq!(at, utc(NOW) + TimeDelta::minutes(90));
        }
        other => panic!("not an in schedule: {other:?}"),
    }
    match resolve(r#"{"in": "2days"}"#).unwrap() {
        ScheduleSpec::In { at, .. } => assert_eq!(at, utc(NOW) + TimeDelta::days(2)),
        other => panic!("not an in schedule: {other:?}"),
    }
}

#[test]
fn every_is_anchored_at_creation() {
    let spec = resolve(r#"{"every": "90s"}"#).unwrap();
    assert_eq!(
        spec,
        ScheduleSpec::Every {
            every: "90s".into(),
            interval_ms: 90_000,
            anchor: utc(NOW)
        }
    );
    let schedule = spec.compile().unwrap();
    assert_eq!(
        schedule.upcoming(utc(NOW), 3),
        [
            utc("2026-11-22T12:01:30Z"),
            utc("2026-11-22T12:03:00Z"),
            utc("2026-11-22T12:04:30Z")
        ]
    );
    // From an instant between fires, the next fire stays on the anchor's grid.
    assert_eq!(
        schedule.next_after(utc("2026-11-22T12:02:00Z")),
        Some(utc("2026-11-22T12:03:00Z"))
    );
    assert_eq!(
        schedule.next_after(utc("2026-11-22T12:03:00Z")),
        Some(utc("2026-11-22T12:04:30Z"))
    );
}

#[test]
fn one_shot_schedules_fire_once() {
    let schedule = resolve(r#"{"in": "15m"}"#).unwrap().compile().unwrap();
    let first = schedule.next_after(utc(NOW)).unwrap();
    assert_eq!(first, utc("2026-11-22T12:15:00Z"));
    assert_eq!(schedule.next_after(first), None);
    assert_eq!(schedule.upcoming(utc(NOW), 5), [first]);
}

#[test]
fn bad_input_is_refused_with_the_field_and_reason() {
    let cases = [
        (
            r#"{}"#,
            "schedule",
            "exactly one of cron, at, in or every (got none)",
        ),
        (
            r#"{"cron": "* * * * *", "every": "1m"}"#,
            "schedule",
            "(got cron, every)",
        ),
        (
            r#"{"cron": "61 * * * *"}"#,
            "cron",
            "cron field 1 (minute) is 61",
        ),
        (r#"{"cron": "0 0 30 2 *"}"#, "cron", "never fires"),
        (
            r#"{"cron": "0 9 * * *", "tz": "Mars/Olympus"}"#,
            "tz",
            "unknown time zone \"Mars/Olympus\"",
        ),
        (
            r#"{"in": "soon"}"#,
            "in",
            "\"soon\" is not a valid duration",
        ),
        (r#"{"in": "0s"}"#, "in", "too short"),
        (
            r#"{"in": "5m", "tz": "UTC"}"#,
            "tz",
            "tz applies to cron and at schedules only",
        ),
        (r#"{"every": "500ms"}"#, "every", "the minimum is 1 s"),
        (
            r#"{"every": "often"}"#,
            "every",
            "\"often\" is not a valid interval",
        ),
        (
            r#"{"at": "tomorrow"}"#,
            "at",
            "\"tomorrow\" is not a date and time",
        ),
        (
            r#"{"at": "2026-12-01T09:00", "tz": "Nowhere"}"#,
            "tz",
            "unknown time zone",
        ),
    ];
    for (json, field, expected) in cases {
        let error = resolve(json).expect_err(json);
        assert_eq!(error.field(), field, "{json}: {error}");
        assert!(
            error.to_string().contains(expected),
            "{json}: {error:?} lacks {expected:?}"
        );
    }
}

#[test]
fn unknown_input_fields_are_refused() {
    assert!(serde_json::from_str::<ScheduleInput>(r#"{"crontab": "* * * * *"}"#).is_err());
}

#[test]
fn preview_lists_instants_strictly_after() {
    let preview = preview(
        &input(r#"{"cron": "30 2 * * *", "tz": "America/New_York"}"#),
        utc("2026-03-07T12:00:00Z"),
        2,
    )
    .unwrap();
    let instants: Vec<_> = preview.fires.iter().map(|fire| fire.at).collect();
    assert_eq!(
        instants,
        [utc("2026-03-08T07:00:00Z"), utc("2026-03-09T06:30:00Z")]
    );
}

/// Issue 11, feature 1: the preview says where DST moved or doubled a run, in words.
#[test]
fn preview_notes_runs_shifted_by_a_gap_and_repeated_by_an_overlap() {
    let new_york: Tz = "America/New_York".parse().unwrap();
    let spring = preview(
        &input(r#"{"cron": "30 2 * * *", "tz": "America/New_York"}"#),
        utc("2026-03-07T12:00:00Z"),
        2,
    )
    .unwrap();
    let shifted = &spring.fires[0];
    assert_eq!(
        shifted.dst.unwrap().explain(new_york, shifted.at),
        "02:30 does not exist that day (clocks jump 02:00→03:00); runs at the first instant \
         after the gap"
    );
    assert_eq!(spring.fires[1].dst, None, "the next day is ordinary");

    // Fixed-time: 01:30 on the fall-back day runs once, at the first (EDT).
    let autumn = preview(
        &input(r#"{"cron": "30 1 * * *", "tz": "America/New_York"}"#),
        utc("2026-10-31T12:00:00Z"),
        2,
    )
    .unwrap();
    let once = &autumn.fires[0];
    assert_eq!(once.at, utc("2026-11-01T05:30:00Z"));
    assert_eq!(
        once.dst.unwrap().explain(new_york, once.at),
        "01:30 happens twice (clocks go back); runs at the first (EDT)"
    );
    assert_eq!(autumn.fires[1].at, utc("2026-11-02T06:30:00Z"));

    // Elapsed-time (`*` hour): 01:30 runs at both occurrences, each noted.
    let hourly = preview(
        &input(r#"{"cron": "30 * * * *", "tz": "America/New_York"}"#),
        utc("2026-11-01T05:00:00Z"),
        2,
    )
    .unwrap();
    let notes: Vec<String> = hourly
        .fires
        .iter()
        .map(|fire| fire.dst.unwrap().explain(new_york, fire.at))
        .collect();
    assert_eq!(
        notes,
        [
            "01:30 happens twice (clocks go back); runs at both, this is the first (EDT)",
            "01:30 happens twice (clocks go back); runs at both, this is the second (EST)"
        ]
    );

    // Only the instants DST touched are noted.
    let plain = preview(
        &input(r#"{"cron": "0 9 * * *", "tz": "UTC"}"#),
        utc("2026-03-07T00:00:00Z"),
        5,
    )
    .unwrap();
    assert!(plain.fires.iter().all(|fire| fire.dst.is_none()));
}

/// A Run At typed as a local time that happens twice runs at the first; the preview says so.
#[test]
fn preview_notes_a_run_at_in_an_overlap() {
    let at = preview(
        &input(r#"{"at": "2026-11-01T01:30", "tz": "America/New_York"}"#),
        utc("2026-10-01T00:00:00Z"),
        1,
    )
    .unwrap();
    assert_eq!(at.fires[0].at, utc("2026-11-01T05:30:00Z"));
    assert!(matches!(
        at.fires[0].dst,
        Some(DstNote::Repeated {
            occurrence: 1,
            fires_twice: false,
            ..
        })
    ));
}

#[test]
fn specs_round_trip_through_json() {
    for json in [
        r#"{"cron": "0 9 * * 1-5", "tz": "Europe/Berlin"}"#,
        r#"{"at": "2026-12-01T09:00", "tz": "Europe/Berlin"}"#,
        r#"{"in": "90m"}"#,
        r#"{"every": "15m"}"#,
    ] {
        let spec = resolve(json).unwrap();
        let stored = serde_json::to_string(&spec).unwrap();
        assert!(stored.contains(&format!("\"kind\":\"{}\"", spec.kind())));
        assert_eq!(serde_json::from_str::<ScheduleSpec>(&stored).unwrap(), spec);
    }
}

#[test]
fn describes_each_kind() {
    let describe = |json: &str| resolve(json).unwrap().describe();
    assert_eq!(
        describe(r#"{"cron": "0 9 * * 1-5", "tz": "Europe/Berlin"}"#),
        "At 09:00, Monday through Friday, Europe/Berlin"
    );
    assert_eq!(
        describe(r#"{"at": "2026-12-01T09:00", "tz": "Europe/Berlin"}"#),
        "Once at 2026-12-01 09:00 CET"
    );
    assert_eq!(describe(r#"{"every": "90s"}"#), "Every 90s");
    assert_eq!(
        describe(r#"{"in": "90m"}"#),
        "Once at 2026-11-22 13:30 UTC (90m after it was set)"
    );
}

#[test]
fn huge_durations_are_refused_with_a_field_reason_not_a_panic() {
    for (json, field) in [
        (r#"{"in": "1000000years"}"#, "in"),
        (r#"{"every": "1000000years"}"#, "every"),
        (r#"{"in": "101years"}"#, "in"),
        (r#"{"every": "101years"}"#, "every"),
    ] {
        let error = resolve(json).unwrap_err();
        assert_eq!(error.field(), field, "{json}");
        assert!(
            error.to_string().contains("the maximum is 100 years"),
            "{json}: {error}"
        );
    }
    // 100 years is still accepted, and fires.
    let spec = resolve(r#"{"every": "100years"}"#).unwrap();
    assert!(spec.compile().unwrap().next_after(utc(NOW)).is_some());
    assert!(resolve(r#"{"in": "99years"}"#).is_ok());
}

#[test]
fn a_window_bounds_the_fires_and_jitter_stays_inside_each_fires_window() {
    let spec = resolve(r#"{"cron": "0 * * * *"}"#).unwrap();
    let options = TimingOptions {
        starts_at: Some(utc("2026-11-22T14:30:00Z")),
        ends_at: Some(utc("2026-11-22T17:00:00Z")),
        ..TimingOptions::default()
    };
    let windowed = spec.compile_with(&options).unwrap();
    assert_eq!(
        windowed.upcoming(utc(NOW), 10),
        [
            utc("2026-11-22T15:00:00Z"),
            utc("2026-11-22T16:00:00Z"),
            utc("2026-11-22T17:00:00Z")
        ],
        "nothing before the start; the end is inclusive; then nothing"
    );
    let jittered = spec
        .compile_with(&TimingOptions {
            jitter: Some("30s".into()),
            jitter_ms: 30_000,
            jitter_seed: 7,
            ..TimingOptions::default()
        })
        .unwrap();
    let fires = jittered.upcoming_fires(utc(NOW), 24);
    let mut offsets = Vec::new();
    for fire in &fires {
        let nominal = fire.nominal.expect("a jittered fire keeps its instant");
        let offset = fire.at - nominal;
        assert!(
            offset >= TimeDelta::zero() && offset < TimeDelta::seconds(30),
            "{offset}"
        );
        assert_eq!(
            jittered.next_after(nominal - TimeDelta::seconds(1)),
            Some(fire.at)
        );
        offsets.push(offset);
    }
    offsets.sort();
    offsets.dedup();
    assert!(
        offsets.len() > 12,
        "the offsets differ from fire to fire: {offsets:?}"
    );
}
