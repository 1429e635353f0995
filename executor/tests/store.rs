//! The store against a real PostgreSQL (DATABASE_URL; the test harness starts one).

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use executor::store::{self, executors, overview};
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

#[sqlx::test(migrations = "../migrations")]
async fn overview_counts_schedules_by_state_and_live_executors(pool: PgPool) {
    for (name, state) in [
        ("a", "active"),
        ("b", "active"),
        ("c", "paused"),
        ("d", "dead"),
    ] {
        sqlx::query(
            "INSERT INTO schedules (name, kind, spec, target_url, state) \
             VALUES ($1, 'every', '{}', 'http://example.test/', $2)",
        )
        .bind(name)
        .bind(state)
        .execute(&pool)
        .await
        .unwrap();
    }
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
    use std::collections::HashSet;

    use chrono::{DateTime, TimeDelta, Utc};
    use executor::model::{Misfire, NewSchedule, RetryPolicy, ScheduleState, Target};
    use executor::schedule::ScheduleSpec;
    use executor::store::claims::{self, Settlement};
    use executor::store::schedules;
    use sqlx::PgPool;

    async fn insert_due(pool: &PgPool, count: usize, due: DateTime<Utc>) {
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
                paused: false,
            };
            schedules::insert(pool, &schedule, Some(due), due)
                .await
                .unwrap();
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
                    let batch = claims::claim_due(&pool, &format!("c{n}"), now, 5_000, 20)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|c| c.schedule_id));
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

    #[sqlx::test(migrations = "../migrations")]
    async fn an_expired_lease_is_reclaimed_and_the_old_holder_is_fenced_out(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 1, now).await;
        let first = claims::claim_due(&pool, "a", now, 5_000, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].attempt, 1);

        // While the lease runs, nobody else gets it.
        let during = now + TimeDelta::seconds(4);
        assert!(claims::claim_due(&pool, "b", during, 5_000, 10)
            .await
            .unwrap()
            .is_empty());

        // Once it expires, another executor takes it over, same fire and execution id.
        let after = now + TimeDelta::seconds(6);
        let retaken = claims::claim_due(&pool, "b", after, 5_000, 10)
            .await
            .unwrap();
        assert_eq!(retaken.len(), 1);
        assert_eq!(retaken[0].attempt, 2);
        assert_eq!(retaken[0].execution_id, first[0].execution_id);
        assert_eq!(retaken[0].fire_at, first[0].fire_at);

        let done = |claim: &claims::Claim| Settlement {
            schedule_id: claim.schedule_id,
            attempt: claim.attempt,
            state: ScheduleState::Completed,
            next_run_at: None,
            fire_done: true,
            outcome: "success",
            error: None,
        };
        let stale = claims::settle(&pool, "a", &[done(&first[0])], &[], after)
            .await
            .unwrap();
        assert!(stale.is_empty(), "the old holder's write changes nothing");
        let current = claims::settle(&pool, "b", &[done(&retaken[0])], &[], after)
            .await
            .unwrap();
        assert_eq!(current, [retaken[0].schedule_id]);
        let stored = schedules::get(&pool, retaken[0].schedule_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, ScheduleState::Completed);
        assert_eq!(stored.attempt, 0);
        assert_eq!(stored.claimed_by, None);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn paused_and_future_schedules_are_not_claimed(pool: PgPool) {
        let now = Utc::now();
        insert_due(&pool, 1, now + TimeDelta::seconds(30)).await;
        assert!(claims::claim_due(&pool, "a", now, 5_000, 10)
            .await
            .unwrap()
            .is_empty());
        sqlx::query("UPDATE schedules SET state = 'paused', next_run_at = $1")
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
        assert!(claims::claim_due(&pool, "a", now, 5_000, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(claims::next_due(&pool).await.unwrap(), None);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn pruning_removes_only_attempts_older_than_the_cutoff(pool: PgPool) {
    sqlx::query(
        "INSERT INTO schedules (id, name, kind, spec, target_url) \
         VALUES ('00000000-0000-0000-0000-000000000001', 's', 'every', '{}', 'http://h.test/')",
    )
    .execute(&pool)
    .await
    .unwrap();
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
    let deleted = executor::store::executions::prune(&pool, now - TimeDelta::days(30), 2)
        .await
        .unwrap();
    assert_eq!(deleted, 3);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM executions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 2);
}
