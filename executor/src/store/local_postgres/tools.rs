//! The PostgreSQL tools the private server is run with (`initdb`, `pg_ctl`, from `PATH` or
//! the newest `/usr/lib/postgresql/<version>/bin`), run as the `postgres` user when we are root.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{io_error, is_root, LocalPostgresError, Result, POSTGRES_USER};

/// The PostgreSQL binaries and the account that runs them.
#[derive(Debug, Clone)]
pub(super) struct Tools {
    bin_dir: PathBuf,
    run_as_postgres: bool,
}

impl Tools {
    pub(super) fn find() -> Result<Self> {
        let bin_dir = find_bin_dir().ok_or(LocalPostgresError::BinariesNotFound)?;
        let run_as_postgres = is_root();
        if run_as_postgres
            && !Command::new("id")
                .arg(POSTGRES_USER)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        {
            return Err(LocalPostgresError::NoUnprivilegedUser);
        }
        Ok(Self {
            bin_dir,
            run_as_postgres,
        })
    }

    /// Gives the data directory to the account that runs the server.
    pub(super) fn hand_over(&self, data_dir: &Path) -> Result<()> {
        if !self.run_as_postgres {
            return Ok(());
        }
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{POSTGRES_USER}:"))
            .arg(data_dir)
            .status()
            .map_err(io_error("chown", data_dir))?;
        if !status.success() {
            return Err(LocalPostgresError::CommandFailed {
                command: format!("chown -R {POSTGRES_USER}: {}", data_dir.display()),
                detail: status.to_string(),
            });
        }
        // initdb insists on owner-only permissions.
        fs::set_permissions(
            data_dir,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .map_err(io_error("set permissions on", data_dir))
    }

    fn command(&self, tool: &str) -> Command {
        let program = self.bin_dir.join(tool);
        if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", POSTGRES_USER, "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    pub(super) fn run<I, S>(&self, tool: &str, args: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.command(tool);
        command.args(args).current_dir("/");
        let output = command
            .output()
            .map_err(io_error("run", &self.bin_dir.join(tool)))?;
        if output.status.success() {
            return Ok(());
        }
        Err(LocalPostgresError::CommandFailed {
            command: format!("{command:?}"),
            detail: format!(
                "{}: {}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim(),
                String::from_utf8_lossy(&output.stdout).trim()
            ),
        })
    }

    pub(super) fn is_running(&self, data_dir: &Path) -> bool {
        self.command("pg_ctl")
            .arg("-D")
            .arg(data_dir)
            .arg("status")
            .current_dir("/")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    pub(super) fn start(&self, data_dir: &Path, port: u16) -> Result<()> {
        let log = data_dir.join("server.log");
        // No unix socket: the server listens on loopback TCP only, so a long data
        // directory path cannot exceed the socket path limit.
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200"
        );
        self.run(
            "pg_ctl",
            [
                OsStr::new("-D"),
                data_dir.as_os_str(),
                OsStr::new("-o"),
                OsStr::new(&options),
                OsStr::new("-l"),
                log.as_os_str(),
                OsStr::new("-w"),
                OsStr::new("-t"),
                OsStr::new("60"),
                OsStr::new("start"),
            ],
        )
    }
}

/// The directory holding `initdb` and `pg_ctl`: from `PATH` (following symlinks), else the
/// newest `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let from_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .filter_map(|dir| dir.join("pg_ctl").canonicalize().ok())
            .filter_map(|pg_ctl| pg_ctl.parent().map(Path::to_path_buf))
            .find(|dir| has_tools(dir))
    });
    from_path.or_else(|| {
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let version = entry.file_name().to_str()?.parse().ok()?;
                Some((version, entry.path().join("bin")))
            })
            .filter(|(_, bin)| has_tools(bin))
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    })
}
