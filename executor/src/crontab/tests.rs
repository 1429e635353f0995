//! Tests of reading a crontab.

use super::*;

const CRONTAB: &str = r#"# Backups
SHELL=/bin/bash
MAILTO="ops@example.com"
# Nightly report
0 2 * * * curl -fsS -X POST https://hooks.example.com/report
*/15 9-17 * * 1-5 https://hooks.example.com/poll
CRON_TZ=America/New_York
30 2 * * * /usr/local/bin/backup.sh --full
@daily wget -q https://hooks.example.com/daily
0 0 * * * /usr/local/bin/backup.sh --full

30 */2 * * * * curl -d x=1 https://hooks.example.com/seconds
0 25 * * * /bin/true
@reboot /usr/local/bin/start.sh
TZ=Mars/Olympus
0 0 * * *
"#;

fn entries(lines: &[CrontabLine]) -> Vec<(usize, &Entry)> {
    lines
        .iter()
        .filter_map(|line| match &line.item {
            LineItem::Entry(entry) => Some((line.number, entry)),
            _ => None,
        })
        .collect()
}

#[test]
fn every_line_is_read_with_its_number() {
    let lines = parse(CRONTAB, "UTC");
    assert_eq!(lines.len(), CRONTAB.lines().count());
    assert_eq!(lines[0].item, LineItem::Comment);
    assert_eq!(
        lines[1].item,
        LineItem::Environment {
            name: "SHELL".into()
        }
    );
    assert_eq!(
        lines[6].item,
        LineItem::Zone {
            tz: "America/New_York".into()
        }
    );
    assert_eq!(lines[10].item, LineItem::Blank);
    let errors: Vec<(usize, String)> = lines
        .iter()
        .filter_map(|line| match &line.item {
            LineItem::Error { reason } => Some((line.number, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_eq!(errors[0].0, 13);
    assert!(
        errors[0].1.contains("cron field 2 (hour) is 25"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, 14);
    assert!(errors[1].1.contains("@reboot"));
    assert_eq!(errors[2].0, 15);
    assert!(errors[2].1.contains("unknown time zone \"Mars/Olympus\""));
    assert_eq!(errors[3].0, 16);
    assert!(errors[3].1.contains("no command"), "{errors:?}");
}

#[test]
fn schedules_take_zone_name_target_and_key() {
    let lines = parse(CRONTAB, "Europe/Berlin");
    let found = entries(&lines);
    assert_eq!(found.len(), 6);

    let (number, report) = found[0];
    assert_eq!(number, 5);
    assert_eq!(report.cron, "0 2 * * *");
    assert_eq!(report.tz, "Europe/Berlin", "the import's default zone");
    assert_eq!(report.name, "Nightly report", "the comment above names it");
    assert_eq!(
        report.url.as_deref(),
        Some("https://hooks.example.com/report")
    );
    assert_eq!(report.method.as_deref(), Some("POST"));

    let (_, poll) = found[1];
    assert_eq!(
        poll.name, "https://hooks.example.com/poll",
        "no comment: the command"
    );
    assert_eq!(poll.method.as_deref(), Some("POST"), "a bare URL");

    let (_, backup) = found[2];
    assert_eq!(backup.tz, "America/New_York", "CRON_TZ applies below it");
    assert_eq!(backup.url, None, "a program, not a webhook");
    assert_eq!(backup.key, "/usr/local/bin/backup.sh --full");

    let (_, daily) = found[3];
    assert_eq!(daily.cron, "@daily");
    assert_eq!(daily.method.as_deref(), Some("GET"), "wget");

    let (_, again) = found[4];
    assert_eq!(
        again.key, "/usr/local/bin/backup.sh --full#2",
        "a repeated command"
    );

    let (_, seconds) = found[5];
    assert_eq!(
        seconds.cron, "30 */2 * * * *",
        "six fields when they form an expression"
    );
    assert_eq!(
        seconds.method.as_deref(),
        Some("POST"),
        "curl -d sends data"
    );
}

#[test]
fn a_five_field_line_whose_command_looks_like_a_field_stays_five_fields() {
    let lines = parse("0 0 * * * echo done", "UTC");
    let found = entries(&lines);
    assert_eq!(found[0].1.cron, "0 0 * * *");
    assert_eq!(found[0].1.command, "echo done");
}

#[test]
fn long_commands_make_names_within_the_limit() {
    let command = format!("https://hooks.example.com/{}", "x".repeat(300));
    let lines = parse(&format!("* * * * * {command}"), "UTC");
    let found = entries(&lines);
    assert_eq!(found[0].1.name.chars().count(), 200);
    assert!(found[0].1.name.ends_with('…'));
    assert_eq!(found[0].1.key, command, "the key keeps the whole command");
}
