//! Benchmark: the server's HTTP surface under load, in one process against a throwaway
//! PostgreSQL. Scenarios:
//! - `--clients` concurrent clients each creating schedules with `POST /api/v1/schedules`
//!   for `--seconds`: creations per second, latency percentiles, CPU per creation of this
//!   process (server and clients together) and of PostgreSQL;
//! - with `--stored N`, N schedules inserted first, then the home page (`GET /`) and the
//!   schedules list and a search read one at a time: the first read's latency, then
//!   percentiles over 50 reads 100 ms apart;
//! - with `--dense N`, N schedules firing every second (`* * * * * *`), then `--clients`
//!   clients reading the timeline page for `--seconds`: latency percentiles;
//! - with `--time-control N`, N schedules with a window, a run limit, jitter and a DST policy
//!   (half paused until tomorrow) and one with 20 backfills of 1,000 fires, then `--clients`
//!   clients reading the preview, the list, both schedules' pages and the backfills;
//! - with `--pages N`, N schedules of every kind, then every page read by one client and by
//!   `--clients` clients: p50/p99 per page.
//!
//! Run it with:
//!
//!     cargo build --release -p server --example http_load
//!     target/release/examples/http_load --clients 16 --seconds 5 --stored 1000000

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use leptos::prelude::LeptosOptions;
use scheduleman::dev::bench;
use server::auth::Auth;
use server::{app, AppState};

/// Benchmark settings.
#[derive(Debug, Parser)]
struct Args {
    /// Concurrent clients creating schedules.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// How long the creation scenario runs.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// The webhook URL the created schedules call (a literal address needs no DNS lookup).
    #[arg(long, default_value = "http://127.0.0.1:9/hook")]
    target: String,
    /// Schedules stored before the page reads (0: skip the read scenario).
    #[arg(long, default_value_t = 0)]
    stored: i64,
    /// Every-second cron schedules stored before the timeline scenario (0: skip it).
    #[arg(long, default_value_t = 0)]
    dense: i64,
    /// Schedules stored before the every-page scenario (0: skip it): each page read by one
    /// client, then by `--clients` clients, p50/p99 per page.
    #[arg(long, default_value_t = 0)]
    pages: i64,
    /// Schedules with time controls stored before the time-control scenario (0: skip it).
    #[arg(long, default_value_t = 0)]
    time_control: usize,
    /// With `--stored`: attempts recorded over the last 10 minutes (10,000 fires/s is
    /// 6,000,000) across 10,000 schedules, before `/metrics` is scraped.
    #[arg(long, default_value_t = 0)]
    executions: i64,
    /// Per-schedule series in `/metrics` (the server's SCHEDULEMAN_METRICS_SCHEDULES).
    #[arg(long, default_value_t = 0)]
    metrics_schedules: usize,
    /// Load `pg_stat_statements` and print the statements that took PostgreSQL's time in the
    /// creation scenario.
    #[arg(long)]
    statements: bool,
}

use scheduleman::ssrf::resolve::DnsServers;
use scheduleman::ssrf::TargetGuard;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let database = bench::start_database(args.statements, 32).await?;
    let (pool, postmaster) = (database.pool.clone(), database.postmaster);

    let state = AppState::new(
        LeptosOptions::builder().output_name("scheduleman").build(),
        pool.clone(),
        TargetGuard::new("127.0.0.0/8".parse()?, &DnsServers::System)?,
        scheduleman::alerts::Deliverer::new("127.0.0.0/8".parse()?, &DnsServers::System, None)?,
        Auth::new(None),
    )
    .with_schedule_series(scheduleman::commands::SeriesSettings {
        schedules: args.metrics_schedules,
        window: Duration::from_secs(3600),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        axum::serve(server::listener::without_nagle(listener), app(state)).await
    });
    let client = reqwest::Client::new();

    // Creation: every client posts in a loop until the time is up.
    let stop = Arc::new(AtomicBool::new(false));
    let (own_before, pg_before) = (
        bench::cpu_seconds("self", false),
        bench::postgres_cpu_seconds(postmaster),
    );
    let started = Instant::now();
    let workers: Vec<_> = (0..args.clients)
        .map(|n| {
            let (client, base, target, stop) = (
                client.clone(),
                base.clone(),
                args.target.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0u64;
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let body = serde_json::json!({
                        "name": format!("load {n}-{i}"),
                        "schedule": {"every": "1h"},
                        "target": {"url": target},
                    });
                    let sent = Instant::now();
                    let answer = client
                        .post(format!("{base}/api/v1/schedules"))
                        .json(&body)
                        .send()
                        .await;
                    match answer {
                        Ok(response) if response.status().is_success() => {
                            latencies.push(sent.elapsed());
                        }
                        _ => failures += 1,
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (mut some, failed) = worker.await?;
        latencies.append(&mut some);
        failures += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (own, pg) = (
        bench::cpu_seconds("self", false) - own_before,
        bench::postgres_cpu_seconds(postmaster) - pg_before,
    );
    let created = latencies.len() as f64;
    println!(
        "POST /api/v1/schedules, {} clients, {:.1} s: {:.0} created/s ({} created, {failures} failed)",
        args.clients,
        elapsed,
        created / elapsed,
        latencies.len()
    );
    println!("  latency {}", percentiles(&mut latencies));
    println!(
        "  CPU per creation: this process (server + clients) {:.0} µs, PostgreSQL {:.0} µs",
        own / created.max(1.0) * 1e6,
        pg / created.max(1.0) * 1e6
    );
    if args.statements {
        bench::print_statements(&pool).await?;
    }

    if args.dense > 0 {
        timeline_scenario(&pool, &client, &base, &args).await?;
        return Ok(());
    }
    if args.time_control > 0 {
        time_control_scenario(&client, &base, &args).await?;
        return Ok(());
    }
    if args.pages > 0 {
        pages_scenario(&pool, &client, &base, &args).await?;
        return Ok(());
    }
    if args.stored > 0 {
        sqlx::query(
            "INSERT INTO schedules (name, spec, target_url, state, next_run_at, last_outcome) \
             SELECT 'job ' || n || ' ' || md5(n::text), \
                    jsonb_build_object('kind','every','every','1h','interval_ms',3600000, \
                                       'anchor','2026-01-01T00:00:00Z'), \
                    'https://hooks.example/' || n, \
                    CASE WHEN n % 50 = 0 THEN 'dead' WHEN n % 20 = 0 THEN 'paused' ELSE 'active' END, \
                    CASE WHEN n % 50 = 0 OR n % 20 = 0 THEN NULL \
                         ELSE now() + (n % 86400) * interval '1 second' END, \
                    CASE WHEN n % 19 = 0 THEN 'failure' WHEN n % 3 = 0 THEN 'success' END \
             FROM generate_series(1, $1) AS n",
        )
        .bind(args.stored)
        .execute(&pool)
        .await?;
        sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
        if args.executions > 0 {
            sqlx::query(
                "WITH busy AS (SELECT array_agg(id) AS ids FROM \
                     (SELECT id FROM schedules WHERE state = 'active' LIMIT 10000) AS b) \
                 INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, \
                     executor_id, started_at, finished_at, outcome, latency_ms) \
                 SELECT busy.ids[1 + n % array_length(busy.ids, 1)], gen_random_uuid(), t, 1, 'bench', \
                        t + interval '3 milliseconds', t + interval '5 milliseconds', \
                        CASE WHEN n % 17 = 0 THEN 'failure' ELSE 'success' END, 2 \
                 FROM busy, generate_series(1, $1) AS n, \
                      LATERAL (SELECT now() - (n::float8 / $1 * 600) * interval '1 second' AS t) AS s",
            )
            .bind(args.executions)
            .execute(&pool)
            .await?;
            sqlx::query(
                "UPDATE schedules SET last_fired_at = now(), last_outcome = 'success' \
                 WHERE id IN (SELECT DISTINCT schedule_id FROM executions)",
            )
            .execute(&pool)
            .await?;
            sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
        }
        for path in [
            "/",
            "/dead-letters",
            "/api/v1/schedules",
            "/api/v1/schedules?search=0421",
            "/metrics",
        ] {
            let read = |path: &'static str| {
                let (client, url) = (client.clone(), format!("{base}{path}"));
                async move {
                    let sent = Instant::now();
                    let response = client.get(url).send().await?;
                    let status = response.status();
                    response.bytes().await?;
                    if !status.is_success() {
                        return Err(format!("GET {path}: {status}").into());
                    }
                    Ok::<_, Box<dyn std::error::Error>>(sent.elapsed())
                }
            };
            let first = read(path).await?;
            // 50 more, 100 ms apart: longer than the server's 3 s cache of the headline
            // figures, so refreshes happen during the run.
            let mut latencies = Vec::new();
            for _ in 0..50 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                latencies.push(read(path).await?);
            }
            println!(
                "GET {path} with {} stored: first {:.1} ms; then 50 reads 100 ms apart: {}",
                args.stored,
                first.as_secs_f64() * 1e3,
                percentiles(&mut latencies)
            );
        }
    }
    Ok(())
}

/// `--dense N` every-second schedules, then `--clients` clients reading `/timeline` in a loop
/// for `--seconds`.
async fn timeline_scenario(
    pool: &sqlx::PgPool,
    client: &reqwest::Client,
    base: &str,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    sqlx::query(
        "INSERT INTO schedules (name, spec, target_url, next_run_at) \
         SELECT 'tick ' || n, '{\"kind\": \"cron\", \"cron\": \"* * * * * *\", \"tz\": \"UTC\"}', \
                'https://hooks.example/' || n, now() + interval '1 second' \
         FROM generate_series(1, $1) AS n",
    )
    .bind(args.dense)
    .execute(pool)
    .await?;
    let started = Instant::now();
    let mut latencies = read_loop(
        client,
        &format!("{base}/timeline"),
        args.clients,
        args.seconds,
    )
    .await?;
    println!(
        "GET /timeline with {} every-second schedules, {} clients, {:.1} s: {} pages, {}",
        args.dense,
        args.clients,
        started.elapsed().as_secs_f64(),
        latencies.len(),
        percentiles(&mut latencies)
    );
    Ok(())
}

/// `clients` clients each reading `url` in a loop for `seconds`: the latency of every
/// successful answer.
async fn read_loop(
    client: &reqwest::Client,
    url: &str,
    clients: usize,
    seconds: u64,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, stop) = (client.clone(), url.to_owned(), stop.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let ok = match client.get(&url).send().await {
                        Ok(response) if response.status().is_success() => {
                            response.bytes().await.is_ok()
                        }
                        _ => false,
                    };
                    if ok {
                        latencies.push(sent.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for reader in readers {
        latencies.append(&mut reader.await?);
    }
    Ok(latencies)
}

/// `--time-control N`: N schedules with a window, a run limit, jitter and a DST policy (half
/// of them paused until tomorrow with a note), one with 20 backfills of 1,000 fires each;
/// then `--clients` clients reading, in turn, the preview with a DST policy, the list, the
/// backfilled schedule's page and its backfills.
async fn time_control_scenario(
    client: &reqwest::Client,
    base: &str,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    let now = chrono::Utc::now();
    let mut subject = String::new();
    for n in 0..args.time_control {
        let body = serde_json::json!({
            "name": format!("controlled {n:04}"),
            "schedule": {"cron": "30 1,2 * * *", "tz": "America/New_York"},
            "starts_at": now.to_rfc3339(),
            "ends_at": (now + chrono::TimeDelta::days(365)).to_rfc3339(),
            "max_fires": 100, "jitter": "30s", "dst_gap": "skip", "dst_overlap": "twice",
            "target": {"url": args.target},
        });
        let created: serde_json::Value = client
            .post(format!("{base}/api/v1/schedules"))
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        let id = created["id"]
            .as_str()
            .ok_or("a schedule was not created")?
            .to_owned();
        if n % 2 == 0 {
            let pause = serde_json::json!({
                "until": (now + chrono::TimeDelta::days(1)).to_rfc3339(), "note": "load test"
            });
            client
                .post(format!("{base}/api/v1/schedules/{id}/pause"))
                .json(&pause)
                .send()
                .await?
                .error_for_status()?;
        }
        subject = id;
    }
    let minutely: serde_json::Value = client
        .post(format!("{base}/api/v1/schedules"))
        .json(&serde_json::json!({
            "name": "backfilled", "schedule": {"cron": "* * * * *"}, "paused": true,
            "target": {"url": args.target},
        }))
        .send()
        .await?
        .json()
        .await?;
    let backfilled = minutely["id"]
        .as_str()
        .ok_or("no backfilled schedule")?
        .to_owned();
    for k in 0..20 {
        let to = now - chrono::TimeDelta::minutes(1000 * k + 1);
        let range = serde_json::json!({
            "from": (to - chrono::TimeDelta::minutes(999)).to_rfc3339(),
            "to": to.to_rfc3339(), "pace": "1h",
        });
        client
            .post(format!("{base}/api/v1/schedules/{backfilled}/backfill"))
            .json(&range)
            .send()
            .await?
            .error_for_status()?;
    }
    // Schedules as code: a 1,000-schedule document planned, applied, planned again (nothing
    // to do) and exported, one client.
    let document: Vec<serde_json::Value> = (0..1000)
        .map(|n| {
            serde_json::json!({
                "name": format!("as code {n:04}"),
                "schedule": {"cron": format!("{} * * * *", n % 60)},
                "target": {"url": args.target},
                "labels": {"team": format!("team{}", n % 10), "env": "prod"},
            })
        })
        .collect();
    let mut request = serde_json::json!({"source": "bench", "schedules": document});
    for (step, dry_run) in [
        ("plan (1,000 to create)", true),
        ("apply", false),
        ("plan again (1,000 unchanged)", true),
    ] {
        request["dry_run"] = serde_json::json!(dry_run);
        let started = Instant::now();
        let answer: serde_json::Value = client
            .post(format!("{base}/api/v1/schedules:apply"))
            .json(&request)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        println!(
            "POST /api/v1/schedules:apply, {step}: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        request["digest"] = answer["digest"].clone();
    }
    for path in [
        "/api/v1/schedules:export?selector=env%3Dprod",
        "/api/v1/schedules:export?selector=team%3Dteam3&format=yaml",
        "/?selector=team%3Dteam3",
    ] {
        let mut latencies =
            read_loop(client, &format!("{base}{path}"), args.clients, args.seconds).await?;
        println!(
            "GET {path}, {} clients: {} answers, {}",
            args.clients,
            latencies.len(),
            percentiles(&mut latencies)
        );
    }
    let preview = "/api/v1/preview?cron=30+1,2+*+*+*&tz=America/New_York&dst_gap=skip\
                   &dst_overlap=twice&jitter=30s&count=20";
    for path in [
        preview.to_owned(),
        "/".to_owned(),
        format!("/schedules/{subject}"),
        format!("/schedules/{backfilled}"),
        format!("/api/v1/schedules/{backfilled}/backfills"),
    ] {
        let mut latencies =
            read_loop(client, &format!("{base}{path}"), args.clients, args.seconds).await?;
        println!(
            "GET {path} ({} controlled schedules, 20 backfills of 1,000 fires), {} clients: {} answers, {}",
            args.time_control,
            args.clients,
            latencies.len(),
            percentiles(&mut latencies)
        );
    }
    Ok(())
}

/// `--pages N`: N schedules (a tenth dense every-second crons, a tenth failing, a
/// twentieth dead, a twentieth paused, all labelled, a little history), then every page read
/// for `--seconds` by one client and again by `--clients` clients: p50/p99 per page, and
/// the slowest page's p99 under load against the cheapest's.
async fn pages_scenario(
    pool: &sqlx::PgPool,
    client: &reqwest::Client,
    base: &str,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    sqlx::query(
        "INSERT INTO schedules (name, spec, target_url, state, next_run_at, last_outcome, \
                                last_error, dead_at, labels) \
         SELECT 'page ' || lpad(n::text, 6, '0'), \
                CASE WHEN n % 10 = 0 THEN '{\"kind\": \"cron\", \"cron\": \"* * * * * *\", \"tz\": \"UTC\"}' \
                     ELSE '{\"kind\": \"cron\", \"cron\": \"' || (n % 60) || ' * * * *\", \"tz\": \"Europe/Berlin\"}' END::jsonb, \
                'https://hooks.example/' || n, \
                CASE WHEN n % 20 = 3 THEN 'dead' WHEN n % 20 = 7 THEN 'paused' ELSE 'active' END, \
                now() + (n % 3600) * interval '1 second', \
                CASE WHEN n % 10 = 1 OR n % 20 = 3 THEN 'failure' WHEN n % 2 = 0 THEN 'success' END, \
                CASE WHEN n % 10 = 1 OR n % 20 = 3 THEN 'HTTP 500 Internal Server Error: upstream down' END, \
                CASE WHEN n % 20 = 3 THEN now() - (n % 1000) * interval '1 second' END, \
                jsonb_build_object('team', 'team' || (n % 10), 'env', CASE WHEN n % 2 = 0 THEN 'prod' ELSE 'dev' END) \
         FROM generate_series(1, $1) AS n",
    )
    .bind(args.pages)
    .execute(pool)
    .await?;
    let (id,): (uuid::Uuid,) =
        sqlx::query_as("SELECT id FROM schedules WHERE name = 'page 000011'")
            .fetch_one(pool)
            .await?;
    sqlx::query(
        "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id, \
                                 started_at, finished_at, outcome, http_status, latency_ms, error) \
         SELECT $1, gen_random_uuid(), now() - n * interval '1 minute', 1, 'bench', \
                now() - n * interval '1 minute' + interval '5 ms', \
                now() - n * interval '1 minute' + interval '50 ms', \
                CASE WHEN n % 3 = 0 THEN 'failure' ELSE 'success' END, \
                CASE WHEN n % 3 = 0 THEN 500 ELSE 200 END, 45, \
                CASE WHEN n % 3 = 0 THEN 'HTTP 500' END \
         FROM generate_series(1, 500) AS n",
    )
    .bind(id)
    .execute(pool)
    .await?;
    let pages = [
        "/".to_owned(),
        "/?state=failing".to_owned(),
        "/?state=dead".to_owned(),
        "/?search=page%2000012".to_owned(),
        "/?selector=team%3Dteam3,env%3Dprod".to_owned(),
        format!("/schedules/{id}"),
        format!("/schedules/{id}/edit"),
        "/schedules/new".to_owned(),
        "/timeline".to_owned(),
        "/dead-letters".to_owned(),
        "/executors".to_owned(),
        "/import".to_owned(),
        "/alerts".to_owned(),
        "/keys".to_owned(),
        "/audit".to_owned(),
    ];
    println!(
        "| page ({} schedules) | 1 client p50 | p99 | {} clients p50 | p99 |",
        args.pages, args.clients
    );
    println!("|---|---|---|---|---|");
    let mut loaded_p99 = Vec::new();
    for page in &pages {
        let url = format!("{base}{page}");
        let mut alone = read_loop(client, &url, 1, args.seconds).await?;
        let mut crowd = read_loop(client, &url, args.clients, args.seconds).await?;
        let (a50, a99) = (quantile(&mut alone, 0.5), quantile(&mut alone, 0.99));
        let (c50, c99) = (quantile(&mut crowd, 0.5), quantile(&mut crowd, 0.99));
        println!("| `{page}` | {a50:.1} ms | {a99:.1} ms | {c50:.1} ms | {c99:.1} ms |");
        loaded_p99.push(c99);
    }
    let (cheapest, dearest) = loaded_p99
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    println!(
        "slowest page's p99 under {} clients is {:.1}× the cheapest's",
        args.clients,
        dearest / cheapest.max(0.001)
    );
    Ok(())
}

/// The `q` quantile of `latencies` in milliseconds (0 when there are none).
fn quantile(latencies: &mut [Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort();
    latencies[((latencies.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

/// "p50 … ms, p99 … ms, max … ms".
fn percentiles(latencies: &mut [Duration]) -> String {
    if latencies.is_empty() {
        return "no answers".into();
    }
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile(latencies, 0.5),
        quantile(latencies, 0.99),
        quantile(latencies, 1.0)
    )
}
