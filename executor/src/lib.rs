//! Scheduleman's shared core: schedule types and math (pure, builds for the browser) and,
//! with the `server` feature, the PostgreSQL store and the executor's parts.
#![warn(missing_docs)]

pub mod model;
pub mod overview;
pub mod schedule;
pub mod validate;

#[cfg(feature = "server")]
pub mod commands;
#[cfg(feature = "server")]
pub mod echo;
#[cfg(feature = "server")]
pub mod heartbeat;
#[cfg(feature = "server")]
pub mod logging;
#[cfg(feature = "server")]
pub mod metrics;
#[cfg(feature = "server")]
pub mod ops;
#[cfg(feature = "server")]
pub mod outcome;
#[cfg(feature = "server")]
pub mod retention;
#[cfg(feature = "server")]
pub mod shutdown;
#[cfg(feature = "server")]
pub mod signing;
#[cfg(feature = "server")]
pub mod ssrf;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod trigger;
#[cfg(feature = "server")]
pub mod worker;
