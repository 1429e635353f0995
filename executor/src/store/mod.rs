//! Everything Scheduleman says to PostgreSQL: connecting (to `DATABASE_URL`, or to the
//! private server [`local_postgres`] starts, the default when `DATABASE_URL` is unset),
//! migrations, and every statement, in one module per table or concern.
//!
//! Outside this crate only connecting is public: the server and the UI reach the tables
//! through [`crate::commands`], and the compiler holds them to it. The `testing` feature (on
//! by default for this crate's own tests and examples, off for the server's and the UI's
//! dependency) opens the table modules to integration tests.

pub mod local_postgres;

/// Declares the table modules: crate-private, public with the `testing` feature.
macro_rules! table_modules {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        $(
            $(#[$doc])*
            #[cfg(feature = "testing")]
            pub mod $name;
            $(#[$doc])*
            #[cfg(not(feature = "testing"))]
            // What only the integration tests use is unused without them.
            #[allow(dead_code, unused_imports)]
            pub(crate) mod $name;
        )*
    };
}

table_modules! {
    /// Alert channels, incidents and the outbox.
    alerts;
    /// Backfills and the fires they queue.
    backfills;
    /// The claim and the fenced write-back.
    claims;
    /// The attempt history.
    executions;
    /// Executor heartbeats.
    executors;
    /// What crontab imports made.
    imports;
    /// The headline counts.
    overview;
    /// Punctuality and health figures.
    punctuality;
    /// Every change, who made it, and what it changed.
    audit;
    /// API keys, stored as their hashes.
    keys;
    /// Pauses that end by themselves.
    resume;
    /// Schedules as people read and change them.
    schedules;
    /// The executor's fenced write-back.
    settle;
}

pub use schedules::WAKE_HORIZON;

use std::path::Path;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

pub use local_postgres::{LocalPostgres, LocalPostgresError};

/// The migrations in `migrations/`, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The private PostgreSQL could not be started.
    #[error("cannot start the private PostgreSQL: {0}")]
    LocalPostgres(#[from] LocalPostgresError),
    /// `DATABASE_URL` is not a PostgreSQL URL.
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(#[source] sqlx::Error),
    /// Applying migrations failed.
    #[error("applying migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed or the database is unreachable.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema stayed older than this binary expects.
    #[error(
        "timed out after {0:?} waiting for migrations (is the server running? it applies them)"
    )]
    MigrationsTimedOut(Duration),
}

/// `text` as a PostgreSQL `text` column can hold it: NUL (which PostgreSQL refuses) becomes
/// U+FFFD. Anything a remote party wrote (a target's reply, say) goes through this before
/// it is stored, so one hostile reply cannot make a batched write fail.
pub fn storable(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

/// How long the executor waits for any one database call before it treats the connection
/// as lost (a half-open connection never answers; this bounds the wait).
pub const DB_CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a database call with [`DB_CALL_TIMEOUT`]: a half-open connection never answers, and
/// the executor's loops must notice rather than wait forever. A call past the limit fails as
/// [`sqlx::Error::PoolTimedOut`].
pub async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    tokio::time::timeout(DB_CALL_TIMEOUT, call)
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
}

/// The database settings both binaries take (flatten into a `clap::Parser`).
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL. When unset, a private server is started from the installed
    /// PostgreSQL binaries with its data in --data-dir.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Data directory of the private PostgreSQL (used only without DATABASE_URL).
    /// Default: `.scheduleman/pg` in the working directory.
    #[arg(long, env = "SCHEDULEMAN_DATA_DIR")]
    pub data_dir: Option<std::path::PathBuf>,
}

impl DatabaseArgs {
    /// Where these settings say the database is.
    pub fn location(&self) -> DatabaseLocation {
        let data_dir = self
            .data_dir
            .clone()
            .unwrap_or_else(local_postgres::default_data_dir);
        DatabaseLocation::from_settings(self.database_url.clone(), &data_dir)
    }
}

/// Where the database is: what `connect` was told.
#[derive(Debug, Clone)]
pub enum DatabaseLocation {
    /// An existing database (production): `DATABASE_URL`.
    Url(String),
    /// A private server whose data lives in this directory, started when needed.
    Local(std::path::PathBuf),
}

impl DatabaseLocation {
    /// `DATABASE_URL` when given, else the private server in `data_dir`.
    pub fn from_settings(database_url: Option<String>, data_dir: &Path) -> Self {
        match database_url.filter(|url| !url.trim().is_empty()) {
            Some(url) => Self::Url(url),
            None => Self::Local(data_dir.to_path_buf()),
        }
    }
}

/// A pool of connections, plus the private server behind it (kept for the log and for tests).
#[derive(Debug)]
pub struct Database {
    /// The pool.
    pub pool: PgPool,
    /// The private server, when one was started or attached to.
    pub local: Option<LocalPostgres>,
    /// How the pool's connections are opened (for [`Database::fire_path_pool`]).
    options: PgConnectOptions,
}

/// Planner settings of the connections that claim and write back fires (see
/// [`Database::fire_path_pool`]).
///
/// The claim, the write-back and the attempts' insert run hundreds of times a second in a
/// burst, and PostgreSQL planned each execution afresh: about a sixth of its time per fire
/// went to planning (`perf`, docs/benchmarks.md). A generic plan is made once per
/// connection. But a generic plan cannot see its parameters: a `LIMIT $n` counts as a tenth
/// of the table, so left to itself the planner would hash-join the claim's rows with every
/// schedule. With whole-table scans, bitmap scans and merge joins off, each of these
/// statements reaches its rows through an index or their `ctid`, as it does when planned
/// with its parameters — and so does the claim on tables without statistics yet (the first
/// minute after a bulk load), where a fresh plan read and sorted every due row at each claim.
pub const FIRE_PATH_SETTINGS: [(&str, &str); 4] = [
    ("plan_cache_mode", "force_generic_plan"),
    ("enable_seqscan", "off"),
    ("enable_bitmapscan", "off"),
    ("enable_mergejoin", "off"),
];

/// Connections the fire path holds at once: the claim loop's and the write-back's.
const FIRE_PATH_CONNECTIONS: u32 = 2;

impl Database {
    /// The pool for the executor's claims and write-backs: [`fire_path_pool`] on this
    /// database.
    pub fn fire_path_pool(&self) -> PgPool {
        fire_path_pool(&self.options)
    }
}

/// A second, small pool for the executor's claims and write-backs only, whose connections
/// plan those statements once ([`FIRE_PATH_SETTINGS`]), with every other setting of
/// `options`. It connects lazily, when the first claim needs it. Nothing else may use it: its
/// settings suit only the statements they were checked with (store test
/// `the_fire_path_plans_once_and_reads_the_due_index_in_order`).
pub fn fire_path_pool(options: &PgConnectOptions) -> PgPool {
    let options = options.clone().options(FIRE_PATH_SETTINGS);
    pool_options(FIRE_PATH_CONNECTIONS).connect_lazy_with(options)
}

/// Connects to `location`, starting the private server (and creating its database) if needed.
pub async fn connect(
    location: &DatabaseLocation,
    max_connections: u32,
) -> Result<Database, StoreError> {
    let (url, local) = match location {
        DatabaseLocation::Url(url) => (url.clone(), None),
        DatabaseLocation::Local(dir) => {
            let dir = dir.clone();
            let server = tokio::task::spawn_blocking(move || LocalPostgres::start(&dir))
                .await
                .map_err(|join| LocalPostgresError::Io {
                    action: "start",
                    path: Default::default(),
                    source: std::io::Error::other(join),
                })??;
            ensure_database(&server).await?;
            (server.url(local_postgres::DATABASE_NAME), Some(server))
        }
    };
    let options: PgConnectOptions = url.parse().map_err(StoreError::BadUrl)?;
    // The server ends any statement running past the limit, and notices clients that
    // vanished (keepalives on its side); the client bounds connecting and waiting for a
    // connection, and recycles connections so a half-open one does not live forever.
    let options = options.options([
        ("statement_timeout", "10s"),
        ("idle_in_transaction_session_timeout", "30s"),
        ("tcp_keepalives_idle", "10"),
        ("tcp_keepalives_interval", "5"),
        ("tcp_keepalives_count", "3"),
    ]);
    let pool = pool_options(max_connections)
        .connect_with(options.clone())
        .await?;
    Ok(Database {
        pool,
        local,
        options,
    })
}

/// How every pool is kept: bounded waits, connections checked before use and recycled.
fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(60))
        .max_lifetime(Duration::from_secs(30 * 60))
        .test_before_acquire(true)
}

/// Creates Scheduleman's database inside a private server when it is missing.
async fn ensure_database(server: &LocalPostgres) -> Result<(), StoreError> {
    let options: PgConnectOptions = server.url("postgres").parse().map_err(StoreError::BadUrl)?;
    let mut conn = options.connect().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(local_postgres::DATABASE_NAME)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        // The name is our constant, not input; CREATE DATABASE takes no bind parameters.
        let created = sqlx::query(&format!(
            "CREATE DATABASE {}",
            local_postgres::DATABASE_NAME
        ))
        .execute(&mut conn)
        .await;
        match created {
            Ok(_) => {}
            // Another process created it between our check and our statement.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Applies every pending migration (the server does this at start).
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Whether the schema has every migration this binary knows.
pub async fn migrations_applied(pool: &PgPool) -> Result<bool, StoreError> {
    let Some(latest) = MIGRATOR.iter().map(|m| m.version).max() else {
        return Ok(true);
    };
    let table_exists: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    if !table_exists {
        return Ok(false);
    }
    let applied: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM _sqlx_migrations WHERE version = $1 AND success)",
    )
    .bind(latest)
    .fetch_one(pool)
    .await?;
    Ok(applied)
}

/// Waits until the server has applied this binary's migrations (the executor never applies
/// them itself, so an older executor cannot race a newer server).
pub async fn wait_for_migrations(pool: &PgPool, timeout: Duration) -> Result<(), StoreError> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match migrations_applied(pool).await {
            Ok(true) => return Ok(()),
            Ok(false) => tracing::info!("waiting for the server to apply migrations"),
            Err(error) => tracing::warn!(%error, "cannot check migrations yet"),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(StoreError::MigrationsTimedOut(timeout));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
