//! The watcher: every few seconds (jittered, so servers do not move in step) one pass opens
//! the incidents whose event started, resolves those whose event ended, and queues their
//! alerts, all in one transaction. Several servers may watch at once: an incident opens once
//! (a unique index) and resolves once (an update that only one of them sees succeed).

use std::time::Duration;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::payload;
use crate::model::{AlertEvent, DeliveryKind};
use crate::store::alerts::incidents::{self, Changed};
use crate::store::alerts::outbox;

/// What the watcher looks for, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchSettings {
    /// How often, on average, a pass runs.
    pub every: Duration,
    /// How long a fire may be due and not fired before `schedule.overdue` opens.
    pub overdue_after: Duration,
    /// How long no executor may beat, while schedules are active, before `executors.none`
    /// opens.
    pub executors_grace: Duration,
    /// Where people reach the UI, for the links in alerts.
    pub public_url: String,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pass {
    /// Incidents opened.
    pub opened: Vec<Changed>,
    /// Incidents resolved.
    pub resolved: Vec<Changed>,
}

/// Watches until `shutdown`.
pub async fn run(pool: PgPool, settings: WatchSettings, shutdown: CancellationToken) {
    loop {
        let pause = settings.every.mul_f64(0.5 + fastrand::f64());
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        match pass(&pool, &settings).await {
            Ok(pass) => {
                for changed in &pass.opened {
                    let incident = &changed.incident;
                    tracing::warn!(event = incident.event.as_str(), incident = %incident.id,
                        schedule = ?incident.schedule_name, reason = %incident.reason, "incident opened");
                }
                for changed in &pass.resolved {
                    let incident = &changed.incident;
                    tracing::info!(event = incident.event.as_str(), incident = %incident.id,
                        resolution = ?incident.resolution, "incident resolved");
                }
            }
            Err(error) => tracing::warn!(%error, "the alert watcher's pass failed"),
        }
    }
}

/// One pass: opens, resolves, and queues the alerts, in one transaction.
pub async fn pass(pool: &PgPool, settings: &WatchSettings) -> Result<Pass, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut opened = incidents::open_dead(&mut tx).await?;
    opened.extend(incidents::open_fire_dead(&mut tx).await?);
    opened.extend(incidents::open_failing(&mut tx).await?);
    let mut resolved = incidents::resolve_schedules(&mut tx).await?;

    let threshold = settings.overdue_after.as_secs_f64();
    let (overdue, oldest) = incidents::overdue(&mut tx, threshold).await?;
    if overdue > 0 {
        let reason = format!(
            "{overdue} fire(s) due more than {} s ago have not fired{}",
            threshold.round(),
            oldest.map_or_else(String::new, |at| format!(
                " (the oldest was due at {})",
                at.to_rfc3339()
            ))
        );
        let details = serde_json::json!({
            "overdue": overdue, "oldest_due": oldest, "threshold_s": threshold,
        });
        opened.extend(
            incidents::open_system(&mut tx, AlertEvent::ScheduleOverdue, &reason, &details).await?,
        );
    } else {
        resolved.extend(
            incidents::resolve_system(
                &mut tx,
                AlertEvent::ScheduleOverdue,
                "every due fire has fired",
            )
            .await?,
        );
    }

    let grace = settings.executors_grace.as_secs_f64();
    let (alive, active) = incidents::executors_alive(&mut tx, grace).await?;
    if !alive && active {
        let reason = format!(
            "no executor has sent a heartbeat in the last {} s while schedules are active: nothing fires",
            grace.round()
        );
        let details = serde_json::json!({ "grace_s": grace });
        opened.extend(
            incidents::open_system(&mut tx, AlertEvent::ExecutorsNone, &reason, &details).await?,
        );
    } else {
        let resolution = if alive {
            "an executor is beating again"
        } else {
            "no schedule is active"
        };
        resolved.extend(
            incidents::resolve_system(&mut tx, AlertEvent::ExecutorsNone, resolution).await?,
        );
    }

    let url = settings.public_url.as_str();
    let open_alerts: Vec<_> = opened
        .iter()
        .map(|changed| {
            let payload =
                payload::for_incident(&changed.incident, changed.subject, DeliveryKind::Open, url);
            (changed.incident.id, changed.subject, json(&payload))
        })
        .collect();
    let resolved_alerts: Vec<_> = resolved
        .iter()
        .map(|changed| {
            let payload = payload::for_incident(
                &changed.incident,
                changed.subject,
                DeliveryKind::Resolved,
                url,
            );
            (changed.incident.id, json(&payload))
        })
        .collect();
    outbox::queue_open(&mut tx, &open_alerts).await?;
    outbox::queue_resolved(&mut tx, &resolved_alerts).await?;
    tx.commit().await?;
    Ok(Pass { opened, resolved })
}

fn json(payload: &crate::model::AlertPayload) -> serde_json::Value {
    serde_json::to_value(payload).unwrap_or_default()
}
