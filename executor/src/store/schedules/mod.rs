//! A schedule as people see it: its definition (`schedules`) joined with its runtime row
//! (`schedule_runtime`: state, next run, the last fire's outcome). `rows` decodes a row
//! (readable or not), `read` reads one, a page or the dead letters, `write` creates and edits
//! them, `transition` moves them between states. The executor's claim and write-back live in
//! [`crate::store::claims`] and [`crate::store::settle`].

mod read;
pub(in crate::store) mod rows;
mod transition;
mod write;

pub use read::{due_before, exists, get, get_many, list, list_dead, DueTiming};
pub(in crate::store) use rows::{retry_policy, target};
pub(in crate::store) use write::{announce_change, insert_many_in, update_in};
pub use transition::{transition, Pause, Transition};
pub use write::{delete, insert, insert_many, rotate_secret, update, Inserted, WAKE_HORIZON};

/// The channel on which schedule changes are announced, so sleeping executors wake.
pub const CHANGES_CHANNEL: &str = "scheduleman_schedules";
