//! Benchmark: how many triggers per second N executor processes deliver, with what lag, and
//! at what cost.
//!
//! Starts a throwaway PostgreSQL, a counting webhook target in this process, stores
//! `--schedules` one-shot schedules all due at the same instant (or spread over
//! `--spread-seconds`), starts `--executors` executor processes (the release binary next to
//! this example, at its default settings unless `--concurrency`/`--batch` are given), and
//! once every trigger has arrived (or 5 minutes passed) prints throughput, lag percentiles,
//! lost and duplicate deliveries, CPU seconds per trigger of the executors and of
//! PostgreSQL (from /proc), and the executors' peak RSS.
//!
//!     cargo build --release -p executor --bin executor --example throughput
//!     target/release/examples/throughput --schedules 20000 --executors 2

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::routing::any;
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use clap::Parser;
use scheduleman::dev::bench;

/// When a trigger arrived, its lag in microseconds, and its execution id.
type Arrival = (DateTime<Utc>, i64, String);

/// Benchmark settings.
#[derive(Debug, Parser)]
struct Args {
    /// How many schedules fire at once.
    #[arg(long, default_value_t = 20_000)]
    schedules: i64,
    /// How many executor processes.
    #[arg(long, default_value_t = 2)]
    executors: usize,
    /// Each executor's --concurrency (default: the executor's own default).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Each executor's --batch (default: the executor's own default).
    #[arg(long)]
    batch: Option<usize>,
    /// Spread the due instants evenly over this many seconds (0: all at once, a burst).
    #[arg(long, default_value_t = 0.0)]
    spread_seconds: f64,
    /// Idle scenario: the schedules fall due only after this many seconds (spread over a day
    /// from then); the executors run this long and their CPU use while idle is printed.
    #[arg(long, default_value_t = 0)]
    idle_seconds: u64,
    /// Load `pg_stat_statements` and print the statements that took PostgreSQL's time.
    #[arg(long)]
    statements: bool,
    /// Leave the freshly stored schedules without planner statistics (the first minute after
    /// a bulk load, before autovacuum's ANALYZE). By default they are analyzed, as the
    /// tables of a running installation are.
    #[arg(long)]
    unanalyzed: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let database = bench::start_database(args.statements, 10).await?;
    let (pool, url, postmaster) = (
        database.pool.clone(),
        database.url.clone(),
        database.postmaster,
    );

    let lags: Arc<Mutex<Vec<Arrival>>> = Arc::default();
    let recorder = lags.clone();
    let target = Router::new().fallback(any(move |headers: HeaderMap| {
        let recorder = recorder.clone();
        async move {
            let now = Utc::now();
            let scheduled = headers
                .get("x-scheduleman-scheduled-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| DateTime::parse_from_rfc3339(v).ok());
            let execution = headers
                .get("x-scheduleman-execution-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if let Some(scheduled) = scheduled {
                let lag = (now - scheduled.with_timezone(&Utc))
                    .num_microseconds()
                    .unwrap_or(0);
                recorder
                    .lock()
                    .map(|mut l| l.push((now, lag, execution)))
                    .ok();
            }
            "ok"
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let target_url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, target).await });

    let (due, spread) = if args.idle_seconds > 0 {
        // Nothing falls due while the idle scenario watches.
        let start = Utc::now() + TimeDelta::seconds(args.idle_seconds as i64 + 60);
        (start, 86_400.0)
    } else {
        (Utc::now() + TimeDelta::seconds(8), args.spread_seconds)
    };
    // Schedule n is due at due + n/N × spread; its spec says the same instant.
    sqlx::query(
        "WITH src AS ( \
             SELECT gen_random_uuid() AS id, n, t FROM generate_series(1, $2) AS n, \
                  LATERAL (SELECT $3::timestamptz + (n::float8 / $2 * $4) * interval '1 second' AS t) AS due), \
         d AS (INSERT INTO schedules (id, name, spec, target_url) \
               SELECT id, 'bench-' || n, \
                      jsonb_build_object('kind', 'at', 'tz', 'UTC', 'at', \
                          to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')), \
                      $1 FROM src) \
         INSERT INTO schedule_runtime (id, sort_name, next_run_at) SELECT id, 'bench-' || n, t FROM src",
    )
    .bind(&target_url)
    .bind(args.schedules)
    .bind(due)
    .bind(spread)
    .execute(&pool)
    .await?;
    println!(
        "stored {} schedules due from {due} over {} s",
        args.schedules, spread
    );
    if args.idle_seconds > 0 {
        sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
    } else if !args.unanalyzed {
        sqlx::query("ANALYZE").execute(&pool).await?;
    }

    let binary = std::env::current_exe()?
        .parent()
        .and_then(|examples| examples.parent())
        .map(|release| release.join("executor"))
        .ok_or("cannot locate the executor binary")?;
    let tuning: Vec<String> = [("--concurrency", args.concurrency), ("--batch", args.batch)]
        .into_iter()
        .filter_map(|(flag, value)| value.map(|v| [flag.to_owned(), v.to_string()]))
        .flatten()
        .collect();
    let pg_before = bench::postgres_cpu_seconds(postmaster);
    let work_before = bench::PostgresWork::read(&pool).await?;
    let mut executors: Vec<Child> = (0..args.executors)
        .map(|n| {
            Command::new(&binary)
                .args(["run", "--id", &format!("bench-{n}")])
                .args(&tuning)
                .env("DATABASE_URL", &url)
                .env("SCHEDULEMAN_TARGET_ALLOWLIST", "127.0.0.0/8")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
        })
        .collect::<Result<_, _>>()?;

    if args.idle_seconds > 0 {
        // Let the executors start (and run their first history trim), then watch them idle.
        tokio::time::sleep(Duration::from_secs(45)).await;
        let cpu = |child: &Child| bench::cpu_seconds(&child.id().to_string(), false);
        let before: Vec<f64> = executors.iter().map(cpu).collect();
        let pg_before = bench::postgres_cpu_seconds(postmaster);
        tokio::time::sleep(Duration::from_secs(args.idle_seconds)).await;
        let percent: Vec<String> = executors
            .iter()
            .zip(before)
            .map(|(child, before)| {
                format!(
                    "{:.2} %",
                    (cpu(child) - before) / args.idle_seconds as f64 * 100.0
                )
            })
            .collect();
        let pg = (bench::postgres_cpu_seconds(postmaster) - pg_before) / args.idle_seconds as f64;
        println!(
            "idle with {} stored, over {} s: executor CPU {percent:?}, PostgreSQL {:.2} % of a core",
            args.schedules,
            args.idle_seconds,
            pg * 100.0
        );
        for child in &mut executors {
            let _ = child.kill();
            let _ = child.wait();
        }
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let received = lags.lock().map(|l| l.len()).unwrap_or(0) as i64;
        if received >= args.schedules || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let executor_cpu: f64 = executors
        .iter()
        .map(|c| bench::cpu_seconds(&c.id().to_string(), false))
        .sum();
    let executor_rss_kib: Vec<u64> = executors
        .iter()
        .map(|c| bench::peak_rss_kib(c.id()))
        .collect();
    let pg_cpu = bench::postgres_cpu_seconds(postmaster) - pg_before;
    if args.statements {
        bench::print_statements(&pool).await?;
    }
    for child in &mut executors {
        let _ = child.kill();
        let _ = child.wait();
    }
    // Their backends flush their statistics as they exit.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let work_after = bench::PostgresWork::read(&pool).await?;

    let mut samples = lags.lock().map(|l| l.clone()).unwrap_or_default();
    if samples.is_empty() {
        return Err("no trigger arrived".into());
    }
    let distinct: std::collections::HashSet<&str> =
        samples.iter().map(|(_, _, id)| id.as_str()).collect();
    let (distinct, total) = (distinct.len() as i64, samples.len() as i64);
    samples.sort_by_key(|(at, _, _)| *at);
    let first = samples[0].0;
    let last = samples[samples.len() - 1].0;
    let seconds = ((last - first).num_microseconds().unwrap_or(1) as f64 / 1e6).max(1e-6);
    let mut lag_ms: Vec<f64> = samples
        .iter()
        .map(|(_, lag, _)| *lag as f64 / 1000.0)
        .collect();
    lag_ms.sort_by(f64::total_cmp);
    let percentile = |p: f64| lag_ms[((lag_ms.len() as f64 - 1.0) * p).round() as usize];
    let setting = |value: Option<usize>| value.map_or("default".to_owned(), |v| v.to_string());
    println!(
        "delivered {} of {} triggers with {} executors (concurrency {}, batch {}, spread {} s)",
        samples.len(),
        args.schedules,
        args.executors,
        setting(args.concurrency),
        setting(args.batch),
        args.spread_seconds
    );
    println!(
        "lost {}, duplicates {}",
        args.schedules - distinct,
        total - distinct
    );
    println!(
        "throughput: {:.0} triggers/s (first to last arrival: {seconds:.2} s)",
        samples.len() as f64 / seconds
    );
    println!(
        "lag (arrival - scheduled): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(0.5),
        percentile(0.9),
        percentile(0.99),
        percentile(1.0)
    );
    let per_trigger_us = |cpu: f64| cpu / total.max(1) as f64 * 1e6;
    println!(
        "CPU per delivered trigger: executors {:.0} µs, PostgreSQL {:.0} µs (whole run, idle included)",
        per_trigger_us(executor_cpu),
        per_trigger_us(pg_cpu)
    );
    let work = work_after.per(&work_before, total);
    println!(
        "PostgreSQL work per delivered trigger: {:.0} WAL bytes, {:.0} shared buffers touched",
        work.wal_bytes, work.buffers
    );
    println!("executor peak RSS: {executor_rss_kib:?} KiB");
    Ok(())
}
