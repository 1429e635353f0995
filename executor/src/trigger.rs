//! The trigger itself: one HTTP request to a schedule's target, limited to 3 s in all, and
//! the classes of failure it can end in, each worded for the person reading the history.

use std::error::Error as _;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use sha2::Sha256;

use crate::echo::headers;
use crate::ssrf::{ForbiddenTarget, TargetPolicy};
use crate::store::claims::Claim;

/// The hard limit on one trigger: connecting, sending and reading the answer.
pub const TRIGGER_TIMEOUT: Duration = Duration::from_secs(3);
/// How much of a failing answer's body is kept as the reason.
const BODY_EXCERPT_BYTES: usize = 1024;
/// Header carrying the signing timestamp (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-scheduleman-timestamp";
/// Header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub const SIGNATURE_HEADER: &str = "x-scheduleman-signature";

/// Why a trigger failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No complete answer within the limit.
    Timeout(Duration),
    /// The host name did not resolve.
    Dns {
        /// The host.
        host: String,
        /// What the resolver said.
        reason: String,
    },
    /// The target refused the connection.
    ConnectionRefused,
    /// Connecting failed otherwise (TLS included).
    Connect(String),
    /// The target answered with a non-2xx status.
    Status {
        /// The status code.
        code: u16,
        /// The first KiB of the answer's body.
        body: String,
    },
    /// The request could not be built (bad method, header or URL).
    InvalidRequest(String),
    /// The target resolves to an address the target policy refuses.
    Forbidden(String),
    /// Anything else the HTTP client reported.
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(limit) => write!(f, "timeout after {} s", limit.as_secs_f64()),
            Self::Dns { host, reason } => write!(f, "DNS failure for {host}: {reason}"),
            Self::ConnectionRefused => f.write_str("connection refused"),
            Self::Connect(reason) => write!(f, "connection failed: {reason}"),
            Self::Status { code, body } if body.is_empty() => write!(f, "HTTP {code}"),
            Self::Status { code, body } => write!(f, "HTTP {code}: {body}"),
            Self::InvalidRequest(reason) => write!(f, "invalid request: {reason}"),
            Self::Forbidden(reason) => write!(f, "refused: {reason}"),
            Self::Other(reason) => f.write_str(reason),
        }
    }
}

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
    /// A trigger sender that reaches only addresses `policy` allows; requests are signed
    /// when `signing_secret` is given.
    pub fn new(signing_secret: Option<&str>, policy: TargetPolicy) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .timeout(TRIGGER_TIMEOUT)
            .connect_timeout(TRIGGER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Resolver {
                policy: policy.clone(),
            }))
            .user_agent(concat!("scheduleman/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            signing_secret: signing_secret.map(|secret| Arc::from(secret.as_bytes())),
            policy,
        })
    }

    /// Sends the trigger for `claim` and reports what happened.
    pub async fn fire(&self, claim: &Claim) -> Attempted {
        let started_at = Utc::now();
        let clock = Instant::now();
        let outcome = tokio::time::timeout(TRIGGER_TIMEOUT, self.send(claim)).await;
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

    async fn send(&self, claim: &Claim) -> Result<u16, (Option<u16>, Failure)> {
        let invalid = |reason: String| (None, Failure::InvalidRequest(reason));
        let url = reqwest::Url::parse(&claim.target.url)
            .map_err(|error| invalid(format!("{:?} is not a URL ({error})", claim.target.url)))?;
        // Literal addresses never reach the resolver, so they are checked here.
        if let Some(ip) = literal_ip(&url) {
            let host = url.host_str().unwrap_or_default();
            self.policy
                .check(host, ip)
                .map_err(|refused| (None, Failure::Forbidden(refused.to_string())))?;
        }
        let method = reqwest::Method::from_bytes(claim.target.method.as_bytes())
            .map_err(|_| invalid(format!("{:?} is not an HTTP method", claim.target.method)))?;
        let (body, default_body) = match &claim.target.body {
            Some(body) => (body.clone(), false),
            None => (default_body(claim), true),
        };
        let mut request_headers = HeaderMap::new();
        for (name, value) in &claim.target.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("{name:?} is not a header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("the value of header {name} is not valid")))?;
            request_headers.insert(name, value);
        }
        if default_body {
            request_headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in self.scheduleman_headers(claim, &body) {
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

    /// The `X-Scheduleman-*` headers; they override any the schedule sets.
    fn scheduleman_headers(&self, claim: &Claim, body: &str) -> Vec<(HeaderName, HeaderValue)> {
        let mut out = vec![
            header(headers::SCHEDULE_ID, &claim.schedule_id.to_string()),
            header(headers::EXECUTION_ID, &claim.execution_id.to_string()),
            header(
                headers::SCHEDULED_FOR,
                &claim.fire_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            ),
            header(headers::ATTEMPT, &claim.attempt.to_string()),
        ];
        if let Some(secret) = &self.signing_secret {
            let timestamp = Utc::now().timestamp().to_string();
            out.push(header(TIMESTAMP_HEADER, &timestamp));
            out.push(header(
                SIGNATURE_HEADER,
                &format!("sha256={}", sign(secret, &timestamp, body)),
            ));
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
fn default_body(claim: &Claim) -> String {
    serde_json::json!({
        "schedule_id": claim.schedule_id,
        "execution_id": claim.execution_id,
        "name": claim.name,
        "scheduled_for": claim.fire_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "attempt": claim.attempt,
    })
    .to_string()
}

/// Hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &[u8], timestamp: &str, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Up to the first KiB of a response body, as text.
async fn read_excerpt(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < BODY_EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(BODY_EXCERPT_BYTES);
    String::from_utf8_lossy(&bytes).trim().to_owned()
}

/// Puts a client error into its class, by its kind and its chain of causes.
fn classify(error: &reqwest::Error) -> Failure {
    if error.is_timeout() {
        return Failure::Timeout(TRIGGER_TIMEOUT);
    }
    if error.is_builder() {
        return Failure::InvalidRequest(innermost(error));
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(dns) = cause.downcast_ref::<DnsError>() {
            return Failure::Dns {
                host: dns.host.clone(),
                reason: dns.reason.clone(),
            };
        }
        if let Some(refused) = cause.downcast_ref::<ForbiddenTarget>() {
            return Failure::Forbidden(refused.to_string());
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return Failure::ConnectionRefused;
            }
        }
        source = cause.source();
    }
    if error.is_connect() {
        Failure::Connect(innermost(error))
    } else {
        Failure::Other(innermost(error))
    }
}

/// The deepest cause's message: the most specific words there are.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A failed host lookup, carried through the HTTP client so it can be classified.
#[derive(Debug)]
struct DnsError {
    host: String,
    reason: String,
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}: {}", self.host, self.reason)
    }
}

impl std::error::Error for DnsError {}

/// The address of a URL whose host is an IP literal.
fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// The system resolver, keeping only addresses the target policy allows (DNS can change
/// between save and trigger), with errors the classifier recognises.
struct Resolver {
    policy: Arc<TargetPolicy>,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let policy = self.policy.clone();
        Box::pin(async move {
            let lookup = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map(|addrs| addrs.collect::<Vec<SocketAddr>>());
            let addrs = match lookup {
                Ok(addrs) => addrs,
                Err(error) => {
                    return Err(Box::new(DnsError {
                        host,
                        reason: error.to_string(),
                    })
                        as Box<dyn std::error::Error + Send + Sync>)
                }
            };
            if addrs.is_empty() {
                return Err(Box::new(DnsError {
                    host,
                    reason: "no addresses".into(),
                })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|addr| match policy.check(&host, addr.ip()) {
                    Ok(()) => true,
                    Err(refused) => {
                        refusal.get_or_insert(refused);
                        false
                    }
                })
                .collect();
            match (allowed.is_empty(), refusal) {
                (true, Some(refused)) => {
                    Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>)
                }
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign(b"secret", "1700000000", "{}"),
            "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn failures_read_as_reasons() {
        assert_eq!(
            Failure::Timeout(TRIGGER_TIMEOUT).to_string(),
            "timeout after 3 s"
        );
        assert_eq!(Failure::ConnectionRefused.to_string(), "connection refused");
        assert_eq!(
            Failure::Status {
                code: 503,
                body: "busy".into()
            }
            .to_string(),
            "HTTP 503: busy"
        );
    }
}
