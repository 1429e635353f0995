//! API keys and audit entries as the API answers them and the UI shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{ActorKind, Role};

/// An API key as listed: never the key itself, which is shown once, when created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    /// Its id.
    pub id: Uuid,
    /// Its name (who or what uses it).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Its first characters (`sk_1a2b3c4d`), to tell keys apart.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked key and its sessions no longer work.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key to create: who or what uses it, what it may do, and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// Who or what uses it (1–200 characters).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it stops working, if ever.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key just created: the only time the key itself is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedKey {
    /// The key as listed.
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// The key (`sk_…`): send it as `Authorization: Bearer <key>`, or sign in with it.
    pub key: String,
}

/// One change in the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryView {
    /// The entry's id (the cursor).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// How the actor proved who they were.
    pub actor_kind: ActorKind,
    /// The key's id, for a key.
    pub actor_id: Option<Uuid>,
    /// Who: the key's name, "bootstrap token", "local", or a client address (a failed sign-in).
    pub actor: String,
    /// What was done: `schedule.create`, `schedule.pause`, `key.revoke`, `session.sign_in`…
    pub action: String,
    /// What it was done to: `schedule`, `key`, `channel`.
    pub subject_kind: Option<String>,
    /// Its id.
    pub subject_id: Option<Uuid>,
    /// The schedule, when the subject is one.
    pub schedule_id: Option<Uuid>,
    /// Field by field: `{"field": {"before": …, "after": …}}` (secrets and header values
    /// redacted).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub changes: serde_json::Value,
    /// Entries one action made together (an import) share this.
    pub batch_id: Option<Uuid>,
}
