//! Benchmark: how many triggers per second N executor processes deliver, and with what lag.
//!
//! Starts a throwaway PostgreSQL, a counting webhook target in this process, stores
//! `--schedules` one-shot schedules all due at the same instant, starts `--executors`
//! executor processes (the release binary next to this example), and prints throughput and
//! lag percentiles once every trigger has arrived.
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
use scheduleman::store::{self, LocalPostgres};

/// When a trigger arrived, and its lag in microseconds.
type Arrival = (DateTime<Utc>, i64);

/// Benchmark settings.
#[derive(Debug, Parser)]
struct Args {
    /// How many schedules fire at once.
    #[arg(long, default_value_t = 20_000)]
    schedules: i64,
    /// How many executor processes.
    #[arg(long, default_value_t = 2)]
    executors: usize,
    /// Each executor's --concurrency.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Each executor's --batch.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Spread the due instants evenly over this many seconds (0: all at once, a burst).
    #[arg(long, default_value_t = 0.0)]
    spread_seconds: f64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let server = LocalPostgres::start_throwaway()?;
    let url = server.url("postgres");
    let pool = sqlx::PgPool::connect(&url).await?;
    store::migrate(&pool).await?;

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
            if let Some(scheduled) = scheduled {
                let lag = (now - scheduled.with_timezone(&Utc))
                    .num_microseconds()
                    .unwrap_or(0);
                recorder.lock().map(|mut l| l.push((now, lag))).ok();
            }
            "ok"
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let target_url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, target).await });

    let due = Utc::now() + TimeDelta::seconds(8);
    // Schedule n is due at due + n/N × spread; its spec says the same instant.
    sqlx::query(
        "INSERT INTO schedules (name, spec, target_url, next_run_at) \
         SELECT 'bench-' || n, \
                jsonb_build_object('kind', 'at', 'tz', 'UTC', 'at', \
                    to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')), \
                $1, t \
         FROM generate_series(1, $2) AS n, \
              LATERAL (SELECT $3::timestamptz + (n::float8 / $2 * $4) * interval '1 second' AS t) AS due",
    )
    .bind(&target_url)
    .bind(args.schedules)
    .bind(due)
    .bind(args.spread_seconds)
    .execute(&pool)
    .await?;
    println!(
        "stored {} schedules due from {due} over {} s",
        args.schedules, args.spread_seconds
    );

    let binary = std::env::current_exe()?
        .parent()
        .and_then(|examples| examples.parent())
        .map(|release| release.join("executor"))
        .ok_or("cannot locate the executor binary")?;
    let mut executors: Vec<Child> = (0..args.executors)
        .map(|n| {
            Command::new(&binary)
                .args(["run", "--id", &format!("bench-{n}")])
                .args(["--concurrency", &args.concurrency.to_string()])
                .args(["--batch", &args.batch.to_string()])
                .env("DATABASE_URL", &url)
                .env("SCHEDULEMAN_TARGET_ALLOWLIST", "127.0.0.0/8")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
        })
        .collect::<Result<_, _>>()?;

    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let received = lags.lock().map(|l| l.len()).unwrap_or(0) as i64;
        if received >= args.schedules || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for child in &mut executors {
        let _ = child.kill();
        let _ = child.wait();
    }

    let mut samples = lags.lock().map(|l| l.clone()).unwrap_or_default();
    if samples.is_empty() {
        return Err("no trigger arrived".into());
    }
    samples.sort_by_key(|(at, _)| *at);
    let first = samples[0].0;
    let last = samples[samples.len() - 1].0;
    let seconds = ((last - first).num_microseconds().unwrap_or(1) as f64 / 1e6).max(1e-6);
    let mut lag_ms: Vec<f64> = samples
        .iter()
        .map(|(_, lag)| *lag as f64 / 1000.0)
        .collect();
    lag_ms.sort_by(f64::total_cmp);
    let percentile = |p: f64| lag_ms[((lag_ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "delivered {} of {} triggers with {} executors (concurrency {}, batch {}, spread {} s)",
        samples.len(),
        args.schedules,
        args.executors,
        args.concurrency,
        args.batch,
        args.spread_seconds
    );
    println!(
        "throughput: {:.0} triggers/s (first to last arrival: {seconds:.2} s)",
        samples.len() as f64 / seconds
    );
    println!(
        "lag (arrival - scheduled): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(0.5),
        percentile(0.99),
        percentile(1.0)
    );
    Ok(())
}
