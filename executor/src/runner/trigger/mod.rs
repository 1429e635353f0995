//! The trigger itself: one HTTP request to a schedule's target, limited to 3 s in all,
//! described by a [`WebhookCall`] (it knows nothing of the store). Names are resolved by an
//! async resolver with its own time limit ([`dns`]), environment proxies are ignored (a proxy
//! would hide the real target from the safe-target check), failures are classified and
//! worded in [`failure`], and requests are signed as [`crate::signature`] says.

pub mod dns;
pub mod failure;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};

pub use self::failure::Failure;
use self::failure::{classify, read_excerpt};
use crate::model::WebhookCall;
use crate::signature::{headers, SignedParts};
pub use crate::ssrf::resolve::{DnsServers, DNS_TIMEOUT};
use crate::ssrf::TargetPolicy;

/// The hard limit on one trigger: connecting, sending and reading the answer.
pub const TRIGGER_TIMEOUT: Duration = Duration::from_secs(3);

/// What one attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub latency: Duration,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Why it failed; `None` when the target answered 2xx.
    pub failure: Option<Failure>,
}

/// Why the trigger sender could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TriggerSetupError {
    /// The system's resolver configuration (`/etc/resolv.conf`) could not be read.
    #[error("cannot read the system's DNS settings ({0}); set SCHEDULEMAN_DNS_SERVERS")]
    Dns(String),
    /// The HTTP client could not be built.
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Sends triggers; cheap to clone, shares one connection pool.
#[derive(Clone)]
pub struct Trigger {
    client: reqwest::Client,
    signing_secret: Option<Arc<[u8]>>,
    policy: Arc<TargetPolicy>,
}

impl fmt::Debug for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trigger")
            .field("signing", &self.signing_secret.is_some())
            .finish()
    }
}

impl Trigger {
    /// A trigger sender that reaches only addresses `policy` allows, resolving names with
    /// `dns`; a schedule's requests are signed with its own secret, or with
    /// `signing_secret` when it has none.
    pub fn new(
        signing_secret: Option<&str>,
        policy: TargetPolicy,
        dns: &DnsServers,
    ) -> Result<Self, TriggerSetupError> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .timeout(TRIGGER_TIMEOUT)
            .connect_timeout(TRIGGER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(dns::Resolver {
                policy: policy.clone(),
                dns: crate::ssrf::resolve::resolver(dns)
                    .map_err(|error| TriggerSetupError::Dns(error.0))?,
            }))
            .user_agent(concat!("scheduleman/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            signing_secret: signing_secret.map(|secret| Arc::from(secret.as_bytes())),
            policy,
        })
    }

    /// Sends `call` and reports what happened.
    pub async fn fire(&self, call: &WebhookCall<'_>) -> Attempted {
        let started_at = Utc::now();
        let clock = Instant::now();
        let outcome = tokio::time::timeout(TRIGGER_TIMEOUT, self.send(call)).await;
        let (status, failure) = match outcome {
            Ok(Ok(status)) => (Some(status), None),
            Ok(Err((status, failure))) => (status, Some(failure)),
            Err(_) => (None, Some(Failure::Timeout(TRIGGER_TIMEOUT))),
        };
        Attempted {
            started_at,
            latency: clock.elapsed(),
            status,
            failure,
        }
    }

    async fn send(&self, call: &WebhookCall<'_>) -> Result<u16, (Option<u16>, Failure)> {
        let invalid = |reason: String| (None, Failure::InvalidRequest(reason));
        let url = reqwest::Url::parse(&call.target.url)
            .map_err(|error| invalid(format!("{:?} is not a URL ({error})", call.target.url)))?;
        // Literal addresses never reach the resolver, so they are checked here.
        if let Some(ip) = literal_ip(&url) {
            let host = url.host_str().unwrap_or_default();
            self.policy
                .check(host, ip)
                .map_err(|refused| (None, Failure::Forbidden(refused.to_string())))?;
        }
        let method = reqwest::Method::from_bytes(call.target.method.as_bytes())
            .map_err(|_| invalid(format!("{:?} is not an HTTP method", call.target.method)))?;
        let (body, default_body) = match &call.target.body {
            Some(body) => (body.clone(), false),
            None => (default_body(call), true),
        };
        let mut request_headers = HeaderMap::new();
        for (name, value) in &call.target.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("{name:?} is not a header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("the value of header {name} is not valid")))?;
            request_headers.insert(name, value);
        }
        if default_body {
            request_headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in self.scheduleman_headers(call, method.as_str(), url.as_str(), &body) {
            request_headers.insert(name, value);
        }
        let response = self
            .client
            .request(method, url)
            .headers(request_headers)
            .body(body)
            .send()
            .await
            .map_err(|error| (None, classify(&error)))?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(status);
        }
        let body = read_excerpt(response).await;
        Err((Some(status), Failure::Status { code: status, body }))
    }

    /// The `X-Scheduleman-*` headers; they override any the schedule sets. Signed with the
    /// schedule's own secret, else the executor's, else unsigned.
    fn scheduleman_headers(
        &self,
        call: &WebhookCall<'_>,
        method: &str,
        url: &str,
        body: &str,
    ) -> Vec<(HeaderName, HeaderValue)> {
        let schedule_id = call.schedule_id.to_string();
        let execution_id = call.execution_id.to_string();
        let scheduled_for = call
            .scheduled_for
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        let attempt = call.attempt.to_string();
        let mut out = vec![
            header(headers::SCHEDULE_ID, &schedule_id),
            header(headers::EXECUTION_ID, &execution_id),
            header(headers::SCHEDULED_FOR, &scheduled_for),
            header(headers::ATTEMPT, &attempt),
        ];
        let secret = call
            .signing_secret
            .map(str::as_bytes)
            .or(self.signing_secret.as_deref());
        if let Some(secret) = secret {
            let timestamp = Utc::now().timestamp().to_string();
            let parts = SignedParts {
                timestamp: &timestamp,
                method,
                url,
                schedule_id: &schedule_id,
                execution_id: &execution_id,
                scheduled_for: &scheduled_for,
                attempt: &attempt,
                body: body.as_bytes(),
            };
            out.push(header(headers::TIMESTAMP, &timestamp));
            out.push(header(headers::SIGNATURE, &parts.signature(secret)));
        }
        out.into_iter().flatten().collect()
    }
}

fn header(name: &'static str, value: &str) -> Option<(HeaderName, HeaderValue)> {
    Some((
        HeaderName::from_static(name),
        HeaderValue::from_str(value).ok()?,
    ))
}

/// The JSON body sent when the schedule sets none.
fn default_body(call: &WebhookCall<'_>) -> String {
    serde_json::json!({
        "schedule_id": call.schedule_id,
        "execution_id": call.execution_id,
        "name": call.name,
        "scheduled_for": call.scheduled_for.to_rfc3339_opts(SecondsFormat::Millis, true),
        "attempt": call.attempt,
    })
    .to_string()
}

/// The address of a URL whose host is an IP literal.
fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}
