//! The executor's claim-and-trigger loop and its parts: [`worker`] claims due schedules and
//! writes results back, [`trigger`] makes the HTTP call, [`outcome`] decides (pure) what an
//! attempt means for the schedule, [`pacing`] says (pure) when to look again, [`heartbeat`] says the executor is alive, [`retention`]
//! keeps history bounded, and [`metrics`] and [`ops`] expose what it does.

pub mod heartbeat;
pub mod metrics;
pub mod ops;
pub mod outcome;
pub mod pacing;
pub mod retention;
pub mod trigger;
pub mod worker;
