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
use scheduleman::store::{self, LocalPostgres};

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
    /// Load `pg_stat_statements` and print the statements that took PostgreSQL's time.
    #[arg(long)]
    statements: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let server = LocalPostgres::start_throwaway()?;
    let mut url = server.url("postgres");
    let mut pool = sqlx::PgPool::connect(&url).await?;
    if args.statements {
        // The module must be preloaded: set it, restart on the same data, create the view.
        sqlx::query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
            .execute(&pool)
            .await?;
        pool.close().await;
        LocalPostgres::stop(server.data_dir())?;
        url = LocalPostgres::start(server.data_dir())?.url("postgres");
        pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query("CREATE EXTENSION pg_stat_statements")
            .execute(&pool)
            .await?;
    }
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
    let tuning: Vec<String> = [("--concurrency", args.concurrency), ("--batch", args.batch)]
        .into_iter()
        .filter_map(|(flag, value)| value.map(|v| [flag.to_owned(), v.to_string()]))
        .flatten()
        .collect();
    let postmaster = postmaster_pid(server.data_dir())?;
    let pg_before = postgres_cpu_seconds(postmaster);
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

    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let received = lags.lock().map(|l| l.len()).unwrap_or(0) as i64;
        if received >= args.schedules || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let executor_cpu: f64 = executors.iter().map(|c| cpu_seconds(c.id(), false)).sum();
    let executor_rss_kib: Vec<u64> = executors.iter().map(|c| peak_rss_kib(c.id())).collect();
    let pg_cpu = postgres_cpu_seconds(postmaster) - pg_before;
    if args.statements {
        print_statements(&pool).await?;
    }
    for child in &mut executors {
        let _ = child.kill();
        let _ = child.wait();
    }

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
    println!("executor peak RSS: {executor_rss_kib:?} KiB");
    Ok(())
}

/// The statements that took the most execution time, as `pg_stat_statements` counted them
/// over the whole run (setup included).
async fn print_statements(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64, f64, f64, i64, String)> = sqlx::query_as(
        "SELECT calls, rows, total_exec_time, \
                100 * total_exec_time / sum(total_exec_time) OVER (), \
                shared_blks_hit + shared_blks_read + shared_blks_dirtied + shared_blks_written, \
                regexp_replace(query, '\\s+', ' ', 'g') \
         FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12",
    )
    .fetch_all(pool)
    .await?;
    println!("pg_stat_statements (execution time, whole run):");
    println!("  calls | rows | total ms | share | buffers | statement");
    for (calls, rows, total, share, buffers, query) in rows {
        let query: String = query.chars().take(110).collect();
        println!("  {calls} | {rows} | {total:.0} | {share:.1} % | {buffers} | {query}");
    }
    Ok(())
}

/// Clock ticks per second of /proc's CPU times.
const TICKS_PER_SECOND: f64 = 100.0;

/// A process's CPU seconds (user + system), with its reaped children's when `children`.
fn cpu_seconds(pid: u32, children: bool) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name: state is field 3, utime 14 … cstime 17.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let own = field(14) + field(15);
    let reaped = if children { field(16) + field(17) } else { 0.0 };
    (own + reaped) / TICKS_PER_SECOND
}

/// PostgreSQL's CPU seconds: the postmaster (with the backends it has reaped) and every
/// process it runs now.
fn postgres_cpu_seconds(postmaster: u32) -> f64 {
    let children: f64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent_of(*pid) == Some(postmaster))
        .map(|pid| cpu_seconds(pid, false))
        .sum();
    cpu_seconds(postmaster, true) + children
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The postmaster's pid, from its data directory.
fn postmaster_pid(data_dir: &std::path::Path) -> Result<u32, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid"))?;
    Ok(text.lines().next().unwrap_or_default().trim().parse()?)
}

/// A process's peak resident set size (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
