//! Building blocks shared by several pages.

pub mod badges;
pub mod error_note;
pub mod fires;
pub mod history;
pub mod layout;
pub mod punctuality;
pub mod schedule_actions;
pub mod secret;
pub mod time;
pub mod zone_select;
