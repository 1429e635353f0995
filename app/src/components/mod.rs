//! Building blocks shared by several pages.

pub mod backfills;
pub mod badges;
pub mod bulk_actions;
pub mod changes;
pub mod error_note;
pub mod fires;
pub mod history;
pub mod incidents;
pub mod layout;
pub mod page_link;
pub mod punctuality;
pub mod schedule_actions;
pub mod schedule_alerts;
pub mod secret;
pub mod session;
pub mod time;
pub mod zone_select;
