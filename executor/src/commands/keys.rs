//! API keys: create one (shown once, stored as its hash), list them, revoke one (at once: the
//! next request with it, or with a session signed in with it, is refused), and tell who a
//! presented key belongs to.

use chrono::Utc;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{change, record};
use super::CommandError;
use crate::access::{Actor, Role};
use crate::model::{ApiKeyView, CreatedKey, KeyRequest};
use crate::store::keys;
use crate::validate::FieldError;

/// What a key is made of: `sk_` and 40 random hex characters.
const KEY_PREFIX: &str = "sk_";
/// How much of a key is kept in the clear to tell keys apart (`sk_` and 8 characters).
const SHOWN_PREFIX: usize = 11;

/// A new key as `request` says (admin only): the key itself is in the answer, and nowhere
/// else ever.
pub async fn create(
    pool: &PgPool,
    actor: &Actor,
    request: &KeyRequest,
) -> Result<CreatedKey, CommandError> {
    actor.require(Role::Admin)?;
    let (name, role, expires_at) = (request.name.trim(), request.role, request.expires_at);
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        problems.push(FieldError {
            field: "name".into(),
            reason:
                "name the key for who or what uses it (1–200 characters, no control characters)"
                    .into(),
        });
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        problems.push(FieldError {
            field: "expires_at".into(),
            reason: "the expiry is in the past".into(),
        });
    }
    if !problems.is_empty() {
        return Err(CommandError::Invalid(problems));
    }
    let key = format!(
        "{KEY_PREFIX}{}{}",
        Uuid::new_v4().simple(),
        &Uuid::new_v4().simple().to_string()[..8]
    );
    let mut tx = pool.begin().await?;
    let view = keys::insert(
        &mut tx,
        name,
        role,
        &key[..SHOWN_PREFIX],
        &hash(&key),
        expires_at,
    )
    .await?;
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "key.create",
            Some("key"),
            Some(view.id),
            serde_json::json!({"name": {"after": view.name}, "role": {"after": view.role},
                               "expires_at": {"after": view.expires_at}}),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedKey { view, key })
}

/// Every key, newest first (admin only).
pub async fn list(pool: &PgPool, actor: &Actor) -> Result<Vec<ApiKeyView>, CommandError> {
    actor.require(Role::Admin)?;
    Ok(keys::list(pool).await?)
}

/// Revokes key `id` (admin only): it, and every session signed in with it, stop working at
/// the next request.
pub async fn revoke(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<ApiKeyView, CommandError> {
    actor.require(Role::Admin)?;
    let mut tx = pool.begin().await?;
    let revoked = keys::revoke(&mut tx, id)
        .await?
        .ok_or(CommandError::NoSuchKey(id))?;
    record(
        &mut tx,
        actor,
        None,
        &[change(
            "key.revoke",
            Some("key"),
            Some(id),
            serde_json::json!({"name": {"after": revoked.name}, "revoked_at": {"after": revoked.revoked_at}}),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}

/// Whether `text` has the shape of an API key (`sk_…`): without a bootstrap token, only
/// such a bearer is a credential to check.
pub fn looks_like_key(text: &str) -> bool {
    text.starts_with(KEY_PREFIX)
}

/// Who presents `key`: the holder of an active key, or `None` (unknown, revoked, expired).
pub async fn authenticate(pool: &PgPool, key: &str) -> Result<Option<Actor>, CommandError> {
    if !key.starts_with(KEY_PREFIX) {
        return Ok(None);
    }
    Ok(keys::authenticate(pool, &hash(key))
        .await?
        .map(|found| Actor::key(found.id, &found.name, found.role)))
}

/// The holder of key `id` while the key is active (a session signed in with it).
pub async fn holder(pool: &PgPool, id: Uuid) -> Result<Option<Actor>, CommandError> {
    Ok(keys::active_by_id(pool, id)
        .await?
        .map(|found| Actor::key(found.id, &found.name, found.role)))
}

fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}
