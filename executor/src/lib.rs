//! Scheduleman's shared core: schedule types and math (pure, builds for the browser) and,
//! with the `server` feature, the PostgreSQL store and the executor's parts.
#![warn(missing_docs)]

pub mod overview;

#[cfg(feature = "server")]
pub mod echo;
#[cfg(feature = "server")]
pub mod heartbeat;
#[cfg(feature = "server")]
pub mod logging;
pub mod schedule;
#[cfg(feature = "server")]
pub mod shutdown;
#[cfg(feature = "server")]
pub mod store;
