//! Scheduleman's web server as a library: its settings, its state and its router, so that
//! `main` only wires them and tests can call the router directly.

// The pages' view types are deep (typed children, app::components::session::IfCan).
#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod config;
pub mod health;
pub mod limits;
pub mod listener;
pub mod metrics;
pub mod router;

pub use router::{app, AppState};
