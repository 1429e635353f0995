//! The alert tables: `channels` and per-schedule rules, `incidents` as the watcher opens and
//! resolves them (queuing their deliveries in the same transaction), and the `outbox` the
//! servers deliver from.

pub mod channels;
pub mod incidents;
pub mod outbox;
