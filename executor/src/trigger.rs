//! The trigger itself: one HTTP request to a schedule's target, limited to 3 s in all, and
//! the classes of failure it can end in, each worded for the person reading the history.
//! Names are resolved by an async resolver with its own time limit (never on blocking
//! threads that a slow name could exhaust), environment proxies are ignored (a proxy would
//! hide the real target from the safe-target check), and a reply's words are cleaned of
//! control characters before anyone stores or shows them.

use std::error::Error as _;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};

use crate::signing::{headers, SignedParts};
use crate::ssrf::{ForbiddenTarget, TargetPolicy};
use crate::store::claims::Claim;

/// The hard limit on one trigger: connecting, sending and reading the answer.
pub const TRIGGER_TIMEOUT: Duration = Duration::from_secs(3);
/// How much of a failing answer's body is kept as the reason.
const BODY_EXCERPT_BYTES: usize = 1024;
/// How long a failing answer's body is read for the reason (within the 3 s limit).
const EXCERPT_TIME: Duration = Duration::from_millis(500);
/// The limit on resolving a target's name, within the trigger's 3 s.
pub const DNS_TIMEOUT: Duration = Duration::from_secs(2);

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

/// Which name servers resolve targets' host names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DnsServers {
    /// The system's (`/etc/resolv.conf`, and `/etc/hosts`).
    #[default]
    System,
    /// These servers (UDP, then TCP), and `/etc/hosts`.
    These(Vec<SocketAddr>),
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
            .dns_resolver(Arc::new(Resolver {
                policy: policy.clone(),
                dns: resolver(dns)?,
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
        for (name, value) in self.scheduleman_headers(claim, method.as_str(), url.as_str(), &body) {
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
        claim: &Claim,
        method: &str,
        url: &str,
        body: &str,
    ) -> Vec<(HeaderName, HeaderValue)> {
        let schedule_id = claim.schedule_id.to_string();
        let execution_id = claim.execution_id.to_string();
        let scheduled_for = claim.fire_at.to_rfc3339_opts(SecondsFormat::Millis, true);
        let attempt = claim.attempt.to_string();
        let mut out = vec![
            header(headers::SCHEDULE_ID, &schedule_id),
            header(headers::EXECUTION_ID, &execution_id),
            header(headers::SCHEDULED_FOR, &scheduled_for),
            header(headers::ATTEMPT, &attempt),
        ];
        let secret = claim
            .signing_secret
            .as_deref()
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

/// Up to the first KiB of a response body, as text.
/// A reply that trickles its body is read for at most [`EXCERPT_TIME`]; what came is kept.
async fn read_excerpt(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    let deadline = tokio::time::Instant::now() + EXCERPT_TIME;
    while bytes.len() < BODY_EXCERPT_BYTES {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => bytes.extend_from_slice(&chunk),
            Ok(Ok(None) | Err(_)) | Err(_) => break,
        }
    }
    bytes.truncate(BODY_EXCERPT_BYTES);
    printable(&String::from_utf8_lossy(&bytes))
}

/// `text` with every control character (NUL included) but tab and newline shown as U+FFFD,
/// trimmed: a reply's words as they may be stored and shown.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
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

/// The async resolver for `servers`, with a short per-query timeout and no retries beyond
/// a second try, so a name that resolves slowly fails within [`DNS_TIMEOUT`].
fn resolver(servers: &DnsServers) -> Result<TokioResolver, TriggerSetupError> {
    let provider = TokioRuntimeProvider::default();
    let mut builder = match servers {
        DnsServers::System => TokioResolver::builder(provider)
            .map_err(|error| TriggerSetupError::Dns(error.to_string()))?,
        DnsServers::These(addrs) => {
            let servers = addrs
                .iter()
                .map(|addr| {
                    let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                        .into_iter()
                        .map(|mut connection| {
                            connection.port = addr.port();
                            connection
                        })
                        .collect();
                    NameServerConfig::new(addr.ip(), true, connections)
                })
                .collect();
            TokioResolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider)
        }
    };
    let options = builder.options_mut();
    options.timeout = DNS_TIMEOUT / 2;
    options.attempts = 1;
    builder
        .build()
        .map_err(|error| TriggerSetupError::Dns(error.to_string()))
}

/// Resolves with the async resolver (bounded by [`DNS_TIMEOUT`]), keeping only addresses
/// the target policy allows (DNS can change between save and trigger), with errors the
/// classifier recognises.
struct Resolver {
    policy: Arc<TargetPolicy>,
    dns: TokioResolver,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let policy = self.policy.clone();
        let dns = self.dns.clone();
        Box::pin(async move {
            let dns_error = |reason: String| {
                Box::new(DnsError {
                    host: host.clone(),
                    reason,
                }) as Box<dyn std::error::Error + Send + Sync>
            };
            let lookup = tokio::time::timeout(DNS_TIMEOUT, dns.lookup_ip(host.as_str())).await;
            let addrs: Vec<SocketAddr> = match lookup {
                Err(_) => {
                    return Err(dns_error(format!(
                        "no answer within {} s",
                        DNS_TIMEOUT.as_secs_f64()
                    )))
                }
                Ok(Err(error)) => return Err(dns_error(error.to_string())),
                Ok(Ok(found)) => found.iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
            };
            if addrs.is_empty() {
                return Err(dns_error("no addresses".into()));
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
    fn a_reply_is_stored_without_control_characters() {
        assert_eq!(
            printable(" bad\0 reply\x1b[31m\r\nline two\t! "),
            "bad\u{FFFD} reply\u{FFFD}[31m\u{FFFD}\nline two\t!"
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
