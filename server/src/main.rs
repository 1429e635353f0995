//! The `server` binary: reads its settings, opens the database (applying migrations) and
//! serves the app until SIGTERM or Ctrl-C.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use leptos::config::get_configuration;
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

    let policy = config
        .target_allowlist
        .parse()
        .context("reading SCHEDULEMAN_TARGET_ALLOWLIST")?;
    let targets = TargetGuard::new(policy, &DnsServers::from_list(&config.dns_servers))
        .context("setting up the resolver that checks targets")?;
    let auth = Auth::new(config.api_token.as_deref()).with_session_ttl(config.session_ttl);
    auth::check_bind(addr, &auth).map_err(anyhow::Error::msg)?;
    if !auth.is_enabled() {
        tracing::warn!("no SCHEDULEMAN_API_TOKEN: anyone on this machine can use the API; listening on loopback only");
    }
    let state = AppState::new(leptos_options, database.pool.clone(), targets, auth)
        .with_schedule_series(SeriesSettings {
            schedules: config.metrics_schedules,
            window: config.metrics_window,
        });
    // The first home page should not wait for a count of every schedule, nor the first
    // scrape for the per-schedule figures.
    state.overview.warm(&database.pool);
    state.series.read(&database.pool);
    let router = app(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!("listening on http://{addr}");
    let shutdown = scheduleman::shutdown::on_signal();
    // The client's address counts failed sign-ins (auth::throttle).
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .with_context(|| format!("serving on {addr}"))?;
    database.pool.close().await;
    Ok(())
}
