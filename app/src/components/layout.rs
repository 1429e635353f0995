//! The frame around every page: the header with navigation, and the content area.

use leptos::prelude::*;

use scheduleman::access::Role;

use super::session::provide_session;
use crate::page_data::compact_page_data;
use crate::server_fns::alerts::open_incident_count;

/// The site's pages in the header, in order, with the role each needs.
const PAGES: [(&str, &str, Role); 9] = [
    ("/", "Schedules", Role::Read),
    ("/schedules/new", "New schedule", Role::Write),
    ("/timeline", "Timeline", Role::Read),
    ("/import", "Import", Role::Write),
    ("/dead-letters", "Dead letters", Role::Read),
    ("/executors", "Executors", Role::Read),
    ("/alerts", "Alerts", Role::Read),
    ("/keys", "Keys", Role::Admin),
    ("/audit", "Audit", Role::Admin),
];

/// Whether the browser has hydrated the page inside the layout: pages arrive in chunks of
/// their own (`crate::routes`), after the layout around them has hydrated.
#[derive(Debug, Clone, Copy)]
struct PageHydrated(RwSignal<bool>);

/// Marks the page being built as hydrated once the browser has hydrated it (an effect runs
/// after the view that created it is hydrated; on the server, never). Every page's route
/// calls it (`crate::routes`), and the not-found page.
pub fn mark_page_hydrated() {
    if let Some(PageHydrated(flag)) = use_context() {
        Effect::new(move |_| flag.set(true));
    }
}

/// Wraps a page in the app's header and content area. `data-hydrated` on `<main>` turns
/// `true` once the browser has hydrated the page, not only the layout (the end-to-end tests
/// and the first-page benchmark wait for it).
#[component]
pub fn Layout<C: IntoView + 'static>(children: TypedChildren<C>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    provide_context(PageHydrated(hydrated));
    super::time::provide_clock();
    let session = provide_session().0;
    // The open incidents, looked at again every 15 s while the page is open.
    let looks = RwSignal::new(0u32);
    let incidents = compact_page_data(move || looks.get(), |_| open_incident_count());
    #[cfg(feature = "hydrate")]
    if let Ok(refresh) = set_interval_with_handle(
        move || looks.update(|n| *n += 1),
        std::time::Duration::from_secs(15),
    ) {
        on_cleanup(move || refresh.clear());
    }
    let link = "text-sm text-slate-600 hover:text-slate-900";
    view! {
        <header class="border-b border-slate-200 bg-white">
            <nav class="mx-auto flex max-w-6xl items-center gap-6 px-6 py-4">
                <a href="/" class="text-lg font-semibold tracking-tight text-indigo-700">
                    "Scheduleman"
                </a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let role = session.await.map(|s| s.role).unwrap_or(Role::Read);
                        PAGES
                            .into_iter()
                            .filter(move |(_, _, needs)| role >= *needs)
                            .map(|(href, label, _)| {
                                view! {
                                    <a href=href class=link>
                                        {label}
                                    </a>
                                }
                            })
                            .collect_view()
                    })}
                </Suspense>
                <a href="/api/v1/docs" class=link rel="external">
                    "API"
                </a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        incidents
                            .await
                            .ok()
                            .filter(|open| *open > 0)
                            .map(|open| {
                                view! {
                                    <a
                                        id="incident-badge"
                                        href="/alerts"
                                        class="rounded-full bg-red-600 px-2 py-0.5 text-xs font-medium text-white"
                                    >
                                        {format!(
                                            "{open} open incident{}",
                                            if open == 1 { "" } else { "s" },
                                        )}
                                    </a>
                                }
                            })
                    })}
                </Transition>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        session
                            .await
                            .ok()
                            .map(|session| {
                                let who = format!("{} · {}", session.name, session.role.as_str());
                                view! {
                                    <span id="who" class="ml-auto text-xs text-slate-500">
                                        {who}
                                    </span>
                                    {session
                                        .signed_in
                                        .then(|| {
                                            view! {
                                                <form method="post" action="/logout">
                                                    <button id="sign-out" type="submit" class=link>
                                                        "Sign out"
                                                    </button>
                                                </form>
                                            }
                                        })}
                                }
                            })
                    })}
                </Suspense>
            </nav>
        </header>
        <main class="mx-auto max-w-6xl px-6 py-8" data-hydrated=move || hydrated.get().to_string()>
            {children.into_inner()()}
        </main>
    }
}
