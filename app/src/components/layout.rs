//! The frame around every page: the header with navigation, and the content area.

use leptos::prelude::*;

use crate::server_fns::session::sign_in_required;

/// The site's pages in the header, in order.
const PAGES: [(&str, &str); 6] = [
    ("/", "Schedules"),
    ("/schedules/new", "New schedule"),
    ("/timeline", "Timeline"),
    ("/import", "Import"),
    ("/dead-letters", "Dead letters"),
    ("/executors", "Executors"),
];

/// Wraps a page in the app's header and content area. `data-hydrated` on `<main>` turns
/// `true` once the browser has hydrated the page (the end-to-end tests wait for it).
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    super::time::provide_clock();
    let sign_in = Resource::new(|| (), |_| sign_in_required());
    let link = "text-sm text-slate-600 hover:text-slate-900";
    view! {
        <header class="border-b border-slate-200 bg-white">
            <nav class="mx-auto flex max-w-6xl items-center gap-6 px-6 py-4">
                <a href="/" class="text-lg font-semibold tracking-tight text-indigo-700">
                    "Scheduleman"
                </a>
                {PAGES
                    .into_iter()
                    .map(|(href, label)| {
                        view! {
                            <a href=href class=link>
                                {label}
                            </a>
                        }
                    })
                    .collect_view()}
                <a href="/api/v1/docs" class=link rel="external">
                    "API"
                </a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        matches!(sign_in.await, Ok(true))
                            .then(|| {
                                view! {
                                    <form method="post" action="/logout" class="ml-auto">
                                        <button id="sign-out" type="submit" class=link>
                                            "Sign out"
                                        </button>
                                    </form>
                                }
                            })
                    })}
                </Suspense>
            </nav>
        </header>
        <main class="mx-auto max-w-6xl px-6 py-8" data-hydrated=move || hydrated.get().to_string()>
            {children()}
        </main>
    }
}
