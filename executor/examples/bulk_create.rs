//! Benchmark: how fast one bulk creation stores schedules (`commands::create_many`, what
//! `POST /api/v1/schedules:batch` runs): validation, the target check (once per host), and
//! the single insert, against a throwaway PostgreSQL. Prints schedules per second per round.
//!
//!     cargo run --release -p executor --example bulk_create -- --schedules 20000 --rounds 3

use scheduleman::access::Actor;
use std::time::Instant;

use clap::Parser;
use scheduleman::commands;
use scheduleman::schedule::ScheduleInput;
use scheduleman::ssrf::resolve::DnsServers;
use scheduleman::ssrf::{TargetGuard, TargetPolicy};
use scheduleman::store::{self, LocalPostgres};
use scheduleman::validate::{ScheduleRequest, TargetRequest};

/// Benchmark settings.
#[derive(Debug, Parser)]
struct Args {
    /// Schedules per bulk creation.
    #[arg(long, default_value_t = 20_000)]
    schedules: usize,
    /// How many bulk creations, one after another.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// A mix of the four kinds, as an import would bring them.
fn request(n: usize) -> ScheduleRequest {
    let schedule = match n % 4 {
        0 => ScheduleInput {
            cron: Some(format!("{} {} * * 1-5", n % 60, n % 24)),
            tz: Some("Europe/Berlin".into()),
            ..Default::default()
        },
        1 => ScheduleInput {
            every: Some(format!("{}m", 1 + n % 90)),
            ..Default::default()
        },
        2 => ScheduleInput {
            in_: Some(format!("{}h", 1 + n % 48)),
            ..Default::default()
        },
        _ => ScheduleInput {
            at: Some("2030-06-01T09:00".into()),
            tz: Some("America/New_York".into()),
            ..Default::default()
        },
    };
    ScheduleRequest {
        name: format!("imported {n}"),
        schedule,
        target: TargetRequest {
            url: format!("https://hooks.example/run/{n}"),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let server = LocalPostgres::start_throwaway()?;
    let pool = sqlx::PgPool::connect(&server.url("postgres")).await?;
    store::migrate(&pool).await?;
    // Allowed by name: no DNS in the measurement (the check runs once per host anyway).
    let policy: TargetPolicy = "hooks.example".parse()?;
    let policy = TargetGuard::new(policy, &DnsServers::System)?;
    for round in 1..=args.rounds {
        let requests: Vec<ScheduleRequest> = (0..args.schedules)
            .map(|n| request(round * args.schedules + n))
            .collect();
        let started = Instant::now();
        let created = commands::create_many(&pool, &policy, &Actor::local(), &requests).await?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "round {round}: {} schedules in {:.0} ms: {:.0} schedules/s",
            created.len(),
            seconds * 1e3,
            created.len() as f64 / seconds
        );
    }
    pool.close().await;
    LocalPostgres::stop(server.data_dir())?;
    Ok(())
}
