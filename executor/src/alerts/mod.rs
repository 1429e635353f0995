//! Alerts: the server watches for what people must hear about ([`watch`]: dead schedules,
//! dead fires, failing schedules, overdue fires, no executors), opens an incident once per
//! event and resolves it once, and delivers each alert from an outbox ([`send`]) through a
//! channel ([`deliver`]: a signed JSON webhook, a Slack-compatible message, or an email over
//! [`smtp`]), written as [`payload`] says. The server runs both loops, not the executors:
//! when every executor is down the alert must still go.

pub mod deliver;
pub mod payload;
pub mod send;
pub mod smtp;
pub mod watch;

pub use deliver::{ChannelTarget, Deliverer};
pub use send::{AlertCounters, MAX_DELIVERY_ATTEMPTS};
pub use smtp::SmtpSettings;
pub use watch::WatchSettings;
