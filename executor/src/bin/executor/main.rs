//! The `executor` command: run an executor, manage the private PostgreSQL, serve the echo
//! target, print a schedule's next fires. Its arguments are in [`cli`].

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use cli::{Cli, Command, DbAction, NextArgs, RunArgs};
use scheduleman::dev::echo;
use scheduleman::logging;
use scheduleman::runner::heartbeat::{self, Identity};
use scheduleman::runner::metrics::ExecutorMetrics;
use scheduleman::runner::trigger::{DnsServers, Trigger};
use scheduleman::runner::worker::{self, WorkerConfig};
use scheduleman::runner::{backfill, probes, resume, retention};
use scheduleman::schedule::{self, ScheduleInput};
use scheduleman::shutdown;
use scheduleman::ssrf::TargetPolicy;
use scheduleman::store::{self, DatabaseLocation, LocalPostgres};

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
            .with_context(|| format!("echo target on {addr}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("executor: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let minimum_lease = scheduleman::runner::trigger::TRIGGER_TIMEOUT + Duration::from_secs(1);
    if args.lease < minimum_lease {
        anyhow::bail!(
            "--lease {:?} is too short: it must outlast a trigger's {:?} limit (at least {:?})",
            args.lease,
            scheduleman::runner::trigger::TRIGGER_TIMEOUT,
            minimum_lease
        );
    }
    if args.poll_max > store::WAKE_HORIZON {
        anyhow::bail!(
            "--poll-max {:?} is too long: new schedules wake executors only when due within \
             {:?}, so an executor must look at least that often",
            args.poll_max,
            store::WAKE_HORIZON
        );
    }
    if args.poll_min > args.poll_max {
        anyhow::bail!(
            "--poll-min {:?} is longer than --poll-max {:?}",
            args.poll_min,
            args.poll_max
        );
    }
    let shutdown = shutdown::on_signal();
    let database = store::connect(
        &args.database.location(),
        args.concurrency.min(16) as u32 + 4,
    )
    .await
    .context("connecting to the database")?;
    tokio::select! {
        waited = store::wait_for_migrations(&database.pool, args.migration_wait) => {
            waited.context("before starting")?;
        }
        _ = shutdown.cancelled() => return Ok(()),
    }
    let policy: TargetPolicy = args
        .target_allowlist
        .parse()
        .context("reading SCHEDULEMAN_TARGET_ALLOWLIST")?;
    let dns = DnsServers::from_list(&args.dns_servers);
    let trigger = Trigger::new(args.signing_secret.as_deref(), policy, &dns)
        .context("setting up the trigger's HTTP client")?;
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
        seed: fastrand::u64(..),
    };
    tracing::info!(id = %identity.id, concurrency = config.concurrency, "executor running");
    let metrics = Arc::new(ExecutorMetrics::default());
    let pool = database.pool.clone();
    let fire_path = database.fire_path_pool();
    if let Some(addr) = args.metrics_addr {
        let listener = probes::serve(addr, pool.clone(), metrics.clone(), shutdown.clone());
        tokio::spawn(async move {
            if let Err(error) = listener.await {
                tracing::error!(%error, %addr, "the metrics endpoint stopped");
            }
        });
    }
    let in_flight = metrics.in_flight.clone();
    let backfill_loop = backfill::run(
        pool.clone(),
        trigger.clone(),
        identity.id.clone(),
        shutdown.clone(),
    );
    tokio::join!(
        worker::run(
            worker::Pools {
                main: pool.clone(),
                fire_path: fire_path.clone(),
            },
            config,
            trigger,
            metrics,
            shutdown.clone()
        ),
        backfill_loop,
        resume::run(pool.clone(), identity.id.clone(), shutdown.clone()),
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
                audit_max_age: args.audit_retention,
            },
            shutdown.clone()
        ),
    );
    fire_path.close().await;
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
        Ok(preview) => {
            // One instant per line; a DST note follows a tab, so the first column stays
            // machine-readable.
            for fire in preview.fires {
                let at = schedule::rfc3339_seconds(fire.at);
                match fire.dst {
                    Some(note) => println!("{at}\t{}", note.explain(preview.zone, fire.at)),
                    None => println!("{at}"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("executor: {error}");
            ExitCode::from(2)
        }
    }
}

async fn db(action: DbAction) -> anyhow::Result<()> {
    let data_dir = |dir: Option<PathBuf>| {
        dir.unwrap_or_else(scheduleman::store::local_postgres::default_data_dir)
    };
    match action {
        DbAction::Start { data_dir: dir } => {
            let location = DatabaseLocation::Local(data_dir(dir));
            let database = store::connect(&location, 1)
                .await
                .context("starting the private PostgreSQL")?;
            if let Some(server) = &database.local {
                println!(
                    "{}",
                    server.url(scheduleman::store::local_postgres::DATABASE_NAME)
                );
            }
            Ok(())
        }
        DbAction::Stop { data_dir: dir } => {
            let dir = data_dir(dir);
            tokio::task::spawn_blocking(move || LocalPostgres::stop(&dir))
                .await
                .context("stopping the private PostgreSQL")?
                .context("stopping the private PostgreSQL")
        }
    }
}
