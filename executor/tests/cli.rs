//! The `scheduleman` command-line client against a real server process and PostgreSQL
//! (issue 20): every verb, its output formats and its exit codes.

mod support;

use std::process::Command;

use serde_json::Value;
use sqlx::PgPool;
use support::*;

/// Runs the client against `server`: exit code, stdout, stderr.
fn scheduleman(server: &ServerProcess, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_scheduleman"))
        .args(args)
        .env("SCHEDULEMAN_URL", &server.base)
        .env_remove("SCHEDULEMAN_TOKEN")
        .output()
        .expect("run scheduleman");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs it and expects success: stdout.
fn ok(server: &ServerProcess, args: &[&str]) -> String {
    let (code, out, err) = scheduleman(server, args);
    assert_eq!(code, 0, "scheduleman {args:?}: {err}{out}");
    out
}

const DOCUMENT: &str = "\
source: git:ops/billing
schedules:
  - name: invoices
    schedule:
      cron: '0 9 * * *'
      tz: Europe/Berlin
    target:
      url: http://127.0.0.1:9/invoices
    labels:
      team: billing
  - name: statements
    schedule:
      every: 1h
    target:
      url: http://127.0.0.1:9/statements
    labels:
      team: billing
      env: prod
";

#[sqlx::test(migrations = "../migrations")]
async fn every_verb_works_against_a_real_server(pool: PgPool) {
    let server = ServerProcess::start(&database_url(&pool), "cli-server", None).await;
    let dir = std::env::temp_dir().join(format!("scheduleman-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("schedules.yaml");
    std::fs::write(&file, DOCUMENT).unwrap();
    let file = file.to_str().unwrap();

    let plan = ok(&server, &["apply", "-f", file, "--dry-run"]);
    assert!(
        plan.contains("+ invoices  (At 09:00, Europe/Berlin)"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 2 to create, 0 to change, 0 to delete, 0 unchanged"),
        "{plan}"
    );
    let (code, _, _) = scheduleman(
        &server,
        &["apply", "-f", file, "--dry-run", "--detailed-exitcode"],
    );
    assert_eq!(code, 4, "changes pending");
    let applied = ok(&server, &["apply", "-f", file]);
    assert!(
        applied.contains("Applied: 2 created, 0 changed, 0 deleted"),
        "{applied}"
    );
    let (code, again, _) = scheduleman(
        &server,
        &["apply", "-f", file, "--dry-run", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "nothing pending: {again}");
    assert!(
        again.contains("0 to create, 0 to change, 0 to delete, 2 unchanged"),
        "{again}"
    );

    let table = ok(&server, &["get", "-l", "team=billing,env=prod"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("LABELS"),
        "{table}"
    );
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[1].starts_with("statements") && lines[1].contains("env=prod,team=billing"),
        "{table}"
    );
    let listed: Value = serde_json::from_str(&ok(&server, &["get", "-o", "json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let described = ok(&server, &["describe", "invoices"]);
    assert!(
        described.contains("At 09:00, Europe/Berlin") && described.contains("team=billing"),
        "{described}"
    );

    let yaml: Value = serde_norway::from_str(&ok(&server, &["export"])).unwrap();
    let json: Value = serde_json::from_str(&ok(&server, &["export", "-o", "json"])).unwrap();
    assert_eq!(yaml, json);
    assert_eq!(yaml["schedules"].as_array().unwrap().len(), 2);

    std::fs::write(
        dir.join("schedules.yaml"),
        DOCUMENT.replace("0 9 * * *", "0 10 * * *"),
    )
    .unwrap();
    let diff = ok(&server, &["apply", "-f", file, "--dry-run"]);
    assert!(
        diff.contains("~ invoices\n    schedule.cron: 0 9 * * * → 0 10 * * *"),
        "{diff}"
    );
    assert!(
        diff.contains("1 to change") && diff.contains("1 unchanged"),
        "{diff}"
    );
    ok(&server, &["apply", "-f", file]);

    assert!(
        ok(&server, &["pause", "invoices", "--note", "quarter close"])
            .contains("invoices is paused")
    );
    let paused: Value =
        serde_json::from_str(&ok(&server, &["describe", "invoices", "-o", "json"])).unwrap();
    assert_eq!(paused["pause_note"], "quarter close");
    assert!(ok(&server, &["resume", "invoices"]).contains("invoices is active"));
    assert!(
        ok(&server, &["trigger", "invoices", "--body", "{\"once\":1}"])
            .contains("invoices is active")
    );
    assert!(ok(&server, &["history", "invoices"]).starts_with("SCHEDULED FOR"));
    let next = ok(
        &server,
        &["next", "--cron", "0 9 * * *", "--tz", "UTC", "--count", "2"],
    );
    assert_eq!(
        next.lines().count(),
        3,
        "the description and 2 fires: {next}"
    );
    let (code, _, err) = scheduleman(&server, &["rearm", "invoices"]);
    assert_eq!(code, 1, "not dead: refused");
    assert!(err.contains("409"), "{err}");

    let single = dir.join("one.json");
    std::fs::write(
        &single,
        r#"{"name": "one-off", "schedule": {"in": "1h"}, "target": {"url": "http://127.0.0.1:9/x"}}"#,
    )
    .unwrap();
    assert!(ok(&server, &["create", "-f", single.to_str().unwrap()]).contains("created"));
    assert!(ok(&server, &["delete", "one-off"]).starts_with("deleted"));
    let (code, _, err) = scheduleman(&server, &["describe", "one-off"]);
    assert_eq!(code, 1);
    assert!(err.contains("no schedule is named \"one-off\""), "{err}");

    assert!(ok(&server, &["completions", "bash"]).contains("_scheduleman"));
    let (code, _, _) = scheduleman(&server, &["frobnicate"]);
    assert_eq!(code, 2, "a wrong command line");
    let (code, _, err) = scheduleman(&server, &["--url", "http://127.0.0.1:9", "get"]);
    assert_eq!(code, 3, "unreachable: {err}");
    std::fs::remove_dir_all(&dir).ok();
}
