//! The `audit_log` table: every change, written in the transaction that made it, read back
//! filtered and paged, and pruned after the retention period.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::access::{Actor, ActorKind};
use crate::model::AuditEntryView;

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// What was done (`schedule.create`, `key.revoke`, …).
    pub action: &'a str,
    /// What it was done to: `schedule`, `key`, `channel`, or none (a sign-in).
    pub subject_kind: Option<&'a str>,
    /// Its id.
    pub subject_id: Option<Uuid>,
    /// Field by field, before and after (already redacted).
    pub changes: serde_json::Value,
}

/// Records `changes`, all by `actor` and tied by `batch_id` when one action made several (an
/// import, a bulk action), in the caller's transaction.
pub async fn record(
    tx: &mut PgConnection,
    actor: &Actor,
    batch_id: Option<Uuid>,
    changes: &[Change<'_>],
) -> Result<(), sqlx::Error> {
    if changes.is_empty() {
        return Ok(());
    }
    let actions: Vec<&str> = changes.iter().map(|c| c.action).collect();
    let kinds: Vec<Option<&str>> = changes.iter().map(|c| c.subject_kind).collect();
    let ids: Vec<Option<Uuid>> = changes.iter().map(|c| c.subject_id).collect();
    let details: Vec<String> = changes.iter().map(|c| c.changes.to_string()).collect();
    let actor_kind: &str = actor.kind.into();
    sqlx::query!(
        r#"
        INSERT INTO audit_log (actor_kind, actor_id, actor_name, action, subject_kind, subject_id,
                               changes, batch_id)
        SELECT $1, $2, $3, t.action, t.kind, t.id, t.changes::jsonb, $4
        FROM unnest($5::text[], $6::text[], $7::uuid[], $8::text[]) AS t(action, kind, id, changes)
        "#,
        actor_kind,
        actor.key_id,
        actor.name,
        batch_id,
        &actions as &[&str],
        &kinds as &[Option<&str>],
        &ids as &[Option<Uuid>],
        &details,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records a failed sign-in (nobody to name; no transaction of its own to join).
pub async fn record_failed_sign_in(pool: &PgPool, client: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO audit_log (actor_kind, actor_name, action, changes)
        VALUES ('anonymous', $1, 'session.sign_in_failed', '{}'::jsonb)
        "#,
        client
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Which entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only about this subject (a schedule, a key, a channel).
    pub subject_id: Option<Uuid>,
    /// Only by this actor (its name, or a key's id as text).
    pub actor: Option<String>,
    /// Only this action, or actions starting with it (`schedule.` for every schedule change).
    pub action: Option<String>,
    /// Only at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// Up to `limit` entries, newest first, older than the entry `before`.
pub async fn list(
    pool: &PgPool,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntryView>, sqlx::Error> {
    let action_prefix = filter.action.as_ref().map(|a| {
        format!("{}%", a.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
    });
    sqlx::query_as!(
        AuditEntryView,
        r#"
        SELECT id, at, actor_kind AS "actor_kind: ActorKind", actor_id, actor_name AS actor,
               action, subject_kind, subject_id,
               CASE WHEN subject_kind = 'schedule' THEN subject_id END AS schedule_id,
               changes AS "changes!: serde_json::Value", batch_id
        FROM audit_log
        WHERE ($1::uuid IS NULL OR subject_id = $1)
          AND ($2::text IS NULL OR actor_name = $2 OR actor_id::text = $2)
          AND ($3::text IS NULL OR action LIKE $3)
          AND ($4::timestamptz IS NULL OR at >= $4)
          AND ($5::timestamptz IS NULL OR at < $5)
          AND ($6::bigint IS NULL OR id < $6)
        ORDER BY id DESC
        LIMIT $7
        "#,
        filter.subject_id,
        filter.actor,
        action_prefix,
        filter.since,
        filter.until,
        before,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// Deletes entries older than `before`, at most `batch` at a time; how many went.
pub async fn prune(pool: &PgPool, before: DateTime<Utc>, batch: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"
        DELETE FROM audit_log WHERE id IN (
            SELECT id FROM audit_log WHERE at < $1 ORDER BY id LIMIT $2
        )
        "#,
        before,
        batch
    )
    .execute(pool)
    .await?
    .rows_affected())
}
