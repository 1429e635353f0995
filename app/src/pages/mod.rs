//! One module per page.

pub mod alerts;
pub mod audit;
pub mod dead_letters;
pub mod executors;
pub mod home;
pub mod import;
pub mod keys;
pub mod not_found;
pub mod schedule_detail;
pub mod schedule_form;
pub mod timeline;
