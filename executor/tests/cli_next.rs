//! `executor next`: the exact output format and exit statuses users and tools rely on.

use std::process::Command;

fn next(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_executor"))
        .arg("next")
        .args(args)
        .output()
        .expect("run executor next");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// One instant per line; where DST moved a run, its note follows a tab (issue 11).
#[test]
fn prints_instants_one_per_line_in_utc() {
    let (status, stdout, _) = next(&[
        "--cron",
        "30 2 * * *",
        "--tz",
        "America/New_York",
        "--after",
        "2026-03-07T12:00:00Z",
        "--count",
        "3",
    ]);
    assert_eq!(status, 0);
    assert_eq!(
        stdout,
        "2026-03-08T07:00:00Z\t02:30 does not exist that day (clocks jump 02:00→03:00); runs at \
         the first instant after the gap\n2026-03-09T06:30:00Z\n2026-03-10T06:30:00Z\n"
    );
}

#[test]
fn every_in_and_at_work_the_same_way() {
    // --after with an offset: 2025-12-31T23:00:00Z.
    let after = ["--after", "2026-01-01T00:00:00+01:00"];
    let (_, every, _) = next(&[&["--every", "1h", "--count", "2"][..], &after].concat());
    assert_eq!(every, "2026-01-01T00:00:00Z\n2026-01-01T01:00:00Z\n");
    let (_, in_, _) = next(&[&["--in", "90m"][..], &after].concat());
    assert_eq!(in_, "2026-01-01T00:30:00Z\n");
    let (_, at, _) = next(
        &[
            &["--at", "2026-02-01T09:00", "--tz", "Europe/Berlin"][..],
            &after,
        ]
        .concat(),
    );
    assert_eq!(at, "2026-02-01T08:00:00Z\n");
}

#[test]
fn bad_input_says_why_on_stderr_and_exits_2() {
    for (args, reason) in [
        (
            vec!["--cron", "61 * * * *"],
            "cron field 1 (minute) is 61; minutes are 0–59",
        ),
        (vec!["--cron", "* * * *"], "has 4"),
        (
            vec!["--cron", "0 9 * * *", "--tz", "Nowhere/City"],
            "unknown time zone",
        ),
        (vec!["--in", "soon"], "\"soon\" is not a valid duration"),
        (vec!["--at", "2020-01-01T00:00:00Z"], "in the past"),
        (vec!["--cron", "0 0 30 2 *"], "never fires"),
        (
            vec!["--every", "1m", "--after", "noon"],
            "--after must be an RFC 3339 instant",
        ),
    ] {
        let (status, stdout, stderr) = next(&args);
        assert_eq!(status, 2, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(
            stderr.contains(reason),
            "{args:?}: {stderr:?} lacks {reason:?}"
        );
    }
    // Two kinds at once, or none, is a usage error: also status 2.
    assert_eq!(next(&["--cron", "* * * * *", "--every", "1m"]).0, 2);
    assert_eq!(next(&[]).0, 2);
}
