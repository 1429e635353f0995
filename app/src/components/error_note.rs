//! A failure shown in place of what could not be loaded or done, in the page's red note.

use leptos::prelude::*;

/// The reason, in a red note; `id` names it for tests and links.
#[component]
pub fn ErrorNote(message: String, #[prop(optional)] id: Option<&'static str>) -> impl IntoView {
    view! {
        <p id=id class="error-note mt-3 rounded-md bg-red-50 p-3 text-sm text-red-800">
            {message}
        </p>
    }
}
