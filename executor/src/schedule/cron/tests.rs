//! Unit and property tests of the cron evaluator: syntax, errors, DST rules per zone, descriptions.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test instant")
        .with_timezone(&Utc)
}

fn zone(name: &str) -> Tz {
    name.parse().expect("test zone")
}

fn cron(expr: &str) -> CronExpr {
    expr.parse()
        .unwrap_or_else(|e| panic!("{expr:?} should parse: {e}"))
}

/// The next `count` instants, as RFC 3339 strings.
fn upcoming(expr: &str, tz: &str, after: &str, count: usize) -> Vec<String> {
    let expr = cron(expr);
    let zone = zone(tz);
    std::iter::successors(expr.next_after(zone, utc(after)), |last| {
        expr.next_after(zone, *last)
    })
    .take(count)
    .map(|instant| instant.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    .collect()
}

#[test]
fn syntax_table() {
    // (expression, after, expected next instants in UTC)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "*/15 * * * *",
            "2026-01-01T00:00:00Z",
            &["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z"],
        ),
        (
            "0-20/10 3 * * *",
            "2026-01-01T00:00:00Z",
            &[
                "2026-01-01T03:00:00Z",
                "2026-01-01T03:10:00Z",
                "2026-01-01T03:20:00Z",
                "2026-01-02T03:00:00Z",
            ],
        ),
        (
            "0 9 * * MON-FRI",
            "2026-11-20T10:00:00Z",
            &["2026-11-23T09:00:00Z"],
        ), // Friday after 9 → Monday
        (
            "0 9 * * mon-fri",
            "2026-11-20T10:00:00Z",
            &["2026-11-23T09:00:00Z"],
        ),
        (
            "0 9 * * 1-5",
            "2026-11-21T00:00:00Z",
            &["2026-11-23T09:00:00Z"],
        ), // 1 is Monday
        (
            "0 0 * * 0",
            "2026-11-22T00:00:00Z",
            &["2026-11-29T00:00:00Z"],
        ),
        (
            "0 0 * * 7",
            "2026-11-22T00:00:00Z",
            &["2026-11-29T00:00:00Z"],
        ), // 7 is Sunday too
        (
            "0 0 1 jan,Jul *",
            "2026-02-01T00:00:00Z",
            &["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"],
        ),
        (
            "0 0 L * *",
            "2026-01-31T00:00:00Z",
            &["2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"],
        ),
        (
            "0 0 L 2 *",
            "2027-03-01T00:00:00Z",
            &["2028-02-29T00:00:00Z"],
        ),
        (
            "0 12 * * 5L",
            "2026-11-01T00:00:00Z",
            &["2026-11-27T12:00:00Z", "2026-12-25T12:00:00Z"],
        ),
        // Issue 11: the second Friday (`5#2`), the first Monday by name, the fifth Sunday
        // (only in months that have one).
        (
            "0 9 * * 5#2",
            "2026-11-01T00:00:00Z",
            &[
                "2026-11-13T09:00:00Z",
                "2026-12-11T09:00:00Z",
                "2027-01-08T09:00:00Z",
            ],
        ),
        (
            "0 9 * * MON#1",
            "2026-11-01T00:00:00Z",
            &["2026-11-02T09:00:00Z", "2026-12-07T09:00:00Z"],
        ),
        (
            "0 0 * * 0#5",
            "2026-11-01T00:00:00Z",
            &["2026-11-29T00:00:00Z", "2027-01-31T00:00:00Z"],
        ),
        // 7 is Sunday too; a list mixes forms.
        (
            "0 0 * * 7#1,5L",
            "2026-11-01T00:00:00Z",
            &[
                "2026-11-27T00:00:00Z",
                "2026-12-06T00:00:00Z",
                "2026-12-25T00:00:00Z",
            ],
        ),
        // Both day fields restricted: either matches (the 13th, or any Friday).
        (
            "0 0 13 * 5",
            "2026-11-01T00:00:00Z",
            &[
                "2026-11-06T00:00:00Z",
                "2026-11-13T00:00:00Z",
                "2026-11-20T00:00:00Z",
            ],
        ),
        // Day-of-month starts with `*`: both must match (odd days that are Fridays).
        (
            "0 0 */2 * 5",
            "2026-11-01T00:00:00Z",
            &["2026-11-13T00:00:00Z", "2026-11-27T00:00:00Z"],
        ),
        (
            "30 */20 * * * *",
            "2026-01-01T00:00:00Z",
            &["2026-01-01T00:00:30Z", "2026-01-01T00:20:30Z"],
        ),
        ("@hourly", "2026-01-01T00:30:00Z", &["2026-01-01T01:00:00Z"]),
        ("@daily", "2026-01-01T00:30:00Z", &["2026-01-02T00:00:00Z"]),
        (
            "@midnight",
            "2026-01-01T00:30:00Z",
            &["2026-01-02T00:00:00Z"],
        ),
        ("@weekly", "2026-11-22T00:30:00Z", &["2026-11-29T00:00:00Z"]),
        (
            "@monthly",
            "2026-11-22T00:00:00Z",
            &["2026-12-01T00:00:00Z"],
        ),
        ("@yearly", "2026-11-22T00:00:00Z", &["2027-01-01T00:00:00Z"]),
        (
            "@ANNUALLY",
            "2026-11-22T00:00:00Z",
            &["2027-01-01T00:00:00Z"],
        ),
        (
            "0 0 29 2 *",
            "2026-01-01T00:00:00Z",
            &["2028-02-29T00:00:00Z"],
        ),
    ];
    for (expr, after, expected) in cases {
        assert_eq!(
            upcoming(expr, "UTC", after, expected.len()),
            *expected,
            "{expr} after {after}"
        );
    }
}

#[test]
fn next_is_strictly_after() {
    assert_eq!(
        upcoming("0 9 * * *", "UTC", "2026-01-01T09:00:00Z", 1),
        ["2026-01-02T09:00:00Z"]
    );
    assert_eq!(
        upcoming("0 9 * * *", "UTC", "2026-01-01T08:59:59.999Z", 1),
        ["2026-01-01T09:00:00Z"]
    );
}

#[test]
fn errors_name_the_field_and_the_reason() {
    let cases = [
        (
            "61 * * * *",
            "cron field 1 (minute) is 61; minutes are 0–59",
        ),
        ("0 25 * * *", "cron field 2 (hour) is 25; hours are 0–23"),
        ("0 0 32 * *", "cron field 3 (day-of-month) is 32"),
        ("0 0 * 13 *", "cron field 4 (month) is 13"),
        ("0 0 * * 8", "cron field 5 (day-of-week) is 8"),
        ("60 0 0 * * *", "cron field 1 (second) is 60"),
        ("0 0 * * FOO", "cron field 5 (day-of-week) has \"FOO\""),
        ("0 0 * JANUARY *", "cron field 4 (month) has \"JANUARY\""),
        ("* * * *", "has 4"),
        ("* * * * * * *", "has 7"),
        ("", "empty"),
        ("@reboot", "unknown macro \"@reboot\""),
        ("*/0 * * * *", "step of 0"),
        ("10-5 * * * *", "range 10-5, which runs backwards"),
        ("5/10 * * * *", "cron field 1 (minute) has \"5/10\""),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        (",5 * * * *", "cron field 1 (minute) has \"\""),
        (
            "0 0 * * 5#6",
            "cron field 5 (day-of-week) has \"5#6\", which is not n#k with k 1–5",
        ),
        ("0 0 * * 5#0", "k 1–5"),
        ("0 0 * * 8#1", "cron field 5 (day-of-week) is 8"),
        ("0 0 * * 5#", "k 1–5"),
    ];
    for (expr, expected) in cases {
        let error = expr.parse::<CronExpr>().expect_err(expr).to_string();
        assert!(
            error.contains(expected),
            "{expr:?}: {error:?} lacks {expected:?}"
        );
    }
}

#[test]
fn a_step_past_the_fields_span_is_refused_not_wrapped() {
    // A u32 step once overflowed: a panic in debug builds, {0, 1} in release.
    for (expr, expected) in [
        (
            "1-59/4294967295 * * * *",
            "cron field 1 (minute) has a step of 4294967295, larger than the field's span (0–59); steps are 1–60",
        ),
        ("*/99999999999999999999 * * * *", "cron field 1 (minute) has \"*/99999999999999999999\""),
        ("0 */25 * * *", "cron field 2 (hour) has a step of 25"),
        ("0 0 1/40 * *", "cron field 3 (day-of-month) has a step of 40"),
        ("0 0 1-31/32 * *", "cron field 3 (day-of-month) has a step of 32"),
    ] {
        let error = expr.parse::<CronExpr>().expect_err(expr).to_string();
        assert!(error.contains(expected), "{expr:?}: {error:?} lacks {expected:?}");
    }
    // The largest step takes the range's start only.
    assert_eq!(
        upcoming("*/60 * * * *", "UTC", "2026-01-01T00:00:30Z", 2),
        ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]
    );
}

#[test]
fn a_huge_expression_or_list_is_refused_by_length() {
    let long = format!("{} * * * *", vec!["1"; 5_000].join(","));
    let error = long.parse::<CronExpr>().expect_err("long").to_string();
    assert!(error.contains("characters; the limit is"), "{error}");
    let many = format!(
        "0 {} * * *",
        (0..24)
            .cycle()
            .take(100)
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let error = many.parse::<CronExpr>().expect_err("many").to_string();
    assert!(
        error.contains("100 items; a field takes at most"),
        "{error}"
    );
}

#[test]
fn february_30_with_a_weekday_still_fires_on_that_weekday() {
    // Both day fields restricted, so the OR rule makes it fire on February's Mondays.
    assert_eq!(
        upcoming("0 0 30 2 1", "UTC", "2026-11-22T00:00:00Z", 2),
        ["2027-02-01T00:00:00Z", "2027-02-08T00:00:00Z"]
    );
}

#[test]
fn fixed_time_is_decided_by_minute_and_hour_fields() {
    assert!(cron("30 2 * * *").is_fixed_time());
    assert!(cron("0,30 2-4 * * *").is_fixed_time());
    assert!(!cron("*/30 2 * * *").is_fixed_time());
    assert!(!cron("0 * * * *").is_fixed_time());
    assert!(!cron("@hourly").is_fixed_time());
    assert!(cron("@daily").is_fixed_time());
}

// --- Daylight-saving time -------------------------------------------------------------

#[test]
fn new_york_dst_gap_fixed_time_fires_at_first_instant_after_gap() {
    // 2026-03-08: 02:00 EST → 03:00 EDT. 02:30 does not exist; it fires at 03:00 EDT.
    assert_eq!(
        upcoming("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 3),
        [
            "2026-03-08T07:00:00Z",
            "2026-03-09T06:30:00Z",
            "2026-03-10T06:30:00Z"
        ]
    );
}

#[test]
fn new_york_dst_gap_fixed_time_fires_once_for_several_skipped_times() {
    // 02:00, 02:15, 02:30 and 02:45 are all skipped: one fire at 03:00 EDT.
    assert_eq!(
        upcoming(
            "0,15,30,45 2 * * *",
            "America/New_York",
            "2026-03-08T06:59:00Z",
            2
        ),
        ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"]
    );
}

#[test]
fn new_york_dst_gap_wildcard_skips_missing_readings() {
    assert_eq!(
        upcoming("0 * * * *", "America/New_York", "2026-03-08T05:30:00Z", 3),
        [
            "2026-03-08T06:00:00Z",
            "2026-03-08T07:00:00Z",
            "2026-03-08T08:00:00Z"
        ]
    );
}

#[test]
fn new_york_overlap_fixed_time_fires_once_at_first_occurrence() {
    // 2026-11-01: 02:00 EDT → 01:00 EST; 01:30 happens twice. Fires at 01:30 EDT only.
    assert_eq!(
        upcoming("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2),
        ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]
    );
}

#[test]
fn new_york_overlap_wildcard_fires_on_both_passes() {
    assert_eq!(
        upcoming(
            "*/30 1 * * *",
            "America/New_York",
            "2026-11-01T04:00:00Z",
            5
        ),
        [
            "2026-11-01T05:00:00Z",
            "2026-11-01T05:30:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T06:30:00Z",
            "2026-11-02T06:00:00Z",
        ]
    );
}

#[test]
fn new_york_overlap_wildcard_from_inside_the_second_pass() {
    assert_eq!(
        upcoming(
            "*/30 1 * * *",
            "America/New_York",
            "2026-11-01T06:00:00Z",
            1
        ),
        ["2026-11-01T06:30:00Z"]
    );
}

#[test]
fn berlin_gap_and_overlap() {
    // 2026-03-29: 02:00 CET → 03:00 CEST.
    assert_eq!(
        upcoming("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2),
        ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]
    );
    assert_eq!(
        upcoming("*/30 * * * *", "Europe/Berlin", "2026-03-29T00:15:00Z", 2),
        ["2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"]
    );
    // 2026-10-25: 03:00 CEST → 02:00 CET.
    assert_eq!(
        upcoming("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2),
        ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]
    );
    assert_eq!(
        upcoming("*/30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 5),
        [
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:00:00Z",
            "2026-10-25T01:30:00Z",
            "2026-10-26T01:00:00Z",
        ]
    );
}

#[test]
fn lord_howe_half_hour_gap_and_overlap() {
    // 2026-10-04: 02:00 +10:30 → 02:30 +11:00. 02:15 fires at 02:30 +11:00.
    assert_eq!(
        upcoming(
            "15 2 * * *",
            "Australia/Lord_Howe",
            "2026-10-03T00:00:00Z",
            2
        ),
        ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"]
    );
    // 2026-04-05: 02:00 +11:00 → 01:30 +10:30. 01:45 fires once, at +11:00.
    assert_eq!(
        upcoming(
            "45 1 * * *",
            "Australia/Lord_Howe",
            "2026-04-04T00:00:00Z",
            2
        ),
        ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"]
    );
    // A wildcard job sees both passes of 01:30–01:59.
    assert_eq!(
        upcoming(
            "*/15 1 * * *",
            "Australia/Lord_Howe",
            "2026-04-04T14:20:00Z",
            5
        ),
        [
            "2026-04-04T14:30:00Z",
            "2026-04-04T14:45:00Z",
            "2026-04-04T15:00:00Z",
            "2026-04-04T15:15:00Z",
            "2026-04-05T14:30:00Z",
        ]
    );
}

#[test]
fn chatham_quarter_hour_zone_gap_and_overlap() {
    // 2026-09-27: 02:45 +12:45 → 03:45 +13:45. 03:00 fires at 03:45 +13:45.
    assert_eq!(
        upcoming("0 3 * * *", "Pacific/Chatham", "2026-09-26T00:00:00Z", 2),
        ["2026-09-26T14:00:00Z", "2026-09-27T13:15:00Z"]
    );
    // 2026-04-05: 03:45 +13:45 → 02:45 +12:45. 03:00 fires once, at +13:45.
    assert_eq!(
        upcoming("0 3 * * *", "Pacific/Chatham", "2026-04-04T00:00:00Z", 2),
        ["2026-04-04T13:15:00Z", "2026-04-05T14:15:00Z"]
    );
}

#[test]
fn kolkata_half_hour_offset() {
    assert_eq!(
        upcoming("0 9 * * *", "Asia/Kolkata", "2026-06-01T00:00:00Z", 2),
        ["2026-06-01T03:30:00Z", "2026-06-02T03:30:00Z"]
    );
}

#[test]
fn describes_in_plain_words() {
    let cases = [
        ("0 9 * * 1-5", "At 09:00, Monday through Friday"),
        (
            "*/15 9-17 * * 1-5",
            "Every 15 minutes, 09:00–17:59, Monday through Friday",
        ),
        ("* * * * *", "Every minute"),
        ("0 0 1 * *", "At 00:00, on day 1 of the month"),
        ("0 0 L * *", "At 00:00, on the last day of the month"),
        ("0 12 * * 5L", "At 12:00, on the last Friday of the month"),
        ("0 9 * * 5#2", "At 09:00, on the second Friday of the month"),
        ("0 9,17 * * *", "At 09:00 and 17:00"),
        (
            "0 0 13 * 5",
            "At 00:00, on day 13 of the month or on Friday",
        ),
        ("0 0 1 1 *", "At 00:00, on day 1 of the month, in January"),
        ("*/10 * * * * *", "Every 10 seconds"),
        ("5 * * * *", "At minute 5 past the hour"),
    ];
    for (expr, expected) in cases {
        assert_eq!(cron(expr).describe(), expected, "{expr}");
    }
}

// --- Properties ----------------------------------------------------------------------

const ZONES: [&str; 7] = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/Sao_Paulo",
];

fn field(values: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(values)
}

fn expression() -> impl Strategy<Value = String> {
    (
        field(&["*", "0", "*/15", "5,35", "0-10/5", "30", "*/7"]),
        field(&["*", "0", "2", "1-3", "*/6", "9,17", "1"]),
        field(&["*", "1", "15", "L", "*/3", "28-31", "13"]),
        field(&["*", "1-6", "jan,jul", "*/2", "3", "10-12"]),
        field(&["*", "1-5", "0", "5L", "MON,WED", "6", "*/2"]),
    )
        .prop_map(|(m, h, dom, mon, dow)| format!("{m} {h} {dom} {mon} {dow}"))
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2020-01-01 .. 2036-01-01, to the second.
    (1_577_836_800i64..2_082_758_400i64)
        .prop_map(|secs| DateTime::from_timestamp(secs, 0).expect("in range"))
}

/// The first instant after `from` (within a year) where `zone`'s offset changes.
fn next_offset_change(zone: Tz, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let offset = |at: DateTime<Utc>| crate::schedule::zone::offset_at(zone, at);
    let start = offset(from);
    let mut at = from;
    for _ in 0..(366 * 24) {
        at += TimeDelta::hours(1);
        if offset(at) != start {
            // Narrow down to the minute.
            let mut minute = at - TimeDelta::hours(1);
            while offset(minute) == start {
                minute += TimeDelta::minutes(1);
            }
            return Some(minute);
        }
    }
    None
}

/// Whether `instant` is the first instant after a spring-forward jump in `zone`.
fn is_gap_end(zone: Tz, instant: DateTime<Utc>) -> bool {
    crate::schedule::zone::offset_at(zone, instant - TimeDelta::seconds(1))
        < crate::schedule::zone::offset_at(zone, instant)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_instant_matches_and_instants_strictly_increase(
        expr in expression(),
        zone_name in prop::sample::select(&ZONES[..]),
        after in instant(),
    ) {
        let parsed: CronExpr = expr.parse().expect("generated expressions are valid");
        let zone: Tz = zone_name.parse().expect("known zone");
        let mut last = after;
        for _ in 0..4 {
            let Some(next) = parsed.next_after(zone, last) else { break };
            prop_assert!(next > last, "{expr} in {zone_name}: {next} is not after {last}");
            let reading: NaiveDateTime = crate::schedule::zone::reading_at(zone, next);
            prop_assert!(
                parsed.matches(reading) || (parsed.is_fixed_time() && is_gap_end(zone, next)),
                "{expr} in {zone_name}: {next} (local {reading}) does not match"
            );
            last = next;
        }
    }

    #[test]
    fn in_dst_zones_no_matching_minute_is_skipped_or_repeated(
        expr in expression(),
        zone_name in prop::sample::select(&ZONES[..]),
        near_change in 0u32..2,
        after in instant(),
    ) {
        // Elapsed-time jobs (minute or hour starts with `*`): every real minute whose wall
        // reading matches fires, once, DST or not. (Fixed-time jobs are moved or merged by
        // design; the DST table tests cover them.)
        let parsed: CronExpr = expr.parse().expect("generated expressions are valid");
        prop_assume!(!parsed.is_fixed_time());
        let zone: Tz = zone_name.parse().expect("known zone");
        // Half the cases start an hour before a change of the zone's offset.
        let after = if near_change == 1 {
            next_offset_change(zone, after).map_or(after, |change| change - TimeDelta::hours(1))
        } else {
            after
        };
        let after = after.with_second(0).expect("valid");
        let until = after + TimeDelta::hours(3);
        let mut fires = std::collections::BTreeSet::new();
        let mut last = after;
        while let Some(next) = parsed.next_after(zone, last).filter(|n| *n <= until) {
            prop_assert!(fires.insert(next), "{expr} in {zone_name}: {next} twice");
            last = next;
        }
        let mut t = after + TimeDelta::minutes(1);
        while t <= last {
            let reading = crate::schedule::zone::reading_at(zone, t);
            prop_assert_eq!(
                parsed.matches(reading),
                fires.contains(&t),
                "{} in {}: the minute {} (local {}) is {} but {}",
                expr, zone_name, t, reading,
                if parsed.matches(reading) { "a match" } else { "no match" },
                if fires.contains(&t) { "fired" } else { "did not fire" }
            );
            t += TimeDelta::minutes(1);
        }
    }

    #[test]
    fn in_utc_no_matching_minute_is_skipped(expr in expression(), after in instant()) {
        let parsed: CronExpr = expr.parse().expect("generated expressions are valid");
        let after = after.with_second(0).expect("valid") ;
        let Some(next) = parsed.next_after(Tz::UTC, after) else { return Ok(()) };
        let checked_until = next.min(after + TimeDelta::days(3));
        let mut t = after + TimeDelta::minutes(1);
        while t < checked_until {
            prop_assert!(!parsed.matches(t.naive_utc()), "{expr}: {t} matches but next was {next}");
            t += TimeDelta::minutes(1);
        }
    }
}
