//! The server's settings: every flag and environment variable it reads. The site address,
//! root and package names come from the standard `LEPTOS_*` variables (or `Cargo.toml`).

use clap::Parser;
use scheduleman::store::DatabaseArgs;

/// Scheduleman's web server: the UI, its server functions and the HTTP API.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Config {
    /// Where the database is.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Maximum number of pooled database connections.
    #[arg(long, env = "SCHEDULEMAN_DB_POOL", default_value_t = 10)]
    pub db_pool: u32,
    /// Private or special-purpose addresses schedule targets may reach anyway:
    /// comma-separated CIDRs, addresses and host names (e.g. `127.0.0.0/8,hooks.internal`).
    #[arg(long, env = "SCHEDULEMAN_TARGET_ALLOWLIST", default_value = "")]
    pub target_allowlist: String,
    /// Name servers for checking targets' host names when schedules are saved,
    /// comma-separated `ip:port` (default: the system's; `/etc/hosts` is read either way).
    #[arg(long, env = "SCHEDULEMAN_DNS_SERVERS", value_delimiter = ',')]
    pub dns_servers: Vec<std::net::SocketAddr>,
    /// The API token. When set, API calls need `Authorization: Bearer <token>` and the UI
    /// asks for it once; when unset, the server listens on loopback only.
    #[arg(long, env = "SCHEDULEMAN_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
    /// How long a UI session (after signing in with the token) lasts.
    #[arg(long, env = "SCHEDULEMAN_SESSION_TTL", default_value = "12h", value_parser = humantime::parse_duration)]
    pub session_ttl: std::time::Duration,
    /// Per-schedule series in `/metrics` for at most this many schedules (the most recently
    /// attempted; at most 10,000). 0: only the aggregate figures.
    #[arg(long, env = "SCHEDULEMAN_METRICS_SCHEDULES", default_value_t = 0)]
    pub metrics_schedules: usize,
    /// The window the per-schedule figures in `/metrics` cover.
    #[arg(long, env = "SCHEDULEMAN_METRICS_WINDOW", default_value = "1h", value_parser = humantime::parse_duration)]
    pub metrics_window: std::time::Duration,
    /// Where people reach the UI (`https://scheduleman.example.com`), for the links in
    /// alerts; by default `http://` and the address the server listens on.
    #[arg(long, env = "SCHEDULEMAN_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The mail relay for email alerts: `smtp://[user:password@]host[:port]?from=address`
    /// (plain SMTP; no TLS). Email channels are refused without it.
    #[arg(long, env = "SCHEDULEMAN_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<scheduleman::alerts::SmtpSettings>,
    /// How often the alert watcher looks for incidents to open or resolve.
    #[arg(long, env = "SCHEDULEMAN_ALERT_EVERY", default_value = "5s", value_parser = humantime::parse_duration)]
    pub alert_every: std::time::Duration,
    /// How long a fire may be due and not fired before `schedule.overdue` opens.
    #[arg(long, env = "SCHEDULEMAN_ALERT_OVERDUE_AFTER", default_value = "30s", value_parser = humantime::parse_duration)]
    pub alert_overdue_after: std::time::Duration,
    /// How long no executor may send a heartbeat, while schedules are active, before
    /// `executors.none` opens.
    #[arg(long, env = "SCHEDULEMAN_ALERT_EXECUTORS_GRACE", default_value = "60s", value_parser = humantime::parse_duration)]
    pub alert_executors_grace: std::time::Duration,
    /// Log format: `text` for people, `json` for machines.
    #[arg(long, env = "SCHEDULEMAN_LOG_FORMAT", default_value = "text")]
    pub log_format: scheduleman::logging::LogFormat,
}
