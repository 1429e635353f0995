//! What the benchmark programs measure with: CPU seconds and peak memory of processes (from
//! /proc), PostgreSQL's CPU across its backends, and `pg_stat_statements`' view of where a
//! run's statement time went.

use std::path::Path;

use sqlx::PgPool;

use crate::store::local_postgres::{LocalPostgres, LocalPostgresError};

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

/// Why the benchmark's database could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The server could not be started or restarted.
    #[error(transparent)]
    Postgres(#[from] LocalPostgresError),
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The migrations failed.
    #[error(transparent)]
    Migrate(#[from] crate::store::StoreError),
    /// `postmaster.pid` could not be read.
    #[error("cannot read the postmaster's pid in {0}")]
    NoPostmaster(std::path::PathBuf),
}

/// A benchmark's throwaway PostgreSQL, migrated, with what is measured on it.
pub struct BenchDatabase {
    /// The server (stopped and deleted when dropped).
    pub server: LocalPostgres,
    /// Its URL.
    pub url: String,
    /// A pool on it.
    pub pool: PgPool,
    /// The postmaster's pid, for [`postgres_cpu_seconds`].
    pub postmaster: u32,
}

/// Starts a throwaway PostgreSQL, with `pg_stat_statements` preloaded when `statements`
/// (a restart on the same data, since the module must be preloaded), and migrates it.
pub async fn start_database(
    statements: bool,
    max_connections: u32,
) -> Result<BenchDatabase, BenchError> {
    let server = LocalPostgres::start_throwaway()?;
    let mut url = server.url("postgres");
    if statements {
        let pool = PgPool::connect(&url).await?;
        sqlx::query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
            .execute(&pool)
            .await?;
        pool.close().await;
        LocalPostgres::stop(server.data_dir())?;
        url = LocalPostgres::start(server.data_dir())?.url("postgres");
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(max_connections)
        .connect(&url)
        .await?;
    if statements {
        sqlx::query("CREATE EXTENSION pg_stat_statements")
            .execute(&pool)
            .await?;
    }
    crate::store::migrate(&pool).await?;
    let postmaster = postmaster_pid(server.data_dir())
        .ok_or_else(|| BenchError::NoPostmaster(server.data_dir().to_owned()))?;
    Ok(BenchDatabase {
        server,
        url,
        pool,
        postmaster,
    })
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

/// What PostgreSQL wrote and touched so far: WAL bytes since the cluster began, and shared
/// buffers hit or read in the current database. Differences of two readings are steadier
/// than CPU time on a shared machine: they count work, not how long it waited for a core.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresWork {
    /// WAL bytes written (`pg_current_wal_lsn()`).
    pub wal_bytes: f64,
    /// Shared buffers hit or read (`pg_stat_database`, flushed first).
    pub buffers: f64,
}

impl PostgresWork {
    /// Reads both counters. The buffers lag by what other backends have not flushed yet
    /// (at most a second's worth).
    pub async fn read(pool: &PgPool) -> Result<Self, sqlx::Error> {
        sqlx::query("SELECT pg_stat_force_next_flush()")
            .execute(pool)
            .await?;
        let (wal_bytes, buffers): (f64, f64) = sqlx::query_as(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8, \
                    (blks_hit + blks_read)::float8 \
             FROM pg_stat_database WHERE datname = current_database()",
        )
        .fetch_one(pool)
        .await?;
        Ok(Self { wal_bytes, buffers })
    }

    /// The work done between `before` and this reading, per `count` units.
    pub fn per(&self, before: &Self, count: i64) -> Self {
        let count = count.max(1) as f64;
        Self {
            wal_bytes: (self.wal_bytes - before.wal_bytes) / count,
            buffers: (self.buffers - before.buffers) / count,
        }
    }
}
