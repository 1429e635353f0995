//! A plain link to another page of a listing: it works before hydration and without
//! JavaScript, as every listing's paging must.

use leptos::prelude::*;

/// A link to another page of a listing (`id` names it for tests and scripts).
#[component]
pub fn PageLink(
    id: &'static str,
    #[prop(into)] href: String,
    label: &'static str,
) -> impl IntoView {
    view! {
        <a id=id href=href class="text-indigo-700 hover:underline">
            {label}
        </a>
    }
}
