//! Scheduleman's web UI: the HTML shell, the router, pages, components and the server
//! functions they call. Built twice: with `ssr` into the server, with `hydrate` into the wasm.

#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod chunk_preload;
pub mod components;
pub mod error;
pub mod page_data;
pub mod pages;
pub mod routes;
pub mod server_fns;
pub mod server_html;
pub mod sync_hydration;
#[cfg(test)]
mod test_fixtures;
pub mod timing_draft;
pub mod wire;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use routes::*;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="alternate icon" href="/favicon.ico" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// The app: layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/scheduleman.css" />
        <Title text="Scheduleman" />
        <Router>
            <components::layout::Layout>
                <Routes fallback=pages::not_found::NotFound>
                    // Read-only pages render completely on the server (no JavaScript needed).
                    <Route path=path!("/") view=HomeRoute::lazy() ssr=SsrMode::Async />
                    <Route path=path!("/schedules/new") view=NewScheduleRoute::lazy() />
                    <Route path=path!("/import") view=ImportRoute::lazy() />
                    <Route path=path!("/timeline") view=TimelineRoute::lazy() ssr=SsrMode::Async />
                    <Route
                        path=path!("/schedules/:id")
                        view=DetailRoute::lazy()
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/schedules/:id/edit") view=EditScheduleRoute::lazy() />
                    <Route
                        path=path!("/dead-letters")
                        view=DeadLettersRoute::lazy()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/executors")
                        view=ExecutorsRoute::lazy()
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/alerts") view=AlertsRoute::lazy() ssr=SsrMode::Async />
                    <Route path=path!("/keys") view=KeysRoute::lazy() ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditRoute::lazy() ssr=SsrMode::Async />
                </Routes>
            </components::layout::Layout>
        </Router>
    }
}
