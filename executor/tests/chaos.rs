//! The fault-injection suite: real executor processes against a real PostgreSQL, with faults
//! nobody's schedule should feel: hostile targets, skewed clocks, a slow attempt overtaken by
//! "Trigger now", and a database connection that stops forwarding. Each case prints one line
//! (`chaos: <case>: expected …, received …, duplicates …, lost …, worst lag …`) and fails on
//! any loss. `CHAOS_SECONDS` sets how long the steady cases run (default 12; `make chaos`
//! runs 60).

mod support;

use scheduleman::access::Actor;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use scheduleman::commands::{self, Action};
use scheduleman::model::{Outcome, RetryPolicy, ScheduleState};
use scheduleman::schedule::ScheduleSpec;
use scheduleman::store::schedules;
use sqlx::PgPool;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use uuid::Uuid;

fn steady_seconds() -> i64 {
    std::env::var("CHAOS_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12)
}

/// One request a chaos target received and finished answering.
#[derive(Debug, Clone)]
struct Arrival {
    path: String,
    schedule_id: Uuid,
    scheduled_for: DateTime<Utc>,
    arrived_at: DateTime<Utc>,
}

/// A webhook target that misbehaves by path: `/ok` answers at once; `/nul`, `/utf8` and
/// `/huge` answer 500 with a NUL byte, invalid UTF-8 or 10 MB; `/endless` answers 500 with
/// a body that never ends; `/stall` never answers; `/late` answers 200 after 2.9 s;
/// `/redirect` sends a private address; `/slow-fail-once` fails its first request after 2 s
/// and answers every later one at once; `/slow-ok` answers 200 after 1 s; `/fail` answers
/// 500.
#[derive(Clone, Default)]
struct ChaosTarget {
    arrivals: Arc<Mutex<Vec<Arrival>>>,
    slow_failed: Arc<AtomicBool>,
}

impl ChaosTarget {
    async fn start() -> (Self, SocketAddr) {
        let target = Self::default();
        let app = Router::new()
            .route("/{behaviour}", any(misbehave))
            .with_state(target.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (target, addr)
    }

    fn arrivals(&self, path: &str) -> Vec<Arrival> {
        self.arrivals
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.path == path)
            .cloned()
            .collect()
    }
}

async fn misbehave(
    State(target): State<ChaosTarget>,
    Path(behaviour): Path<String>,
    headers: HeaderMap,
) -> Response {
    let arrived_at = Utc::now();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let record = |target: &ChaosTarget| {
        target.arrivals.lock().unwrap().push(Arrival {
            path: behaviour.clone(),
            schedule_id: text("x-scheduleman-schedule-id")
                .parse()
                .unwrap_or_default(),
            scheduled_for: DateTime::parse_from_rfc3339(&text("x-scheduleman-scheduled-for"))
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            arrived_at,
        })
    };
    let error = StatusCode::INTERNAL_SERVER_ERROR;
    match behaviour.as_str() {
        "ok" => {
            record(&target);
            (StatusCode::OK, "ok").into_response()
        }
        "nul" => (error, b"bad\0reply".to_vec()).into_response(),
        "utf8" => (error, vec![b'b', 0xff, 0xfe, b'd']).into_response(),
        "huge" => (error, vec![b'x'; 10 * 1024 * 1024]).into_response(),
        "endless" => {
            let chunks = futures_stream();
            (error, Body::from_stream(chunks)).into_response()
        }
        "stall" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
        "late" => {
            tokio::time::sleep(Duration::from_millis(2900)).await;
            StatusCode::OK.into_response()
        }
        "fail" => {
            record(&target);
            (error, "failing on purpose").into_response()
        }
        "slow-ok" => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            record(&target);
            StatusCode::OK.into_response()
        }
        "redirect" => (
            StatusCode::FOUND,
            [("location", "http://10.0.0.1/internal")],
        )
            .into_response(),
        "slow-fail-once" => {
            if target.slow_failed.swap(true, Ordering::SeqCst) {
                record(&target);
                StatusCode::OK.into_response()
            } else {
                tokio::time::sleep(Duration::from_secs(2)).await;
                record(&target);
                (error, "first attempt fails, slowly").into_response()
            }
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A body that sends a byte every 100 ms, forever.
fn futures_stream(
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::convert::Infallible>> + Send {
    struct Drip(tokio::time::Interval);
    impl futures_core::Stream for Drip {
        type Item = Result<Vec<u8>, std::convert::Infallible>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.0.poll_tick(cx).map(|_| Some(Ok(b"x".to_vec())))
        }
    }
    Drip(tokio::time::interval(Duration::from_millis(100)))
}

/// A name server that receives queries and never answers.
async fn silent_dns() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while socket.recv_from(&mut buf).await.is_ok() {}
    });
    addr
}

/// A listener that counts connections: an HTTP proxy nobody should use.
async fn proxy_trap() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    (addr, connections)
}

/// A TCP proxy in front of PostgreSQL that can stop forwarding (connections stay open, bytes
/// stop moving: a half-open network).
struct FreezableProxy {
    addr: SocketAddr,
    frozen: Arc<AtomicBool>,
}

impl FreezableProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let frozen = Arc::new(AtomicBool::new(false));
        let gate = frozen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, gate.clone()));
                tokio::spawn(pump(server_read, client_write, gate.clone()));
            }
        });
        Self { addr, frozen }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen.store(frozen, Ordering::SeqCst);
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let read = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..read]).await.is_err() {
            return;
        }
    }
}

/// Stores an `every 1s` schedule (anchored now, on a whole millisecond, as the
/// `X-Scheduleman-Scheduled-For` header writes instants) calling `url`.
async fn every_second(pool: &PgPool, name: &str, url: String, retry: RetryPolicy) -> Uuid {
    let anchor = Utc::now().trunc_subsecs(3);
    let spec = ScheduleSpec::Every {
        every: "1s".into(),
        interval_ms: 1_000,
        anchor,
    };
    schedules::insert(
        &mut pool.acquire().await.unwrap(),
        &new_schedule(name, spec, url, retry),
        Some(anchor + TimeDelta::seconds(1)),
        Utc::now(),
        &scheduleman::access::Actor::local(),
        &serde_json::json!({}),
    )
    .await
    .unwrap()
    .0
    .id
}

/// What healthy schedules received in a window, against what they should have.
#[derive(Debug, Default)]
struct Tally {
    expected: usize,
    received: usize,
    duplicates: usize,
    lost: usize,
    early: usize,
    worst_lag_ms: i64,
}

impl Tally {
    /// Counts fires of `schedules` (each `every 1s` from its anchor) that fall inside
    /// `[from, to]`, except those inside `excused` (fires a fault made impossible, which the
    /// fire-once rule folds into one).
    fn of(
        schedules: &BTreeMap<Uuid, DateTime<Utc>>,
        arrivals: &[Arrival],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        excused: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Self {
        let mut tally = Tally::default();
        let mut seen: HashMap<(Uuid, DateTime<Utc>), usize> = HashMap::new();
        for arrival in arrivals
            .iter()
            .filter(|a| schedules.contains_key(&a.schedule_id))
        {
            *seen
                .entry((arrival.schedule_id, arrival.scheduled_for))
                .or_default() += 1;
            let lag = (arrival.arrived_at - arrival.scheduled_for).num_milliseconds();
            tally.worst_lag_ms = tally.worst_lag_ms.max(lag);
            if arrival.arrived_at < arrival.scheduled_for {
                tally.early += 1;
            }
        }
        tally.duplicates = seen.values().map(|n| n - 1).sum();
        let fired: HashSet<(Uuid, DateTime<Utc>)> = seen.keys().copied().collect();
        for (id, anchor) in schedules {
            let mut at = *anchor + TimeDelta::seconds(1);
            while at <= to {
                let excused_here = excused.is_some_and(|(a, b)| at >= a && at <= b);
                if at >= from && !excused_here {
                    tally.expected += 1;
                    if fired.contains(&(*id, at)) {
                        tally.received += 1;
                    } else {
                        tally.lost += 1;
                    }
                }
                at += TimeDelta::seconds(1);
            }
        }
        tally
    }

    fn print(&self, case: &str) {
        println!(
            "chaos: {case}: expected {}, received {}, duplicates {}, lost {}, early {}, worst lag {} ms",
            self.expected,
            self.received,
            self.duplicates,
            self.lost,
            self.early,
            self.worst_lag_ms
        );
    }
}

async fn anchors(pool: &PgPool, ids: &[Uuid]) -> BTreeMap<Uuid, DateTime<Utc>> {
    let mut out = BTreeMap::new();
    for id in ids {
        let view = scheduleman::commands::fetch(pool, &Actor::local(), *id)
            .await
            .unwrap();
        if let ScheduleSpec::Every { anchor, .. } = view.schedule {
            out.insert(*id, anchor);
        }
    }
    out
}

fn quick_death() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        backoff_initial_ms: 200,
        backoff_max_ms: 200,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn hostile_targets_hurt_only_themselves(pool: PgPool) {
    let (target, addr) = ChaosTarget::start().await;
    let dns = silent_dns().await;
    let (proxy, proxy_connections) = proxy_trap().await;
    let mut healthy = Vec::new();
    for i in 0..20 {
        healthy.push(
            every_second(
                &pool,
                &format!("healthy-{i}"),
                format!("http://{addr}/ok"),
                RetryPolicy::default(),
            )
            .await,
        );
    }
    let hostile_cases = [
        (
            "nul",
            format!("http://{addr}/nul"),
            "HTTP 500: bad\u{FFFD}reply",
        ),
        (
            "utf8",
            format!("http://{addr}/utf8"),
            "HTTP 500: b\u{FFFD}\u{FFFD}d",
        ),
        ("huge", format!("http://{addr}/huge"), "HTTP 500: xxxx"),
        ("endless", format!("http://{addr}/endless"), "HTTP 500: xxx"),
        ("stall", format!("http://{addr}/stall"), "timeout after 3 s"),
        ("redirect", format!("http://{addr}/redirect"), "HTTP 302"),
        (
            "slow-dns",
            format!("http://slow.chaos.test:{}/ok", addr.port()),
            "DNS failure for slow.chaos.test: no answer within 2 s",
        ),
    ];
    let mut hostile = Vec::new();
    for (name, url, reason) in &hostile_cases {
        hostile.push((
            *name,
            every_second(&pool, name, url.clone(), quick_death()).await,
            *reason,
        ));
    }
    let late = every_second(&pool, "late", format!("http://{addr}/late"), quick_death()).await;
    let proxy_url = format!("http://{proxy}");
    let launch = Launch {
        env: [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
        ]
        .into_iter()
        .map(|name| (name.to_owned(), proxy_url.clone()))
        .collect(),
        ..Launch::default()
    };
    let url = database_url(&pool);
    let dns_arg = dns.to_string();
    let _executor =
        ExecutorProcess::launch(&url, "chaos-hostile", &["--dns-servers", &dns_arg], launch);
    let start = Utc::now();
    let seconds = steady_seconds();
    tokio::time::sleep(Duration::from_secs(seconds as u64 + 3)).await;

    let anchors = anchors(&pool, &healthy).await;
    let tally = Tally::of(
        &anchors,
        &target.arrivals("ok"),
        start + TimeDelta::seconds(2),
        start + TimeDelta::seconds(seconds),
        None,
    );
    tally.print("hostile targets (20 healthy every-1s schedules beside 8 hostile ones)");
    assert_eq!(tally.lost, 0, "{tally:?}");
    assert_eq!(tally.duplicates, 0, "{tally:?}");
    assert!(tally.worst_lag_ms < 100, "{tally:?}");
    assert_eq!(
        proxy_connections.load(Ordering::SeqCst),
        0,
        "the executor ignored the proxy variables"
    );
    for (name, id, reason) in hostile {
        let view = scheduleman::commands::fetch(&pool, &Actor::local(), id)
            .await
            .unwrap();
        let error = view.last_error.clone().unwrap_or_default();
        println!(
            "chaos: hostile {name}: state {}, reason {error:?}",
            view.state.as_str()
        );
        assert_eq!(view.state, ScheduleState::Dead, "{name}: {view:?}");
        assert!(error.starts_with(reason), "{name}: {error:?}");
    }
    let late = scheduleman::commands::fetch(&pool, &Actor::local(), late)
        .await
        .unwrap();
    println!(
        "chaos: hostile late (2.9 s): state {}, last outcome {:?}, reason {:?}",
        late.state.as_str(),
        late.last_outcome,
        late.last_error
    );
    assert!(
        late.last_outcome == Some(Outcome::Success)
            || late
                .last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("timeout after 3 s")),
        "{late:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn executors_with_clocks_apart_never_fire_twice_or_early(pool: PgPool) {
    let (target, addr) = ChaosTarget::start().await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            every_second(
                &pool,
                &format!("clock-{i}"),
                format!("http://{addr}/ok"),
                RetryPolicy::default(),
            )
            .await,
        );
    }
    let url = database_url(&pool);
    let _executors: Vec<_> = [None, Some("-5s"), Some("+5s")]
        .into_iter()
        .enumerate()
        .map(|(n, offset)| {
            ExecutorProcess::launch(
                &url,
                &format!("clock-{n}"),
                &[],
                Launch {
                    clock_offset: offset.map(str::to_owned),
                    ..Launch::default()
                },
            )
        })
        .collect();
    let start = Utc::now();
    let seconds = steady_seconds();
    tokio::time::sleep(Duration::from_secs(seconds as u64 + 3)).await;
    let tally = Tally::of(
        &anchors(&pool, &ids).await,
        &target.arrivals("ok"),
        start + TimeDelta::seconds(2),
        start + TimeDelta::seconds(seconds),
        None,
    );
    tally.print("clocks 5 s apart (3 executors: on time, 5 s slow, 5 s fast)");
    assert_eq!(tally.duplicates, 0, "{tally:?}");
    assert_eq!(tally.early, 0, "{tally:?}");
    assert_eq!(tally.lost, 0, "{tally:?}");
    assert!(tally.worst_lag_ms < 100, "{tally:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn trigger_now_during_a_slow_attempt_records_both_fires_apart(pool: PgPool) {
    let (target, addr) = ChaosTarget::start().await;
    let first = Utc::now() + TimeDelta::seconds(1);
    let spec = ScheduleSpec::Every {
        every: "1h".into(),
        interval_ms: 3_600_000,
        anchor: first - TimeDelta::hours(1),
    };
    let id = schedules::insert(
        &mut pool.acquire().await.unwrap(),
        &new_schedule(
            "slow then now",
            spec,
            format!("http://{addr}/slow-fail-once"),
            RetryPolicy::default(),
        ),
        Some(first),
        Utc::now(),
        &scheduleman::access::Actor::local(),
        &serde_json::json!({}),
    )
    .await
    .unwrap()
    .0
    .id;
    let url = database_url(&pool);
    let _executor = ExecutorProcess::start(&url, "chaos-trigger-now", &[]);
    // Wait until the slow first attempt is in flight, then "Trigger now".
    wait_for_schedule(&pool, id, Duration::from_secs(10), |s| {
        s.claimed_by.is_some()
    })
    .await;
    commands::act(&pool, &Actor::local(), id, Action::Trigger)
        .await
        .unwrap();
    // Both attempts recorded, then room for a wrong retry of the slow fire to show up (the
    // first retry would come 1 s after its failure).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let recorded: i64 =
            sqlx::query_scalar("SELECT count(*) FROM executions WHERE schedule_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        if recorded >= 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{recorded} attempts recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let arrivals = target.arrivals("slow-fail-once");
    let view = scheduleman::commands::fetch(&pool, &Actor::local(), id)
        .await
        .unwrap();
    let attempts: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT outcome, execution_id FROM executions WHERE schedule_id = $1 ORDER BY started_at",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    println!(
        "chaos: trigger now during a slow attempt: expected 2, received {}, attempts {:?}, last outcome {:?}",
        arrivals.len(),
        attempts.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(),
        view.last_outcome
    );
    assert_eq!(
        arrivals.len(),
        2,
        "the slow fire and the triggered one, and no retry of the slow fire"
    );
    let outcomes: Vec<&str> = attempts.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(
        outcomes,
        ["failure", "success"],
        "each fire has its own outcome"
    );
    assert_ne!(
        attempts[0].1, attempts[1].1,
        "each fire has its own execution id"
    );
    assert_eq!(view.last_outcome, Some(Outcome::Success));
    assert_eq!(view.attempt, 0, "no retry is pending");
    assert!(
        view.next_run_at
            .is_some_and(|at| at > Utc::now() + TimeDelta::minutes(30)),
        "next due in an hour: {:?}",
        view.next_run_at
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_frozen_database_connection_is_noticed_and_nothing_is_lost(pool: PgPool) {
    let (target, addr) = ChaosTarget::start().await;
    let options = pool.connect_options();
    let upstream: SocketAddr = format!("{}:{}", options.get_host(), options.get_port())
        .parse()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], options.get_port())));
    let proxy = FreezableProxy::start(upstream).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            every_second(
                &pool,
                &format!("cut-{i}"),
                format!("http://{addr}/ok"),
                RetryPolicy::default(),
            )
            .await,
        );
    }
    let url = format!(
        "postgres://{}@{}/{}",
        options.get_username(),
        proxy.addr,
        options.get_database().unwrap_or("postgres")
    );
    let executor = ExecutorProcess::start(&url, "chaos-cut", &[]);
    let cut_seconds = if steady_seconds() >= 60 { 30 } else { 12 };
    let start = Utc::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let cut_at = Utc::now();
    proxy.freeze(true);
    tokio::time::sleep(Duration::from_secs(cut_seconds)).await;
    proxy.freeze(false);
    let healed_at = Utc::now();
    tokio::time::sleep(Duration::from_secs(14)).await;

    let arrivals = target.arrivals("ok");
    // Fires due while the connection was frozen fold into one (fire once), and the
    // executor needs up to the database call limit (10 s) to give up on the frozen
    // connection: those are excused; every other fire must arrive.
    let excused = (
        cut_at - TimeDelta::seconds(1),
        healed_at + TimeDelta::seconds(11),
    );
    let tally = Tally::of(
        &anchors(&pool, &ids).await,
        &arrivals,
        start + TimeDelta::seconds(2),
        healed_at + TimeDelta::seconds(13),
        Some(excused),
    );
    tally.print(&format!(
        "database connection frozen for {cut_seconds} s (10 every-1s schedules)"
    ));
    let log = executor.log_text();
    assert!(
        log.contains("is the database up?"),
        "the executor says the database is gone"
    );
    assert!(
        log.contains("claiming resumed"),
        "the executor says it recovered"
    );
    assert_eq!(tally.lost, 0, "{tally:?}");
    for id in &ids {
        assert!(
            arrivals
                .iter()
                .any(|a| a.schedule_id == *id && a.arrived_at > healed_at),
            "schedule {id} fires again after the cut"
        );
    }
}

/// Issue 16, item 19: with the executors' default poll timing (250 ms to 1 s), a fire never
/// waits for the next poll instead of its own instant: three executors, 30 every-1s
/// schedules, worst lag under 100 ms.
#[sqlx::test(migrations = "../migrations")]
async fn default_polling_never_leaves_a_fire_waiting_for_the_next_poll(pool: PgPool) {
    let (target, addr) = ChaosTarget::start().await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(
            every_second(
                &pool,
                &format!("steady-{i}"),
                format!("http://{addr}/ok"),
                RetryPolicy::default(),
            )
            .await,
        );
    }
    let url = database_url(&pool);
    let _executors: Vec<_> = (0..3)
        .map(|n| {
            ExecutorProcess::launch(
                &url,
                &format!("steady-{n}"),
                &[],
                Launch {
                    poll: Some(("250ms".into(), "1s".into())),
                    ..Launch::default()
                },
            )
        })
        .collect();
    let start = Utc::now();
    let seconds = steady_seconds();
    tokio::time::sleep(Duration::from_secs(seconds as u64 + 3)).await;
    let tally = Tally::of(
        &anchors(&pool, &ids).await,
        &target.arrivals("ok"),
        start + TimeDelta::seconds(3),
        start + TimeDelta::seconds(seconds),
        None,
    );
    tally.print("default polling (3 executors, 30 every-1s schedules)");
    assert_eq!(tally.lost, 0, "{tally:?}");
    assert_eq!(tally.duplicates, 0, "{tally:?}");
    assert!(tally.worst_lag_ms < 100, "{tally:?}");
}

/// Issue 16, item 4: one schedule's row held by another transaction (an import, an edit, a
/// person's `SELECT … FOR UPDATE`) for 20 s while 2,000 others fire: its result waits, the
/// others' are written at once (no lease expires, so nothing fires twice), and it fires
/// again once the lock goes.
#[sqlx::test(migrations = "../migrations")]
async fn a_row_locked_for_20_s_holds_up_no_other_result(pool: PgPool) {
    let (target, addr) = ChaosTarget::start().await;
    let anchor = Utc::now().trunc_subsecs(3);
    // Every 10 s, spread over the 10 s: about 200 fire each second (what a debug build on
    // two cores sustains beside the test's own target without leases running out).
    let others: Vec<_> = (0..2_000)
        .map(|i| {
            // First fires from 1 s from now, spread over 10 s.
            let start = anchor - TimeDelta::seconds(9) + TimeDelta::milliseconds(i * 5);
            let spec = ScheduleSpec::Every {
                every: "10s".into(),
                interval_ms: 10_000,
                anchor: start,
            };
            let url = format!("http://{addr}/ok");
            let schedule = new_schedule(&format!("other-{i}"), spec, url, RetryPolicy::default());
            (schedule, Some(start + TimeDelta::seconds(10)))
        })
        .collect();
    schedules::insert_many(&mut pool.acquire().await.unwrap(), &others, Utc::now())
        .await
        .unwrap();
    let held = schedules::insert(
        &mut pool.acquire().await.unwrap(),
        &new_schedule(
            "held",
            ScheduleSpec::Every {
                every: "2s".into(),
                interval_ms: 2_000,
                anchor,
            },
            format!("http://{addr}/slow-ok"),
            RetryPolicy::default(),
        ),
        Some(anchor + TimeDelta::seconds(2)),
        Utc::now(),
        &scheduleman::access::Actor::local(),
        &serde_json::json!({}),
    )
    .await
    .unwrap()
    .0
    .id;
    let url = database_url(&pool);
    let _executors: Vec<_> = (0..2)
        .map(|n| ExecutorProcess::start(&url, &format!("locked-{n}"), &[]))
        .collect();
    // Take the lock while the held schedule's slow request is in flight, so its result meets
    // the lock.
    wait_for_schedule(&pool, held, Duration::from_secs(15), |s| {
        s.claimed_by.is_some()
    })
    .await;
    let mut locker = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM schedule_runtime WHERE id = $1 FOR UPDATE")
        .bind(held)
        .execute(&mut *locker)
        .await
        .unwrap();
    let locked_at = Utc::now();
    tokio::time::sleep(Duration::from_secs(20)).await;
    locker.rollback().await.unwrap();
    let released_at = Utc::now();
    tokio::time::sleep(Duration::from_secs(6)).await;

    let arrivals = target.arrivals("ok");
    let mut seen: HashMap<(Uuid, DateTime<Utc>), usize> = HashMap::new();
    for arrival in &arrivals {
        *seen
            .entry((arrival.schedule_id, arrival.scheduled_for))
            .or_default() += 1;
    }
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    let during_lock = arrivals
        .iter()
        .filter(|a| a.arrived_at > locked_at && a.arrived_at < released_at)
        .count();
    let worst_lag = arrivals
        .iter()
        .filter(|a| a.arrived_at > locked_at && a.arrived_at < released_at)
        .map(|a| (a.arrived_at - a.scheduled_for).num_milliseconds())
        .max()
        .unwrap_or_default();
    let held_after: Vec<_> = target
        .arrivals("slow-ok")
        .into_iter()
        .filter(|a| a.arrived_at > released_at)
        .collect();
    println!(
        "chaos: one row locked for 20 s beside 2,000 every-10s schedules: {} fires of the others, {during_lock} while locked (worst lag {worst_lag} ms), duplicates {duplicates}; the held one fired {} time(s) after the lock",
        arrivals.len(),
        held_after.len()
    );
    assert_eq!(duplicates, 0, "no lease expired for the others");
    assert!(
        during_lock >= 20 * 150,
        "the others kept firing: {during_lock}"
    );
    assert!(
        !held_after.is_empty(),
        "the held schedule fires once the lock goes"
    );
}

/// Issue 16, item 9: the server's clock 15 s behind the database's. "Trigger now" on a
/// `misfire: skip` schedule still fires (it was computed on the server's clock, found 15 s
/// late and skipped with no request), a one-shot created `in: 1s` fires, and re-armed it
/// fires again instead of completing unfired.
#[sqlx::test(migrations = "../migrations")]
async fn a_server_whose_clock_is_behind_still_fires_what_people_ask_for(pool: PgPool) {
    use reqwest::Method;
    let (target, addr) = ChaosTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "skewed-server", Some("-15s")).await;
    let _executor = ExecutorProcess::start(&url, "skewed-server-executor", &[]);
    let hourly = serde_json::json!({
        "name": "hourly, skip missed", "schedule": {"every": "1h"}, "misfire": "skip",
        "target": {"url": format!("http://{addr}/ok")}
    });
    let (status, created) = server
        .call(Method::POST, "/api/v1/schedules", Some(hourly))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{id}/trigger"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while target.arrivals("ok").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the manual trigger never arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let once = serde_json::json!({
        "name": "one-shot", "schedule": {"in": "1s"}, "misfire": "skip", "max_attempts": 1,
        "target": {"url": format!("http://{addr}/fail")}
    });
    let (status, created) = server
        .call(Method::POST, "/api/v1/schedules", Some(once))
        .await;
    assert_eq!(status, 201, "{created}");
    let once_id: Uuid = created["id"].as_str().unwrap().parse().unwrap();
    wait_for_schedule(&pool, once_id, Duration::from_secs(10), |s| {
        s.state == ScheduleState::Dead
    })
    .await;
    let (status, rearmed) = server
        .call(
            Method::POST,
            &format!("/api/v1/schedules/{once_id}/rearm"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{rearmed}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while target.arrivals("fail").len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the re-armed one-shot did not fire again: {} request(s)",
            target.arrivals("fail").len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let skipped: i64 =
        sqlx::query_scalar("SELECT count(*) FROM schedule_runtime WHERE last_outcome = 'skipped'")
            .fetch_one(&pool)
            .await
            .unwrap();
    println!(
        "chaos: server clock 15 s behind: manual trigger delivered, one-shot fired {} times, {skipped} skipped",
        target.arrivals("fail").len()
    );
    assert_eq!(
        skipped, 0,
        "nothing a person asked for was skipped as missed"
    );
}

/// Issue 16, item 14: 32 clients browse every page for the run's length while 200 schedules
/// fire (some failing, some dying): no request times out, none answers 5xx.
#[sqlx::test(migrations = "../migrations")]
async fn thirty_two_clients_browse_every_page_without_a_timeout_or_5xx(pool: PgPool) {
    use reqwest::Method;
    let (_target, addr) = ChaosTarget::start().await;
    let url = database_url(&pool);
    let server = ServerProcess::start(&url, "soak-server", None).await;
    let _executors: Vec<_> = (0..2)
        .map(|n| ExecutorProcess::start(&url, &format!("soak-{n}"), &[]))
        .collect();
    let mut ids = Vec::new();
    for i in 0..200 {
        let path = if i % 10 == 0 { "fail" } else { "ok" };
        let body = serde_json::json!({
            "name": format!("soak {i:03} {path}"),
            "schedule": {"every": format!("{}s", 1 + i % 5)},
            "max_attempts": if i % 20 == 0 { 1 } else { 3 },
            "target": {"url": format!("http://{addr}/{path}")}
        });
        let (status, created) = server
            .call(Method::POST, "/api/v1/schedules", Some(body))
            .await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let mut pages: Vec<String> = [
        "/",
        "/?state=failing",
        "/?state=dead",
        "/?search=soak%2001",
        "/schedules/new",
        "/timeline",
        "/import",
        "/dead-letters",
        "/executors",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    for id in ids.iter().step_by(20) {
        pages.push(format!("/schedules/{id}"));
        pages.push(format!("/schedules/{id}/edit"));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let seconds = steady_seconds() as u64;
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    let clients: Vec<_> = (0..32)
        .map(|n| {
            let (client, base, pages) = (client.clone(), server.base.clone(), pages.clone());
            tokio::spawn(async move {
                let (mut served, mut timeouts, mut errors, mut slowest) = (0u32, 0u32, 0u32, 0u128);
                let mut at = n;
                while std::time::Instant::now() < deadline {
                    let page = &pages[at % pages.len()];
                    at += 7;
                    let started = std::time::Instant::now();
                    match client.get(format!("{base}{page}")).send().await {
                        Ok(response) if response.status().is_server_error() => errors += 1,
                        Ok(response) => match response.bytes().await {
                            Ok(_) => served += 1,
                            Err(error) if error.is_timeout() => timeouts += 1,
                            Err(_) => errors += 1,
                        },
                        Err(error) if error.is_timeout() => timeouts += 1,
                        Err(_) => errors += 1,
                    }
                    slowest = slowest.max(started.elapsed().as_millis());
                }
                (served, timeouts, errors, slowest)
            })
        })
        .collect();
    let (mut served, mut timeouts, mut errors, mut slowest) = (0, 0, 0, 0);
    for client in clients {
        let (s, t, e, w) = client.await.unwrap();
        (served, timeouts, errors, slowest) =
            (served + s, timeouts + t, errors + e, slowest.max(w));
    }
    println!(
        "chaos: 32 clients over {} pages for {seconds} s beside 200 firing schedules: {served} pages, {timeouts} timeouts, {errors} 5xx or broken, slowest {slowest} ms",
        pages.len()
    );
    assert_eq!(timeouts, 0);
    assert_eq!(errors, 0);
    assert!(served > 0);
}

/// Issue 18: every executor is killed (`kill -9`); the server alone notices. `executors.none`
/// and `schedule.overdue` arrive at a local webhook sink, each once, and both are resolved,
/// each once, when an executor returns.
#[sqlx::test(migrations = "../migrations")]
async fn with_every_executor_killed_the_server_alerts_and_resolves_when_one_returns(pool: PgPool) {
    use reqwest::Method;
    let (target, addr) = ChaosTarget::start().await;
    let sink = AlertSink::start(Duration::ZERO).await;
    let url = database_url(&pool);
    let server = ServerProcess::start_with(
        &url,
        "alerting-server",
        None,
        &[
            ("SCHEDULEMAN_ALERT_EVERY", "300ms"),
            ("SCHEDULEMAN_ALERT_OVERDUE_AFTER", "2s"),
            ("SCHEDULEMAN_ALERT_EXECUTORS_GRACE", "3s"),
        ],
    )
    .await;
    let channel = serde_json::json!({"name": "ops", "url": sink.url("ops"), "format": "json"});
    let (status, created) = server
        .call(Method::POST, "/api/v1/alert-channels", Some(channel))
        .await;
    assert_eq!(status, 201, "{created}");
    every_second(
        &pool,
        "heartbeat of the business",
        format!("http://{addr}/ok"),
        RetryPolicy::default(),
    )
    .await;
    // The grace must be longer than the executors' heartbeat interval.
    let beating = Launch {
        env: vec![("SCHEDULEMAN_HEARTBEAT".into(), "500ms".into())],
        ..Launch::default()
    };
    let mut executors: Vec<ExecutorProcess> = (0..2)
        .map(|n| ExecutorProcess::launch(&url, &format!("alerting-{n}"), &[], beating.clone()))
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while target.arrivals("ok").len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the schedule never fired"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        sink.received().is_empty(),
        "alerts while all is well: {:?}",
        sink.received().len()
    );

    let killed = std::time::Instant::now();
    for executor in &mut executors {
        executor.kill_hard();
    }
    let opened = |event: &'static str| {
        move |received: &[ReceivedAlert]| {
            received
                .iter()
                .any(|r| r.body["event"] == event && r.body["state"] == "open")
        }
    };
    sink.wait_for(Duration::from_secs(30), opened("executors.none"))
        .await;
    let none_after = killed.elapsed();
    assert!(
        none_after >= Duration::from_millis(2500),
        "alerted before the grace: {none_after:?}"
    );
    sink.wait_for(Duration::from_secs(30), opened("schedule.overdue"))
        .await;
    let overdue_after = killed.elapsed();

    let returned = std::time::Instant::now();
    let _back = ExecutorProcess::launch(&url, "alerting-back", &[], beating);
    let resolved = |received: &[ReceivedAlert]| {
        ["executors.none", "schedule.overdue"].iter().all(|event| {
            received
                .iter()
                .any(|r| r.body["event"] == *event && r.body["state"] == "resolved")
        })
    };
    sink.wait_for(Duration::from_secs(30), resolved).await;
    let resolved_after = returned.elapsed();
    // A few more watcher passes: nothing opens or resolves twice.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = sink.received();
    for event in ["executors.none", "schedule.overdue"] {
        for state in ["open", "resolved"] {
            let count = received
                .iter()
                .filter(|r| r.body["event"] == event && r.body["state"] == state)
                .count();
            assert_eq!(count, 1, "{event} {state} arrived {count} times");
        }
        let ids: std::collections::HashSet<_> = received
            .iter()
            .filter(|r| r.body["event"] == event)
            .map(|r| r.body["incident_id"].clone())
            .collect();
        assert_eq!(ids.len(), 1, "{event}: open and resolved name one incident");
    }
    let (_, incidents) = server
        .call(Method::GET, "/api/v1/incidents?state=open", None)
        .await;
    assert_eq!(
        incidents["items"].as_array().map(Vec::len),
        Some(0),
        "{incidents}"
    );
    println!(
        "chaos: every executor killed: executors.none alerted after {:.1} s (grace 3 s), \
         schedule.overdue after {:.1} s (threshold 2 s), both resolved {:.1} s after an executor returned, \
         duplicates 0",
        none_after.as_secs_f64(),
        overdue_after.as_secs_f64(),
        resolved_after.as_secs_f64()
    );
}

/// A creation whose target's name server never answers waits up to 2 s for the lookup; it
/// must not hold a database connection meanwhile, or a few such requests starve every
/// other request of the pool (found in review of issue 21's one-statement creation).
#[sqlx::test(migrations = "../migrations")]
async fn a_creation_waiting_for_dns_holds_no_database_connection(pool: PgPool) {
    use scheduleman::schedule::ScheduleInput;
    use scheduleman::ssrf::resolve::DnsServers;
    use scheduleman::ssrf::TargetGuard;
    use scheduleman::validate::{ScheduleRequest, TargetRequest};

    let one_connection = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let dns = silent_dns().await;
    let targets = TargetGuard::new(
        "127.0.0.0/8".parse().unwrap(),
        &DnsServers::These(vec![dns]),
    )
    .unwrap();
    let request = ScheduleRequest {
        name: "slow dns".into(),
        schedule: ScheduleInput {
            every: Some("1h".into()),
            ..Default::default()
        },
        target: TargetRequest {
            url: "http://slow.chaos.test/ok".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let creating = {
        let (pool, targets, request) = (one_connection.clone(), targets.clone(), request.clone());
        tokio::spawn(async move {
            commands::schedules::create(&pool, &targets, &Actor::local(), &request).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let read = tokio::time::timeout(
        Duration::from_secs(1),
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&one_connection),
    )
    .await;
    assert!(
        matches!(read, Ok(Ok(1))),
        "the pool's only connection is free while the lookup waits: {read:?}"
    );
    let created = creating.await.unwrap();
    assert!(
        matches!(&created, Err(commands::CommandError::Invalid(_))),
        "an unresolvable target is refused: {created:?}"
    );
}
