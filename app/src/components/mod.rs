//! Building blocks shared by several pages.

pub mod badges;
pub mod fires;
pub mod layout;
pub mod secret;
pub mod time;
