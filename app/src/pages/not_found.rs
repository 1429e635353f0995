//! The page for an unknown address.

use leptos::prelude::*;

/// Says the page does not exist and links home.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    crate::components::layout::mark_page_hydrated();
    view! {
        <h1 class="text-2xl font-semibold">"Page not found"</h1>
        <p class="mt-2 text-slate-600">
            "There is nothing at this address. " <a href="/" class="text-indigo-700 underline">
                "Back to the schedules"
            </a>
        </p>
    }
}
