//! Server-rendered pages say what a schedule does: a dead or paused schedule's page does not
//! list fires as if they would happen (issue 16, item 20), and a schedule whose stored
//! definition cannot be read is shown as such on the list, the dead letters and its page,
//! with edit and delete (issue 16, item 1).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

async fn page(pool: &PgPool, path: &str) -> String {
    let response = support::router_with(pool.clone(), "hooks.test", None)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    support::body_text(response).await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_schedules_page_reads_its_next_fires_in_its_zone_with_their_dst_notes(pool: PgPool) {
    // 02:30 on the second Sunday of March: the day New York's clocks jump 02:00 → 03:00. The
    // page's browser code has no zone tables (issue 21): these readings come with its data.
    let id = support::create_schedule(
        &pool,
        json!({"name": "spring", "schedule": {"cron": "30 2 * 3 0#2", "tz": "America/New_York"},
               "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    let html = page(&pool, &format!("/schedules/{id}")).await;
    assert_eq!(html.matches("class=\"next-fire\"").count(), 5, "{html}");
    assert_eq!(html.matches("class=\"dst-note ").count(), 5, "{html}");
    assert!(
        html.contains("02:30 does not exist that day (clocks jump 02:00→03:00)"),
        "{html}"
    );
    assert!(html.contains("03:00:00 EDT"), "{html}");
    // The next execution's title is its reading in the schedule's zone.
    assert!(html.contains(" 03:00:00 EDT\">"), "{html}");
}

/// The form's code has no zone tables either (issue 21): the server reads its timing, and the
/// page arrives with that reading (preview, window, DST changes) already in it.
#[sqlx::test(migrations = "../migrations")]
async fn the_form_arrives_with_its_timing_read_in_its_zone(pool: PgPool) {
    let new = page(&pool, "/schedules/new").await;
    assert!(
        new.contains("Monday through Friday"),
        "the new schedule's cron in words: {new}"
    );
    assert_eq!(new.matches("class=\"next-fire\"").count(), 5, "{new}");

    let id = support::create_schedule(
        &pool,
        json!({"name": "spring", "schedule": {"cron": "30 2 * 3 0#2", "tz": "America/New_York"},
               "ends_at": "2099-06-30T00:00:00Z", "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    let edit = page(&pool, &format!("/schedules/{id}/edit")).await;
    assert_eq!(edit.matches("class=\"next-fire\"").count(), 5, "{edit}");
    assert!(edit.contains("03:00:00 EDT"), "{edit}");
    assert!(
        edit.contains("class=\"dst-effect "),
        "the DST changes the schedule meets: {edit}"
    );
    // The window's end, 2099-06-30 00:00 UTC, on New York's wall clock in the picker.
    let draft = app::timing_draft::TimingDraft::of(
        &serde_json::from_value(json!({"name": "x", "schedule": {"cron": "* * * * *",
            "tz": "America/New_York"}, "ends_at": "2099-06-30T00:00:00Z",
            "target": {"url": "https://hooks.test/x"}}))
        .unwrap(),
        chrono::Utc::now(),
    );
    assert_eq!(draft.ends_local, "2099-06-29T20:00:00");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_dead_schedules_page_says_it_does_not_fire_and_when_it_would(pool: PgPool) {
    let id = support::create_schedule(
        &pool,
        json!({"name": "nightly", "schedule": {"cron": "0 3 * * *"},
               "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    let active = page(&pool, &format!("/schedules/{id}")).await;
    assert!(!active.contains("not-firing"), "an active schedule fires");
    sqlx::query("UPDATE schedule_runtime SET state = 'dead', dead_at = now(), next_run_at = NULL")
        .execute(&pool)
        .await
        .unwrap();
    let dead = page(&pool, &format!("/schedules/{id}")).await;
    assert!(
        dead.contains("Dead-lettered: it does not fire until it is re-armed or edited"),
        "{dead}"
    );
    assert!(dead.contains("Re-armed now, it would fire at"));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unreadable_schedule_is_shown_with_why_and_can_be_edited(pool: PgPool) {
    let id = support::create_schedule(
        &pool,
        json!({"name": "broken one", "schedule": {"cron": "0 3 * * *"},
               "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    support::create_schedule(
        &pool,
        json!({"name": "fine one", "schedule": {"cron": "0 4 * * *"},
               "target": {"url": "https://hooks.test/y"}}),
    )
    .await;
    sqlx::query(
        "WITH d AS (UPDATE schedules SET spec = '{\"kind\": \"fortnightly\"}' \
                    WHERE name = 'broken one' RETURNING id) \
         UPDATE schedule_runtime AS r SET state = 'dead', dead_at = now() FROM d \
         WHERE r.id = d.id",
    )
    .execute(&pool)
    .await
    .unwrap();
    let list = page(&pool, "/").await;
    assert!(
        list.contains("unreadable: its stored timing does not decode"),
        "{list}"
    );
    assert!(list.contains("fine one"), "the others are listed too");
    let dead = page(&pool, "/dead-letters").await;
    assert!(dead.contains("unreadable: its stored timing does not decode"));
    assert!(dead.contains(&format!("/schedules/{id}/edit")));
    let detail = page(&pool, &format!("/schedules/{id}")).await;
    assert!(detail.contains("Unreadable:"), "{detail}");
    assert!(detail.contains(r#"id="delete""#) && detail.contains(r#"id="edit""#));
    let edit = page(&pool, &format!("/schedules/{id}/edit")).await;
    assert!(edit.contains("give it a timing again"), "{edit}");
    assert!(
        edit.contains(r#"value="https://hooks.test/x""#),
        "what can be read is kept, and shown before the page's code loads: {edit}"
    );
}

/// Stores `count` dead schedules, `dead 001` the most recently dead, a minute apart.
async fn store_dead(pool: &PgPool, count: i32) {
    support::create_schedule(
        pool,
        json!({"name": "seed", "schedule": {"cron": "0 3 * * *"},
               "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    sqlx::query(
        "WITH src AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1) AS n), \
         d AS (INSERT INTO schedules (id, name, spec, target_url) \
               SELECT src.id, 'dead ' || lpad(n::text, 3, '0'), spec, target_url \
               FROM schedules, src WHERE name = 'seed') \
         INSERT INTO schedule_runtime (id, sort_name, state, dead_at, last_error) \
         SELECT id, 'dead ' || lpad(n::text, 3, '0'), 'dead', now() - n * interval '1 minute', 'HTTP 500 #' || n FROM src",
    )
    .bind(count)
    .execute(pool)
    .await
    .unwrap();
}

/// The dead names a rendered page lists, in order.
fn dead_names(html: &str) -> Vec<String> {
    html.split("<tr data-name=\"")
        .skip(1)
        .filter_map(|row| {
            let (name, rest) = row.split_once('"')?;
            rest.starts_with(" class=\"dead-row")
                .then(|| name.to_owned())
        })
        .collect()
}

/// Issue 21, item 4: the dead letters are a page of 50 (500 rows made it the slowest page by
/// 49×), with plain links to older pages, so paging works without JavaScript.
#[sqlx::test(migrations = "../migrations")]
async fn dead_letters_are_paged_with_links_that_work_without_javascript(pool: PgPool) {
    store_dead(&pool, 120).await;
    let link = |html: &str| -> Option<String> {
        let at = html.find("id=\"dead-older\"")?;
        let href = &html[at..];
        let start = href.find("href=\"")? + "href=\"".len();
        Some(href[start..].split('"').next()?.replace("&amp;", "&"))
    };
    let first = page(&pool, "/dead-letters").await;
    let names = dead_names(&first);
    assert_eq!(names.len(), 50, "one page: {names:?}");
    assert_eq!(names[0], "dead 001", "most recently dead first");
    assert_eq!(names[49], "dead 050");
    assert!(
        !first.contains("id=\"dead-newest\""),
        "the first page is the newest"
    );
    let second = page(&pool, &link(&first).expect("a link to older ones")).await;
    let names = dead_names(&second);
    assert_eq!((names[0].as_str(), names.len()), ("dead 051", 50));
    assert!(second.contains("id=\"dead-newest\""));
    let third = page(&pool, &link(&second).expect("a third page")).await;
    let names = dead_names(&third);
    assert_eq!(
        (names[0].as_str(), names[19].as_str(), names.len()),
        ("dead 101", "dead 120", 20)
    );
    assert_eq!(link(&third), None, "the last page links to no older one");
}

/// Issue 21, item 4: the timeline renders 50 rows a page (300 at once made it the slowest
/// page), soonest first, with plain links between pages.
#[sqlx::test(migrations = "../migrations")]
async fn the_timeline_is_paged_with_links_that_work_without_javascript(pool: PgPool) {
    support::create_schedule(
        &pool,
        json!({"name": "seed", "schedule": {"cron": "0 3 * * *"},
               "target": {"url": "https://hooks.test/x"}}),
    )
    .await;
    sqlx::query(
        "WITH src AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 149) AS n), \
         d AS (INSERT INTO schedules (id, name, spec, target_url) \
               SELECT src.id, 'soon ' || lpad(n::text, 3, '0'), spec, target_url \
               FROM schedules, src WHERE name = 'seed') \
         INSERT INTO schedule_runtime (id, sort_name, next_run_at) \
         SELECT id, 'soon ' || lpad(n::text, 3, '0'), now() + n * interval '1 minute' FROM src",
    )
    .execute(&pool)
    .await
    .unwrap();
    let rows = |html: &str| html.matches("class=\"timeline-row ").count();
    let first = page(&pool, "/timeline").await;
    assert_eq!(rows(&first), 50, "one page");
    assert!(
        first.contains("href=\"/timeline?page=2\""),
        "a link to the next page"
    );
    assert!(!first.contains("id=\"timeline-previous\""));
    let last = page(&pool, "/timeline?page=3").await;
    assert_eq!(rows(&last), 50, "the last 50");
    assert!(last.contains("href=\"/timeline?page=2\""));
    assert!(!last.contains("id=\"timeline-next\""));
}
