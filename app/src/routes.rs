//! The app's pages as lazy routes, in four groups: the pages that write schedules (the form
//! and the import), the pages that list them (list, timeline, dead letters), one schedule's
//! page, and the administration pages (executors, alerts, keys, audit). In the browser each
//! group's code is a wasm chunk of its own, fetched with the page that needs it (the server
//! names the chunks in the page's `<head>`), so the list downloads neither the form nor the
//! detail page (and no page the zone tables: times in a zone are read on the server). Groups and not one chunk per page: code that pages share
//! is split into further chunks, and eleven page chunks made 88 files for the form, which a
//! browser fetches six at a time over HTTP/1.1; four groups make about nine files a page
//! (issue 21). On the server a lazy route renders as any other.
//!
//! Chunks need a split build: `cargo leptos build --release --split --features split`.
//! Without the `split` feature (`cargo leptos watch`, the tests) the groups are plain
//! functions and the bundle is one file.

use leptos::prelude::*;
use leptos_router::{Lazy, LazyRoute};

use crate::pages;
use crate::sync_hydration::IntoAnySync;

/// A page of the writing group.
#[derive(Debug, Clone, Copy)]
enum Writing {
    New,
    Edit,
    Import,
}

/// The writing group's pages (one wasm chunk in the browser).
#[cfg_attr(feature = "split", lazy)]
fn writing_page(page: Writing) -> AnyView {
    match page {
        Writing::New => view! { <pages::schedule_form::NewSchedule /> }.into_any_sync(),
        Writing::Edit => view! { <pages::schedule_form::EditSchedule /> }.into_any_sync(),
        Writing::Import => view! { <pages::import::ImportCrontab /> }.into_any_sync(),
    }
}

/// A page of the listing group.
#[derive(Debug, Clone, Copy)]
enum Listing {
    Home,
    Timeline,
    DeadLetters,
}

/// The listing group's pages (one wasm chunk in the browser). They read no time zone's tables
/// in the browser (the list's readings in schedules' zones come with its data, the timeline
/// reads the viewer's clock through the browser), so they do not load the zone tables.
#[cfg_attr(feature = "split", lazy)]
fn listing_page(page: Listing) -> AnyView {
    match page {
        Listing::Home => view! { <pages::home::Home /> }.into_any_sync(),
        Listing::Timeline => view! { <pages::timeline::TimelinePage /> }.into_any_sync(),
        Listing::DeadLetters => view! { <pages::dead_letters::DeadLetters /> }.into_any_sync(),
    }
}

/// One schedule's page (a wasm chunk of its own in the browser, with the zone tables: it
/// previews fires and DST notes in the schedule's zone).
#[cfg_attr(feature = "split", lazy)]
fn detail_page() -> AnyView {
    view! { <pages::schedule_detail::ScheduleDetail /> }.into_any_sync()
}

/// A page of the administration group.
#[derive(Debug, Clone, Copy)]
enum Admin {
    Executors,
    Alerts,
    Keys,
    Audit,
}

/// The administration group's pages (one wasm chunk in the browser).
#[cfg_attr(feature = "split", lazy)]
fn admin_page(page: Admin) -> AnyView {
    match page {
        Admin::Executors => view! { <pages::executors::Executors /> }.into_any_sync(),
        Admin::Alerts => view! { <pages::alerts::Alerts /> }.into_any_sync(),
        Admin::Keys => view! { <pages::keys::Keys /> }.into_any_sync(),
        Admin::Audit => view! { <pages::audit::Audit /> }.into_any_sync(),
    }
}

/// A route type per page, each showing its page from its group's chunk.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $group:ident($($page:expr)?), $preload:ident) => {
        $(#[$doc])*
        pub struct $route;

        impl $route {
            /// The route's view, loaded lazily.
            pub fn lazy() -> Lazy<Self> {
                Lazy::new()
            }
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                // Leptos's own links for the chunks are not reliable (`chunk_preload`).
                #[cfg(feature = "ssr")]
                crate::chunk_preload::preload_chunks_of(stringify!($group));
                #[cfg(feature = "split")]
                let page = $group($($page)?).await;
                #[cfg(not(feature = "split"))]
                let page = $group($($page)?);
                crate::components::layout::mark_page_hydrated();
                page
            }

            async fn preload() {
                // The chunk exists only in a split build, in the browser.
                #[cfg(all(feature = "split", target_arch = "wasm32"))]
                $preload().await;
            }
        }
    };
}

lazy_page!(
    /// `/schedules/new`: the form.
    NewScheduleRoute => writing_page(Writing::New), __preload_writing_page
);
lazy_page!(
    /// `/schedules/:id/edit`: the form, filled in.
    EditScheduleRoute => writing_page(Writing::Edit), __preload_writing_page
);
lazy_page!(
    /// `/import`: a crontab in, schedules out.
    ImportRoute => writing_page(Writing::Import), __preload_writing_page
);
lazy_page!(
    /// `/`: the schedule list.
    HomeRoute => listing_page(Listing::Home), __preload_listing_page
);
lazy_page!(
    /// `/schedules/:id`: one schedule, its fires and history.
    DetailRoute => detail_page(), __preload_detail_page
);
lazy_page!(
    /// `/timeline`: the next fires drawn over time.
    TimelineRoute => listing_page(Listing::Timeline), __preload_listing_page
);
lazy_page!(
    /// `/dead-letters`.
    DeadLettersRoute => listing_page(Listing::DeadLetters), __preload_listing_page
);
lazy_page!(
    /// `/executors`.
    ExecutorsRoute => admin_page(Admin::Executors), __preload_admin_page
);
lazy_page!(
    /// `/alerts`: channels, rules, incidents.
    AlertsRoute => admin_page(Admin::Alerts), __preload_admin_page
);
lazy_page!(
    /// `/keys`: API keys.
    KeysRoute => admin_page(Admin::Keys), __preload_admin_page
);
lazy_page!(
    /// `/audit`: the audit log.
    AuditRoute => admin_page(Admin::Audit), __preload_admin_page
);
