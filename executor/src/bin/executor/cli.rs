//! The `executor` command's arguments: every flag and environment variable it reads, one
//! struct per subcommand (the README's settings table is written from these).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use scheduleman::logging::LogFormat;
use scheduleman::store::DatabaseArgs;

/// Scheduleman's executor: claims due schedules and triggers their webhooks.
#[derive(Debug, Parser)]
#[command(version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Log format: `text` for people, `json` for machines.
    #[arg(
        long,
        env = "SCHEDULEMAN_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub(crate) log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
pub(crate) struct NextArgs {
    /// A cron expression: 5 fields, 6 with leading seconds, or a macro such as @daily.
    #[arg(long)]
    pub(crate) cron: Option<String>,
    /// A "Run At" time: RFC 3339, or a local date-time read in --tz.
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// A duration from --after (humantime: 90s, 1h 30m).
    #[arg(long = "in")]
    pub(crate) in_: Option<String>,
    /// A fixed interval from --after (humantime, at least 1s).
    #[arg(long)]
    pub(crate) every: Option<String>,
    /// IANA zone of --cron or --at. Default: UTC.
    #[arg(long)]
    pub(crate) tz: Option<String>,
    /// Print instants strictly after this RFC 3339 instant. Default: now.
    #[arg(long)]
    pub(crate) after: Option<String>,
    /// How many instants to print.
    #[arg(long, default_value_t = 5)]
    pub(crate) count: usize,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    /// This executor's id, unique among running executors. Default: `<host>-<pid>`.
    #[arg(long, env = "SCHEDULEMAN_EXECUTOR_ID")]
    pub(crate) id: Option<String>,
    /// How often the executor records that it is alive.
    #[arg(long, env = "SCHEDULEMAN_HEARTBEAT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub(crate) heartbeat: Duration,
    /// How long to wait for the server to apply migrations before giving up.
    #[arg(long, env = "SCHEDULEMAN_MIGRATION_WAIT", default_value = "120s", value_parser = humantime::parse_duration)]
    pub(crate) migration_wait: Duration,
    /// Triggers in flight at once.
    #[arg(long, env = "SCHEDULEMAN_CONCURRENCY", default_value_t = 64)]
    pub(crate) concurrency: usize,
    /// Most schedules claimed per database round trip.
    #[arg(long, env = "SCHEDULEMAN_BATCH", default_value_t = 100)]
    pub(crate) batch: usize,
    /// Shortest idle poll interval (each poll picks a random one between the bounds).
    #[arg(long, env = "SCHEDULEMAN_POLL_MIN", default_value = "250ms", value_parser = humantime::parse_duration)]
    pub(crate) poll_min: Duration,
    /// Longest idle poll interval (at most 60s: new schedules due later wake no executor).
    #[arg(long, env = "SCHEDULEMAN_POLL_MAX", default_value = "1s", value_parser = humantime::parse_duration)]
    pub(crate) poll_max: Duration,
    /// How long a claim is held before another executor may take it over (at least 4s:
    /// longer than a trigger's 3 s limit).
    #[arg(long, env = "SCHEDULEMAN_LEASE", default_value = "5s", value_parser = humantime::parse_duration)]
    pub(crate) lease: Duration,
    /// How long SIGTERM waits for triggers in flight.
    #[arg(long, env = "SCHEDULEMAN_SHUTDOWN_GRACE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub(crate) shutdown_grace: Duration,
    /// Secret for signing requests (X-Scheduleman-Signature); unsigned when unset.
    #[arg(long, env = "SCHEDULEMAN_SIGNING_SECRET", hide_env_values = true)]
    pub(crate) signing_secret: Option<String>,
    /// Private or special-purpose addresses triggers may reach anyway: comma-separated
    /// CIDRs, addresses and host names (e.g. `127.0.0.0/8,hooks.internal`).
    #[arg(long, env = "SCHEDULEMAN_TARGET_ALLOWLIST", default_value = "")]
    pub(crate) target_allowlist: String,
    /// Address for /healthz, /readyz and Prometheus /metrics; off when unset.
    #[arg(long, env = "SCHEDULEMAN_METRICS_ADDR")]
    pub(crate) metrics_addr: Option<SocketAddr>,
    /// How long execution records are kept.
    #[arg(long, env = "SCHEDULEMAN_RETENTION", default_value = "30days", value_parser = humantime::parse_duration)]
    pub(crate) retention: Duration,
    /// Most execution records kept per schedule (the newest); older ones are pruned even
    /// within the retention period.
    #[arg(long, env = "SCHEDULEMAN_KEEP_ATTEMPTS", default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..))]
    pub(crate) keep_attempts: i64,
    /// How long audit log entries are kept.
    #[arg(long, env = "SCHEDULEMAN_AUDIT_RETENTION", default_value = "90days", value_parser = humantime::parse_duration)]
    pub(crate) audit_retention: Duration,
    /// How long an executor may go without a heartbeat before its row is removed.
    #[arg(long, env = "SCHEDULEMAN_EXECUTOR_EXPIRY", default_value = "1day", value_parser = humantime::parse_duration)]
    pub(crate) executor_expiry: Duration,
    /// Name servers for targets' host names, comma-separated `ip:port` (default: the
    /// system's, from /etc/resolv.conf). /etc/hosts is read either way.
    #[arg(long, env = "SCHEDULEMAN_DNS_SERVERS", value_delimiter = ',')]
    pub(crate) dns_servers: Vec<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbAction {
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
