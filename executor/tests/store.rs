//! The store against a real PostgreSQL (DATABASE_URL; the test harness starts one).

use scheduleman::access::Actor;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use scheduleman::store::{self, executors, overview};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn heartbeats_insert_refresh_and_remove_the_executor_row(pool: PgPool) {
    let started = Utc::now() - TimeDelta::minutes(5);
    let now = Utc::now();
    executors::heartbeat(
        &pool,
        "executor-1",
        "host-a",
        100,
        started,
        0,
        now - TimeDelta::minutes(2),
    )
    .await
    .unwrap();
    assert!(executors::list_alive(&pool, now - TimeDelta::seconds(30))
        .await
        .unwrap()
        .is_empty());

    executors::heartbeat(&pool, "executor-1", "host-a", 100, started, 3, now)
        .await
        .unwrap();
    let alive = executors::list_alive(&pool, now - TimeDelta::seconds(30))
        .await
        .unwrap();
    assert_eq!(alive.len(), 1);
    assert_eq!(alive[0].id, "executor-1");
    assert_eq!(alive[0].in_flight, 3);

    executors::remove(&pool, "executor-1").await.unwrap();
    assert!(executors::list_alive(&pool, now - TimeDelta::days(1))
        .await
        .unwrap()
        .is_empty());
}

#[sqlx::test(migrations = "../migrations", fixtures("schedules_by_state"))]
async fn overview_counts_schedules_by_state_and_live_executors(pool: PgPool) {
    let now = Utc::now();
    executors::heartbeat(&pool, "alive", "h", 1, now, 0, now)
        .await
        .unwrap();
    executors::heartbeat(&pool, "gone", "h", 2, now, 0, now - TimeDelta::minutes(5))
        .await
        .unwrap();

    let figures = overview::read(&pool, now).await.unwrap();
    assert_eq!(
        (
            figures.active,
            figures.paused,
            figures.completed,
            figures.dead
        ),
        (2, 1, 0, 1)
    );
    assert_eq!(figures.executors_alive, 1);
}

#[sqlx::test(migrations = false)]
async fn waiting_for_migrations_ends_when_they_are_applied(pool: PgPool) {
    assert!(!store::migrations_applied(&pool).await.unwrap());
    let timed_out = store::wait_for_migrations(&pool, Duration::from_millis(600)).await;
    assert!(matches!(
        timed_out,
        Err(store::StoreError::MigrationsTimedOut(_))
    ));

    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { store::wait_for_migrations(&pool, Duration::from_secs(30)).await }
    });
    store::migrate(&pool).await.unwrap();
    waiter
        .await
        .unwrap()
        .expect("the wait ends once migrations are applied");
    assert!(store::migrations_applied(&pool).await.unwrap());
}

mod claims {
    use scheduleman::access::Actor;
    use std::collections::HashSet;

    use chrono::{DateTime, TimeDelta, Utc};
    use scheduleman::model::{
        Misfire, NewSchedule, OnDead, Outcome, RetryPolicy, ScheduleState, Target,
    };
    use scheduleman::schedule::ScheduleSpec;
    use scheduleman::store;
    use scheduleman::store::claims;
    use scheduleman::store::schedules;
    use scheduleman::store::settle::{self, AttemptRecord, Settlement};
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sqlx::PgPool;

    async fn insert_due(pool: &PgPool, count: usize, due: DateTime<Utc>) {
        insert_due_seen_at(pool, count, due, due).await;
    }

    /// Inserts `count` one-shot schedules due at `due`, as if created at `now`.
    async fn insert_due_seen_at(
        pool: &PgPool,
        count: usize,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        for i in 0..count {
            let schedule = NewSchedule {
                name: format!("due-{i}"),
                spec: ScheduleSpec::At {
                    at: due,
                    tz: "UTC".into(),
                },
                target: Target {
                    url: "http://127.0.0.1:9/".into(),
                    method: "POST".into(),
                    headers: Default::default(),
                    body: None,
                },
                retry: RetryPolicy::default(),
                misfire: Misfire::FireOnce,
                on_dead: OnDead::Stop,
                paused: false,
                options: Default::default(),
                max_fires: None,
                labels: Default::default(),
            };
            schedules::insert(
                &mut pool.acquire().await.unwrap(),
                &schedule,
                Some(due),
                now,
                &scheduleman::access::Actor::local(),
                &serde_json::json!({}),
            )
            .await
            .unwrap();
        }
    }

    /// Issue 10: a NOTIFY per creation serialised every commit on PostgreSQL's notification
    /// lock; only schedules due within the wake horizon (which bounds every executor's poll
    /// interval) wake executors.
    #[sqlx::test(migrations = "../migrations")]
    async fn only_schedules_due_within_the_wake_horizon_wake_executors(pool: PgPool) {
        let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
            .await
            .unwrap();
        listener.listen(schedules::CHANGES_CHANNEL).await.unwrap();
        let now = Utc::now();
        let horizon = TimeDelta::from_std(schedules::WAKE_HORIZON).unwrap();
        insert_due_seen_at(&pool, 1, now + horizon + TimeDelta::hours(1), now).await;
        assert!(!woken(&mut listener).await, "due long after the horizon");
        insert_due_seen_at(&pool, 1, now + horizon - TimeDelta::seconds(1), now).await;
        assert!(woken(&mut listener).await, "due within the horizon");
    }

    /// Whether a notification arrives within 300 ms.
    async fn woken(listener: &mut sqlx::postgres::PgListener) -> bool {
        tokio::time::timeout(std::time::Duration::from_millis(300), listener.recv())
            .await
            .is_ok()
    }

    fn attempt_of(claim: &claims::Claim, now: chrono::DateTime<Utc>) -> AttemptRecord {
        AttemptRecord {
            schedule_id: claim.schedule_id,
            execution_id: claim.execution_id,
            scheduled_for: claim.fire_at,
            attempt: claim.attempt,
            started_at: now,
            finished_at: now,
            outcome: Outcome::Success,
            http_status: Some(200),
            latency_ms: 3,
            error: None,
            manual: false,
        }
    }

    /// Writes back every claim as a successful, completed fire, with its attempt.
    async fn complete(
        pool: &PgPool,
        claimed: &[claims::Claim],
        now: DateTime<Utc>,
    ) -> settle::Written {
        complete_result(pool, claimed, now).await.unwrap()
    }

    /// [`complete`], with the database's answer as it comes.
    async fn complete_result(
        pool: &PgPool,
        claimed: &[claims::Claim],
        now: DateTime<Utc>,
    ) -> Result<settle::Written, sqlx::Error> {
        let settlements: Vec<Settlement> = claimed.iter().map(done).collect();
        let attempts: Vec<AttemptRecord> = claimed.iter().map(|c| attempt_of(c, now)).collect();
        settle::settle(pool, "a", &settlements, &attempts).await
    }

    fn done(claim: &claims::Claim) -> Settlement {
        Settlement {
            schedule_id: claim.schedule_id,
            token: claim.token,
            change: scheduleman::decision::RowChange {
                state: ScheduleState::Completed,
                next_run_at: None,
                fire_done: true,
                dead_fire: false,
                outcome: Outcome::Success,
            },
            error: None,
        }
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn concurrent_claimers_get_distinct_schedules_and_together_all(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 300, now - TimeDelta::seconds(1)).await;
        let claimers = (0..6).map(|n| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = claims::claim_due(&pool, &format!("c{n}"), Some(now), 5_000, 20)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.claims.into_iter().map(|c| c.schedule_id));
                }
            })
        });
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 300, "together they claimed every due schedule");
        assert_eq!(distinct.len(), 300, "no schedule was claimed twice");
    }

    /// Issue 21, item 1: a claim keeps its lease in `lease_until`, so the executor's next
    /// look is the lease's expiry (not the fire's past time, which would spin the claim
    /// loop), and the claim changes no indexed column: PostgreSQL writes it heap-only.
    #[sqlx::test(migrations = "../migrations")]
    async fn a_claim_is_a_heap_only_update_and_its_lease_is_when_the_schedule_is_next_due(
        pool: PgPool,
    ) {
        let db_now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&pool)
            .await
            .unwrap();
        insert_due(&pool, 1, db_now - TimeDelta::seconds(1)).await;
        // One connection, so the statistics it flushes include its own claim.
        let single = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(pool.connect_options().as_ref().clone())
            .await
            .unwrap();
        let hot_before = hot_updates(&single).await;
        let claimed = claims::claim_due(&single, "a", None, 30_000, 10)
            .await
            .unwrap()
            .claims;
        assert_eq!(claimed.len(), 1);
        assert_eq!(
            hot_updates(&single).await,
            hot_before + 1,
            "the claim was a heap-only update"
        );
        let due = claims::next_due(&pool).await.unwrap();
        let until_lease = due.next.expect("a held schedule is next due") - due.db_now;
        assert!(
            until_lease > TimeDelta::seconds(25),
            "next due when the lease expires, not at the fire's time: {until_lease}"
        );
        let fire_at: DateTime<Utc> = sqlx::query_scalar("SELECT next_run_at FROM schedule_runtime")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(fire_at, claimed[0].fire_at, "the row keeps its fire's time");
    }

    /// Issue 21, item 1: a fire (claim, write-back and its attempt's record, here a one-shot
    /// that completes) writes only the schedule's runtime row: its definition row is neither
    /// updated nor locked (its `xmin` and `xmax` stay as they were).
    #[sqlx::test(migrations = "../migrations")]
    async fn a_fire_writes_the_runtime_row_and_never_the_definition(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 3, now - TimeDelta::seconds(1)).await;
        let versions = || async {
            sqlx::query_as::<_, (uuid::Uuid, String, String)>(
                "SELECT id, xmin::text, xmax::text FROM schedules ORDER BY id",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        };
        let before = versions().await;
        let claimed = claims::claim_due(&pool, "a", Some(now), 30_000, 10)
            .await
            .unwrap()
            .claims;
        assert_eq!(claimed.len(), 3);
        assert_eq!(complete(&pool, &claimed, now).await.applied.len(), 3);
        let completed: i64 =
            sqlx::query_scalar("SELECT count(*) FROM schedule_runtime WHERE state = 'completed'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(completed, 3, "the fires were written");
        assert_eq!(
            versions().await,
            before,
            "the definition rows were not touched"
        );
    }

    /// The claim and the write-back run on connections that plan them once
    /// (`store::fire_path_pool`: planning them afresh was a sixth of PostgreSQL's time per
    /// fire). Those plans must still reach rows by index: the claim reads the due index in
    /// order even on tables never analyzed (a fresh plan there read and sorted every due row
    /// at each claim), and no statement scans a whole table.
    #[sqlx::test(migrations = "../migrations")]
    async fn the_fire_path_plans_once_and_reads_the_due_index_in_order(
        _: PgPoolOptions,
        options: PgConnectOptions,
    ) {
        let pool = PgPool::connect_with(options.clone()).await.unwrap();
        // 5,000 due one-shots stored in one statement, as a bulk load does: no statistics.
        sqlx::query(
            "WITH src AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 5000) AS n), \
             d AS (INSERT INTO schedules (id, name, spec, target_url) \
                   SELECT id, 'due-' || n, \
                          '{\"kind\": \"at\", \"tz\": \"UTC\", \"at\": \"2026-01-01T00:00:00Z\"}', \
                          'http://127.0.0.1:9/' FROM src) \
             INSERT INTO schedule_runtime (id, sort_name, next_run_at) \
             SELECT id, 'due-' || n, now() - interval '1 hour' FROM src",
        )
        .execute(&pool)
        .await
        .unwrap();
        // The fire path's settings on one connection, so that every statement is on it.
        let fire_path = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.options(store::FIRE_PATH_SETTINGS))
            .await
            .unwrap();
        let now = Utc::now();
        for _ in 0..3 {
            let claimed = claims::claim_due(&fire_path, "a", None, 30_000, 10)
                .await
                .unwrap()
                .claims;
            assert_eq!(claimed.len(), 10);
            assert_eq!(complete(&fire_path, &claimed, now).await.applied.len(), 10);
        }

        let mut conn = fire_path.acquire().await.unwrap();
        let statements: Vec<(String, String, i64, i64, i32)> = sqlx::query_as(
            "SELECT name, statement, generic_plans, custom_plans, \
                    cardinality(parameter_types) \
             FROM pg_prepared_statements \
             WHERE statement LIKE '%schedule_runtime%' AND statement NOT LIKE '%pg_prepared%'",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert_eq!(
            statements.len(),
            3,
            "claim, write-back, attempts: {statements:?}"
        );
        for (name, statement, generic, custom, parameters) in statements {
            assert_eq!((generic, custom), (3, 0), "planned once: {statement}");
            let nulls = vec!["NULL"; parameters as usize].join(", ");
            let plan: Vec<String> =
                sqlx::query_scalar(&format!("EXPLAIN (COSTS OFF) EXECUTE {name}({nulls})"))
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            let plan = plan.join("\n");
            assert!(!plan.contains("Seq Scan"), "{statement}\n{plan}");
            assert!(!plan.contains("Bitmap"), "{statement}\n{plan}");
            if statement.contains("WITH due AS") {
                assert!(
                    plan.contains("Index Scan using schedule_runtime_due_idx"),
                    "{plan}"
                );
                assert!(
                    !plan.contains("Sort"),
                    "the due index gives the order: {plan}"
                );
            }
        }
    }

    async fn hot_updates(pool: &PgPool) -> i64 {
        sqlx::query("SELECT pg_stat_force_next_flush()")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query_scalar(
            "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'schedule_runtime'",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn an_expired_lease_is_reclaimed_and_the_old_holder_is_fenced_out(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 1, now).await;
        let first = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .claims;
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].attempt, 1);

        // While the lease runs, nobody else gets it.
        let during = now + TimeDelta::seconds(4);
        assert!(claims::claim_due(&pool, "b", Some(during), 5_000, 10)
            .await
            .unwrap()
            .is_empty());

        // Once it expires, another executor takes it over, same fire and execution id.
        let after = now + TimeDelta::seconds(6);
        let retaken = claims::claim_due(&pool, "b", Some(after), 5_000, 10)
            .await
            .unwrap()
            .claims;
        assert_eq!(retaken.len(), 1);
        assert_eq!(retaken[0].attempt, 2);
        assert_eq!(retaken[0].execution_id, first[0].execution_id);
        assert_eq!(retaken[0].fire_at, first[0].fire_at);

        let stale = settle::settle(&pool, "a", &[done(&first[0])], &[])
            .await
            .unwrap();
        assert!(
            stale.applied.is_empty(),
            "the old holder's write changes nothing"
        );
        assert_eq!(stale.lost(1), 1);
        let current = settle::settle(&pool, "b", &[done(&retaken[0])], &[])
            .await
            .unwrap();
        assert_eq!(current.applied, [retaken[0].schedule_id]);
        let stored = scheduleman::commands::fetch(&pool, &Actor::local(), retaken[0].schedule_id)
            .await
            .unwrap();
        assert_eq!(stored.state, ScheduleState::Completed);
        assert_eq!(stored.attempt, 0);
        assert_eq!(stored.claimed_by, None);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn paused_and_future_schedules_are_not_claimed(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 1, now + TimeDelta::seconds(30)).await;
        assert!(claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .is_empty());
        sqlx::query("UPDATE schedule_runtime SET state = 'paused', next_run_at = $1")
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
        assert!(claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(claims::next_due(&pool).await.unwrap().next, None);
    }

    /// Issue 9, item 3: "Trigger now" while an attempt is in flight makes a new claim by the
    /// same executor with the same attempt number; the old attempt's result must not settle it.
    #[sqlx::test(migrations = "../migrations")]
    async fn a_replaced_claim_with_the_same_attempt_number_is_fenced_out(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 1, now).await;
        let slow = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .claims;
        let id = slow[0].schedule_id;
        // "Trigger now": the schedule is due at once, its claim and attempts reset.
        schedules::transition(
            &mut pool.acquire().await.unwrap(),
            id,
            schedules::Transition {
                from: &[ScheduleState::Active],
                to: ScheduleState::Active,
                next_run_at: Some(now),
                reset_fire: true,
                manual: true,
                manual_body: None,
                pause: None,
            },
            now,
        )
        .await
        .unwrap()
        .expect("the schedule is active");
        let fresh = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .claims;
        assert_eq!(fresh.len(), 1);
        assert_eq!(
            (fresh[0].attempt, &fresh[0].schedule_id),
            (slow[0].attempt, &id),
            "same executor, same attempt number: only the token tells them apart"
        );
        assert_ne!(fresh[0].token, slow[0].token);

        let stale = settle::settle(&pool, "a", &[done(&slow[0])], &[])
            .await
            .unwrap();
        assert!(
            stale.applied.is_empty() && stale.busy.is_empty(),
            "the replaced claim's result changes nothing"
        );
        let stored = scheduleman::commands::fetch(&pool, &Actor::local(), id)
            .await
            .unwrap();
        assert_eq!(
            stored.state,
            ScheduleState::Active,
            "the new fire is still pending"
        );
        assert_eq!(stored.claimed_by.as_deref(), Some("a"));
        let current = settle::settle(&pool, "a", &[done(&fresh[0])], &[])
            .await
            .unwrap();
        assert_eq!(current.applied, [id]);
    }

    /// Issue 9, item 13: a row whose stored definition cannot be decoded comes back apart,
    /// and every other due row is claimed with it.
    #[sqlx::test(migrations = "../migrations")]
    async fn an_unreadable_row_is_set_apart_and_the_rest_are_claimed(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 3, now).await;
        sqlx::query(
            "WITH d AS (INSERT INTO schedules (name, spec, target_url) \
                        VALUES ('broken', '{\"kind\": \"lunar\"}', 'http://h.test/') \
                        RETURNING id, name) \
             INSERT INTO schedule_runtime (id, sort_name, state, next_run_at) \
             SELECT id, name, 'active', $1 FROM d",
        )
        .bind(now - TimeDelta::minutes(1)) // first in due order
        .execute(&pool)
        .await
        .unwrap();
        let claimed = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap();
        assert_eq!(claimed.claims.len(), 3, "the readable rows are claimed");
        assert_eq!(claimed.unreadable.len(), 1);
        assert!(
            claimed.unreadable[0]
                .reason
                .contains("the stored schedule cannot be read"),
            "{}",
            claimed.unreadable[0].reason
        );
    }

    /// Issue 9, item 1: a reason holding bytes PostgreSQL refuses in `text` (a target's reply
    /// with NUL) is stored, and the whole batch with it.
    #[sqlx::test(migrations = "../migrations")]
    async fn a_batch_with_a_nul_in_a_reason_is_written_whole(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 3, now).await;
        let claimed = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .claims;
        let mut settlements: Vec<Settlement> = claimed.iter().map(done).collect();
        settlements[1].change.state = ScheduleState::Dead;
        settlements[1].change.outcome = Outcome::Failure;
        settlements[1].error = Some("HTTP 500: bad\0reply".into());
        let attempts: Vec<AttemptRecord> = claimed
            .iter()
            .map(|claim| AttemptRecord {
                schedule_id: claim.schedule_id,
                execution_id: claim.execution_id,
                scheduled_for: claim.fire_at,
                attempt: claim.attempt,
                started_at: now,
                finished_at: now,
                outcome: Outcome::Failure,
                http_status: Some(500),
                latency_ms: 3,
                error: Some("bad\0reply".into()),
                manual: false,
            })
            .collect();
        let applied = settle::settle(&pool, "a", &settlements, &attempts)
            .await
            .expect("the batch is written");
        assert_eq!(applied.applied.len(), 3);
        let dead = scheduleman::commands::fetch(&pool, &Actor::local(), claimed[1].schedule_id)
            .await
            .unwrap();
        assert_eq!(
            dead.last_error.as_deref(),
            Some("HTTP 500: bad\u{FFFD}reply")
        );
        let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM executions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(recorded, 3);
    }

    /// Issue 16, item 11: a write-back retried after a client-side timeout (its first commit
    /// landed) records each attempt once.
    #[sqlx::test(migrations = "../migrations")]
    async fn a_retried_write_back_records_each_attempt_once(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 2, now).await;
        let claimed = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .claims;
        let settlements: Vec<Settlement> = claimed.iter().map(done).collect();
        let attempts: Vec<AttemptRecord> = claimed.iter().map(|c| attempt_of(c, now)).collect();
        let first = settle::settle(&pool, "a", &settlements, &attempts)
            .await
            .unwrap();
        assert_eq!(first.applied.len(), 2);
        let again = settle::settle(&pool, "a", &settlements, &attempts)
            .await
            .unwrap();
        assert_eq!(again.applied.len(), 0, "the fence holds");
        let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM executions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(recorded, 2, "each attempt recorded once");
    }

    /// Issue 16, item 4: a row another transaction holds (an import, an edit) is skipped,
    /// not waited for; every other result of the batch is written at once, and the held one
    /// is written once the lock goes.
    #[sqlx::test(migrations = "../migrations")]
    async fn a_locked_row_does_not_hold_up_the_rest_of_a_write_back(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 5, now).await;
        let claimed = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .claims;
        let held = claimed[2].schedule_id;
        let mut locker = pool.begin().await.unwrap();
        sqlx::query("SELECT 1 FROM schedule_runtime WHERE id = $1 FOR UPDATE")
            .bind(held)
            .execute(&mut *locker)
            .await
            .unwrap();
        let settlements: Vec<Settlement> = claimed.iter().map(done).collect();
        let attempts: Vec<AttemptRecord> = claimed.iter().map(|c| attempt_of(c, now)).collect();
        let started = std::time::Instant::now();
        let written = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            settle::settle(&pool, "a", &settlements, &attempts),
        )
        .await
        .expect("the write-back does not wait for the lock")
        .unwrap();
        assert!(
            started.elapsed() < std::time::Duration::from_millis(900),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(written.applied.len(), 4);
        assert_eq!(written.busy, [held]);
        assert_eq!(written.lost(5), 0);
        locker.rollback().await.unwrap();
        let held_attempt = [attempt_of(&claimed[2], now)];
        let later = settle::settle(&pool, "a", &settlements[2..3], &held_attempt)
            .await
            .unwrap();
        assert_eq!(later.applied, [held]);
        let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM executions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(recorded, 5);
    }

    /// The one wait a write-back cannot skip, the history's reference to a schedule another
    /// transaction holds (here: a claim lost to an edit, its row still locked), is bounded:
    /// the statement gives up after its lock timeout instead of waiting for the holder, and
    /// the runner writes the batch again row by row.
    #[sqlx::test(migrations = "../migrations")]
    async fn a_write_back_waits_for_a_held_row_no_longer_than_its_lock_timeout(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 1, now).await;
        let claimed = claims::claim_due(&pool, "a", Some(now), 5_000, 10)
            .await
            .unwrap()
            .claims;
        // The claim was replaced (an edit, committed), and another transaction holds the row.
        sqlx::query("UPDATE schedule_runtime SET claim_token = NULL WHERE id = $1")
            .bind(claimed[0].schedule_id)
            .execute(&pool)
            .await
            .unwrap();
        let mut editor = pool.begin().await.unwrap();
        sqlx::query("SELECT 1 FROM schedule_runtime WHERE id = $1 FOR UPDATE")
            .bind(claimed[0].schedule_id)
            .execute(&mut *editor)
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let written = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            complete_result(&pool, &claimed, now),
        )
        .await
        .expect("the write-back gives up within its lock timeout");
        let error = written.expect_err("the attempt's reference waits for the held row");
        assert_eq!(
            error.as_database_error().and_then(|e| e.code()).as_deref(),
            Some("55P03"),
            "{error}"
        );
        assert!(started.elapsed() >= std::time::Duration::from_millis(900));
        editor.rollback().await.unwrap();
    }

    /// Issue 9, item 2: without a fixed instant, due checks and leases run on the database's
    /// clock.
    #[sqlx::test(migrations = "../migrations")]
    async fn claims_run_on_the_database_clock(pool: PgPool) {
        let db_now: chrono::DateTime<Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&pool)
            .await
            .unwrap();
        insert_due(&pool, 1, db_now + TimeDelta::seconds(30)).await;
        assert!(
            claims::claim_due(&pool, "a", None, 5_000, 10)
                .await
                .unwrap()
                .is_empty(),
            "not due yet by the database's clock"
        );
        sqlx::query("UPDATE schedule_runtime SET next_run_at = now() - interval '1 second'")
            .execute(&pool)
            .await
            .unwrap();
        let claimed = claims::claim_due(&pool, "a", None, 5_000, 10)
            .await
            .unwrap();
        let claimed_at = claimed.db_now.expect("the database's clock comes back");
        let lease_end: chrono::DateTime<Utc> =
            sqlx::query_scalar("SELECT lease_until FROM schedule_runtime")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(lease_end - claimed_at, TimeDelta::seconds(5));
    }
}

/// Issue 9, item 14: beyond the newest N attempts per schedule, history is pruned even
/// inside the retention period.
#[sqlx::test(migrations = "../migrations", fixtures("two_schedules"))]
async fn pruning_keeps_only_the_newest_attempts_of_each_schedule(pool: PgPool) {
    insert_attempts(&pool, "00000000-0000-0000-0000-000000000001", 7).await;
    insert_attempts(&pool, "00000000-0000-0000-0000-000000000002", 2).await;
    // One schedule per round forces several rounds.
    let deleted = scheduleman::store::executions::prune_beyond(&pool, 3, 1)
        .await
        .unwrap();
    assert_eq!(deleted, 4);
    assert_eq!(
        scheduleman::store::executions::prune_beyond(&pool, 3, 1)
            .await
            .unwrap(),
        0,
        "nothing more to prune"
    );
    let kept: Vec<(String, i32)> = sqlx::query_as(
        "SELECT schedule_id::text, attempt FROM executions ORDER BY schedule_id, attempt",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let kept: Vec<(&str, i32)> = kept.iter().map(|(s, a)| (&s[35..], *a)).collect();
    assert_eq!(kept, [("1", 5), ("1", 6), ("1", 7), ("2", 1), ("2", 2)]);
}

/// Inserts `count` successful attempts of `schedule` (a fixture id).
async fn insert_attempts(pool: &PgPool, schedule: &str, count: i32) {
    let now = Utc::now();
    for attempt in 1..=count {
        sqlx::query(
            "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, \
             executor_id, started_at, finished_at, outcome, latency_ms) VALUES \
             ($1::uuid, gen_random_uuid(), $2, $3, 'e', $2, $2, 'success', 5)",
        )
        .bind(schedule)
        .bind(now)
        .bind(attempt)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Issue 10: after a full trim, the next trims visit only schedules with newer attempts,
/// and still keep each of those to its newest N.
#[sqlx::test(migrations = "../migrations", fixtures("two_schedules"))]
async fn incremental_trims_visit_only_schedules_with_newer_attempts(pool: PgPool) {
    use scheduleman::store::executions::{newest_id, prune_beyond_since, Trimmed};
    const ONE: &str = "00000000-0000-0000-0000-000000000001";
    const TWO: &str = "00000000-0000-0000-0000-000000000002";
    insert_attempts(&pool, ONE, 5).await;
    insert_attempts(&pool, TWO, 5).await;
    // As if a full pass had covered everything so far without trimming (keep was larger).
    let covered = newest_id(&pool).await.unwrap();
    insert_attempts(&pool, ONE, 2).await;

    // One new row per round forces several rounds; only ONE is visited and trimmed.
    let trimmed = prune_beyond_since(&pool, 3, covered, 1).await.unwrap();
    assert_eq!(
        trimmed,
        Trimmed {
            deleted: 4,
            covered: covered + 2
        }
    );
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT schedule_id::text, count(*) FROM executions GROUP BY 1 ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(counts, [(ONE.to_owned(), 3), (TWO.to_owned(), 5)]);

    let again = prune_beyond_since(&pool, 3, trimmed.covered, 1)
        .await
        .unwrap();
    assert_eq!(
        again,
        Trimmed {
            deleted: 0,
            covered: trimmed.covered
        },
        "nothing new, nothing visited"
    );
}

/// Issue 9, item 14: executors that stopped beating long ago are removed.
#[sqlx::test(migrations = "../migrations")]
async fn executors_silent_for_longer_than_the_expiry_are_removed(pool: PgPool) {
    let now = Utc::now();
    executors::heartbeat(&pool, "gone", "h", 1, now, 0, now - TimeDelta::days(2))
        .await
        .unwrap();
    executors::heartbeat(&pool, "alive", "h", 2, now, 0, now)
        .await
        .unwrap();
    let removed = executors::remove_stale(&pool, now - TimeDelta::days(1))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let left = executors::list_alive(&pool, now - TimeDelta::days(30))
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, "alive");
}

#[sqlx::test(migrations = "../migrations", fixtures("two_schedules"))]
async fn pruning_removes_only_attempts_older_than_the_cutoff(pool: PgPool) {
    let now = Utc::now();
    for days_ago in [40, 35, 31, 29, 1] {
        let started = now - TimeDelta::days(days_ago);
        sqlx::query(
            "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id, \
             started_at, finished_at, outcome, latency_ms) VALUES \
             ('00000000-0000-0000-0000-000000000001', gen_random_uuid(), $1, 1, 'e', $1, $1, 'success', 5)",
        )
        .bind(started)
        .execute(&pool)
        .await
        .unwrap();
    }
    // A batch of 2 forces several rounds.
    let deleted = scheduleman::store::executions::prune(&pool, now - TimeDelta::days(30), 2)
        .await
        .unwrap();
    assert_eq!(deleted, 3);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM executions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn dead_letters_come_most_recently_dead_first(pool: PgPool) {
    let now = Utc::now();
    for (name, minutes_ago) in [("older", 30), ("newest", 1), ("oldest", 90)] {
        sqlx::query(
            "WITH d AS (INSERT INTO schedules (name, spec, target_url) \
                        VALUES ($1, '{\"kind\": \"every\", \"every\": \"1h\", \
                        \"interval_ms\": 3600000, \"anchor\": \"2026-01-01T00:00:00Z\"}', \
                        'http://h.test/') RETURNING id, name) \
             INSERT INTO schedule_runtime (id, sort_name, state, dead_at) \
             SELECT id, name, 'dead', $2 FROM d",
        )
        .bind(name)
        .bind(now - TimeDelta::minutes(minutes_ago))
        .execute(&pool)
        .await
        .unwrap();
    }
    let dead: Vec<String> = scheduleman::commands::dead_letters(&pool, &Actor::local(), None, 50)
        .await
        .unwrap()
        .items
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    assert_eq!(dead, ["newest", "older", "oldest"]);
}

/// Every action from every state: which ones apply, and what each leaves behind.
#[sqlx::test(migrations = "../migrations")]
async fn every_action_from_every_state_moves_or_is_refused_by_the_table(pool: PgPool) {
    use scheduleman::commands::{self, Action, CommandError};
    use scheduleman::model::ScheduleState::{self, Active, Completed, Dead, Paused};

    // (from, action, Some(to)) when the action applies, None when it is refused.
    let table: [(ScheduleState, Action, Option<ScheduleState>); 16] = [
        (Active, Action::Pause, Some(Paused)),
        (Active, Action::Resume, None),
        (Active, Action::Trigger, Some(Active)),
        (Active, Action::Rearm, None),
        (Paused, Action::Pause, None),
        (Paused, Action::Resume, Some(Active)),
        (Paused, Action::Trigger, None),
        (Paused, Action::Rearm, None),
        (Completed, Action::Pause, None),
        (Completed, Action::Resume, None),
        (Completed, Action::Trigger, None),
        (Completed, Action::Rearm, None),
        (Dead, Action::Pause, None),
        (Dead, Action::Resume, None),
        (Dead, Action::Trigger, None),
        (Dead, Action::Rearm, Some(Active)),
    ];
    for (from, action, expected) in table {
        let id: uuid::Uuid = sqlx::query_scalar(
            "WITH d AS (INSERT INTO schedules (name, spec, target_url) \
                        VALUES ('t', '{\"kind\": \"every\", \"every\": \"1h\", \
                        \"interval_ms\": 3600000, \"anchor\": \"2026-01-01T00:00:00Z\"}', \
                        'http://h.test/') RETURNING id, name) \
             INSERT INTO schedule_runtime (id, sort_name, state, next_run_at, attempt) \
             SELECT id, name, $1, CASE WHEN $1 = 'active' THEN now() + interval '1 hour' END, \
                    CASE WHEN $1 = 'dead' THEN 3 ELSE 0 END FROM d RETURNING id",
        )
        .bind(from.as_str())
        .fetch_one(&pool)
        .await
        .unwrap();
        let result = commands::act(&pool, &Actor::local(), id, action).await;
        let case = format!("{} from {}", action.verb(), from.as_str());
        match (expected, result) {
            (Some(to), Ok(view)) => {
                assert_eq!(view.state, to, "{case}");
                assert_eq!(view.attempt, 0, "{case}: attempts reset");
                assert_eq!(
                    view.next_run_at.is_some(),
                    to == Active,
                    "{case}: due only when active"
                );
            }
            (None, Err(CommandError::WrongState { state, .. })) => {
                assert_eq!(state, from, "{case}")
            }
            (expected, other) => panic!("{case}: expected {expected:?}, got {other:?}"),
        }
    }
}

/// Issue 10: name search goes through the trigram side table, which follows creations and
/// renames (and never fires' updates).
#[sqlx::test(migrations = "../migrations")]
async fn name_search_follows_creations_and_renames(pool: PgPool) {
    use scheduleman::query::ListFilter;
    use scheduleman::store::schedules;
    let spec = r#"{"kind": "every", "every": "1h", "interval_ms": 3600000, "anchor": "2026-01-01T00:00:00Z"}"#;
    sqlx::query(
        "WITH d AS (INSERT INTO schedules (name, spec, target_url) \
                    SELECT 'report ' || n, $1::jsonb, 'http://h.test/' \
                    FROM generate_series(1, 3) AS n RETURNING id, name) \
         INSERT INTO schedule_runtime (id, sort_name) SELECT id, name FROM d",
    )
    .bind(spec)
    .execute(&pool)
    .await
    .unwrap();
    let names = |search: &'static str| {
        let pool = pool.clone();
        async move {
            schedules::list(
                &pool,
                ListFilter::All,
                Some(search),
                &Default::default(),
                None,
                50,
            )
            .await
            .unwrap()
            .iter()
            .map(|s| s.name().to_owned())
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(names("PORT 2").await, ["report 2"]);
    assert_eq!(names("report").await.len(), 3);
    sqlx::query("UPDATE schedules SET name = 'nightly backup' WHERE name = 'report 2'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(names("report 2").await.is_empty(), "the old name is gone");
    assert_eq!(names("backup").await, ["nightly backup"]);
    // An update that leaves the name alone writes nothing to the side table.
    sqlx::query("UPDATE schedules SET target_url = 'http://h.test/other'")
        .execute(&pool)
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule_names")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 3);
}

/// Issue 21: the failing filter (its own statement, answered by the index of failing
/// schedules) lists exactly the active schedules whose last fire failed, in name order, a
/// page at a time; and a search folds case on both sides, beyond ASCII too.
#[sqlx::test(migrations = "../migrations")]
async fn the_failing_filter_pages_through_failing_schedules_in_name_order(pool: PgPool) {
    use scheduleman::query::ListFilter;
    use scheduleman::store::schedules;
    let spec = r#"{"kind": "every", "every": "1h", "interval_ms": 3600000, "anchor": "2026-01-01T00:00:00Z"}"#;
    // n % 3 = 0 failing and active, n % 3 = 1 failing but paused, n % 3 = 2 healthy.
    sqlx::query(
        "WITH d AS (INSERT INTO schedules (name, spec, target_url) \
                    SELECT 'Prüfung ' || lpad(n::text, 2, '0'), $1::jsonb, 'http://h.test/' \
                    FROM generate_series(1, 12) AS n RETURNING id, name) \
         INSERT INTO schedule_runtime (id, sort_name, state, last_outcome) \
         SELECT id, name, CASE WHEN n % 3 = 1 THEN 'paused' ELSE 'active' END, \
                CASE WHEN n % 3 = 2 THEN 'success' ELSE 'failure' END \
         FROM d, LATERAL (SELECT right(name, 2)::int AS n) AS number",
    )
    .bind(spec)
    .execute(&pool)
    .await
    .unwrap();
    let page = |after: Option<(String, uuid::Uuid)>| {
        let pool = pool.clone();
        async move {
            schedules::list(
                &pool,
                ListFilter::Failing,
                None,
                &Default::default(),
                after.as_ref().map(|(name, id)| (name.as_str(), *id)),
                2,
            )
            .await
            .unwrap()
        }
    };
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let items = page(after.clone()).await;
        if items.is_empty() {
            break;
        }
        let last = items.last().unwrap();
        after = Some((last.name().to_owned(), last.id()));
        seen.extend(items.iter().map(|s| s.name().to_owned()));
    }
    assert_eq!(
        seen,
        ["Prüfung 03", "Prüfung 06", "Prüfung 09", "Prüfung 12"]
    );
    let found = schedules::list(
        &pool,
        ListFilter::All,
        Some("PRÜFUNG 1"),
        &Default::default(),
        None,
        50,
    )
    .await
    .unwrap();
    let names: Vec<_> = found.iter().map(|s| s.name().to_owned()).collect();
    assert_eq!(names, ["Prüfung 10", "Prüfung 11", "Prüfung 12"]);
}

/// Issue 10: the headline figures are cached for a few seconds (Refresh reads afresh), and
/// "due in the next hour" stops counting at its cap.
#[sqlx::test(migrations = "../migrations")]
async fn headline_figures_are_cached_and_the_due_count_is_capped(pool: PgPool) {
    use scheduleman::commands::{Freshness, OverviewCache};
    use scheduleman::overview::DUE_COUNT_CAP;
    let insert = |count: i64| insert_due_in_ten_minutes(&pool, count);
    insert(5).await;
    let cache = OverviewCache::new(Freshness {
        ttl: Duration::from_secs(3600),
        ..Freshness::default()
    });
    assert_eq!(
        cache
            .read(&pool, &Actor::local(), false)
            .await
            .unwrap()
            .active,
        5
    );
    insert(DUE_COUNT_CAP).await;
    let cached = cache.read(&pool, &Actor::local(), false).await.unwrap();
    assert_eq!(cached.active, 5, "still the cached figures");
    let fresh = cache.read(&pool, &Actor::local(), true).await.unwrap();
    assert_eq!(fresh.active, DUE_COUNT_CAP + 5);
    assert_eq!(fresh.due_next_hour, DUE_COUNT_CAP, "counted up to the cap");
}

/// Inserts `count` active schedules due in ten minutes.
async fn insert_due_in_ten_minutes(pool: &PgPool, count: i64) {
    sqlx::query(
        "WITH d AS (INSERT INTO schedules (name, spec, target_url) \
                    SELECT 's' || n, '{}', 'http://h.test/' FROM generate_series(1, $1) AS n \
                    RETURNING id, name) \
         INSERT INTO schedule_runtime (id, sort_name, next_run_at) \
         SELECT id, name, now() + interval '10 minutes' FROM d",
    )
    .bind(count)
    .execute(pool)
    .await
    .unwrap();
}

/// Issue 16, item 17: after a quiet spell the figures are read afresh, never the previous
/// visit's (a new user saw "Active 1, Dead 0" above five active and one dead).
#[sqlx::test(migrations = "../migrations")]
async fn headline_figures_after_a_quiet_spell_match_the_list(pool: PgPool) {
    use scheduleman::commands::{Freshness, OverviewCache};
    insert_due_in_ten_minutes(&pool, 1).await;
    let cache = OverviewCache::new(Freshness {
        ttl: Duration::from_millis(50),
        ..Freshness::default()
    });
    assert_eq!(
        cache
            .read(&pool, &Actor::local(), false)
            .await
            .unwrap()
            .active,
        1
    );
    insert_due_in_ten_minutes(&pool, 4).await;
    sqlx::query(
        "UPDATE schedule_runtime SET state = 'dead', dead_at = now() \
         WHERE id = (SELECT id FROM schedule_runtime ORDER BY id LIMIT 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;
    let figures = cache.read(&pool, &Actor::local(), false).await.unwrap();
    assert_eq!(
        (figures.active, figures.dead),
        (4, 1),
        "a cheap count is never served stale"
    );
}

/// Issue 10: when counting is expensive (a million rows), figures past the ttl are served at
/// once, for seconds at most, while one refresh runs behind them.
#[sqlx::test(migrations = "../migrations")]
async fn stale_headline_figures_are_served_while_one_refresh_runs(pool: PgPool) {
    use scheduleman::commands::{Freshness, OverviewCache};
    let insert = |count: i64| insert_due_in_ten_minutes(&pool, count);
    insert(5).await;
    // Every count counts as expensive here.
    let cache = OverviewCache::new(Freshness {
        ttl: Duration::from_millis(1),
        expensive: Duration::ZERO,
        max_stale: Duration::from_secs(10),
    });
    assert_eq!(
        cache
            .read(&pool, &Actor::local(), false)
            .await
            .unwrap()
            .active,
        5
    );
    insert(3).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(
        cache
            .read(&pool, &Actor::local(), false)
            .await
            .unwrap()
            .active,
        5,
        "the stale figures, at once"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if cache
            .read(&pool, &Actor::local(), false)
            .await
            .unwrap()
            .active
            == 8
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh never landed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Issue 11, feature 4: lag (first attempts) and the share of fires that succeeded, over 24
/// hours and 7 days, hour by hour, for a page of the list, and per schedule for Prometheus.
#[sqlx::test(migrations = "../migrations", fixtures("two_schedules"))]
async fn punctuality_counts_fires_lag_and_success_per_window(pool: PgPool) {
    use scheduleman::punctuality::Window;
    use scheduleman::store::punctuality;
    const ONE: &str = "00000000-0000-0000-0000-000000000001";
    let now = Utc::now();
    // (fire, attempt, started this long ago, lag in ms, outcome)
    let attempts = [
        ("a", 1, TimeDelta::minutes(70), 10, "failure"),
        ("a", 2, TimeDelta::minutes(65), 5_010, "success"),
        ("b", 1, TimeDelta::minutes(130), 30, "success"),
        ("c", 1, TimeDelta::days(3), 50, "failure"),
        ("d", 1, TimeDelta::days(9), 70, "success"), // outside both windows
    ];
    for (fire, attempt, ago, lag_ms, outcome) in attempts {
        let started = now - ago;
        sqlx::query(
            "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, \
             executor_id, started_at, finished_at, outcome, latency_ms) VALUES \
             ($1::uuid, md5($2)::uuid, $3, $4, 'e', $5, $5, $6, 5)",
        )
        .bind(ONE)
        .bind(fire)
        .bind(started - TimeDelta::milliseconds(lag_ms))
        .bind(attempt)
        .bind(started)
        .bind(outcome)
        .execute(&pool)
        .await
        .unwrap();
    }
    let one: uuid::Uuid = ONE.parse().unwrap();
    let figures = punctuality::read(&pool, one, now).await.unwrap();
    assert_eq!(
        figures.day,
        Window {
            fires: 2,
            succeeded: 2,
            lag_p50_ms: Some(10.0),
            lag_p99_ms: Some(30.0)
        },
        "a retry's lag is not the fire's"
    );
    assert_eq!(
        figures.week,
        Window {
            fires: 3,
            succeeded: 2,
            lag_p50_ms: Some(30.0),
            lag_p99_ms: Some(50.0)
        }
    );
    assert_eq!(figures.hours.len(), 2, "two hours had attempts");
    assert_eq!(
        figures
            .hours
            .iter()
            .map(|h| (h.succeeded, h.failed))
            .collect::<Vec<_>>(),
        [(1, 0), (1, 1)]
    );

    let two: uuid::Uuid = "00000000-0000-0000-0000-000000000002".parse().unwrap();
    let rates = punctuality::success_rates(&pool, &[one, two], now - TimeDelta::hours(24))
        .await
        .unwrap();
    assert_eq!(rates.len(), 1, "no attempts, no rate");
    assert_eq!(rates[&one].success_rate(), Some(1.0));

    let health = punctuality::schedule_health(&pool, now - TimeDelta::hours(24), 10)
        .await
        .unwrap();
    assert_eq!(health.len(), 2, "every chosen schedule, attempts or not");
    let mine = health.iter().find(|h| h.schedule_id == one).unwrap();
    assert_eq!(mine.window, figures.day);
    let other = health.iter().find(|h| h.schedule_id == two).unwrap();
    assert_eq!(other.window.fires, 0);
}

/// A row whose stored timing no longer decodes (written by another version, or by hand)
/// must not take the list, the dead letters or the other schedules' reads down with it: it
/// is listed in its unreadable form (issue 16, item 1: it was left out), and reading it says
/// why.
#[sqlx::test(migrations = "../migrations", fixtures("two_schedules"))]
async fn a_schedule_that_cannot_be_read_is_listed_with_why_beside_the_others(pool: PgPool) {
    use scheduleman::commands::{self, CommandError};
    use scheduleman::model::ScheduleItem;
    use scheduleman::query::ListFilter;
    let broken: uuid::Uuid = "00000000-0000-0000-0000-000000000002".parse().unwrap();
    sqlx::query(
        "UPDATE schedules SET spec = '{\"kind\": \"every\", \"every\": \"1h\", \
         \"interval_ms\": 3600000, \"anchor\": \"2026-01-01T00:00:00Z\"}' \
         WHERE id = '00000000-0000-0000-0000-000000000001'",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "WITH d AS (UPDATE schedules SET spec = '{\"kind\": \"fortnightly\"}' \
                    WHERE id = $1 RETURNING id) \
         UPDATE schedule_runtime AS r SET state = 'dead', dead_at = now() FROM d \
         WHERE r.id = d.id",
    )
    .bind(broken)
    .execute(&pool)
    .await
    .unwrap();
    let listed = commands::list(&pool, &Actor::local(), ListFilter::All, None, "", None, 50)
        .await
        .unwrap()
        .items;
    assert_eq!(listed.len(), 2, "both are listed");
    let unreadable = |items: &[ScheduleItem]| {
        items
            .iter()
            .filter_map(|item| match item {
                ScheduleItem::Unreadable(row) => Some((row.id, row.reason.clone())),
                ScheduleItem::Readable(_) => None,
            })
            .collect::<Vec<_>>()
    };
    let found = unreadable(&listed);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, broken);
    assert!(found[0].1.contains("fortnightly"), "{:?}", found[0].1);
    let dead = commands::dead_letters(&pool, &Actor::local(), None, 50)
        .await
        .unwrap()
        .items;
    assert_eq!(unreadable(&dead).len(), 1, "and among the dead letters");
    match commands::fetch(&pool, &Actor::local(), broken).await {
        Err(CommandError::Unreadable(row)) => {
            assert!(row.reason.contains("fortnightly"), "{}", row.reason)
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
    // Its edit form starts from what can be read.
    let base = commands::edit_base(&pool, &Actor::local(), broken)
        .await
        .unwrap();
    assert!(base.unreadable.is_some());
    assert_eq!(base.request.target.url, "http://h.test/");
    assert_eq!(base.request.name, "s2");
    let readable: uuid::Uuid = "00000000-0000-0000-0000-000000000001".parse().unwrap();
    assert!(commands::fetch(&pool, &Actor::local(), readable)
        .await
        .is_ok());
}

/// The list's state filters walk the runtime row's copy of the name (`sort_name`, so one
/// index holds both the state and the order): it is written with the name when one schedule
/// or many are created and when one is renamed, so the filtered pages keep name order.
#[sqlx::test(migrations = "../migrations")]
async fn state_filters_page_in_name_order_through_creations_and_renames(pool: PgPool) {
    use scheduleman::commands::{self, Action};
    use scheduleman::model::ScheduleState::Paused;
    use scheduleman::query::ListFilter;
    use scheduleman::schedule::ScheduleInput;
    use scheduleman::ssrf::resolve::DnsServers;
    use scheduleman::ssrf::TargetGuard;
    use scheduleman::validate::{ScheduleRequest, TargetRequest};
    let targets = TargetGuard::new("127.0.0.0/8".parse().unwrap(), &DnsServers::System).unwrap();
    let request = |name: &str| ScheduleRequest {
        name: name.into(),
        schedule: ScheduleInput {
            every: Some("1h".into()),
            ..Default::default()
        },
        target: TargetRequest {
            url: "http://127.0.0.1:9/".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let actor = Actor::local();
    let bravo = commands::schedules::create(&pool, &targets, &actor, &request("bravo"))
        .await
        .unwrap()
        .schedule
        .id;
    let many = commands::schedules::create_many(
        &pool,
        &targets,
        &actor,
        &[request("delta"), request("alpha")],
    )
    .await
    .unwrap();
    let (delta, alpha) = (many[0].id, many[1].id);
    for id in [alpha, bravo, delta] {
        commands::act(&pool, &actor, id, Action::Pause)
            .await
            .unwrap();
    }
    // Pages of two, each after the last one's (name, id).
    let names = |filter: ListFilter| {
        let pool = pool.clone();
        async move {
            let mut seen = Vec::new();
            let mut after: Option<(String, uuid::Uuid)> = None;
            loop {
                let page = schedules_list(&pool, filter, after.as_ref(), 2).await;
                let Some(last) = page.last() else { break };
                after = Some((last.name().to_owned(), last.id()));
                seen.extend(page.iter().map(|s| s.name().to_owned()));
                assert!(seen.len() <= 3, "the pages do not end: {seen:?}");
            }
            seen
        }
    };
    assert_eq!(
        names(ListFilter::State(Paused)).await,
        ["alpha", "bravo", "delta"]
    );
    // Renamed (an edit also resumes it): it leaves the paused ones and lists under its new
    // name among the failing.
    commands::schedules::replace(&pool, &targets, &actor, delta, &request("aardvark"), None)
        .await
        .unwrap();
    for id in [alpha, bravo] {
        commands::act(&pool, &actor, id, Action::Resume)
            .await
            .unwrap();
    }
    assert!(names(ListFilter::State(Paused)).await.is_empty());
    sqlx::query("UPDATE schedule_runtime SET last_outcome = 'failure'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        names(ListFilter::Failing).await,
        ["aardvark", "alpha", "bravo"]
    );
}

async fn schedules_list(
    pool: &PgPool,
    filter: scheduleman::query::ListFilter,
    after: Option<&(String, uuid::Uuid)>,
    limit: i64,
) -> Vec<scheduleman::model::ScheduleItem> {
    store::schedules::list(
        pool,
        filter,
        None,
        &Default::default(),
        after.map(|(name, id)| (name.as_str(), *id)),
        limit,
    )
    .await
    .unwrap()
}
