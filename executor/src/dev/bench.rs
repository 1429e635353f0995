//! What the benchmark programs measure with: CPU seconds and peak memory of processes (from
//! /proc), PostgreSQL's CPU across its backends, and `pg_stat_statements`' view of where a
//! run's statement time went.

use std::path::Path;

use sqlx::PgPool;

use super::local_postgres::{LocalPostgres, LocalPostgresError};

/// Clock ticks per second of /proc's CPU times.
const TICKS_PER_SECOND: f64 = 100.0;

/// The fields of /proc/`pid`/stat after the parenthesised command name (index 0 is field 3,
/// the state); empty when the process is gone. `pid` may be `self`.
fn stat_fields(pid: &str) -> Vec<String> {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect())
        })
        .unwrap_or_default()
}

/// A process's CPU seconds (user + system), with its reaped children's when `children`.
pub fn cpu_seconds(pid: &str, children: bool) -> f64 {
    let fields = stat_fields(pid);
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let reaped = if children { field(16) + field(17) } else { 0.0 };
    (field(14) + field(15) + reaped) / TICKS_PER_SECOND
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(&pid.to_string()).get(1)?.parse().ok()
}

/// PostgreSQL's CPU seconds: the postmaster (with the backends it has reaped) and every
/// process it runs now.
pub fn postgres_cpu_seconds(postmaster: u32) -> f64 {
    let children: f64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent_of(*pid) == Some(postmaster))
        .map(|pid| cpu_seconds(&pid.to_string(), false))
        .sum();
    cpu_seconds(&postmaster.to_string(), true) + children
}

/// The postmaster's pid, from its data directory; `None` when it cannot be read.
pub fn postmaster_pid(data_dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// A process's peak resident set size (VmHWM), in KiB.
pub fn peak_rss_kib(pid: u32) -> u64 {
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

/// Why `pg_stat_statements` could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StatementsError {
    /// The server could not be restarted.
    #[error(transparent)]
    Restart(#[from] LocalPostgresError),
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Preloads `pg_stat_statements` in `server` (a restart on the same data) and creates its
/// view; returns the server's URL for `database` afterwards (the port may change).
pub async fn enable_statements(
    server: &LocalPostgres,
    database: &str,
) -> Result<String, StatementsError> {
    let pool = PgPool::connect(&server.url(database)).await?;
    sqlx::query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        .execute(&pool)
        .await?;
    pool.close().await;
    LocalPostgres::stop(server.data_dir())?;
    let url = LocalPostgres::start(server.data_dir())?.url(database);
    let pool = PgPool::connect(&url).await?;
    sqlx::query("CREATE EXTENSION pg_stat_statements")
        .execute(&pool)
        .await?;
    Ok(url)
}

/// Prints the statements that took the most execution time, as `pg_stat_statements` counted
/// them since it was enabled.
pub async fn print_statements(pool: &PgPool) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64, f64, f64, i64, String)> = sqlx::query_as(
        "SELECT calls, rows, total_exec_time, \
                100 * total_exec_time / sum(total_exec_time) OVER (), \
                shared_blks_hit + shared_blks_read + shared_blks_dirtied + shared_blks_written, \
                regexp_replace(query, '\\s+', ' ', 'g') \
         FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12",
    )
    .fetch_all(pool)
    .await?;
    println!("pg_stat_statements (execution time):");
    println!("  calls | rows | total ms | share | buffers | statement");
    for (calls, rows, total, share, buffers, query) in rows {
        let query: String = query.chars().take(110).collect();
        println!("  {calls} | {rows} | {total:.0} | {share:.1} % | {buffers} | {query}");
    }
    Ok(())
}
