//! The executor's claim-and-trigger loop and its parts: [`worker`] claims due schedules,
//! [`slots`] bounds the triggers in flight, [`attempt`] triggers one claim and builds its
//! result, [`write_back`] writes results in fenced batches, [`trigger`] makes the HTTP call,
//! [`crate::decision`] decides (pure) what an attempt means for the schedule, [`pacing`] says (pure)
//! when to look again, [`clock`] keeps the database's time, [`heartbeat`] says the executor is
//! alive, [`resume`] ends pauses on time, [`retention`] keeps history bounded, and [`metrics`] and [`probes`] (its HTTP endpoint: health, readiness, metrics) expose what it does.

pub mod attempt;
pub mod backfill;
pub mod clock;
pub mod heartbeat;
pub mod metrics;
pub mod pacing;
pub mod probes;
pub mod resume;
pub mod retention;
pub mod slots;
pub mod trigger;
pub mod worker;
pub mod write_back;
