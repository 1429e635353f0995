//! A database failover, survived: a real primary and a streaming replica (pg_basebackup from
//! the project's own PostgreSQL binaries) behind one TCP address the executors and the server
//! connect to. Mid-run the primary is killed with SIGKILL, the standby promoted, and the
//! address pointed at it. Every one-off due during the run must fire; the lag around the
//! switch is printed (`make chaos` runs it; `make test` too, it takes about 45 s).

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use scheduleman::model::RetryPolicy;
use scheduleman::schedule::ScheduleSpec;
use scheduleman::store::{self, schedules, DatabaseLocation, LocalPostgres};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP address whose upstream can be switched; switching closes every connection made to
/// the old one (as a virtual IP moving to another host would).
struct SwitchableProxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    generation: Arc<AtomicU64>,
}

impl SwitchableProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let upstream = Arc::new(Mutex::new(upstream));
        let generation = Arc::new(AtomicU64::new(0));
        let (target, current) = (upstream.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let to = *target.lock().unwrap();
                let born = current.load(Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(to).await else {
                    continue; // the client sees a closed connection and retries
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, current.clone(), born));
                tokio::spawn(pump(server_read, client_write, current.clone(), born));
            }
        });
        Self {
            addr,
            upstream,
            generation,
        }
    }

    fn switch_to(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap() = upstream;
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    generation: Arc<AtomicU64>,
    born: u64,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let read = tokio::select! {
            read = from.read(&mut buf) => read,
            _ = async {
                while generation.load(Ordering::SeqCst) == born {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            } => return,
        };
        let read = match read {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if to.write_all(&buf[..read]).await.is_err() {
            return;
        }
    }
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb and the server
/// refuse to run as root).
fn pg_tool(tool: &str) -> Command {
    let bin = pg_bin_dir().join(tool);
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(bin);
        command
    } else {
        Command::new(bin)
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn pg_bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed")
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("pg_basebackup").is_file())
        .collect();
    versions.sort();
    versions.pop().expect("pg_basebackup is installed")
}

fn run(mut command: Command, what: &str) {
    let output = command.current_dir("/").output().expect(what);
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
}

/// A standby of the server on `primary_port`, streaming, on a port of its own.
struct Standby {
    dir: PathBuf,
    port: u16,
}

impl Standby {
    fn start(primary_port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "scheduleman-standby-{}-{}",
            std::process::id(),
            Utc::now().timestamp_micros()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // PostgreSQL insists on owner-only permissions.
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        if running_as_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:").arg(&dir);
                    c
                },
                "chown the standby's directory",
            );
        }
        let mut backup = pg_tool("pg_basebackup");
        backup
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &primary_port.to_string(),
                "-U",
                "postgres",
            ])
            .arg("-D")
            .arg(&dir)
            .args(["-R", "-X", "stream", "-c", "fast", "--no-sync"]);
        run(backup, "pg_basebackup");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let mut start = pg_tool("pg_ctl");
        start.arg("-D").arg(&dir).args([
            "-o",
            &format!(
                "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200"
            ),
            "-l",
        ]);
        start.arg(dir.join("server.log")).args(["-w", "start"]);
        run(start, "start the standby");
        Self { dir, port }
    }

    fn promote(&self) {
        let mut promote = pg_tool("pg_ctl");
        promote.arg("-D").arg(&self.dir).args(["-w", "promote"]);
        run(promote, "promote the standby");
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let mut stop = pg_tool("pg_ctl");
        stop.arg("-D")
            .arg(&self.dir)
            .args(["-m", "immediate", "stop"]);
        let _ = stop.current_dir("/").output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// SIGKILL to the postmaster of `data_dir` (its children die with it).
fn kill_postmaster(data_dir: &Path) {
    let pid_file = std::fs::read_to_string(data_dir.join("postmaster.pid")).unwrap();
    let pid = pid_file.lines().next().unwrap().trim().to_owned();
    run(
        {
            let mut c = Command::new("kill");
            c.args(["-9", &pid]);
            c
        },
        "kill -9 the primary",
    );
}

#[tokio::test]
async fn a_failover_to_a_promoted_standby_loses_no_one_off_fire() {
    let primary = LocalPostgres::start_throwaway().expect("a primary PostgreSQL");
    let standby = Standby::start(primary.port());
    let proxy = SwitchableProxy::start(SocketAddr::from(([127, 0, 0, 1], primary.port()))).await;
    let url = format!("postgres://postgres@{}/postgres", proxy.addr);
    let database = store::connect(&DatabaseLocation::Url(url.clone()), 4)
        .await
        .unwrap();
    let pool = database.pool.clone();
    store::migrate(&pool).await.unwrap();

    let target = RecordingTarget::start().await;
    let started = Utc::now();
    let kill_after = TimeDelta::seconds(12);
    // 300 one-offs, 10 a second over 30 s; the primary dies 12 s in.
    let one_offs: Vec<_> = (0..300)
        .map(|n| {
            let at = started + TimeDelta::seconds(3) + TimeDelta::milliseconds(n * 100);
            let spec = ScheduleSpec::At {
                at,
                tz: "UTC".into(),
            };
            let schedule = new_schedule(
                &format!("once-{n}"),
                spec,
                target.url("ok"),
                RetryPolicy::default(),
            );
            (schedule, Some(at))
        })
        .collect();
    let ids: Vec<uuid::Uuid> =
        schedules::insert_many(&mut pool.acquire().await.unwrap(), &one_offs, Utc::now())
            .await
            .unwrap()
            .into_iter()
            .map(|inserted| inserted.id)
            .collect();
    // Wait until the standby has every schedule, so the test is about fires, not about
    // schedules created a moment before the crash (see README, Guarantees).
    let standby_url = format!("postgres://postgres@127.0.0.1:{}/postgres", standby.port);
    let replica = store::connect(&DatabaseLocation::Url(standby_url), 1)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let copied: i64 = sqlx::query_scalar("SELECT count(*) FROM schedules")
            .fetch_one(&replica.pool)
            .await
            .unwrap_or(0);
        if copied == 300 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the standby never caught up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    replica.pool.close().await;

    let _executors: Vec<_> = (0..2)
        .map(|n| ExecutorProcess::start(&url, &format!("failover-{n}"), &[]))
        .collect();
    let server = ServerProcess::start(&url, "failover-server", None).await;

    let wait = (started + kill_after - Utc::now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;
    let killed_at = Utc::now();
    kill_postmaster(primary.data_dir());
    standby.promote();
    proxy.switch_to(SocketAddr::from(([127, 0, 0, 1], standby.port)));
    let switched_at = Utc::now();

    // Everything due by 33 s has had time to fire, on the new primary.
    let end = started + TimeDelta::seconds(33) + TimeDelta::seconds(12);
    tokio::time::sleep((end - Utc::now()).to_std().unwrap_or_default()).await;
    let deliveries = target.deliveries();
    let fired: std::collections::HashSet<uuid::Uuid> =
        deliveries.iter().map(|d| d.schedule_id).collect();
    let missing = ids.iter().filter(|id| !fired.contains(id)).count();
    let duplicates = deliveries.len() - fired.len();
    let lag = |from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>| {
        deliveries
            .iter()
            .filter(|d| d.scheduled_for >= from && d.scheduled_for < to)
            .map(|d| (d.arrived_at - d.scheduled_for).num_milliseconds())
            .max()
            .unwrap_or_default()
    };
    let before = lag(started, killed_at - TimeDelta::seconds(1));
    let around = lag(
        killed_at - TimeDelta::seconds(1),
        switched_at + TimeDelta::seconds(10),
    );
    let after = lag(switched_at + TimeDelta::seconds(10), end);
    // The server reconnects by itself too: a schedule can be created through it.
    let (status, created) = server
        .call(
            reqwest::Method::POST,
            "/api/v1/schedules",
            Some(
                serde_json::json!({"name": "after the failover", "schedule": {"every": "1h"},
                                    "target": {"url": target.url("ok")}}),
            ),
        )
        .await;
    println!(
        "chaos: failover (primary killed, standby promoted after {} ms): 300 one-offs, {} fired, {missing} missing, {duplicates} duplicates; worst lag before {before} ms, around the switch {around} ms, after {after} ms; server create after: {status}",
        (switched_at - killed_at).num_milliseconds(),
        fired.len(),
    );
    assert_eq!(missing, 0, "every one-off due during the run fired");
    assert_eq!(status, 201, "{created}");
}
