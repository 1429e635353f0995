//! Who is asking, and what their role lets them do. Pure: the UI hides what a role cannot do
//! with the same rules the server enforces.
//!
//! Roles, each including the one before: `read` (everything but secrets), `operate` (pause,
//! resume, trigger now, re-arm), `write` (create, edit, delete, import, rotate secrets),
//! `admin` (API keys, alert channels, the audit log).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a key (or a session) may do; each role includes those before it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// See everything but secrets.
    Read,
    /// Read, and pause, resume, trigger now, re-arm.
    Operate,
    /// Operate, and create, edit, delete, import, rotate secrets.
    Write,
    /// Write, and API keys, alert channels and the audit log.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::Read, Role::Operate, Role::Write, Role::Admin];

    /// The role's name, as the API and the UI spell it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How the asker proved who they are.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActorKind {
    /// An API key (or a session signed in with one).
    Key,
    /// The bootstrap token, `SCHEDULEMAN_API_TOKEN` (or a session signed in with it).
    Bootstrap,
    /// No token is configured: whoever reaches the server on loopback.
    Local,
    /// Nobody proven: a failed sign-in, recorded with the client's address.
    Anonymous,
    /// An executor acting on a schedule's own settings (a pause that ended).
    System,
}

/// Who is asking: recorded in the audit log beside every change they make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    /// How they proved it.
    pub kind: ActorKind,
    /// The key's id, for a key.
    pub key_id: Option<Uuid>,
    /// The key's name, "bootstrap token" or "local".
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// A request the asker's role does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this needs the {} role; {} has {}", .needed.as_str(), .who, .has.as_str())]
pub struct Forbidden {
    /// The role needed.
    pub needed: Role,
    /// The role held.
    pub has: Role,
    /// Who asked.
    pub who: String,
}

impl Actor {
    /// The bootstrap token's holder: an admin.
    pub fn bootstrap() -> Self {
        Self {
            kind: ActorKind::Bootstrap,
            key_id: None,
            name: "bootstrap token".into(),
            role: Role::Admin,
        }
    }

    /// Anyone on loopback, when no token is configured: an admin (the server listens on
    /// loopback only then).
    pub fn local() -> Self {
        Self {
            kind: ActorKind::Local,
            key_id: None,
            name: "local".into(),
            role: Role::Admin,
        }
    }

    /// An executor acting on what a schedule's settings say (a pause reaching its end).
    pub fn system(name: &str) -> Self {
        Self {
            kind: ActorKind::System,
            key_id: None,
            name: name.to_owned(),
            role: Role::Operate,
        }
    }

    /// The holder of key `id` named `name`, with `role`.
    pub fn key(id: Uuid, name: &str, role: Role) -> Self {
        Self {
            kind: ActorKind::Key,
            key_id: Some(id),
            name: name.to_owned(),
            role,
        }
    }

    /// Whether the actor's role includes `role`.
    pub fn can(&self, role: Role) -> bool {
        self.role >= role
    }

    /// `Ok` when the actor's role includes `role`, else why not.
    pub fn require(&self, role: Role) -> Result<(), Forbidden> {
        if self.can(role) {
            Ok(())
        } else {
            Err(Forbidden {
                needed: role,
                has: self.role,
                who: self.name.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn each_role_includes_the_ones_before_it() {
        let roles: Vec<Role> = Role::iter().collect();
        for (i, held) in roles.iter().enumerate() {
            let actor = Actor::key(Uuid::nil(), "ci", *held);
            for (j, needed) in roles.iter().enumerate() {
                assert_eq!(
                    actor.require(*needed).is_ok(),
                    i >= j,
                    "{held:?} for {needed:?}"
                );
            }
        }
        let refused = Actor::key(Uuid::nil(), "ci", Role::Read)
            .require(Role::Write)
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "this needs the write role; ci has read"
        );
        assert_eq!("operate".parse::<Role>(), Ok(Role::Operate));
    }
}
