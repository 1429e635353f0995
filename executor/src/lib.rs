//! Scheduleman's core library. The `executor` binary is one consumer of it; the web server
//! and the UI's server functions are others. Its layers, from the bottom:
//!
//! - **pure** ([`schedule`], [`decision`], [`access`], [`model`], [`validate`], [`query`], [`page`],
//!   [`overview`], [`punctuality`], [`crontab`], [`timeline`]): schedule math, what an
//!   attempt's result means, the shared
//!   vocabulary and input checks; no I/O, builds for the browser.
//! - **[`store`]**: every SQL statement, one file per table or concern.
//! - **[`commands`]**: what a person can do to schedules, shared by the REST API and the UI.
//! - **[`alerts`]**: what the server watches for and tells people (incidents, channels, the
//!   outbox it delivers from).
//! - **[`runner`]**: the claim-and-trigger loop and its parts (the HTTP trigger, heartbeats,
//!   retention, the executor's metrics endpoint).
//! - **[`dev`]**: what development and tests need: a private PostgreSQL and an echo target.
//!
//! [`ssrf`] (which targets may be called) serves both `commands` and `runner`; [`signature`]
//! (how requests are signed) both the trigger and the echo target; [`logging`] and
//! [`shutdown`] serve both binaries. Everything beyond the pure layer needs the `server`
//! feature.
#![warn(missing_docs)]

pub mod access;
pub mod crontab;
pub mod decision;
pub mod labels;
pub mod model;
pub mod overview;
pub mod page;
pub mod punctuality;
pub mod query;
pub mod schedule;
pub mod timeline;
pub mod validate;

#[cfg(feature = "server")]
pub mod alerts;
#[cfg(feature = "server")]
pub mod commands;
#[cfg(feature = "server")]
pub mod dev;
#[cfg(feature = "server")]
pub mod logging;
#[cfg(feature = "server")]
pub mod prometheus;
#[cfg(feature = "server")]
pub mod runner;
#[cfg(feature = "server")]
pub mod shutdown;
#[cfg(feature = "server")]
pub mod signature;
#[cfg(feature = "server")]
pub mod ssrf;
#[cfg(feature = "server")]
pub mod store;
