//! `scheduleman`: the command-line client. Schedules as code against a server's API: list,
//! describe, create, apply a document with a plan, export, act on schedules, read their
//! history and preview a timing. Settings from flags or `SCHEDULEMAN_URL` and
//! `SCHEDULEMAN_TOKEN`.
//!
//! Exit codes: 0 done; 1 the server refused or failed (its reason on stderr); 2 the command
//! line is wrong; 3 the server cannot be reached; 4 `apply --dry-run` found changes (with
//! `--detailed-exitcode`).

mod client;
mod output;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use client::{CallError, Client};
use output::Format;

/// Scheduleman's command-line client.
#[derive(Debug, Parser)]
#[command(name = "scheduleman", version, about)]
struct Cli {
    /// The server.
    #[arg(
        long,
        env = "SCHEDULEMAN_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    url: String,
    /// A token or API key (`sk_…`).
    #[arg(long, env = "SCHEDULEMAN_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table", global = true)]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List schedules.
    Get {
        /// A label selector: team=billing,env!=dev.
        #[arg(short = 'l', long)]
        selector: Option<String>,
        /// active, paused, completed, dead or failing.
        #[arg(long)]
        state: Option<String>,
        /// A part of the name.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one schedule (by id or exact name).
    Describe { schedule: String },
    /// Create the schedules in a file (one schedule, or {"schedules": [...]}; JSON or YAML).
    Create {
        #[arg(short = 'f', long)]
        file: PathBuf,
    },
    /// Make a source's schedules what a file says: show the plan, then apply it.
    Apply {
        #[arg(short = 'f', long)]
        file: PathBuf,
        /// The source owning the set (default: the file's `source`).
        #[arg(long)]
        source: Option<String>,
        /// Also delete the source's schedules the file no longer has.
        #[arg(long)]
        prune: bool,
        /// Only show the plan.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run, exit 4 when the plan has changes.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Print schedules as a document `apply` takes (YAML unless -o json).
    Export {
        #[arg(short = 'l', long)]
        selector: Option<String>,
    },
    /// Pause a schedule (optionally until an instant, with a note).
    Pause {
        schedule: String,
        /// RFC 3339: resume by itself then.
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Resume a paused schedule.
    Resume { schedule: String },
    /// Fire a schedule now (optionally with a one-off body).
    Trigger {
        schedule: String,
        #[arg(long)]
        body: Option<String>,
    },
    /// Re-arm a dead schedule.
    Rearm { schedule: String },
    /// Delete a schedule and its history.
    Delete { schedule: String },
    /// A schedule's attempts, newest first.
    History {
        schedule: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// The next fire times of a timing, before saving it.
    Next {
        #[arg(long)]
        cron: Option<String>,
        #[arg(long)]
        every: Option<String>,
        #[arg(long)]
        at: Option<String>,
        #[arg(long = "in")]
        in_: Option<String>,
        #[arg(long)]
        tz: Option<String>,
        #[arg(long, default_value_t = 5)]
        count: usize,
    },
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "scheduleman",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    let client = match Client::new(&cli.url, cli.token.clone()) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("scheduleman: setting up the HTTP client: {error}");
            return ExitCode::from(1);
        }
    };
    match run::run(&client, cli.command, cli.output).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("scheduleman: {error:#}");
            match error.downcast_ref::<CallError>() {
                Some(CallError::Unreachable { .. }) => ExitCode::from(3),
                _ => ExitCode::from(1),
            }
        }
    }
}
