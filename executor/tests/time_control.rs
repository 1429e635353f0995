//! Time control through real processes (issue 19): a server and executors against a real
//! PostgreSQL, schedules made over the API, fires received by a real HTTP target. A window
//! that opens and closes, a run limit reached, a pause that resumes itself, jitter that
//! spreads fires and agrees with itself, a manual fire with a one-off body.

mod support;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::PgPool;
use support::*;

fn instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("{value} is not an instant"))
}

async fn create(server: &ServerProcess, body: Value) -> Value {
    let (status, created) = server
        .call(Method::POST, "/api/v1/schedules", Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn schedule(server: &ServerProcess, id: &str) -> Value {
    let (status, view) = server
        .call(Method::GET, &format!("/api/v1/schedules/{id}"), None)
        .await;
    assert_eq!(status, 200, "{view}");
    view
}

/// Waits until the schedule's state is `state`.
async fn wait_for_state(server: &ServerProcess, id: &str, state: &str, limit: Duration) -> Value {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let view = schedule(server, id).await;
        if view["state"] == state {
            return view;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {} after {limit:?}, not {state}: {view}",
            view["state"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the schedule's history holds `count` attempts: a target sees a request before
/// the executor records its attempt (after the answer, with the write-back).
async fn wait_for_history(
    server: &ServerProcess,
    id: &str,
    count: usize,
    limit: Duration,
) -> Value {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let (status, history) = server
            .call(
                Method::GET,
                &format!("/api/v1/schedules/{id}/executions"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{history}");
        if history["items"].as_array().map_or(0, Vec::len) >= count {
            return history;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "fewer than {count} attempts recorded after {limit:?}: {history}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_window_opens_then_closes_and_the_schedule_completes(pool: PgPool) {
    let target = RecordingTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "window-server", None).await;
    let _executor = ExecutorProcess::start(&url, "window", &[]);
    let now = Utc::now();
    let (starts, ends) = (now + TimeDelta::seconds(3), now + TimeDelta::seconds(6));
    let created = create(
        &server,
        json!({
            "name": "windowed",
            "schedule": {"every": "1s"},
            "starts_at": starts.to_rfc3339(),
            "ends_at": ends.to_rfc3339(),
            "target": {"url": target.url("ok")}
        }),
    )
    .await;
    let first = instant(&created["next_run_at"]);
    assert!(
        first >= starts,
        "the first fire {first} waits for the window"
    );
    let id = created["id"].as_str().unwrap();
    wait_for_state(&server, id, "completed", Duration::from_secs(20)).await;
    let fires = target.deliveries();
    assert!(
        (2..=4).contains(&fires.len()),
        "a 3-second window of a 1-second schedule fires 2–4 times: {fires:?}"
    );
    for fire in &fires {
        assert!(
            fire.scheduled_for >= starts && fire.scheduled_for <= ends,
            "{} lies outside [{starts}, {ends}]",
            fire.scheduled_for
        );
        assert!(
            fire.arrived_at >= starts,
            "nothing arrives before the window"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        target.deliveries().len(),
        fires.len(),
        "nothing after completion"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_run_limit_counts_down_and_completes_and_a_manual_fire_does_not_count(pool: PgPool) {
    let target = RecordingTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "limit-server", None).await;
    let created = create(
        &server,
        json!({
            "name": "three times",
            "schedule": {"every": "1s"},
            "max_fires": 3,
            "paused": true,
            "target": {"url": target.url("ok")}
        }),
    )
    .await;
    assert_eq!(created["fires_left"], 3);
    let id = created["id"].as_str().unwrap();
    // A manual fire while paused is refused (409): only an active schedule fires now.
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/trigger"),
            None,
        )
        .await;
    assert_eq!(status, 409);
    let (status, resumed) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/resume"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{resumed}");
    let _executor = ExecutorProcess::start(&url, "limit", &[]);
    target
        .wait_for(Duration::from_secs(15), |d| !d.is_empty())
        .await;
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/trigger"),
            None,
        )
        .await;
    assert!(
        status == 200 || status == 409,
        "a trigger answers (409 only if the limit was already reached)"
    );
    let done = wait_for_state(&server, id, "completed", Duration::from_secs(20)).await;
    assert_eq!(done["fires_left"], 0, "{done}");
    let (_, history) = server
        .call(
            Method::GET,
            &format!("/api/v1/schedules/{id}/executions"),
            None,
        )
        .await;
    let items = history["items"].as_array().unwrap();
    let regular = items.iter().filter(|e| e["manual"] == false).count();
    assert_eq!(
        regular, 3,
        "three regular fires, then it completed: {history}"
    );
    let manual = items.iter().filter(|e| e["manual"] == true).count();
    assert_eq!(target.deliveries().len(), 3 + manual);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        target.deliveries().len(),
        3 + manual,
        "nothing after completion"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_pause_until_resumes_by_itself_and_fires_once_for_what_it_missed(pool: PgPool) {
    let target = RecordingTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "pause-server", None).await;
    let _executor = ExecutorProcess::start(&url, "pause", &[]);
    let created = create(
        &server,
        json!({
            "name": "paused for a while",
            "schedule": {"every": "1s"},
            "misfire": "fire_once",
            "target": {"url": target.url("ok")}
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    target
        .wait_for(Duration::from_secs(10), |d| !d.is_empty())
        .await;
    let until = Utc::now() + TimeDelta::seconds(4);
    let (status, paused) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/pause"),
            Some(json!({"until": until.to_rfc3339(), "note": "deploy window"})),
        )
        .await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["state"], "paused");
    assert_eq!(paused["pause_note"], "deploy window");
    assert_eq!(paused["paused_by"], "local");
    assert_eq!(
        instant(&paused["paused_until"]).timestamp(),
        until.timestamp()
    );
    // A fire in flight at the pause may still land; after a moment nothing does.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let during = target.deliveries().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        target.deliveries().len(),
        during,
        "nothing fires while paused"
    );
    let resumed = wait_for_state(&server, id, "active", Duration::from_secs(10)).await;
    assert_eq!(
        resumed["paused_until"],
        Value::Null,
        "the pause is forgotten: {resumed}"
    );
    assert_eq!(resumed["pause_note"], Value::Null);
    let resumed_at = Utc::now();
    target
        .wait_for(Duration::from_secs(10), |d| d.len() >= during + 2)
        .await;
    let after: Vec<_> = target.deliveries().into_iter().skip(during).collect();
    // fire_once: one catch-up fire for the instants missed (the first one missed), then the
    // schedule's own rhythm.
    let missed: Vec<_> = after
        .iter()
        .filter(|d| d.scheduled_for < until - TimeDelta::milliseconds(500))
        .collect();
    assert_eq!(missed.len(), 1, "one fire for what was missed: {after:?}");
    assert!(
        resumed_at - until < TimeDelta::seconds(3),
        "resumed on time"
    );
    // Pausing with an end in the past is refused, with the field named.
    let (status, refused) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/pause"),
            Some(json!({"until": (Utc::now() - TimeDelta::minutes(1)).to_rfc3339()})),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("until"), "{refused}");
}

#[sqlx::test(migrations = "../migrations")]
async fn jitter_spreads_fires_within_the_window_the_same_for_every_executor(pool: PgPool) {
    let target = RecordingTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "jitter-server", None).await;
    let _executors: Vec<_> = (0..2)
        .map(|n| ExecutorProcess::start(&url, &format!("jitter-{n}"), &[]))
        .collect();
    let created = create(
        &server,
        json!({
            "name": "spread",
            "schedule": {"every": "2s"},
            "jitter": "1500ms",
            "target": {"url": target.url("ok")}
        }),
    )
    .await;
    assert_eq!(created["jitter"], "1500ms");
    target
        .wait_for(Duration::from_secs(30), |d| d.len() >= 8)
        .await;
    let fires = target.deliveries();
    let mut offsets = Vec::new();
    for fire in &fires {
        // An `every 2s` schedule's instants fall on the creation instant plus multiples of
        // 2 s; the jitter moves each within [0, 1.5 s) after its instant.
        let offset =
            (fire.scheduled_for - instant(&created["created_at"])).num_milliseconds() % 2000;
        assert!(
            offset < 1500,
            "{offset} ms after the instant, past the jitter"
        );
        assert!(
            fire.arrived_at - fire.scheduled_for < TimeDelta::seconds(1),
            "each fire is made at its jittered instant, not later"
        );
        offsets.push(offset);
    }
    let spread = offsets.iter().max().unwrap() - offsets.iter().min().unwrap();
    assert!(
        spread > 200,
        "the offsets differ from fire to fire: {offsets:?}"
    );
    let ids: std::collections::HashSet<_> = fires.iter().map(|f| f.execution_id).collect();
    assert_eq!(
        ids.len(),
        fires.len(),
        "two executors never both fire one instant"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn trigger_with_a_body_sends_it_once_and_history_marks_it_manual(pool: PgPool) {
    let target = RecordingTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "trigger-server", None).await;
    let _executor = ExecutorProcess::start(&url, "trigger", &[]);
    let created = create(
        &server,
        json!({
            "name": "yearly",
            "schedule": {"cron": "0 0 1 1 *", "tz": "UTC"},
            "target": {"url": target.url("ok"), "body": "{\"regular\":true}"}
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let next = created["next_run_at"].clone();
    let (status, triggered) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/trigger"),
            Some(json!({"body": "{\"one_off\":42}"})),
        )
        .await;
    assert_eq!(status, 200, "{triggered}");
    target
        .wait_for(Duration::from_secs(10), |d| !d.is_empty())
        .await;
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/trigger"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    target
        .wait_for(Duration::from_secs(10), |d| d.len() >= 2)
        .await;
    let fires = target.deliveries();
    assert_eq!(fires[0].body, "{\"one_off\":42}", "the one-off body");
    assert_eq!(
        fires[1].body, "{\"regular\":true}",
        "then the schedule's own body again"
    );
    assert_ne!(fires[0].execution_id, fires[1].execution_id);
    let history = wait_for_history(&server, id, 2, Duration::from_secs(5)).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{history}");
    assert!(items.iter().all(|e| e["manual"] == true), "{history}");
    let after = wait_for_state(&server, id, "active", Duration::from_secs(5)).await;
    assert_eq!(
        after["next_run_at"], next,
        "the yearly fire stays where it was"
    );
    // A body that is not JSON with a JSON content type is refused like any other body.
    let (status, refused) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/trigger"),
            Some(json!({"body": "x".repeat(70_000)})),
        )
        .await;
    assert_eq!(
        status, 422,
        "an oversized one-off body is refused: {refused}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_backfill_fires_each_past_instant_once_with_its_own_id_and_can_be_cancelled(
    pool: PgPool,
) {
    let target = RecordingTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "backfill-server", None).await;
    let _executors: Vec<_> = (0..2)
        .map(|n| ExecutorProcess::start(&url, &format!("backfill-{n}"), &[]))
        .collect();
    let created = create(
        &server,
        json!({
            "name": "minutely",
            "schedule": {"cron": "* * * * *", "tz": "UTC"},
            "paused": true,
            "target": {"url": target.url("ok")}
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/schedules/{id}/backfill");
    // Half a minute past the latest minute, so the range holds the same instants whenever the
    // test runs.
    let now = Utc::now();
    let now = now
        - TimeDelta::milliseconds(i64::from(now.timestamp_subsec_millis()))
        - TimeDelta::seconds(i64::from(now.timestamp() as u32 % 60))
        + TimeDelta::seconds(30);
    let now = if now > Utc::now() {
        now - TimeDelta::minutes(1)
    } else {
        now
    };
    let range = |minutes: i64| {
        json!({
            "from": (now - TimeDelta::minutes(minutes)).to_rfc3339(),
            "to": (now - TimeDelta::seconds(1)).to_rfc3339(),
        })
    };
    // A dry run answers the fires and makes none.
    let mut dry = range(10);
    dry["dry_run"] = json!(true);
    let (status, preview) = server.call(Method::POST, &path, Some(dry)).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["total"], 10, "{preview}");
    assert_eq!(preview["id"], Value::Null);
    let expected: Vec<DateTime<Utc>> = preview["fires"]
        .as_array()
        .unwrap()
        .iter()
        .map(instant)
        .collect();
    assert!(
        expected.iter().all(|at| at.timestamp() % 60 == 0),
        "each a minute: {expected:?}"
    );
    // Too many, a future end, a one-shot: refused with the field.
    let (status, refused) = server.call(Method::POST, &path, Some(range(2000))).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("more than 1000"), "{refused}");

    let mut paced = range(10);
    paced["pace"] = json!("100ms");
    let (status, started) = server.call(Method::POST, &path, Some(paced)).await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["state"], "running");
    target
        .wait_for(Duration::from_secs(20), |d| d.len() >= 10)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fires = target.deliveries();
    assert_eq!(
        fires.len(),
        10,
        "each instant once, even with two executors: {fires:?}"
    );
    let mut instants: Vec<_> = fires.iter().map(|f| f.scheduled_for).collect();
    instants.sort();
    assert_eq!(
        instants, expected,
        "X-Scheduleman-Scheduled-For is each past instant"
    );
    let ids: std::collections::HashSet<_> = fires.iter().map(|f| f.execution_id).collect();
    assert_eq!(ids.len(), 10, "each fire has its own execution id");
    let (_, listed) = server
        .call(
            Method::GET,
            &format!("/api/v1/schedules/{id}/backfills"),
            None,
        )
        .await;
    let first = &listed["items"][0];
    assert_eq!(first["state"], "done", "{listed}");
    assert_eq!(first["delivered"], 10, "{listed}");
    let (_, history) = server
        .call(
            Method::GET,
            &format!("/api/v1/schedules/{id}/executions"),
            None,
        )
        .await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(
        items.iter().all(|e| e["backfill_id"] == first["id"]),
        "{history}"
    );
    assert_eq!(
        schedule(&server, id).await["state"],
        "paused",
        "the schedule itself is untouched"
    );

    // A slow one, cancelled after a couple of fires: the rest are never made.
    let mut slow = range(30);
    slow["pace"] = json!("1s");
    let (status, started) = server.call(Method::POST, &path, Some(slow)).await;
    assert_eq!(status, 201, "{started}");
    let backfill_id = started["id"].as_str().unwrap();
    target
        .wait_for(Duration::from_secs(15), |d| d.len() >= 12)
        .await;
    let (status, cancelled) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/backfills/{backfill_id}/cancel"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled");
    let at_cancel = target.deliveries().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        target.deliveries().len() <= at_cancel + 1,
        "at most the attempt in flight lands after a cancel"
    );
    let (_, listed) = server
        .call(
            Method::GET,
            &format!("/api/v1/schedules/{id}/backfills"),
            None,
        )
        .await;
    assert!(
        listed["items"][0]["cancelled"].as_i64().unwrap() >= 20,
        "{listed}"
    );
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/backfills/{backfill_id}/cancel"),
            None,
        )
        .await;
    assert_eq!(status, 409, "cancelling twice: it is not running");
}

/// A backfill fire whose executor dies (claimed, never settled) is taken by another once
/// its lease runs out: the same execution id, the next attempt; a stale settlement from the
/// dead holder changes nothing.
#[sqlx::test(migrations = "../migrations")]
async fn a_backfill_fire_whose_executor_died_is_taken_over_after_its_lease(pool: PgPool) {
    use scheduleman::access::Actor;
    use scheduleman::commands::backfills;
    use scheduleman::model::{BackfillRequest, Outcome};
    use scheduleman::schedule::ScheduleSpec;
    use scheduleman::store::backfills as store;
    use scheduleman::store::settle::AttemptRecord;

    let spec = ScheduleSpec::Cron {
        cron: "* * * * *".into(),
        tz: "UTC".into(),
    };
    let mut schedule = new_schedule(
        "lease",
        spec,
        "http://127.0.0.1:9/".into(),
        Default::default(),
    );
    schedule.paused = true;
    let id = scheduleman::store::schedules::insert(
        &mut pool.acquire().await.unwrap(),
        &schedule,
        None,
        Utc::now(),
        &scheduleman::access::Actor::local(),
        &serde_json::json!({}),
    )
    .await
    .unwrap()
    .0
    .id;
    let now = Utc::now();
    let started = backfills::backfill(
        &pool,
        &Actor::local(),
        id,
        &BackfillRequest {
            from: now - TimeDelta::minutes(3),
            to: now - TimeDelta::seconds(1),
            pace: Some("0s".into()),
            dry_run: false,
        },
    )
    .await
    .unwrap();
    let total = started.total as usize;
    let first = store::claim_due(&pool, 100, 10).await.unwrap();
    assert_eq!(first.len(), total);
    assert!(
        store::claim_due(&pool, 100, 10).await.unwrap().is_empty(),
        "held while leased"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = store::claim_due(&pool, 30_000, 10).await.unwrap();
    assert_eq!(
        again.len(),
        total,
        "every fire of the dead holder is taken over"
    );
    for (dead, live) in first.iter().zip(&again) {
        assert_eq!(dead.execution_id, live.execution_id, "the same fire");
        assert_eq!(live.attempt, dead.attempt + 1, "its next attempt");
    }
    let record = |claim: &store::BackfillClaim| AttemptRecord {
        schedule_id: claim.schedule_id,
        execution_id: claim.execution_id,
        scheduled_for: claim.scheduled_for,
        attempt: claim.attempt,
        started_at: Utc::now(),
        finished_at: Utc::now(),
        outcome: Outcome::Failure,
        http_status: None,
        latency_ms: 1,
        error: Some("late".into()),
        manual: false,
    };
    // The dead holder's late "failed for good" does not override the live attempt.
    store::settle(
        &pool,
        "dead",
        &first[0],
        &record(&first[0]),
        &store::BackfillOutcome::Failed,
    )
    .await
    .unwrap();
    for claim in &again {
        let mut delivered = record(claim);
        delivered.outcome = Outcome::Success;
        delivered.error = None;
        store::settle(
            &pool,
            "live",
            claim,
            &delivered,
            &store::BackfillOutcome::Delivered,
        )
        .await
        .unwrap();
    }
    let listed = backfills::list(&pool, &Actor::local(), id).await.unwrap();
    assert_eq!(listed[0].state, "done");
    assert_eq!(listed[0].delivered as usize, total);
    assert_eq!(listed[0].failed, 0);
}
