//! Alerts against a real PostgreSQL and real HTTP and SMTP sinks: an incident opens once,
//! goes to the schedule's channels (or the default set, or nowhere while muted), resolves
//! once and says so to the same channels; deliveries are signed, retried with backoff and
//! never sent twice by two senders; email goes through an SMTP relay; and the executor's own
//! attempts open and resolve `schedule.failing` and `fire.dead`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use scheduleman::access::Actor;
use scheduleman::alerts::{send, watch, AlertCounters, Deliverer, SmtpSettings, WatchSettings};
use scheduleman::commands::{self, alerts, Action};
use scheduleman::model::{
    AlertEvent, AlertRule, ChannelFormat, ChannelRequest, OnDead, RetryPolicy,
};
use scheduleman::schedule::ScheduleSpec;
use scheduleman::signature::SignedParts;
use scheduleman::ssrf::resolve::DnsServers;
use scheduleman::ssrf::TargetGuard;
use scheduleman::store::schedules;
use sqlx::PgPool;
use support::*;
use uuid::Uuid;

fn settings() -> WatchSettings {
    WatchSettings {
        every: Duration::from_millis(200),
        overdue_after: Duration::from_secs(3600),
        executors_grace: Duration::from_secs(3600),
        public_url: "https://sched.example".into(),
    }
}

fn guard() -> TargetGuard {
    TargetGuard::new("127.0.0.0/8".parse().unwrap(), &DnsServers::System).unwrap()
}

fn deliverer(smtp: Option<SmtpSettings>) -> Arc<Deliverer> {
    Arc::new(Deliverer::new("127.0.0.0/8".parse().unwrap(), &DnsServers::System, smtp).unwrap())
}

/// An executor that beats now, so `executors.none` stays out of the way.
async fn beating_executor(pool: &PgPool) {
    sqlx::query(
        "INSERT INTO executors (id, host, pid, started_at, last_seen_at) \
         VALUES ('beating', 'test', 1, now(), now())",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn channel(pool: &PgPool, name: &str, url: String, default: bool) -> (Uuid, String) {
    let created = alerts::create_channel(
        pool,
        &guard(),
        &deliverer(None),
        &Actor::local(),
        &ChannelRequest {
            name: name.into(),
            url,
            format: ChannelFormat::Json,
            default,
        },
    )
    .await
    .unwrap();
    (created.channel.id, created.signing_secret)
}

async fn dead_schedule(pool: &PgPool, name: &str) -> Uuid {
    let id = insert_at(
        pool,
        name,
        Utc::now() + TimeDelta::hours(1),
        "http://127.0.0.1:9/never".into(),
        RetryPolicy::default(),
    )
    .await;
    sqlx::query(
        "UPDATE schedule_runtime SET state = 'dead', dead_at = now(), next_run_at = NULL, \
         last_error = 'HTTP 500: the target is failing' WHERE id = $1",
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
    id
}

async fn pending(pool: &PgPool) -> Vec<(Uuid, String)> {
    sqlx::query_as(
        "SELECT channel_id, kind FROM alert_deliveries WHERE status = 'pending' ORDER BY created_at",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn send_all(pool: &PgPool, deliverer: &Arc<Deliverer>) {
    let counters = AlertCounters::default();
    while send::send_due(pool, deliverer, &counters).await.unwrap() > 0 {}
}

fn verify(alert: &ReceivedAlert, secret: &str) -> bool {
    let header = |name: &str| {
        alert
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let url = format!(
        "http://{}/{}",
        alert.headers["host"].to_str().unwrap(),
        alert.path
    );
    let parts = SignedParts {
        timestamp: &header("x-scheduleman-timestamp"),
        method: "POST",
        url: &url,
        schedule_id: &header("x-scheduleman-schedule-id"),
        execution_id: &header("x-scheduleman-execution-id"),
        scheduled_for: &header("x-scheduleman-scheduled-for"),
        attempt: &header("x-scheduleman-attempt"),
        body: &alert.raw,
    };
    parts.verify(secret.as_bytes(), &header("x-scheduleman-signature"))
}

#[sqlx::test(migrations = "../migrations")]
async fn an_incident_opens_once_goes_to_its_channels_and_resolves_once(pool: PgPool) {
    beating_executor(&pool).await;
    let sink = AlertSink::start(Duration::ZERO).await;
    let (team, team_secret) = channel(&pool, "team", sink.url("team"), true).await;
    let (billing, _) = channel(&pool, "billing only", sink.url("billing"), false).await;
    let plain = dead_schedule(&pool, "nightly export").await;
    let routed = dead_schedule(&pool, "invoices").await;
    let muted = dead_schedule(&pool, "noisy").await;
    let local = Actor::local();
    alerts::set_rule(
        &pool,
        &local,
        routed,
        &AlertRule {
            channels: Some(vec![billing]),
            ..AlertRule::default()
        },
    )
    .await
    .unwrap();
    let until = Utc::now() + TimeDelta::hours(1);
    alerts::set_rule(
        &pool,
        &local,
        muted,
        &AlertRule {
            muted_until: Some(until),
            ..AlertRule::default()
        },
    )
    .await
    .unwrap();

    let first = watch::pass(&pool, &settings()).await.unwrap();
    let mut opened: Vec<Uuid> = first.opened.iter().map(|c| c.subject).collect();
    opened.sort();
    let mut expected = vec![plain, routed, muted];
    expected.sort();
    assert_eq!(opened, expected, "one schedule.dead each");
    assert!(first
        .opened
        .iter()
        .all(|c| c.incident.event == AlertEvent::ScheduleDead));
    let mut queued = pending(&pool).await;
    queued.sort();
    let mut want = vec![(team, "open".to_owned()), (billing, "open".to_owned())];
    want.sort();
    assert_eq!(
        queued, want,
        "the default set, the routed channel, nothing while muted"
    );
    let again = watch::pass(&pool, &settings()).await.unwrap();
    assert!(
        again.opened.is_empty() && again.resolved.is_empty(),
        "{again:?}"
    );

    let deliverer = deliverer(None);
    send_all(&pool, &deliverer).await;
    sink.wait_for(Duration::from_secs(5), |r| r.len() == 2)
        .await;
    let to_team = sink
        .received()
        .into_iter()
        .find(|r| r.path == "team")
        .unwrap();
    assert!(
        verify(&to_team, &team_secret),
        "signed with the channel's secret"
    );
    let body = &to_team.body;
    assert_eq!(body["event"], "schedule.dead");
    assert_eq!(body["state"], "open");
    assert_eq!(body["schedule"]["id"], plain.to_string());
    assert_eq!(body["schedule"]["name"], "nightly export");
    assert_eq!(
        body["schedule"]["url"],
        format!("https://sched.example/schedules/{plain}")
    );
    assert_eq!(body["reason"], "HTTP 500: the target is failing");
    let incident = body["incident_id"].as_str().unwrap().to_owned();
    assert_eq!(
        to_team.headers["x-scheduleman-schedule-id"]
            .to_str()
            .unwrap(),
        plain.to_string()
    );

    commands::act(&pool, &local, plain, Action::Rearm)
        .await
        .unwrap();
    commands::delete(&pool, &local, routed).await.unwrap();
    let later = watch::pass(&pool, &settings()).await.unwrap();
    let mut resolutions: Vec<(Uuid, String)> = later
        .resolved
        .iter()
        .map(|c| (c.subject, c.incident.resolution.clone().unwrap()))
        .collect();
    resolutions.sort();
    let mut want = vec![
        (plain, "the schedule is active now".to_owned()),
        (routed, "the schedule was deleted".to_owned()),
    ];
    want.sort();
    assert_eq!(resolutions, want);
    send_all(&pool, &deliverer).await;
    sink.wait_for(Duration::from_secs(5), |r| r.len() == 4)
        .await;
    let resolved: Vec<_> = sink
        .received()
        .into_iter()
        .filter(|r| r.body["state"] == "resolved")
        .collect();
    let to_team = resolved.iter().find(|r| r.path == "team").unwrap();
    assert_eq!(
        to_team.body["incident_id"],
        incident.as_str(),
        "the same incident"
    );
    assert!(to_team.body["reason"]
        .as_str()
        .unwrap()
        .contains("active now"));
    assert!(
        resolved.iter().any(|r| r.path == "billing"),
        "resolved where it was opened"
    );

    let listed = alerts::incidents(
        &pool,
        &local,
        alerts::IncidentFilter {
            open: Some(true),
            schedule_id: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 1, "only the muted one stays open: {listed:?}");
    assert_eq!(listed[0].schedule_id, Some(muted));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failing_channel_is_retried_with_backoff_then_given_up_with_its_reason(pool: PgPool) {
    beating_executor(&pool).await;
    let sink = AlertSink::start(Duration::ZERO).await;
    channel(&pool, "broken", sink.url("fail"), true).await;
    dead_schedule(&pool, "nightly").await;
    watch::pass(&pool, &settings()).await.unwrap();
    let deliverer = deliverer(None);
    let counters = AlertCounters::default();
    assert_eq!(
        send::send_due(&pool, &deliverer, &counters).await.unwrap(),
        1
    );
    let (status, attempts, error, wait): (String, i32, Option<String>, f64) = sqlx::query_as(
        "SELECT status, attempts, last_error, \
                extract(epoch FROM next_attempt_at - now())::float8 FROM alert_deliveries",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(
        error.as_deref().unwrap_or_default().contains("500"),
        "{error:?}"
    );
    assert!(
        (1.0..=2.5).contains(&wait),
        "retried in about 2 s, not {wait}"
    );
    assert_eq!(
        send::send_due(&pool, &deliverer, &counters).await.unwrap(),
        0,
        "not due yet"
    );

    sqlx::query("UPDATE alert_deliveries SET attempts = $1 - 1, next_attempt_at = now()")
        .bind(scheduleman::alerts::MAX_DELIVERY_ATTEMPTS)
        .execute(&pool)
        .await
        .unwrap();
    send::send_due(&pool, &deliverer, &counters).await.unwrap();
    let listed = alerts::deliveries(&pool, &Actor::local()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, scheduleman::model::DeliveryStatus::Failed);
    assert!(listed[0]
        .last_error
        .as_deref()
        .unwrap_or_default()
        .contains("500"));
    assert_eq!(
        counters.failed.load(std::sync::atomic::Ordering::Relaxed),
        2
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn two_senders_never_send_one_alert_twice(pool: PgPool) {
    beating_executor(&pool).await;
    let sink = AlertSink::start(Duration::from_millis(100)).await;
    for n in 0..3 {
        channel(
            &pool,
            &format!("sink {n}"),
            sink.url(&format!("c{n}")),
            true,
        )
        .await;
    }
    for n in 0..12 {
        dead_schedule(&pool, &format!("dead {n}")).await;
    }
    watch::pass(&pool, &settings()).await.unwrap();
    assert_eq!(pending(&pool).await.len(), 36);
    let deliverer = deliverer(None);
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let (pool, deliverer) = (pool.clone(), deliverer.clone());
            tokio::spawn(async move { send_all(&pool, &deliverer).await })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    let received = sink.received();
    let mut ids: Vec<String> = received
        .iter()
        .map(|r| {
            r.headers["x-scheduleman-execution-id"]
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 36);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 36, "an alert was sent twice");
}

#[sqlx::test(migrations = "../migrations")]
async fn email_alerts_go_through_the_smtp_relay(pool: PgPool) {
    let relay = SmtpSink::start().await;
    let smtp: SmtpSettings = format!(
        "smtp://alerts:s3cret@{}?from=scheduleman@example.com",
        relay.addr
    )
    .parse()
    .unwrap();
    let with_mail = deliverer(Some(smtp));
    let request = ChannelRequest {
        name: "on-call".into(),
        url: "mailto:ops@example.com, lead@example.com".into(),
        format: ChannelFormat::Email,
        default: true,
    };
    let refused =
        alerts::create_channel(&pool, &guard(), &deliverer(None), &Actor::local(), &request)
            .await
            .unwrap_err();
    assert!(refused.to_string().contains("invalid"), "{refused}");
    let created = alerts::create_channel(&pool, &guard(), &with_mail, &Actor::local(), &request)
        .await
        .unwrap();
    let delivery = alerts::test_channel(&pool, &with_mail, &Actor::local(), created.channel.id)
        .await
        .unwrap();
    assert_eq!(
        delivery.status,
        scheduleman::model::DeliveryStatus::Sent,
        "{delivery:?}"
    );
    let mails = relay.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "scheduleman@example.com");
    assert_eq!(mail.to, ["ops@example.com", "lead@example.com"]);
    assert!(mail.auth.is_some(), "AUTH PLAIN with the URL's credentials");
    let subject = mail
        .data
        .lines()
        .find_map(|line| line.strip_prefix("Subject: =?utf-8?B?"))
        .and_then(|rest| rest.strip_suffix("?="))
        .unwrap();
    use base64::Engine as _;
    let subject = base64::engine::general_purpose::STANDARD
        .decode(subject)
        .unwrap();
    assert_eq!(
        String::from_utf8(subject).unwrap(),
        "[Scheduleman] TEST test"
    );
}

/// The executor's own attempts: three failures in a row open `schedule.failing`; a fire that
/// runs out of attempts under `on_dead: next_fire` opens `fire.dead`; a success resolves
/// both.
#[sqlx::test(migrations = "../migrations")]
async fn the_executors_attempts_open_and_resolve_failing_and_dead_fire(pool: PgPool) {
    let target = RecordingTarget::start().await;
    let retry = RetryPolicy {
        max_attempts: 2,
        backoff_initial_ms: 100,
        backoff_max_ms: 100,
    };
    let mut schedule = new_schedule(
        "flaky",
        ScheduleSpec::Every {
            every: "1s".into(),
            interval_ms: 1000,
            anchor: Utc::now(),
        },
        target.url("fail"),
        retry,
    );
    schedule.on_dead = OnDead::NextFire;
    let id = schedules::insert(
        &mut pool.acquire().await.unwrap(),
        &schedule,
        Some(Utc::now()),
        Utc::now(),
        &scheduleman::access::Actor::local(),
        &serde_json::json!({}),
    )
    .await
    .unwrap()
    .0
    .id;
    let _executor = ExecutorProcess::start(&database_url(&pool), "alerting", &[]);
    wait_for_schedule(&pool, id, Duration::from_secs(20), |s| s.dead_fires >= 2).await;
    let pass = watch::pass(&pool, &settings()).await.unwrap();
    let mut events: Vec<AlertEvent> = pass.opened.iter().map(|c| c.incident.event).collect();
    events.sort_by_key(|e| e.as_str());
    assert_eq!(
        events,
        [AlertEvent::FireDead, AlertEvent::ScheduleFailing],
        "{pass:?}"
    );

    let mut fixed = schedule.clone();
    fixed.target.url = target.url("ok");
    schedules::update(
        &mut pool.acquire().await.unwrap(),
        id,
        &fixed,
        Some(Utc::now()),
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    wait_for_schedule(&pool, id, Duration::from_secs(20), |s| {
        s.last_outcome == Some(scheduleman::model::Outcome::Success)
    })
    .await;
    let pass = watch::pass(&pool, &settings()).await.unwrap();
    let mut resolved: Vec<(AlertEvent, String)> = pass
        .resolved
        .iter()
        .map(|c| (c.incident.event, c.incident.resolution.clone().unwrap()))
        .collect();
    resolved.sort_by_key(|(e, _)| e.as_str());
    assert_eq!(
        resolved,
        [
            (AlertEvent::FireDead, "a later fire succeeded".to_owned()),
            (
                AlertEvent::ScheduleFailing,
                "an attempt succeeded".to_owned()
            ),
        ]
    );
}
