//! The read scenarios of `http_load`: the timeline under dense schedules, the time controls
//! with backfills and schedules as code, and every page at 10,000 schedules; each reads with
//! many clients at once and prints latency percentiles.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scheduleman::dev::bench;

use super::Args;

/// `--dense N` every-second schedules, then `--clients` clients reading `/timeline` in a loop
/// for `--seconds`.
pub async fn timeline_scenario(
    pool: &sqlx::PgPool,
    client: &reqwest::Client,
    base: &str,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    sqlx::query(
        "WITH d AS (INSERT INTO schedules (name, spec, target_url) \
                    SELECT 'tick ' || n, \
                           '{\"kind\": \"cron\", \"cron\": \"* * * * * *\", \"tz\": \"UTC\"}', \
                           'https://hooks.example/' || n \
                    FROM generate_series(1, $1) AS n RETURNING id, name) \
         INSERT INTO schedule_runtime (id, sort_name, next_run_at) \
         SELECT id, name, now() + interval '1 second' FROM d",
    )
    .bind(args.dense)
    .execute(pool)
    .await?;
    let started = Instant::now();
    let mut latencies = read_loop(
        client,
        &format!("{base}/timeline"),
        args.clients,
        args.seconds,
    )
    .await?;
    println!(
        "GET /timeline with {} every-second schedules, {} clients, {:.1} s: {} pages, {}",
        args.dense,
        args.clients,
        started.elapsed().as_secs_f64(),
        latencies.len(),
        percentiles(&mut latencies)
    );
    Ok(())
}

/// `clients` clients each reading `url` in a loop for `seconds`: the latency of every
/// successful answer.
async fn read_loop(
    client: &reqwest::Client,
    url: &str,
    clients: usize,
    seconds: u64,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let url = url.to_owned();
    call_loop(client, move |client| client.get(&url), clients, seconds).await
}

/// `clients` clients each sending the request `request` builds in a loop for `seconds`: the
/// latency of every successful answer.
async fn call_loop(
    client: &reqwest::Client,
    request: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Clone + Send + 'static,
    clients: usize,
    seconds: u64,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, request, stop) = (client.clone(), request.clone(), stop.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let ok = match request(&client).send().await {
                        Ok(response) if response.status().is_success() => {
                            response.bytes().await.is_ok()
                        }
                        _ => false,
                    };
                    if ok {
                        latencies.push(sent.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for reader in readers {
        latencies.append(&mut reader.await?);
    }
    Ok(latencies)
}

/// `--time-control N`: N schedules with a window, a run limit, jitter and a DST policy (half
/// of them paused until tomorrow with a note), one with 20 backfills of 1,000 fires each;
/// then `--clients` clients reading, in turn, the preview with a DST policy, the list, the
/// backfilled schedule's page and its backfills.
pub async fn time_control_scenario(
    client: &reqwest::Client,
    base: &str,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    let now = chrono::Utc::now();
    let mut subject = String::new();
    for n in 0..args.time_control {
        let body = serde_json::json!({
            "name": format!("controlled {n:04}"),
            "schedule": {"cron": "30 1,2 * * *", "tz": "America/New_York"},
            "starts_at": now.to_rfc3339(),
            "ends_at": (now + chrono::TimeDelta::days(365)).to_rfc3339(),
            "max_fires": 100, "jitter": "30s", "dst_gap": "skip", "dst_overlap": "twice",
            "target": {"url": args.target},
        });
        let created: serde_json::Value = client
            .post(format!("{base}/api/v1/schedules"))
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        let id = created["id"]
            .as_str()
            .ok_or("a schedule was not created")?
            .to_owned();
        if n % 2 == 0 {
            let pause = serde_json::json!({
                "until": (now + chrono::TimeDelta::days(1)).to_rfc3339(), "note": "load test"
            });
            client
                .post(format!("{base}/api/v1/schedules/{id}/pause"))
                .json(&pause)
                .send()
                .await?
                .error_for_status()?;
        }
        subject = id;
    }
    let minutely: serde_json::Value = client
        .post(format!("{base}/api/v1/schedules"))
        .json(&serde_json::json!({
            "name": "backfilled", "schedule": {"cron": "* * * * *"}, "paused": true,
            "target": {"url": args.target},
        }))
        .send()
        .await?
        .json()
        .await?;
    let backfilled = minutely["id"]
        .as_str()
        .ok_or("no backfilled schedule")?
        .to_owned();
    for k in 0..20 {
        let to = now - chrono::TimeDelta::minutes(1000 * k + 1);
        let range = serde_json::json!({
            "from": (to - chrono::TimeDelta::minutes(999)).to_rfc3339(),
            "to": to.to_rfc3339(), "pace": "1h",
        });
        client
            .post(format!("{base}/api/v1/schedules/{backfilled}/backfill"))
            .json(&range)
            .send()
            .await?
            .error_for_status()?;
    }
    // Schedules as code: a 1,000-schedule document planned, applied, planned again (nothing
    // to do) and exported, one client.
    let document: Vec<serde_json::Value> = (0..1000)
        .map(|n| {
            serde_json::json!({
                "name": format!("as code {n:04}"),
                "schedule": {"cron": format!("{} * * * *", n % 60)},
                "target": {"url": args.target},
                "labels": {"team": format!("team{}", n % 10), "env": "prod"},
            })
        })
        .collect();
    let mut request = serde_json::json!({"source": "bench", "schedules": document});
    for (step, dry_run) in [
        ("plan (1,000 to create)", true),
        ("apply", false),
        ("plan again (1,000 unchanged)", true),
    ] {
        request["dry_run"] = serde_json::json!(dry_run);
        let started = Instant::now();
        let answer: serde_json::Value = client
            .post(format!("{base}/api/v1/schedules:apply"))
            .json(&request)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        println!(
            "POST /api/v1/schedules:apply, {step}: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        request["digest"] = answer["digest"].clone();
    }
    for path in [
        "/api/v1/schedules:export?selector=env%3Dprod",
        "/api/v1/schedules:export?selector=team%3Dteam3&format=yaml",
        "/?selector=team%3Dteam3",
    ] {
        let mut latencies =
            read_loop(client, &format!("{base}{path}"), args.clients, args.seconds).await?;
        println!(
            "GET {path}, {} clients: {} answers, {}",
            args.clients,
            latencies.len(),
            percentiles(&mut latencies)
        );
    }
    let preview = "/api/v1/preview?cron=30+1,2+*+*+*&tz=America/New_York&dst_gap=skip\
                   &dst_overlap=twice&jitter=30s&count=20";
    for path in [
        preview.to_owned(),
        "/".to_owned(),
        format!("/schedules/{subject}"),
        format!("/schedules/{backfilled}"),
        format!("/api/v1/schedules/{backfilled}/backfills"),
    ] {
        let mut latencies =
            read_loop(client, &format!("{base}{path}"), args.clients, args.seconds).await?;
        println!(
            "GET {path} ({} controlled schedules, 20 backfills of 1,000 fires), {} clients: {} answers, {}",
            args.time_control,
            args.clients,
            latencies.len(),
            percentiles(&mut latencies)
        );
    }
    Ok(())
}

/// `--pages N`: N schedules (a tenth dense every-second crons, a tenth failing, a
/// twentieth dead, a twentieth paused, all labelled, a little history), then every page read
/// for `--seconds` by one client and again by `--clients` clients: p50/p99 per page, and
/// the slowest page's p99 under load against the cheapest's.
pub async fn pages_scenario(
    pool: &sqlx::PgPool,
    postmaster: u32,
    client: &reqwest::Client,
    base: &str,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    sqlx::query(
        "WITH src AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1) AS n), \
         d AS (INSERT INTO schedules (id, name, spec, target_url, labels) \
               SELECT id, 'page ' || lpad(n::text, 6, '0'), \
                      CASE WHEN n % 10 = 0 THEN '{\"kind\": \"cron\", \"cron\": \"* * * * * *\", \"tz\": \"UTC\"}' \
                           ELSE '{\"kind\": \"cron\", \"cron\": \"' || (n % 60) || ' * * * *\", \"tz\": \"Europe/Berlin\"}' END::jsonb, \
                      'https://hooks.example/' || n, \
                      jsonb_build_object('team', 'team' || (n % 10), 'env', CASE WHEN n % 2 = 0 THEN 'prod' ELSE 'dev' END) \
               FROM src) \
         INSERT INTO schedule_runtime (id, sort_name, state, next_run_at, last_outcome, last_error, dead_at) \
         SELECT id, 'page ' || lpad(n::text, 6, '0'), \
                CASE WHEN n % 20 = 3 THEN 'dead' WHEN n % 20 = 7 THEN 'paused' ELSE 'active' END, \
                now() + (n % 3600) * interval '1 second', \
                CASE WHEN n % 10 = 1 OR n % 20 = 3 THEN 'failure' WHEN n % 2 = 0 THEN 'success' END, \
                CASE WHEN n % 10 = 1 OR n % 20 = 3 THEN 'HTTP 500 Internal Server Error: upstream down' END, \
                CASE WHEN n % 20 = 3 THEN now() - (n % 1000) * interval '1 second' END \
         FROM src",
    )
    .bind(args.pages)
    .execute(pool)
    .await?;
    let (id,): (uuid::Uuid,) =
        sqlx::query_as("SELECT id FROM schedules WHERE name = 'page 000011'")
            .fetch_one(pool)
            .await?;
    sqlx::query(
        "INSERT INTO executions (schedule_id, execution_id, scheduled_for, attempt, executor_id, \
                                 started_at, finished_at, outcome, http_status, latency_ms, error) \
         SELECT $1, gen_random_uuid(), now() - n * interval '1 minute', 1, 'bench', \
                now() - n * interval '1 minute' + interval '5 ms', \
                now() - n * interval '1 minute' + interval '50 ms', \
                CASE WHEN n % 3 = 0 THEN 'failure' ELSE 'success' END, \
                CASE WHEN n % 3 = 0 THEN 500 ELSE 200 END, 45, \
                CASE WHEN n % 3 = 0 THEN 'HTTP 500' END \
         FROM generate_series(1, 500) AS n",
    )
    .bind(id)
    .execute(pool)
    .await?;
    // As autovacuum would within a minute of the load: the planner's statistics of a table
    // that holds 10,000 rows, not of the empty one the migrations made.
    sqlx::query("ANALYZE schedules, executions")
        .execute(pool)
        .await?;
    let pages = [
        "/".to_owned(),
        "/?state=failing".to_owned(),
        "/?state=dead".to_owned(),
        "/?search=page%2000012".to_owned(),
        "/?selector=team%3Dteam3,env%3Dprod".to_owned(),
        format!("/schedules/{id}"),
        format!("/schedules/{id}/edit"),
        "/schedules/new".to_owned(),
        "/timeline".to_owned(),
        "/dead-letters".to_owned(),
        "/executors".to_owned(),
        "/import".to_owned(),
        "/alerts".to_owned(),
        "/keys".to_owned(),
        "/audit".to_owned(),
    ];
    println!(
        "| page ({} schedules) | 1 client p50 | p99 | {} clients p50 | p99 | CPU per read: this process | PostgreSQL |",
        args.pages, args.clients
    );
    println!("|---|---|---|---|---|---|---|");
    let mut loaded_p99 = Vec::new();
    for page in &pages {
        let url = format!("{base}{page}");
        let mut alone = read_loop(client, &url, 1, args.seconds).await?;
        // Where a read's time goes under load: this process (the server and its clients) and
        // PostgreSQL, in CPU per answered read.
        let (own_before, pg_before) = (
            bench::cpu_seconds("self", false),
            bench::postgres_cpu_seconds(postmaster),
        );
        let mut crowd = read_loop(client, &url, args.clients, args.seconds).await?;
        let reads = crowd.len().max(1) as f64;
        let own = (bench::cpu_seconds("self", false) - own_before) / reads * 1e6;
        let pg = (bench::postgres_cpu_seconds(postmaster) - pg_before) / reads * 1e6;
        let (a50, a99) = (quantile(&mut alone, 0.5), quantile(&mut alone, 0.99));
        let (c50, c99) = (quantile(&mut crowd, 0.5), quantile(&mut crowd, 0.99));
        println!(
            "| `{page}` | {a50:.1} ms | {a99:.1} ms | {c50:.1} ms | {c99:.1} ms | {own:.0} µs | {pg:.0} µs |"
        );
        if args.statements {
            bench::print_statements(pool).await?;
            sqlx::query("SELECT pg_stat_statements_reset()")
                .execute(pool)
                .await?;
        }
        loaded_p99.push(c99);
    }
    let (cheapest, dearest) = loaded_p99
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    println!(
        "slowest page's p99 under {} clients is {:.1}× the cheapest's",
        args.clients,
        dearest / cheapest.max(0.001)
    );
    form_typing(client, base, args).await?;
    page_refresh(client, base, id, args).await
}

/// What one schedule's page asks every 3 s while it is open (its summary, punctuality,
/// history and changes, each rendered by its server function: `app::server_html`), each by
/// one client and by `--clients`.
async fn page_refresh(
    client: &reqwest::Client,
    base: &str,
    id: uuid::Uuid,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    use app::server_fns::access::ScheduleChangesPart;
    use app::server_fns::executions::{HistoryPart, PunctualityPart};
    use app::server_fns::schedules::GetSchedule;
    use leptos::server_fn::ServerFn;
    let calls = [
        (GetSchedule::PATH, format!("id={id}")),
        (PunctualityPart::PATH, format!("schedule_id={id}")),
        (HistoryPart::PATH, format!("schedule_id={id}")),
        (ScheduleChangesPart::PATH, format!("id={id}")),
    ];
    for (path, body) in calls {
        let url = format!("{base}{path}");
        let request = move |client: &reqwest::Client| {
            client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
        };
        let status = request(client).send().await?.status();
        if !status.is_success() {
            return Err(format!("POST {path} answered {status}").into());
        }
        let mut alone = call_loop(client, request.clone(), 1, args.seconds).await?;
        let mut crowd = call_loop(client, request, args.clients, args.seconds).await?;
        println!(
            "one schedule's page refreshing (POST {path}): 1 client {}; {} clients {}",
            percentiles(&mut alone),
            args.clients,
            percentiles(&mut crowd)
        );
    }
    Ok(())
}

/// What the form asks of the server as a person types: its timing read
/// (`app::server_fns::timing::read_timing`; a cron in Berlin with a window and a DST policy,
/// the heaviest draft), by one client and by `--clients`.
async fn form_typing(
    client: &reqwest::Client,
    base: &str,
    args: &Args,
) -> Result<(), Box<dyn std::error::Error>> {
    use app::server_fns::timing::ReadTiming;
    use app::timing_draft::TimingDraft;
    use leptos::server_fn::ServerFn;
    use scheduleman::schedule::{DstGap, DstOverlap};
    let draft = TimingDraft {
        cron: "30 2 * * 1-5".into(),
        tz: "Europe/Berlin".into(),
        window_zone: "Europe/Berlin".into(),
        ends_local: "2099-06-30T09:00".into(),
        dst_gap: Some(DstGap::Skip),
        dst_overlap: Some(DstOverlap::Twice),
        ..TimingDraft::new_schedule("", chrono::Utc::now())
    };
    let body = postcard::to_allocvec(&ReadTiming { draft })?;
    let url = format!("{base}{}", ReadTiming::PATH);
    let request = move |client: &reqwest::Client| {
        client
            .post(&url)
            .header("content-type", "application/x-postcard")
            .header("accept", "application/x-postcard")
            .body(body.clone())
    };
    let mut alone = call_loop(client, request.clone(), 1, args.seconds).await?;
    let mut crowd = call_loop(client, request, args.clients, args.seconds).await?;
    println!(
        "the form's timing read as one types (POST {}): 1 client {}; {} clients {}",
        ReadTiming::PATH,
        percentiles(&mut alone),
        args.clients,
        percentiles(&mut crowd)
    );
    Ok(())
}

/// The `q` quantile of `latencies` in milliseconds (0 when there are none).
fn quantile(latencies: &mut [Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort();
    latencies[((latencies.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

/// "p50 … ms, p99 … ms, max … ms".
pub fn percentiles(latencies: &mut [Duration]) -> String {
    if latencies.is_empty() {
        return "no answers".into();
    }
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        quantile(latencies, 0.5),
        quantile(latencies, 0.99),
        quantile(latencies, 1.0)
    )
}
