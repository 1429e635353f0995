//! For development, tests and benchmarks: an echo target that logs triggers, and what the
//! benchmark programs measure with. (The private PostgreSQL is the production default when
//! `DATABASE_URL` is unset, so it lives in [`crate::store::local_postgres`].)

pub mod bench;
pub mod echo;
