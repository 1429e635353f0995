//! Who is signed in, API keys, and the audit log.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, Postcard};
use scheduleman::access::Role;
use scheduleman::model::KeyRequest;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::components::changes::ChangeRow;
use crate::error::AppError;
use crate::server_html::ServerHtml;
use crate::wire::{CreatedKeyCard, KeyCard};

/// Put in the server functions' context by the server: whether it has an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRequired(pub bool);

/// Who is using the UI, and what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The key's name, "bootstrap token" or "local".
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Whether the server asks for a token or key (and so whether "Sign out" means anything).
    pub signed_in: bool,
}

/// Who is using the UI.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn whoami() -> Result<Session, AppError> {
    let actor = super::actor()?;
    Ok(Session {
        name: actor.name,
        role: actor.role,
        signed_in: use_context::<TokenRequired>().is_some_and(|required| required.0),
    })
}

/// Entries per page of the audit log.
pub const AUDIT_PAGE: usize = 50;

/// Every API key, newest first (admin).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_keys() -> Result<Vec<KeyCard>, AppError> {
    let keys = scheduleman::commands::keys::list(&super::pool()?, &super::actor()?).await?;
    Ok(keys.into_iter().map(KeyCard).collect())
}

/// Creates a key (admin); the key itself is in this answer only.
#[server(prefix = "/rpc", input = Json, output = Postcard)]
pub async fn create_key(request: KeyRequest) -> Result<CreatedKeyCard, AppError> {
    let (pool, actor) = (super::pool()?, super::actor()?);
    Ok(CreatedKeyCard(
        scheduleman::commands::keys::create(&pool, &actor, &request).await?,
    ))
}

/// Revokes a key (admin): it and its sessions stop working at once.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn revoke_key(id: Uuid) -> Result<KeyCard, AppError> {
    Ok(KeyCard(
        scheduleman::commands::keys::revoke(&super::pool()?, &super::actor()?, id).await?,
    ))
}

/// A page of the audit log (admin), newest first, older than `before`, filtered by actor
/// and action (a prefix: `schedule.` for every schedule change); and where the next starts.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_audit(
    actor: String,
    action: String,
    before: Option<i64>,
) -> Result<(Vec<ChangeRow>, Option<i64>), AppError> {
    let filter = scheduleman::commands::audit::Filter {
        actor: Some(actor.trim().to_owned()).filter(|a| !a.is_empty()),
        action: Some(action.trim().to_owned()).filter(|a| !a.is_empty()),
        ..Default::default()
    };
    let page = scheduleman::commands::audit::entries(
        &super::pool()?,
        &super::actor()?,
        &filter,
        before,
        AUDIT_PAGE,
    )
    .await?;
    Ok((
        page.items.into_iter().map(ChangeRow::from).collect(),
        page.next,
    ))
}

/// A page of one schedule's changes, newest first, as its page shows them (the table, or a
/// line saying there are none); and where the next (older) page starts.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn schedule_changes_part(
    id: Uuid,
    before: Option<i64>,
) -> Result<(ServerHtml, Option<i64>), AppError> {
    use leptos::either::Either;

    use crate::components::changes::ChangeTable;

    let page = scheduleman::commands::audit::for_schedule(
        &super::pool()?,
        &super::actor()?,
        id,
        before,
        AUDIT_PAGE,
    )
    .await?;
    let entries: Vec<ChangeRow> = page.items.into_iter().map(ChangeRow::from).collect();
    let html = ServerHtml::render(move || {
        if entries.is_empty() {
            Either::Left(view! { <p class="mt-2 text-sm text-slate-500">"No change recorded."</p> })
        } else {
            Either::Right(view! {
                <div id="changes">
                    <ChangeTable entries=entries />
                </div>
            })
        }
    });
    Ok((html, page.next))
}
