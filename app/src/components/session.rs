//! Who is using the UI, loaded once by the layout and read wherever a button depends on the
//! role: the UI hides what the role cannot do (the server refuses it anyway).

use leptos::prelude::*;
use scheduleman::access::Role;

use crate::error::AppError;
use crate::page_data::{compact_page_data, CompactPageData};
use crate::server_fns::access::{whoami, Session};

/// The session, as the layout loaded it.
#[derive(Clone, Copy)]
pub struct SessionResource(pub CompactPageData<Result<Session, AppError>>);

/// Loads the session and puts it in context for the pages below.
pub fn provide_session() -> SessionResource {
    let session = SessionResource(compact_page_data(|| (), |_| whoami()));
    provide_context(session);
    session
}

/// Whether the person using the UI has `role` (false until known, and on error: the server
/// decides anyway). Read inside a `Suspense` or `Transition`, so the page waits for it.
pub fn can(role: Role) -> Signal<bool> {
    let session = use_context::<SessionResource>();
    Signal::derive(move || {
        session.is_some_and(|SessionResource(resource)| {
            matches!(resource.get(), Some(Ok(session)) if session.role >= role)
        })
    })
}

/// Whether the person using the UI has `role`, once the session is known (false on error):
/// for a list inside a `Suspend` to decide once for all its rows, where an [`IfCan`] per row
/// would be a `Suspense` per row.
pub async fn allowed(role: Role) -> bool {
    match use_context::<SessionResource>() {
        Some(SessionResource(resource)) => {
            matches!(resource.await, Ok(session) if session.role >= role)
        }
        None => false,
    }
}

/// Its children only for a role that includes `role` (waits for the session, so the server's
/// HTML and the hydrated page agree). Typed children: `ChildrenFn` would erase them into an
/// `AnyView`, which compiles their async hydration too (app::sync_hydration).
#[component]
pub fn IfCan<C: IntoView + 'static>(role: Role, children: TypedChildrenFn<C>) -> impl IntoView {
    let allowed = can(role);
    let children = children.into_inner();
    view! { <Suspense fallback=|| ()>{move || allowed.get().then(|| children())}</Suspense> }
}
