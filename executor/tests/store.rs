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
