//! For development, tests and benchmarks: a private PostgreSQL started from the installed
//! binaries (also the default database when `DATABASE_URL` is unset), an echo target that
//! logs triggers, and what the benchmark programs measure with.

pub mod bench;
pub mod echo;
pub mod local_postgres;
