//! The `api_keys` table: keys stored as their SHA-256 only, looked up by it on every request,
//! listed by name, revoked at once.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::access::Role;
use crate::model::ApiKeyView;

/// An active key found by its hash: who it is and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveKey {
    /// The key's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// Stores a new key (its hash only) in the caller's transaction.
pub async fn insert(
    tx: &mut PgConnection,
    name: &str,
    role: Role,
    prefix: &str,
    hash: &[u8],
    expires_at: Option<DateTime<Utc>>,
) -> Result<ApiKeyView, sqlx::Error> {
    sqlx::query_as!(
        ApiKeyView,
        r#"
        INSERT INTO api_keys (name, role, prefix, hash, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING id, name, role AS "role: Role", prefix, created_at, expires_at, last_used_at,
                  revoked_at
        "#,
        name,
        role.as_str(),
        prefix,
        hash,
        expires_at,
    )
    .fetch_one(&mut *tx)
    .await
}

/// Every key, newest first, revoked ones included (they say so).
pub async fn list(pool: &PgPool) -> Result<Vec<ApiKeyView>, sqlx::Error> {
    sqlx::query_as!(
        ApiKeyView,
        r#"
        SELECT id, name, role AS "role: Role", prefix, created_at, expires_at, last_used_at,
               revoked_at
        FROM api_keys
        ORDER BY created_at DESC, id
        "#
    )
    .fetch_all(pool)
    .await
}

/// Revokes key `id` in the caller's transaction; the key as it was, or `None` when there is
/// no such key (or it was revoked already).
pub async fn revoke(tx: &mut PgConnection, id: Uuid) -> Result<Option<ApiKeyView>, sqlx::Error> {
    sqlx::query_as!(
        ApiKeyView,
        r#"
        UPDATE api_keys SET revoked_at = now()
        WHERE id = $1 AND revoked_at IS NULL
        RETURNING id, name, role AS "role: Role", prefix, created_at, expires_at, last_used_at,
                  revoked_at
        "#,
        id
    )
    .fetch_optional(&mut *tx)
    .await
}

/// The active (not revoked, not expired) key with this hash, marking it used (at most once a
/// minute, so a busy key does not write on every request).
pub async fn authenticate(pool: &PgPool, hash: &[u8]) -> Result<Option<ActiveKey>, sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT id, name, role AS "role: Role", last_used_at FROM api_keys
        WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        "#,
        hash
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row
        .last_used_at
        .is_none_or(|used| Utc::now() - used > chrono::TimeDelta::minutes(1))
    {
        sqlx::query!("UPDATE api_keys SET last_used_at = now() WHERE id = $1", row.id)
            .execute(pool)
            .await?;
    }
    Ok(Some(ActiveKey {
        id: row.id,
        name: row.name,
        role: row.role,
    }))
}

/// The active key with this id (a session signed in with it stays valid only while it is).
pub async fn active_by_id(pool: &PgPool, id: Uuid) -> Result<Option<ActiveKey>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"
        SELECT id, name, role AS "role: Role" FROM api_keys
        WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        "#,
        id
    )
    .fetch_optional(pool)
    .await?
    .map(|row| ActiveKey {
        id: row.id,
        name: row.name,
        role: row.role,
    }))
}
