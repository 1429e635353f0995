//! The audit log as commands write it: every change recorded in the transaction that makes
//! it, with who made it and what changed field by field (secrets and header values
//! redacted), and read back for admins.

use std::collections::BTreeMap;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::CommandError;
use crate::access::{Actor, Role};
use crate::model::AuditEntryView;
use crate::page::Page;
use crate::store::audit::{self, AuditFilter, Change};
use crate::validate::ScheduleRequest;

pub use crate::store::audit::AuditFilter as Filter;

/// What stands in for a redacted value.
const REDACTED: &str = crate::model::Target::REDACTED;

/// One change to record.
pub(super) fn change<'a>(
    action: &'a str,
    subject_kind: Option<&'a str>,
    subject_id: Option<Uuid>,
    changes: serde_json::Value,
) -> Change<'a> {
    Change {
        action,
        subject_kind,
        subject_id,
        changes,
    }
}

/// Records `changes` by `actor` in the caller's transaction.
pub(super) async fn record(
    tx: &mut PgConnection,
    actor: &Actor,
    batch_id: Option<Uuid>,
    changes: &[Change<'_>],
) -> Result<(), CommandError> {
    Ok(audit::record(tx, actor, batch_id, changes).await?)
}

/// A schedule's fields that differ between `before` and `after` (absent for a creation or a
/// deletion), as `{"field": {"before": …, "after": …}}`: header values and the body are
/// redacted (a header's name and a body's presence still show).
pub(super) fn schedule_changes(
    before: Option<&ScheduleRequest>,
    after: Option<&ScheduleRequest>,
) -> serde_json::Value {
    let (before, after) = (fields(before), fields(after));
    let mut changes = serde_json::Map::new();
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names {
        let (old, new) = (before.get(name), after.get(name));
        if old == new {
            continue;
        }
        // Compared as they are, shown redacted: a changed secret shows as changed.
        let shown = |value: &serde_json::Value| {
            if is_secret(name) {
                serde_json::Value::from(REDACTED)
            } else {
                value.clone()
            }
        };
        let mut entry = serde_json::Map::new();
        if let Some(old) = old {
            entry.insert("before".into(), shown(old));
        }
        if let Some(new) = new {
            entry.insert("after".into(), shown(new));
        }
        changes.insert(name.clone(), entry.into());
    }
    changes.into()
}

/// A request's fields as dotted paths.
fn fields(request: Option<&ScheduleRequest>) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    if let Some(request) = request {
        if let Ok(value) = serde_json::to_value(request) {
            flatten("", &value, &mut out);
        }
    }
    out
}

fn flatten(path: &str, value: &serde_json::Value, out: &mut BTreeMap<String, serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        serde_json::Value::Null => {}
        other => {
            out.insert(path.to_owned(), other.clone());
        }
    }
}

/// Whether a field's value is never shown: header values (credentials live there) and the
/// body.
fn is_secret(path: &str) -> bool {
    path.starts_with("target.headers.") || path == "target.body"
}

/// Records that `actor` signed in to the UI.
pub async fn signed_in(pool: &PgPool, actor: &Actor) -> Result<(), CommandError> {
    let mut conn = pool.acquire().await?;
    record(
        &mut conn,
        actor,
        None,
        &[change("session.sign_in", None, None, serde_json::json!({}))],
    )
    .await
}

/// Records a failed sign-in from `client` (its address, or "unknown").
pub async fn sign_in_failed(pool: &PgPool, client: &str) -> Result<(), CommandError> {
    Ok(audit::record_failed_sign_in(pool, client).await?)
}

/// Most entries one page of the audit log holds.
pub const MAX_AUDIT_PAGE: usize = 500;

/// A page of the audit log, newest first, older than the entry `before` (admin only).
pub async fn entries(
    pool: &PgPool,
    actor: &Actor,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: usize,
) -> Result<Page<AuditEntryView, i64>, CommandError> {
    actor.require(Role::Admin)?;
    let limit = limit.clamp(1, MAX_AUDIT_PAGE);
    let rows = audit::list(pool, filter, before, limit as i64 + 1).await?;
    Ok(Page::from_rows(rows, limit, |entry| entry.id))
}

/// A page of one schedule's changes, newest first (anyone who may read the schedule: who
/// paused it, who changed its URL).
pub async fn for_schedule(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    before: Option<i64>,
    limit: usize,
) -> Result<Page<AuditEntryView, i64>, CommandError> {
    actor.require(Role::Read)?;
    let limit = limit.clamp(1, MAX_AUDIT_PAGE);
    let filter = AuditFilter {
        subject_id: Some(id),
        ..AuditFilter::default()
    };
    let rows = audit::list(pool, &filter, before, limit as i64 + 1).await?;
    Ok(Page::from_rows(rows, limit, |entry| entry.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::TargetRequest;

    #[test]
    fn changes_name_each_field_and_never_show_header_values_or_bodies() {
        let before = ScheduleRequest {
            name: "nightly".into(),
            target: TargetRequest {
                url: "https://h.example/a".into(),
                headers: [("Authorization".to_owned(), "Bearer s3cr3t".to_owned())].into(),
                body: Some("token=t0k3n".into()),
                ..TargetRequest::default()
            },
            max_attempts: Some(3),
            ..ScheduleRequest::default()
        };
        let mut after = before.clone();
        after.name = "nightly report".into();
        after
            .target
            .headers
            .insert("Authorization".into(), "Bearer n3w".into());
        after.max_attempts = Some(5);
        let changes = schedule_changes(Some(&before), Some(&after));
        assert_eq!(changes["name"]["before"], "nightly");
        assert_eq!(changes["name"]["after"], "nightly report");
        assert_eq!(changes["max_attempts"]["after"], 5);
        assert!(
            changes.get("target.url").is_none(),
            "unchanged fields are left out"
        );
        assert_eq!(
            changes["target.headers.Authorization"]["after"], REDACTED,
            "changed, not shown"
        );
        let text = changes.to_string();
        for secret in ["s3cr3t", "n3w", "t0k3n"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let created = schedule_changes(None, Some(&before));
        assert_eq!(created["target.body"]["after"], REDACTED);
        assert!(created["name"].get("before").is_none());
    }
}
