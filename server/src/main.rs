//! The `server` binary: reads its settings, opens the database (applying migrations) and
//! serves the app until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use leptos::config::get_configuration;
use scheduleman::alerts::{send, watch, Deliverer, WatchSettings};
use scheduleman::commands::SeriesSettings;
use scheduleman::ssrf::resolve::DnsServers;
use scheduleman::ssrf::TargetGuard;
use scheduleman::store;
use server::auth::{self, Auth};
use server::config::Config;
use server::{app, AppState};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    scheduleman::logging::init(config.log_format);
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    // cargo-leptos sets LEPTOS_*; a directly started binary reads the workspace Cargo.toml.
    let leptos_config = if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() {
        get_configuration(None)
    } else {
        get_configuration(Some("Cargo.toml"))
    }
    .context("reading the Leptos settings (LEPTOS_* or Cargo.toml)")?;
    let leptos_options = leptos_config.leptos_options;
    let addr = leptos_options.site_addr;

    let database = store::connect(&config.database.location(), config.db_pool)
        .await
        .context("connecting to the database")?;
    if let Some(local) = &database.local {
        tracing::info!(data_dir = %local.data_dir().display(), port = local.port(), "using the private PostgreSQL");
    }
    store::migrate(&database.pool)
        .await
        .context("migrating the database")?;

    let policy: scheduleman::ssrf::TargetPolicy = config
        .target_allowlist
        .parse()
        .context("reading SCHEDULEMAN_TARGET_ALLOWLIST")?;
    let dns = DnsServers::from_list(&config.dns_servers);
    let deliverer = Deliverer::new(policy.clone(), &dns, config.smtp_url.clone())
        .context("setting up the alert sender")?;
    let targets =
        TargetGuard::new(policy, &dns).context("setting up the resolver that checks targets")?;
    let auth = Auth::new(config.api_token.as_deref()).with_session_ttl(config.session_ttl);
    auth::check_bind(addr, &auth).map_err(anyhow::Error::msg)?;
    if !auth.is_enabled() {
        tracing::warn!("no SCHEDULEMAN_API_TOKEN: anyone on this machine can use the API; listening on loopback only");
    }
    let state = AppState::new(
        leptos_options,
        database.pool.clone(),
        targets,
        deliverer,
        auth,
    )
    .with_schedule_series(SeriesSettings {
        schedules: config.metrics_schedules,
        window: config.metrics_window,
    });
    // The first home page should not wait for a count of every schedule, nor the first
    // scrape for the per-schedule figures.
    state.overview.warm(&database.pool);
    state.series.read(&database.pool);
    let shutdown = scheduleman::shutdown::on_signal();
    // Alerts are watched for and sent by the servers, so they go out with every executor down.
    let watch = WatchSettings {
        every: config.alert_every,
        overdue_after: config.alert_overdue_after,
        executors_grace: config.alert_executors_grace,
        public_url: config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}")),
    };
    let watcher = tokio::spawn(watch::run(database.pool.clone(), watch, shutdown.clone()));
    let sender = tokio::spawn(send::run(
        database.pool.clone(),
        state.deliverer.clone(),
        state.alert_counters.clone(),
        shutdown.clone(),
    ));
    let router = app(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!("listening on http://{addr}");
    // The client's address counts failed sign-ins (auth::throttle).
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(server::listener::without_nagle(listener), service)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .with_context(|| format!("serving on {addr}"))?;
    let _ = tokio::join!(watcher, sender);
    database.pool.close().await;
    Ok(())
}
