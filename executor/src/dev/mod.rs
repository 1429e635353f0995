//! For development and tests: a private PostgreSQL started from the installed binaries (also
//! the default database when `DATABASE_URL` is unset) and an echo target that logs triggers.

pub mod echo;
pub mod local_postgres;
