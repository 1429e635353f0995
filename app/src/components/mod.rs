//! Building blocks shared by several pages.

pub mod backfills;
pub mod badges;
pub mod bind;
pub mod bulk_actions;
pub mod changes;
pub mod error_note;
pub mod fires;
#[cfg(feature = "ssr")] // rendered on the server only (crate::server_html)
pub mod history;
pub mod incidents;
pub mod layout;
pub mod page_link;
#[cfg(feature = "ssr")]
pub mod punctuality;
pub mod schedule_actions;
pub mod schedule_alerts;
pub mod secret;
pub mod session;
pub mod time;
pub mod zone_select;
