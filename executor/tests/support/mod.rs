//! Test harness for the executor's process tests: a recording webhook target, executor
//! processes, and schedule helpers.

#![allow(dead_code)] // each test file uses a different part

use scheduleman::access::Actor;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::any;
use axum::Router;
use chrono::{DateTime, Utc};
use scheduleman::model::{Misfire, NewSchedule, OnDead, RetryPolicy, Target};
use scheduleman::schedule::ScheduleSpec;
use scheduleman::store::schedules;
use sqlx::PgPool;
use uuid::Uuid;

/// One request the target finished answering.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub schedule_id: Uuid,
    pub execution_id: Uuid,
    pub attempt: u32,
    pub scheduled_for: DateTime<Utc>,
    pub arrived_at: DateTime<Utc>,
    pub signature: Option<String>,
    pub body: String,
}

/// A webhook target on loopback: `/ok` answers 200, `/fail` 500 with a body, `/slow` 200
/// after 1.5 s, `/hang` after 10 s. Only requests it finished answering are recorded.
pub struct RecordingTarget {
    pub addr: SocketAddr,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    arrivals: Arc<Mutex<usize>>,
}

impl RecordingTarget {
    pub async fn start() -> Self {
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let arrivals = Arc::new(Mutex::new(0));
        let app = Router::new()
            .route("/{behaviour}", any(receive))
            .with_state((deliveries.clone(), arrivals.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            addr,
            deliveries,
            arrivals,
        }
    }

    pub fn url(&self, behaviour: &str) -> String {
        format!("http://{}/{behaviour}", self.addr)
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    /// Requests that arrived, finished or not.
    pub fn arrivals(&self) -> usize {
        *self.arrivals.lock().unwrap()
    }

    /// Waits until `done(deliveries)` holds, or panics after `limit`.
    pub async fn wait_for(&self, limit: Duration, done: impl Fn(&[Delivery]) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.deliveries()) {
            assert!(
                Instant::now() < deadline,
                "timed out; {} deliveries so far",
                self.deliveries().len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

type Recorder = (Arc<Mutex<Vec<Delivery>>>, Arc<Mutex<usize>>);

async fn receive(
    State((deliveries, arrivals)): State<Recorder>,
    Path(behaviour): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    let arrived_at = Utc::now();
    *arrivals.lock().unwrap() += 1;
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let (status, pause) = match behaviour.as_str() {
        "ok" => (StatusCode::OK, None),
        "slow" => (StatusCode::OK, Some(Duration::from_millis(1500))),
        "hang" => (StatusCode::OK, Some(Duration::from_secs(10))),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, None),
    };
    if let Some(pause) = pause {
        // If the caller goes away meanwhile, axum drops this future: nothing is recorded.
        tokio::time::sleep(pause).await;
    }
    deliveries.lock().unwrap().push(Delivery {
        schedule_id: text("x-scheduleman-schedule-id")
            .parse()
            .unwrap_or_default(),
        execution_id: text("x-scheduleman-execution-id")
            .parse()
            .unwrap_or_default(),
        attempt: text("x-scheduleman-attempt").parse().unwrap_or_default(),
        scheduled_for: DateTime::parse_from_rfc3339(text("x-scheduleman-scheduled-for"))
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        arrived_at,
        signature: headers
            .get("x-scheduleman-signature")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    });
    if status.is_success() {
        (status, "ok")
    } else {
        (status, "the target is failing on purpose")
    }
}

/// The URL of the database behind a `#[sqlx::test]` pool.
pub fn database_url(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres")
    )
}

/// An executor process, killed when dropped.
pub struct ExecutorProcess {
    pub child: Child,
    pub log: std::path::PathBuf,
}

/// Debian's libfaketime (package `faketime`).
pub const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// How to start an executor beyond its arguments.
#[derive(Debug, Default, Clone)]
pub struct Launch {
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Run under libfaketime with this offset (`"-5s"`, `"+5s"`): the process's wall clock
    /// is skewed, its monotonic clock is not.
    pub clock_offset: Option<String>,
    /// `--poll-min` and `--poll-max`; default 50 ms and 200 ms.
    pub poll: Option<(String, String)>,
}

impl ExecutorProcess {
    pub fn start(database_url: &str, id: &str, extra: &[&str]) -> Self {
        Self::launch(database_url, id, extra, Launch::default())
    }

    pub fn launch(database_url: &str, id: &str, extra: &[&str], launch: Launch) -> Self {
        let log =
            std::env::temp_dir().join(format!("scheduleman-test-{id}-{}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_executor"));
        if let Some(offset) = &launch.clock_offset {
            // libfaketime preloaded into the executor itself (the `faketime` wrapper forks,
            // and killing it would leave the executor running).
            command
                .env("LD_PRELOAD", LIBFAKETIME)
                .env("FAKETIME", offset)
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        }
        let (poll_min, poll_max) = launch
            .poll
            .clone()
            .unwrap_or_else(|| ("50ms".into(), "200ms".into()));
        let child = command
            .args([
                "run",
                "--id",
                id,
                "--poll-min",
                &poll_min,
                "--poll-max",
                &poll_max,
            ])
            .args(extra)
            .env("DATABASE_URL", database_url)
            .env("SCHEDULEMAN_TARGET_ALLOWLIST", "127.0.0.0/8")
            .env("RUST_LOG", "info,scheduleman=debug")
            .envs(launch.env)
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start the executor binary");
        Self { child, log }
    }

    /// What the executor has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, as a crash would.
    pub fn kill_hard(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for ExecutorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A schedule definition for tests.
pub fn new_schedule(
    name: &str,
    spec: ScheduleSpec,
    url: String,
    retry: RetryPolicy,
) -> NewSchedule {
    NewSchedule {
        name: name.to_owned(),
        spec,
        target: Target {
            url,
            method: "POST".into(),
            headers: BTreeMap::new(),
            body: None,
        },
        retry,
        misfire: Misfire::FireOnce,
        on_dead: OnDead::Stop,
        paused: false,
        options: Default::default(),
        max_fires: None,
        labels: Default::default(),
    }
}

/// Stores a one-shot schedule due at `at`.
pub async fn insert_at(
    pool: &PgPool,
    name: &str,
    at: DateTime<Utc>,
    url: String,
    retry: RetryPolicy,
) -> Uuid {
    let spec = ScheduleSpec::At {
        at,
        tz: "UTC".into(),
    };
    schedules::insert(
        &mut pool.acquire().await.unwrap(),
        &new_schedule(name, spec, url, retry),
        Some(at),
        Utc::now(),
        &scheduleman::access::Actor::local(),
        &serde_json::json!({}),
    )
    .await
    .unwrap()
    .0
    .id
}

/// Waits until `check` holds for the schedule, or panics after `limit`.
pub async fn wait_for_schedule(
    pool: &PgPool,
    id: Uuid,
    limit: Duration,
    check: impl Fn(&scheduleman::model::ScheduleView) -> bool,
) -> scheduleman::model::ScheduleView {
    let deadline = Instant::now() + limit;
    loop {
        let schedule = scheduleman::commands::fetch(pool, &Actor::local(), id)
            .await
            .expect("a readable schedule");
        if check(&schedule) {
            return schedule;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting; schedule is {schedule:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A real `server` process (built beside the executor binary by `cargo test --workspace`),
/// serving the API on a free loopback port, optionally under libfaketime.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
    pub log: std::path::PathBuf,
}

impl ServerProcess {
    pub async fn start(database_url: &str, name: &str, clock_offset: Option<&str>) -> Self {
        Self::start_with(database_url, name, clock_offset, &[]).await
    }

    /// The same, with extra environment variables.
    pub async fn start_with(
        database_url: &str,
        name: &str,
        clock_offset: Option<&str>,
        env: &[(&str, &str)],
    ) -> Self {
        let binary = std::path::Path::new(env!("CARGO_BIN_EXE_executor")).with_file_name("server");
        assert!(
            binary.exists(),
            "{} is missing: build the server first (cargo build -p server)",
            binary.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!(
            "scheduleman-test-{name}-{}.log",
            std::process::id()
        ));
        let log_file = std::fs::File::create(&log).unwrap();
        let site =
            std::env::temp_dir().join(format!("scheduleman-test-site-{}", std::process::id()));
        let mut command = Command::new(binary);
        if let Some(offset) = clock_offset {
            command
                .env("LD_PRELOAD", LIBFAKETIME)
                .env("FAKETIME", offset)
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        }
        let child = command
            .env("DATABASE_URL", database_url)
            .env("SCHEDULEMAN_TARGET_ALLOWLIST", "127.0.0.0/8")
            .env("LEPTOS_SITE_ADDR", &addr)
            .env("LEPTOS_OUTPUT_NAME", "scheduleman")
            .env("LEPTOS_SITE_ROOT", &site)
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start the server binary");
        let server = Self {
            child,
            base: format!("http://{addr}"),
            log,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = client.get(format!("{}/readyz", server.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start; its log:\n{}",
                std::fs::read_to_string(&server.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Calls the API; the answer's status and JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One alert a sink received: the path it was sent to, its headers and its JSON body.
#[derive(Debug, Clone)]
pub struct ReceivedAlert {
    pub path: String,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
    pub raw: Vec<u8>,
}

/// A webhook sink for alert channels on loopback: any path answers 200 after `delay`,
/// except paths starting with `fail`, which answer 500. Records everything it finished.
#[derive(Clone)]
pub struct AlertSink {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<ReceivedAlert>>>,
}

impl AlertSink {
    pub async fn start(delay: Duration) -> Self {
        let received: Arc<Mutex<Vec<ReceivedAlert>>> = Arc::default();
        let recorder = received.clone();
        let app = Router::new().route(
            "/{*path}",
            any(
                move |Path(path): Path<String>, headers: HeaderMap, body: axum::body::Bytes| {
                    let recorder = recorder.clone();
                    async move {
                        tokio::time::sleep(delay).await;
                        recorder.lock().unwrap().push(ReceivedAlert {
                            path: path.clone(),
                            body: serde_json::from_slice(&body).unwrap_or_default(),
                            raw: body.to_vec(),
                            headers,
                        });
                        if path.starts_with("fail") {
                            StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            StatusCode::OK
                        }
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, received }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    pub fn received(&self) -> Vec<ReceivedAlert> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `done(received)` holds, or panics after `limit` saying what came.
    pub async fn wait_for(&self, limit: Duration, done: impl Fn(&[ReceivedAlert]) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.received()) {
            assert!(
                Instant::now() < deadline,
                "timed out; received {:#?}",
                self.received().iter().map(|r| &r.body).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One email an SMTP sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
    pub auth: Option<String>,
}

/// A minimal SMTP server on loopback that accepts every message and records it.
pub struct SmtpSink {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let recorder = mails.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let recorder = recorder.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let mut mail = Mail {
                        from: String::new(),
                        to: Vec::new(),
                        data: String::new(),
                        auth: None,
                    };
                    write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let answer: &[u8] = if upper.starts_with("EHLO") {
                            b"250-sink\r\n250 AUTH PLAIN\r\n"
                        } else if upper.starts_with("AUTH PLAIN") {
                            mail.auth = Some(line[11..].to_owned());
                            b"235 ok\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            mail.from = line[10..].trim_matches(['<', '>']).to_owned();
                            b"250 ok\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            mail.to.push(line[8..].trim_matches(['<', '>']).to_owned());
                            b"250 ok\r\n"
                        } else if upper == "DATA" {
                            write.write_all(b"354 go on\r\n").await.unwrap();
                            while let Ok(Some(data)) = lines.next_line().await {
                                if data == "." {
                                    break;
                                }
                                mail.data.push_str(&data);
                                mail.data.push('\n');
                            }
                            recorder.lock().unwrap().push(mail.clone());
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"502 not here\r\n"
                        };
                        if write.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { addr, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}
