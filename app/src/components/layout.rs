//! The frame around every page: the header with navigation, and the content area.

use leptos::prelude::*;

/// Wraps a page in the app's header and content area. `data-hydrated` on `<main>` turns
/// `true` once the browser has hydrated the page (the end-to-end tests wait for it).
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <header class="border-b border-slate-200 bg-white">
            <nav class="mx-auto flex max-w-6xl items-center gap-6 px-6 py-4">
                <a href="/" class="text-lg font-semibold tracking-tight text-indigo-700">
                    "Scheduleman"
                </a>
                <a href="/" class="text-sm text-slate-600 hover:text-slate-900">
                    "Schedules"
                </a>
            </nav>
        </header>
        <main
            class="mx-auto max-w-6xl px-6 py-8"
            data-hydrated=move || hydrated.get().to_string()
        >
            {children()}
        </main>
    }
}
