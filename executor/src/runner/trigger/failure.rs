//! Why a trigger failed, in classes and in words for the person reading the history: the
//! HTTP client's errors classified by their chain of causes, and a failing reply's first KiB,
//! cleaned of control characters so it can be stored and shown.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use crate::ssrf::ForbiddenTarget;

use super::TRIGGER_TIMEOUT;

/// How much of a failing answer's body is kept as the reason.
const BODY_EXCERPT_BYTES: usize = 1024;
/// How long a failing answer's body is read for the reason (within the 3 s limit).
const EXCERPT_TIME: Duration = Duration::from_millis(500);

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

/// Up to the first KiB of a response body, as text.
/// A reply that trickles its body is read for at most [`EXCERPT_TIME`]; what came is kept.
pub(super) async fn read_excerpt(mut response: reqwest::Response) -> String {
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
pub(super) fn classify(error: &reqwest::Error) -> Failure {
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
pub(super) struct DnsError {
    pub(super) host: String,
    pub(super) reason: String,
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}: {}", self.host, self.reason)
    }
}

impl std::error::Error for DnsError {}

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
