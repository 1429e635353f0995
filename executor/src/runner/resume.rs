//! Ends pauses on time: about every second each executor makes active again the schedules
//! whose `paused_until` has come (a fire missed meanwhile is handled by the misfire rule).
//! Several executors may look at once; each schedule is resumed by one of them.

use std::time::Duration;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::access::Actor;
use crate::decision::resumed_next_run;
use crate::store::audit::{self, Change};
use crate::store::resume;

/// How often, on average, ended pauses are looked for.
const EVERY: Duration = Duration::from_secs(1);
/// Schedules resumed per transaction.
const BATCH: i64 = 100;

/// Resumes until `shutdown`.
pub async fn run(pool: PgPool, executor_id: String, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY.mul_f64(0.5 + fastrand::f64())) => {}
        }
        match resume_ended(&pool, &executor_id).await {
            Ok(0) => {}
            Ok(resumed) => tracing::info!(resumed, "resumed schedules whose pause ended"),
            Err(error) => tracing::warn!(%error, "looking for ended pauses failed"),
        }
    }
}

/// Resumes the schedules whose pause has ended (up to a batch), each recorded in the audit
/// log as done by executor `executor_id`; how many.
pub async fn resume_ended(pool: &PgPool, executor_id: &str) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let ended = resume::ended(&mut tx, BATCH).await?;
    for pause in &ended {
        let schedule = pause
            .timing
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|timing| {
                timing
                    .spec
                    .compile_with(&timing.options)
                    .map_err(|error| error.to_string())
            });
        match schedule {
            Ok(schedule) => {
                let next = resumed_next_run(&schedule, pause.misfire, pause.paused_at, pause.now);
                resume::resume(&mut tx, pause.id, next).await?;
                let changes = serde_json::json!({
                    "state": {"before": "paused", "after": if next.is_some() { "active" } else { "completed" }},
                    "why": {"after": "the pause ended"},
                });
                let change = Change {
                    action: "schedule.resume",
                    subject_kind: Some("schedule"),
                    subject_id: Some(pause.id),
                    changes,
                };
                let actor = Actor::system(&format!("executor {executor_id}"));
                audit::record(&mut tx, &actor, None, &[change]).await?;
            }
            Err(why) => {
                tracing::warn!(schedule_id = %pause.id, %why, "a pause ended on a schedule that cannot be read");
                resume::keep_paused(&mut tx, pause.id, &why).await?;
            }
        }
    }
    if !ended.is_empty() {
        resume::announce(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(ended.len())
}
