//! The server's state and its router: probes, the Leptos pages and their server functions,
//! and the static files of the site.

use app::chunk_preload::ChunkManifest;
use app::server_fns::access::TokenRequired;
use app::{shell, App};
use axum::extract::FromRef;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, OnceLock};

use crate::metrics::HttpMetrics;
use scheduleman::alerts::{AlertCounters, Deliverer};
use scheduleman::commands::{
    Freshness, OverviewCache, ScheduleSeries, SeriesSettings, TimelineCache,
};
use scheduleman::ssrf::TargetGuard;
use sqlx::PgPool;

use crate::auth::{self, Auth};

use crate::{api, health, limits};

/// What every handler may need.
#[derive(Debug, Clone, FromRef)]
pub struct AppState {
    /// Leptos's site settings.
    pub leptos_options: LeptosOptions,
    /// The database.
    pub pool: PgPool,
    /// Which addresses schedule targets may reach, and the resolver that checks names.
    pub targets: Arc<TargetGuard>,
    /// Who may use the server.
    pub auth: Auth,
    /// API latency, for `/metrics`.
    pub metrics: Arc<HttpMetrics>,
    /// The headline figures, a few seconds old at most.
    pub overview: Arc<OverviewCache>,
    /// The timeline, drawn at most every few seconds.
    pub timeline: Arc<TimelineCache>,
    /// Which per-schedule series `/metrics` shows, and their figures.
    pub series: Arc<ScheduleSeries>,
    /// Sends alerts (a channel's test alert; the outbox's are sent by the sender loop).
    pub deliverer: Arc<Deliverer>,
    /// Alerts sent and failed, for `/metrics`.
    pub alert_counters: Arc<AlertCounters>,
    /// The wasm chunks of each page group, which pages name in their `<head>` (a server
    /// built with `--features split`, serving a site built with `--split`; otherwise none).
    pub chunks: Option<ChunkManifest>,
}

impl AppState {
    /// The state for a server with these settings.
    pub fn new(
        leptos_options: LeptosOptions,
        pool: PgPool,
        targets: TargetGuard,
        deliverer: Deliverer,
        auth: Auth,
    ) -> Self {
        Self {
            pool,
            targets: Arc::new(targets),
            auth,
            metrics: Arc::new(HttpMetrics::default()),
            overview: Arc::new(OverviewCache::new(Freshness::default())),
            timeline: Arc::default(),
            series: Arc::new(ScheduleSeries::new(SeriesSettings {
                schedules: 0,
                window: std::time::Duration::from_secs(3600),
            })),
            deliverer: Arc::new(deliverer),
            alert_counters: Arc::default(),
            chunks: if cfg!(feature = "split") {
                split_manifest(&leptos_options)
            } else {
                None
            },
            leptos_options,
        }
    }

    /// The same, with per-schedule series in `/metrics` as `settings` say.
    pub fn with_schedule_series(self, settings: SeriesSettings) -> Self {
        Self {
            series: Arc::new(ScheduleSeries::new(settings)),
            ..self
        }
    }
}

/// The app's routes, generated once per process. Generating them runs the whole app with
/// resource loading suppressed by a process-wide flag (leptos' `SuppressResourceLoad`), and a
/// page whose resource first polled meanwhile, in any thread, waited forever (leptos issue
/// #4773: routers built while others rendered, as tests do, hung 3 renders in 25 runs). Once,
/// before any router exists, nothing can render meanwhile.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The manifest of a split build's chunks, or a warning that pages go without their links.
fn split_manifest(options: &LeptosOptions) -> Option<ChunkManifest> {
    let manifest = ChunkManifest::read(options);
    if manifest.is_none() {
        tracing::warn!(
            site_root = %options.site_root,
            "built with --features split, but {}/{}/{} is missing or unreadable: pages will \
             fetch their wasm chunks a round trip later (build the site with --split)",
            options.site_root,
            options.site_pkg_dir,
            ChunkManifest::FILE_NAME,
        );
    }
    manifest
}

/// The whole HTTP surface of the server.
pub fn app(state: AppState) -> Router {
    let routes = route_list();
    let (pool, targets, overview, timeline, deliverer, chunks) = (
        state.pool.clone(),
        state.targets.clone(),
        state.overview.clone(),
        state.timeline.clone(),
        state.deliverer.clone(),
        state.chunks.clone(),
    );
    let sign_in = TokenRequired(state.auth.is_enabled());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(health::metrics))
        .merge(api::routes().layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            health::time_api_request,
        )))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(pool.clone());
                provide_context(targets.clone());
                provide_context(overview.clone());
                provide_context(timeline.clone());
                provide_context(deliverer.clone());
                provide_context(sign_in);
                if let Some(chunks) = &chunks {
                    provide_context(chunks.clone());
                }
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(limits::limit_rpc_body))
        .layer(middleware::from_fn_with_state(state.clone(), auth::require))
        .with_state(state)
}
