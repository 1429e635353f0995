//! The `executor` command: run an executor, manage the private PostgreSQL, serve the echo target.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use scheduleman::dev::echo;
use scheduleman::logging::{self, LogFormat};
use scheduleman::runner::heartbeat::{self, Identity};
use scheduleman::runner::metrics::ExecutorMetrics;
use scheduleman::runner::trigger::{DnsServers, Trigger};
use scheduleman::runner::worker::{self, WorkerConfig};
use scheduleman::runner::{ops, retention};
use scheduleman::schedule::{self, ScheduleInput};
use scheduleman::shutdown;
use scheduleman::ssrf::TargetPolicy;
use scheduleman::store::{self, DatabaseLocation, LocalPostgres};

/// Scheduleman's executor: claims due schedules and triggers their webhooks.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log format: `text` for people, `json` for machines.
    #[arg(
        long,
        env = "SCHEDULEMAN_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one executor until SIGTERM or Ctrl-C.
    Run(RunArgs),
    /// Start or stop the private PostgreSQL used when DATABASE_URL is not set.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Serve the echo target: logs every trigger it receives; `?fail=500` and `?sleep=5s`
    /// make it fail or hang.
    Echo {
        /// Address to listen on.
        #[arg(long, env = "SCHEDULEMAN_ECHO_ADDR", default_value = "127.0.0.1:5003")]
        addr: SocketAddr,
    },
    /// Print a schedule's next fire instants strictly after --after, one per line, as RFC 3339
    /// UTC. Bad input exits with status 2.
    Next(NextArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("kind").required(true).args(["cron", "at", "in_", "every"])))]
struct NextArgs {
    /// A cron expression: 5 fields, 6 with leading seconds, or a macro such as @daily.
    #[arg(long)]
    cron: Option<String>,
    /// A "Run At" time: RFC 3339, or a local date-time read in --tz.
    #[arg(long)]
    at: Option<String>,
    /// A duration from --after (humantime: 90s, 1h 30m).
    #[arg(long = "in")]
    in_: Option<String>,
    /// A fixed interval from --after (humantime, at least 1s).
    #[arg(long)]
    every: Option<String>,
    /// IANA zone of --cron or --at. Default: UTC.
    #[arg(long)]
    tz: Option<String>,
    /// Print instants strictly after this RFC 3339 instant. Default: now.
    #[arg(long)]
    after: Option<String>,
    /// How many instants to print.
    #[arg(long, default_value_t = 5)]
    count: usize,
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// PostgreSQL URL. When unset, a private server is started from the installed
    /// PostgreSQL binaries with its data in --data-dir.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Data directory of the private PostgreSQL (used only without DATABASE_URL).
    /// Default: `.scheduleman/pg` in the working directory.
    #[arg(long, env = "SCHEDULEMAN_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

impl DatabaseArgs {
    fn location(&self) -> DatabaseLocation {
        let data_dir = self
            .data_dir
            .clone()
            .unwrap_or_else(scheduleman::dev::local_postgres::default_data_dir);
        DatabaseLocation::from_settings(self.database_url.clone(), &data_dir)
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// This executor's id, unique among running executors. Default: `<host>-<pid>`.
    #[arg(long, env = "SCHEDULEMAN_EXECUTOR_ID")]
    id: Option<String>,
    /// How often the executor records that it is alive.
    #[arg(long, env = "SCHEDULEMAN_HEARTBEAT", default_value = "5s", value_parser = humantime::parse_duration)]
    heartbeat: Duration,
    /// How long to wait for the server to apply migrations before giving up.
    #[arg(long, env = "SCHEDULEMAN_MIGRATION_WAIT", default_value = "120s", value_parser = humantime::parse_duration)]
    migration_wait: Duration,
    /// Triggers in flight at once.
    #[arg(long, env = "SCHEDULEMAN_CONCURRENCY", default_value_t = 64)]
    concurrency: usize,
    /// Most schedules claimed per database round trip.
    #[arg(long, env = "SCHEDULEMAN_BATCH", default_value_t = 100)]
    batch: usize,
    /// Shortest idle poll interval (each poll picks a random one between the bounds).
    #[arg(long, env = "SCHEDULEMAN_POLL_MIN", default_value = "250ms", value_parser = humantime::parse_duration)]
    poll_min: Duration,
    /// Longest idle poll interval.
    #[arg(long, env = "SCHEDULEMAN_POLL_MAX", default_value = "1s", value_parser = humantime::parse_duration)]
    poll_max: Duration,
    /// How long a claim is held before another executor may take it over (at least 4s:
    /// longer than a trigger's 3 s limit).
    #[arg(long, env = "SCHEDULEMAN_LEASE", default_value = "5s", value_parser = humantime::parse_duration)]
    lease: Duration,
    /// How long SIGTERM waits for triggers in flight.
    #[arg(long, env = "SCHEDULEMAN_SHUTDOWN_GRACE", default_value = "10s", value_parser = humantime::parse_duration)]
    shutdown_grace: Duration,
    /// Secret for signing requests (X-Scheduleman-Signature); unsigned when unset.
    #[arg(long, env = "SCHEDULEMAN_SIGNING_SECRET", hide_env_values = true)]
    signing_secret: Option<String>,
    /// Private or special-purpose addresses triggers may reach anyway: comma-separated
    /// CIDRs, addresses and host names (e.g. `127.0.0.0/8,hooks.internal`).
    #[arg(long, env = "SCHEDULEMAN_TARGET_ALLOWLIST", default_value = "")]
    target_allowlist: String,
    /// Address for /healthz, /readyz and Prometheus /metrics; off when unset.
    #[arg(long, env = "SCHEDULEMAN_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// How long execution records are kept.
    #[arg(long, env = "SCHEDULEMAN_RETENTION", default_value = "30days", value_parser = humantime::parse_duration)]
    retention: Duration,
    /// Most execution records kept per schedule (the newest); older ones are pruned even
    /// within the retention period.
    #[arg(long, env = "SCHEDULEMAN_KEEP_ATTEMPTS", default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..))]
    keep_attempts: i64,
    /// How long an executor may go without a heartbeat before its row is removed.
    #[arg(long, env = "SCHEDULEMAN_EXECUTOR_EXPIRY", default_value = "1day", value_parser = humantime::parse_duration)]
    executor_expiry: Duration,
    /// Name servers for targets' host names, comma-separated `ip:port` (default: the
    /// system's, from /etc/resolv.conf). /etc/hosts is read either way.
    #[arg(long, env = "SCHEDULEMAN_DNS_SERVERS", value_delimiter = ',')]
    dns_servers: Vec<SocketAddr>,
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// Start the private PostgreSQL (or find it running) and print its database URL.
    Start {
        /// Data directory. Default: `.scheduleman/pg` in the working directory.
        #[arg(long, env = "SCHEDULEMAN_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Stop the private PostgreSQL.
    Stop {
        /// Data directory. Default: `.scheduleman/pg` in the working directory.
        #[arg(long, env = "SCHEDULEMAN_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    let result = match cli.command {
        Command::Next(args) => return next(args),
        Command::Run(args) => run(args).await,
        Command::Db { action } => db(action).await,
        Command::Echo { addr } => echo::serve(addr, shutdown::on_signal())
            .await
            .map_err(|error| format!("echo target on {addr}: {error}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("executor: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: RunArgs) -> Result<(), String> {
    let minimum_lease = scheduleman::runner::trigger::TRIGGER_TIMEOUT + Duration::from_secs(1);
    if args.lease < minimum_lease {
        return Err(format!(
            "--lease {:?} is too short: it must outlast a trigger's {:?} limit (at least {:?})",
            args.lease,
            scheduleman::runner::trigger::TRIGGER_TIMEOUT,
            minimum_lease
        ));
    }
    if args.poll_min > args.poll_max {
        return Err(format!(
            "--poll-min {:?} is longer than --poll-max {:?}",
            args.poll_min, args.poll_max
        ));
    }
    let shutdown = shutdown::on_signal();
    let database = store::connect(
        &args.database.location(),
        args.concurrency.min(16) as u32 + 4,
    )
    .await
    .map_err(|error| format!("connecting to the database: {error}"))?;
    tokio::select! {
        waited = store::wait_for_migrations(&database.pool, args.migration_wait) => {
            waited.map_err(|error| format!("before starting: {error}"))?;
        }
        _ = shutdown.cancelled() => return Ok(()),
    }
    let policy: TargetPolicy = args
        .target_allowlist
        .parse()
        .map_err(|error| format!("{error}"))?;
    let dns = if args.dns_servers.is_empty() {
        DnsServers::System
    } else {
        DnsServers::These(args.dns_servers.clone())
    };
    let trigger = Trigger::new(args.signing_secret.as_deref(), policy, &dns)
        .map_err(|error| error.to_string())?;
    let identity = Identity::of_this_process(
        args.id
            .unwrap_or_else(|| format!("{}-{}", heartbeat::host_name(), std::process::id())),
    );
    let config = WorkerConfig {
        executor_id: identity.id.clone(),
        concurrency: args.concurrency.max(1),
        batch: args.batch.max(1),
        poll_min: args.poll_min,
        poll_max: args.poll_max,
        lease: args.lease,
        shutdown_grace: args.shutdown_grace,
    };
    tracing::info!(id = %identity.id, concurrency = config.concurrency, "executor running");
    let metrics = Arc::new(ExecutorMetrics::default());
    let pool = database.pool.clone();
    if let Some(addr) = args.metrics_addr {
        let listener = ops::serve(addr, pool.clone(), metrics.clone(), shutdown.clone());
        tokio::spawn(async move {
            if let Err(error) = listener.await {
                tracing::error!(%error, %addr, "the metrics endpoint stopped");
            }
        });
    }
    let in_flight = metrics.in_flight.clone();
    tokio::join!(
        worker::run(pool.clone(), config, trigger, metrics, shutdown.clone()),
        heartbeat::run(
            pool.clone(),
            identity,
            args.heartbeat,
            in_flight,
            shutdown.clone()
        ),
        retention::run(
            pool.clone(),
            retention::Retention {
                max_age: args.retention,
                keep_attempts: args.keep_attempts,
                executor_expiry: args.executor_expiry,
            },
            shutdown.clone()
        ),
    );
    pool.close().await;
    tracing::info!("executor stopped");
    Ok(())
}

/// `executor next`: exit status 2 with the reason on bad input.
fn next(args: NextArgs) -> ExitCode {
    let after = match args
        .after
        .as_deref()
        .map(chrono::DateTime::parse_from_rfc3339)
    {
        None => chrono::Utc::now(),
        Some(Ok(after)) => after.with_timezone(&chrono::Utc),
        Some(Err(error)) => {
            eprintln!("executor: --after must be an RFC 3339 instant such as 2026-03-08T07:00:00Z ({error})");
            return ExitCode::from(2);
        }
    };
    let input = ScheduleInput {
        cron: args.cron,
        at: args.at,
        in_: args.in_,
        every: args.every,
        tz: args.tz,
    };
    match schedule::preview(&input, after, args.count) {
        Ok(instants) => {
            for instant in instants {
                println!("{}", schedule::rfc3339_seconds(instant));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("executor: {error}");
            ExitCode::from(2)
        }
    }
}

async fn db(action: DbAction) -> Result<(), String> {
    let data_dir = |dir: Option<PathBuf>| {
        dir.unwrap_or_else(scheduleman::dev::local_postgres::default_data_dir)
    };
    match action {
        DbAction::Start { data_dir: dir } => {
            let location = DatabaseLocation::Local(data_dir(dir));
            let database = store::connect(&location, 1)
                .await
                .map_err(|error| error.to_string())?;
            if let Some(server) = &database.local {
                println!(
                    "{}",
                    server.url(scheduleman::dev::local_postgres::DATABASE_NAME)
                );
            }
            Ok(())
        }
        DbAction::Stop { data_dir: dir } => {
            let dir = data_dir(dir);
            tokio::task::spawn_blocking(move || LocalPostgres::stop(&dir))
                .await
                .map_err(|error| error.to_string())?
                .map_err(|error| error.to_string())
        }
    }
}
