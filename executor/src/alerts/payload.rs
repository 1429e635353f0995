//! What an alert says: the JSON payload (our contract with receivers), and the text the
//! Slack-compatible and email formats are written from it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::{AlertPayload, DeliveryKind, IncidentView, PayloadSchedule};

/// The payload of incident `incident`'s `kind` alert; `subject` is its schedule's id (nil for
/// the whole system), `public_url` where the UI is reached.
pub fn for_incident(
    incident: &IncidentView,
    subject: Uuid,
    kind: DeliveryKind,
    public_url: &str,
) -> AlertPayload {
    let at = match kind {
        DeliveryKind::Resolved => incident.resolved_at.unwrap_or(incident.opened_at),
        _ => incident.opened_at,
    };
    let reason = match (kind, &incident.resolution) {
        (DeliveryKind::Resolved, Some(resolution)) => {
            format!("resolved: {resolution} (was: {})", incident.reason)
        }
        _ => incident.reason.clone(),
    };
    AlertPayload {
        event: incident.event.as_str().to_owned(),
        state: kind_name(kind).to_owned(),
        incident_id: Some(incident.id),
        at,
        schedule: (!subject.is_nil()).then(|| PayloadSchedule {
            id: subject,
            name: incident.schedule_name.clone().unwrap_or_default(),
            url: format!("{}/schedules/{subject}", public_url.trim_end_matches('/')),
        }),
        reason,
        details: incident.details.clone(),
    }
}

/// A test alert for channel `channel`.
pub fn test(channel: &str, at: DateTime<Utc>) -> AlertPayload {
    AlertPayload {
        event: "test".into(),
        state: "test".into(),
        incident_id: None,
        at,
        schedule: None,
        reason: format!("a test alert for the channel {channel:?}: it works"),
        details: serde_json::json!({}),
    }
}

fn kind_name(kind: DeliveryKind) -> &'static str {
    kind.into()
}

/// A one-line summary ("OPEN schedule.dead: billing") and the text of an alert.
pub fn text(payload: &AlertPayload) -> (String, String) {
    let state = payload.state.to_uppercase();
    let subject = match &payload.schedule {
        Some(schedule) => format!("[Scheduleman] {state} {}: {}", payload.event, schedule.name),
        None => format!("[Scheduleman] {state} {}", payload.event),
    };
    let mut body = format!("{}\n\n{}\n", subject, payload.reason);
    if let Some(schedule) = &payload.schedule {
        body.push_str(&format!(
            "\nSchedule: {} ({})\n{}\n",
            schedule.name, schedule.id, schedule.url
        ));
    }
    body.push_str(&format!("\nAt: {}\n", payload.at.to_rfc3339()));
    if let Some(id) = payload.incident_id {
        body.push_str(&format!("Incident: {id}\n"));
    }
    if payload.details.as_object().is_some_and(|d| !d.is_empty()) {
        body.push_str(&format!("Details: {}\n", payload.details));
    }
    (subject, body)
}

/// The Slack-compatible message: `{"text": …}`, the link in Slack's `<url|label>` form.
pub fn slack(payload: &AlertPayload) -> serde_json::Value {
    let mark = match payload.state.as_str() {
        "open" => ":red_circle:",
        "resolved" => ":white_check_mark:",
        _ => ":information_source:",
    };
    let mut text = format!("{mark} *{}* {}", payload.state, payload.event);
    if let Some(schedule) = &payload.schedule {
        text.push_str(&format!(
            " — <{}|{}>",
            schedule.url,
            escape_slack(&schedule.name)
        ));
    }
    text.push_str(&format!("\n{}", escape_slack(&payload.reason)));
    serde_json::json!({ "text": text })
}

/// Slack's three control characters, escaped as its formatting asks.
fn escape_slack(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AlertEvent;

    fn incident() -> IncidentView {
        IncidentView {
            id: Uuid::nil(),
            event: AlertEvent::ScheduleDead,
            schedule_id: Some(Uuid::from_u128(7)),
            schedule_name: Some("billing <eu>".into()),
            reason: "HTTP 500".into(),
            details: serde_json::json!({"attempts": 5}),
            opened_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            resolved_at: DateTime::from_timestamp(1_800_000_600, 0),
            resolution: Some("the schedule is active again".into()),
        }
    }

    #[test]
    fn the_payload_keeps_the_contract_and_links_the_schedule() {
        let subject = Uuid::from_u128(7);
        let open = for_incident(
            &incident(),
            subject,
            DeliveryKind::Open,
            "https://sched.example/",
        );
        let json = serde_json::to_value(&open).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "at",
                "details",
                "event",
                "incident_id",
                "reason",
                "schedule",
                "state"
            ]
        );
        assert_eq!(json["event"], "schedule.dead");
        assert_eq!(json["state"], "open");
        assert_eq!(
            json["schedule"]["url"],
            format!("https://sched.example/schedules/{subject}")
        );
        assert_eq!(json["at"], "2027-01-15T08:00:00Z");
        let resolved = for_incident(&incident(), subject, DeliveryKind::Resolved, "http://x");
        assert_eq!(resolved.state, "resolved");
        assert_eq!(resolved.at, incident().resolved_at.unwrap());
        assert!(
            resolved.reason.contains("the schedule is active again"),
            "{}",
            resolved.reason
        );
        let system = for_incident(&incident(), Uuid::nil(), DeliveryKind::Open, "http://x");
        assert!(system.schedule.is_none());
    }

    #[test]
    fn slack_text_escapes_and_links() {
        let payload = for_incident(
            &incident(),
            Uuid::from_u128(7),
            DeliveryKind::Open,
            "http://x",
        );
        let text = slack(&payload)["text"].as_str().unwrap().to_owned();
        assert!(text.contains("billing &lt;eu&gt;"), "{text}");
        assert!(text.contains("<http://x/schedules/"), "{text}");
        let (subject, body) = super::text(&payload);
        assert_eq!(subject, "[Scheduleman] OPEN schedule.dead: billing <eu>");
        assert!(
            body.contains("HTTP 500") && body.contains("http://x/schedules/"),
            "{body}"
        );
    }
}
