//! A private PostgreSQL server started from the machine's installed binaries: the default
//! database when `DATABASE_URL` is not set, and the throwaway database of the test harness.
//!
//! Runs `initdb` once per data directory, then `pg_ctl start` on a free loopback port. A second
//! start on the same directory reuses the running server (or its data). As root, every
//! PostgreSQL process runs as the unprivileged `postgres` user via `runuser`, since `initdb`
//! refuses to run as root.

use std::ffi::OsStr;

mod tools;

use std::fs::{self, File};
use std::io;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use tools::Tools;

/// The unprivileged account that runs PostgreSQL when we are root.
const POSTGRES_USER: &str = "postgres";
/// The database Scheduleman creates and uses inside a private server.
pub const DATABASE_NAME: &str = "scheduleman";

/// Why a private PostgreSQL could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum LocalPostgresError {
    /// Neither `PATH` nor `/usr/lib/postgresql/*/bin` holds `initdb` and `pg_ctl`.
    #[error(
        "no PostgreSQL server binaries found (looked for initdb and pg_ctl on PATH and in \
         /usr/lib/postgresql/*/bin). Install them (Debian: `apt-get install postgresql`) or set \
         DATABASE_URL to an existing database"
    )]
    BinariesNotFound,
    /// We are root and the `postgres` account that must run the server does not exist.
    #[error(
        "running as root, but there is no `{POSTGRES_USER}` user to run PostgreSQL as \
         (initdb refuses to run as root); create it with `useradd --system {POSTGRES_USER}`"
    )]
    NoUnprivilegedUser,
    /// A file system operation on the data directory failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A PostgreSQL tool exited unsuccessfully.
    #[error("`{command}` failed: {detail}")]
    CommandFailed {
        /// The command line, for the log.
        command: String,
        /// Its exit status and what it printed.
        detail: String,
    },
    /// `postmaster.pid` of a running server did not name a port.
    #[error("cannot read the port of the running server from {0}")]
    UnreadablePort(PathBuf),
}

type Result<T> = std::result::Result<T, LocalPostgresError>;

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> LocalPostgresError {
    let path = path.to_path_buf();
    move |source| LocalPostgresError::Io {
        action,
        path,
        source,
    }
}

/// A running private PostgreSQL server.
#[derive(Debug)]
pub struct LocalPostgres {
    data_dir: PathBuf,
    port: u16,
    /// Stop the server and delete its data when dropped (the test harness's throwaway server).
    throwaway: bool,
}

impl LocalPostgres {
    /// Starts the server whose data lives in `data_dir` (initialising it on first use), or
    /// attaches to it when it is already running. Safe to call from several processes at once.
    pub fn start(data_dir: &Path) -> Result<Self> {
        let tools = Tools::find()?;
        fs::create_dir_all(data_dir).map_err(io_error("create", data_dir))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(io_error("resolve", data_dir))?;
        // One process at a time initialises and starts a given data directory.
        let lock_path = data_dir.with_extension("lock");
        let lock = File::create(&lock_path).map_err(io_error("create", &lock_path))?;
        lock.lock().map_err(io_error("lock", &lock_path))?;

        tools.hand_over(&data_dir)?;
        if !data_dir.join("PG_VERSION").exists() {
            tracing::info!(data_dir = %data_dir.display(), "initialising a new PostgreSQL cluster");
            tools.run(
                "initdb",
                [
                    OsStr::new("-D"),
                    data_dir.as_os_str(),
                    OsStr::new("-U"),
                    OsStr::new(POSTGRES_USER),
                    OsStr::new("--auth=trust"),
                    OsStr::new("--encoding=UTF8"),
                    OsStr::new("--no-sync"),
                ],
            )?;
        }
        let port = match running_port(&data_dir)? {
            Some(port) if tools.is_running(&data_dir) => {
                tracing::info!(port, "reusing the running PostgreSQL");
                port
            }
            _ => {
                // The port of the previous run when it is still free, so clients that
                // outlived a restart find the server again.
                let port = match previous_port(&data_dir).filter(|port| port_is_free(*port)) {
                    Some(port) => port,
                    None => free_port().map_err(io_error("find a free port for", &data_dir))?,
                };
                tools.start(&data_dir, port)?;
                tracing::info!(port, data_dir = %data_dir.display(), "started PostgreSQL");
                port
            }
        };
        drop(lock);
        Ok(Self {
            data_dir,
            port,
            throwaway: false,
        })
    }

    /// Starts a fresh server in a new temporary directory; dropping the value stops it and
    /// deletes the directory.
    pub fn start_throwaway() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "scheduleman-pg-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let mut server = Self::start(&dir)?;
        server.throwaway = true;
        Ok(server)
    }

    /// Stops the server of `data_dir` if it runs; a no-op otherwise.
    pub fn stop(data_dir: &Path) -> Result<()> {
        let tools = Tools::find()?;
        if tools.is_running(data_dir) {
            tools.run(
                "pg_ctl",
                [
                    OsStr::new("-D"),
                    data_dir.as_os_str(),
                    OsStr::new("-m"),
                    OsStr::new("fast"),
                    OsStr::new("-w"),
                    OsStr::new("stop"),
                ],
            )?;
        }
        Ok(())
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A connection URL for `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{POSTGRES_USER}@127.0.0.1:{}/{database}",
            self.port
        )
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        if self.throwaway {
            if let Err(error) = Self::stop(&self.data_dir) {
                tracing::warn!(%error, "could not stop the throwaway PostgreSQL");
            }
            let _ = fs::remove_dir_all(&self.data_dir);
            let _ = fs::remove_file(self.data_dir.with_extension("lock"));
        }
    }
}

/// The default data directory: `.scheduleman/pg` in the working directory, unless we are root
/// and the `postgres` user cannot reach it (a checkout under `/root`, say); then a directory
/// under `/var/tmp` named after the working directory.
pub fn default_data_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let project_dir = cwd.join(".scheduleman").join("pg");
    if !is_root() || reachable_by_postgres_user(&cwd) {
        return project_dir;
    }
    let flattened: String = cwd
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    PathBuf::from("/var/tmp")
        .join(format!("scheduleman{flattened}"))
        .join("pg")
}

fn is_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Whether every ancestor of `dir` lets others traverse it.
fn reachable_by_postgres_user(dir: &Path) -> bool {
    dir.ancestors().all(|ancestor| {
        fs::metadata(ancestor)
            .map(|m| m.mode() & 0o001 != 0)
            .unwrap_or(false)
    })
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// The `-p` of the last start, from `postmaster.opts` (which outlives the server).
fn previous_port(data_dir: &Path) -> Option<u16> {
    let options = fs::read_to_string(data_dir.join("postmaster.opts")).ok()?;
    let words: Vec<&str> = options
        .split_whitespace()
        .map(|w| w.trim_matches('"'))
        .collect();
    words
        .windows(2)
        .find(|pair| pair[0] == "-p")
        .and_then(|pair| pair[1].parse().ok())
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The port recorded in `postmaster.pid` (its fourth line), when the file exists.
fn running_port(data_dir: &Path) -> Result<Option<u16>> {
    let pid_file = data_dir.join("postmaster.pid");
    let Ok(contents) = fs::read_to_string(&pid_file) else {
        return Ok(None);
    };
    contents
        .lines()
        .nth(3)
        .and_then(|line| line.trim().parse().ok())
        .map(Some)
        .ok_or(LocalPostgresError::UnreadablePort(pid_file))
}
