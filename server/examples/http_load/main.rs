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
//!   `--clients` clients: p50/p99 per page, and the CPU one read under load cost this
//!   process and PostgreSQL.
//!
//! Run it with:
//!
//!     cargo build --release -p server --example http_load
//!     target/release/examples/http_load --clients 16 --seconds 5 --stored 1000000

mod scenarios;

use scenarios::{pages_scenario, percentiles, time_control_scenario, timeline_scenario};

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
    /// creation scenario, and with `--pages` after each page's run with `--clients`.
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
        pages_scenario(&pool, postmaster, &client, &base, &args).await?;
        return Ok(());
    }
    if args.stored > 0 {
        sqlx::query(
            "WITH src AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1) AS n), \
             d AS (INSERT INTO schedules (id, name, spec, target_url) \
                   SELECT id, 'job ' || n || ' ' || md5(n::text), \
                          jsonb_build_object('kind','every','every','1h','interval_ms',3600000, \
                                             'anchor','2026-01-01T00:00:00Z'), \
                          'https://hooks.example/' || n FROM src) \
             INSERT INTO schedule_runtime (id, sort_name, state, next_run_at, last_outcome) \
             SELECT id, 'job ' || n || ' ' || md5(n::text), \
                    CASE WHEN n % 50 = 0 THEN 'dead' WHEN n % 20 = 0 THEN 'paused' ELSE 'active' END, \
                    CASE WHEN n % 50 = 0 OR n % 20 = 0 THEN NULL \
                         ELSE now() + (n % 86400) * interval '1 second' END, \
                    CASE WHEN n % 19 = 0 THEN 'failure' WHEN n % 3 = 0 THEN 'success' END \
             FROM src",
        )
        .bind(args.stored)
        .execute(&pool)
        .await?;
        sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
        if args.executions > 0 {
            sqlx::query(
                "WITH busy AS (SELECT array_agg(id) AS ids FROM \
                     (SELECT id FROM schedule_runtime WHERE state = 'active' LIMIT 10000) AS b) \
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
                "UPDATE schedule_runtime SET last_fired_at = now(), last_outcome = 'success' \
                 WHERE id IN (SELECT DISTINCT schedule_id FROM executions)",
            )
            .execute(&pool)
            .await?;
            sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
        }
        for path in [
            "/",
            "/?state=failing",
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
