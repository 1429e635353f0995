//! Carrying one alert through one channel: a `json` or `slack` webhook is sent by the same
//! trigger as schedules (the same safe-target rules, the same 3 s limit, signed the same
//! way with the channel's secret, the delivery's id as the execution id), an `email` through
//! the SMTP relay.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::payload;
use super::smtp::{self, SmtpSettings};
use crate::model::{AlertPayload, ChannelFormat, Target, WebhookCall};
use crate::runner::trigger::{DnsServers, Trigger, TriggerSetupError};
use crate::ssrf::TargetPolicy;

/// Where one alert goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelTarget<'a> {
    /// The channel's name.
    pub name: &'a str,
    /// How it is written.
    pub format: ChannelFormat,
    /// Its webhook URL or `mailto:` addresses.
    pub url: &'a str,
    /// The secret `json` deliveries are signed with.
    pub signing_secret: &'a str,
}

/// Sends alerts; cheap to share.
#[derive(Debug, Clone)]
pub struct Deliverer {
    trigger: Trigger,
    smtp: Option<SmtpSettings>,
}

impl Deliverer {
    /// A deliverer reaching only what `policy` allows (names resolved with `dns`), sending
    /// email through `smtp` when set.
    pub fn new(
        policy: TargetPolicy,
        dns: &DnsServers,
        smtp: Option<SmtpSettings>,
    ) -> Result<Self, TriggerSetupError> {
        Ok(Self {
            trigger: Trigger::new(None, policy, dns)?,
            smtp,
        })
    }

    /// Whether email channels can be used (`SCHEDULEMAN_SMTP_URL` is set).
    pub fn email_enabled(&self) -> bool {
        self.smtp.is_some()
    }

    /// Sends `payload` to `channel` as delivery `id`'s attempt `attempt`; why not, when it
    /// fails.
    pub async fn deliver(
        &self,
        channel: ChannelTarget<'_>,
        id: Uuid,
        attempt: i32,
        payload: &AlertPayload,
    ) -> Result<(), String> {
        let body = match channel.format {
            ChannelFormat::Json => serde_json::to_string(payload),
            ChannelFormat::Slack => serde_json::to_string(&payload::slack(payload)),
            ChannelFormat::Email => return self.email(channel, payload).await,
        }
        .map_err(|error| format!("the alert could not be written: {error}"))?;
        let target = Target {
            url: channel.url.to_owned(),
            method: "POST".into(),
            headers: BTreeMap::from([("Content-Type".to_owned(), "application/json".to_owned())]),
            body: Some(body),
        };
        let call = WebhookCall {
            schedule_id: payload.schedule.as_ref().map_or(Uuid::nil(), |s| s.id),
            execution_id: id,
            name: channel.name,
            scheduled_for: payload.at,
            attempt,
            target: &target,
            signing_secret: Some(channel.signing_secret),
        };
        let attempted = self.trigger.fire(&call).await;
        match attempted.failure {
            None => Ok(()),
            Some(failure) => Err(failure.to_string()),
        }
    }

    async fn email(
        &self,
        channel: ChannelTarget<'_>,
        payload: &AlertPayload,
    ) -> Result<(), String> {
        let settings = self
            .smtp
            .as_ref()
            .ok_or("email needs SCHEDULEMAN_SMTP_URL, which this server does not have")?;
        let to = smtp::recipients(channel.url).map_err(|error| error.to_string())?;
        let (subject, body) = payload::text(payload);
        smtp::send(settings, &to, &subject, &body)
            .await
            .map_err(|error| error.to_string())
    }
}
